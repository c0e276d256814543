"""``holdfast replay FILE --routine R``: the routine runs in the same event stream, tells the
chain each exercise and side, and the stream keeps its contract (seq without holes, ids)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dsp.events import parse_event
from service.cli import main

ROOT = Path(__file__).resolve().parents[2]
RECORDINGS = ROOT / "recordings"


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    assert main(["replay", *args, "--format", "jsonl", "--no-angles"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for line in lines:
        parse_event(line)  # every line is a valid event of the contract
    return [json.loads(line) for line in lines]


def test_a_routine_names_the_sides_the_chain_cannot_see(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    spec = tmp_path / "hips.toml"
    spec.write_text(
        '[routine]\nname = "hips"\nrest_s = 20\n\n'
        '[[step]]\nexercise = "isometric_hip_flexion"\nside = "both"\nreps = 10\nhold_s = 3\n'
    )
    events = replay(
        capsys, str(RECORDINGS / "isometric_hip_flexion.jsonl.gz"), "--routine", str(spec)
    )
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert len({e["id"] for e in events}) == len(events)
    types = [e["type"] for e in events]
    assert types[0] == "routine_started"
    steps = [e for e in events if e["type"] == "routine_step"]
    assert [(s["exercise"], s["side"]) for s in steps] == [
        ("isometric_hip_flexion", "right"),
        ("isometric_hip_flexion", "left"),
    ]
    # the chain's own events carry the side it was told, and its sets follow the sides
    holds = [e for e in events if e["type"] == "hold_ended"]
    assert holds
    assert all(h["side"] in ("right", "left") for h in holds)
    reps = [e for e in events if e["type"] == "rep"]
    assert {r["side"] for r in reps} == {"right", "left"}
    assert next(r["index"] for r in reps if r["side"] == "left") == 1
    # a routine event follows the chain event that decided it
    for i, e in enumerate(events):
        if e["type"] == "routine_progress":
            assert events[i - 1]["type"] == "rep"
    (end,) = [e for e in events if e["type"] == "routine_ended"]
    assert types.index("routine_ended") < types.index("session_summary")
    assert end["routine"] == "hips"


def test_without_a_routine_nothing_changes(capsys: pytest.CaptureFixture[str]) -> None:
    events = replay(capsys, str(RECORDINGS / "bridge.jsonl.gz"))
    assert not [e for e in events if str(e["type"]).startswith("routine_")]


def test_a_bad_routine_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(RECORDINGS / "bridge.jsonl.gz"), "--routine", "nope"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "no built-in routine 'nope'" in err


def test_the_calibration_bend_is_not_the_first_exercise(capsys: pytest.CaptureFixture[str]) -> None:
    """Told a stretch from the start, the chain would time the stand-and-bend as one: the
    routine tells it only once the mounting is known."""
    events = replay(capsys, str(RECORDINGS / "stretches.jsonl.gz"), "--routine", "stretches")
    (done,) = [e for e in events if e["type"] == "calibrated" and e["stage"] == "complete"]
    holds = [e for e in events if e["type"] == "hold_ended"]
    assert holds
    assert all(float(h["t_start"]) > float(done["t"]) for h in holds)  # type: ignore[arg-type]
    first = next(e for e in events if e["type"] == "routine_set_ended")
    assert first["exercise"] == "psoas_stretch"
    assert first["side"] == "right"
