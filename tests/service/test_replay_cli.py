"""`holdfast replay`: the jsonl contract on every recording, text output, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from synth import Key, simulate, standing_then

from dsp.events import EVENT_TYPES, parse_event
from service.cli import main

RECORDINGS = Path(__file__).resolve().parents[2] / "recordings"
ALL = sorted(p for p in RECORDINGS.iterdir() if p.name.endswith((".jsonl", ".jsonl.gz", ".csv")))


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["replay", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_there_are_recordings() -> None:
    assert ALL


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_every_recording_replays_to_valid_jsonl(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = replay(capsys, str(path), "--format", "jsonl")
    assert code == 0
    events = [parse_event(line) for line in out.splitlines()]
    assert events
    assert {e.type for e in events} <= set(EVENT_TYPES)
    assert {"calibrated", "angle"} <= {e.type for e in events}
    for line in out.splitlines():
        assert json.loads(line)["sensor"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))


def test_samples_csv_replays_like_a_raw_recording(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sensor.samples_csv import write_samples_csv

    motion = simulate(standing_then([Key(0), Key(1.5, 80), Key(3.0), Key(5.0)]), 50.0, ("-y", "+x"))
    path = tmp_path / "bends.csv"
    write_samples_csv(path, motion.t_s, motion.acc_mps2, motion.gyro_dps)
    code, out, _ = replay(capsys, str(path), "--format", "jsonl", "--no-angles")
    assert code == 0
    events = [parse_event(line) for line in out.splitlines()]
    flexions = [e for e in events if e.type == "flexion"]
    assert [round(e.peak_deg / 10) for e in flexions] == [5, 8]  # type: ignore[union-attr]
    assert all(e.type != "angle" for e in events)


def test_explicit_mounting_and_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    path = RECORDINGS / "basic_forward_bends.jsonl"
    code, out, _ = replay(capsys, str(path), "--up", "+y", "--forward", "-z", "--no-angles")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "   0:00  Calibrated from --up/--forward: learned up and forward."
    assert sum("Forward bend to" in line for line in lines) == 4
    assert sum("WARNING: 3 forward bends deeper than 45°" in line for line in lines) == 1
    assert not any("flexion" in line or "=" in line for line in lines)  # sentences only


def test_bad_line_exits_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = (RECORDINGS / "basic_forward_bends.jsonl").read_text().splitlines(keepends=True)
    src[100] = "garbage\n"
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(src))
    code, out, err = replay(capsys, str(path), "--format", "jsonl")
    assert code == 2
    assert f"{path}:101" in err
    assert out  # events before the bad line were printed
    code, _, err = replay(capsys, str(path), "--format", "jsonl", "--skip-bad")
    assert code == 0
    assert "skipped 1 bad line" in err


def test_missing_file_and_wrong_mounting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = replay(capsys, str(tmp_path / "nope.jsonl"))
    assert code == 2
    assert "no such file" in err
    path = RECORDINGS / "basic_standing_still.jsonl"
    code, _, err = replay(capsys, str(path), "--up", "+y", "--forward", "-y")
    assert code == 2
    assert "not perpendicular" in err


def test_sustained_bend_alerts_unless_the_exercise_prescribes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from sensor.samples_csv import write_samples_csv

    keys = standing_then([Key(0), Key(2.5, 90, 0, 0.95), Key(32.5, 90, 0, 0.95), Key(35), Key(37)])
    motion = simulate(keys, 50.0, ("+z", "+x"), noise_acc_mps2=0.03, noise_gyro_dps=0.3)
    path = tmp_path / "l_stretch.csv"
    write_samples_csv(path, motion.t_s, motion.acc_mps2, motion.gyro_dps)

    def alerts(*extra: str) -> list[str]:
        code, out, _ = replay(capsys, str(path), "--format", "jsonl", "--no-angles", *extra)
        assert code == 0
        return [e.reason for e in map(parse_event, out.splitlines()) if e.type == "flexion_alert"]  # type: ignore[union-attr]

    assert alerts() == ["sustained"]
    assert alerts("--exercise", "l_stretch") == []
    code, _, err = replay(capsys, str(path), "--exercise", "jumping")
    assert code == 2
    assert "unknown exercise 'jumping'" in err


def test_realtime_replay_gives_the_same_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from synth import write_witmotion

    motion = simulate(standing_then([Key(0), Key(0.5)], still_s=1.5), 50.0, ("+y", "-z"))
    path = tmp_path / "short.jsonl"
    write_witmotion(str(path), motion, 50.0)
    code, fast, _ = replay(capsys, str(path), "--format", "jsonl")
    assert code == 0
    code, paced, _ = replay(capsys, str(path), "--format", "jsonl", "--realtime")
    assert code == 0
    fast_events = [parse_event(line) for line in fast.splitlines()]
    paced_events = [parse_event(line) for line in paced.splitlines()]
    assert [e.id for e in paced_events] == [e.id for e in fast_events]
    assert [e.type for e in paced_events] == [e.type for e in fast_events]


@pytest.mark.parametrize(
    "name", ["demo.jsonl.gz", "demo_metawear.jsonl.gz", "toe_touch_25hz.csv"], ids=str
)
def test_ids_are_the_same_with_and_without_angles(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(RECORDINGS / name)
    _, with_angles, _ = replay(capsys, path, "--format", "jsonl")
    _, without, _ = replay(capsys, path, "--format", "jsonl", "--no-angles")
    kept = [json.loads(line) for line in with_angles.splitlines()]
    angles = [e for e in kept if e["type"] == "angle"]
    others = [e for e in kept if e["type"] != "angle"]
    alone = [json.loads(line) for line in without.splitlines()]
    assert angles
    assert [e["id"] for e in alone] == [e["id"] for e in others]
    # Everything but seq (the position in the stream that was emitted) is the same.
    assert [{**e, "seq": 0} for e in alone] == [{**e, "seq": 0} for e in others]
    assert len({e["id"] for e in kept}) == len(kept)


@pytest.mark.parametrize(
    ("up", "forward", "looks", "advice"),
    [
        ("-y", "-z", "upside down (head down)", "use --up +y (or"),
        ("-z", "+y", "lying on the back", "use --up +y and another --forward"),
        ("+x", "-z", "lying on a side", "use --up +y (or"),
    ],
)
def test_a_mounting_that_makes_standing_look_wrong_is_reported(
    capsys: pytest.CaptureFixture[str], up: str, forward: str, looks: str, advice: str
) -> None:
    path = RECORDINGS / "basic_standing_still.jsonl"  # standing still, +y up
    code, _, err = replay(capsys, str(path), "--up", up, "--forward", forward)
    assert code == 0
    (line,) = err.splitlines()
    assert line.startswith(f"holdfast: warning: mounting --up {up} --forward {forward}: ")
    assert f"reads as {looks}; the sensor's +y axis pointed up" in line
    assert advice in line


def test_the_right_mounting_gets_no_warning(capsys: pytest.CaptureFixture[str]) -> None:
    path = RECORDINGS / "basic_standing_still.jsonl"
    code, out, err = replay(capsys, str(path), "--up", "+y", "--forward", "-z")
    assert code == 0
    assert err == ""
    assert "Now upright" in out
