"""Bad values at the edge of the readers: issue 14's findings 1-4, one regression test each.

Every damaged copy is made from a real recording in ``recordings/``; the check is that the
damage is named (file, line, what is allowed) and costs exactly the damaged line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.samples import SampleBatch
from sensor.errors import RecordingError
from sensor.limits import RATE_MAX_HZ, RATE_MIN_HZ
from sensor.recording import RawRecording
from sensor.replay import Recording
from sensor.samples_csv import SamplesCsv
from service.chain import apply_item

ROOT = Path(__file__).resolve().parents[2]
BENDS = ROOT / "recordings" / "basic_forward_bends.jsonl"


def _lines() -> list[bytes]:
    return BENDS.read_bytes().splitlines(keepends=True)


def _event_types(path: Path, *, skip_bad: bool = False) -> list[str]:
    recording = Recording(path, skip_bad=skip_bad)
    pipeline = Pipeline("back", "s", PipelineSettings(), None)
    out: list[str] = []
    t_last = 0.0
    for item in recording.items():
        out += [e.type for e in apply_item(pipeline, item) if e.type != "angle"]
        if isinstance(item, SampleBatch):
            t_last = float(item.t_host_s[-1])
    out += [e.type for e in pipeline.finish(t_last) if e.type != "angle"]
    return out


@pytest.mark.parametrize(
    ("value", "shown"), [("1e300", "1e+300"), ("Infinity", "inf"), ("0", "0"), ("-5", "-5")]
)
def test_finding1_header_rate_out_of_range_is_a_named_error(
    tmp_path: Path, value: str, shown: str
) -> None:
    lines = _lines()
    lines[0] = lines[0].replace(b'"nominal_rate_hz":50.0', f'"nominal_rate_hz":{value}'.encode())
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    expected = re.escape(f"nominal_rate_hz: {shown} Hz is outside 0.1..2000 Hz")
    with pytest.raises(RecordingError, match=expected):
        Recording(path)


def test_finding1_csv_time_step_too_small_is_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    rows = "".join(f"{i * 1e-200!r},0,9.8,0\n" for i in range(50))
    path.write_text("t,ax,ay,az\n" + rows)
    with pytest.raises(RecordingError, match=r"1e-200 s apart.*outside 0.1..2000 Hz"):
        SamplesCsv(path)


@pytest.mark.parametrize("damage_at", [3, 40, 200, 700, 1300])
def test_finding2_one_invalid_utf8_byte_costs_its_own_line(tmp_path: Path, damage_at: int) -> None:
    lines = _lines()
    good = list(RawRecording(BENDS))
    lines[damage_at - 1] = lines[damage_at - 1][:30] + b"\xff" + lines[damage_at - 1][31:]
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    seen: list[object] = []
    with pytest.raises(RecordingError) as info:
        seen.extend(RawRecording(path))
    assert info.value.line == damage_at
    assert "not UTF-8" in info.value.reason
    assert seen == good[: damage_at - 2]  # every line before the damage, none invented
    lenient = RawRecording(path, skip_bad=True)
    kept = list(lenient)
    assert lenient.skipped == 1
    assert kept == good[: damage_at - 2] + good[damage_at - 1 :]


def test_finding2_skip_bad_counts_every_damaged_line(tmp_path: Path) -> None:
    lines = _lines()
    damaged = [5, 77, 78, 500, 1364]
    for n in damaged:
        lines[n - 1] = b"\xfe" + lines[n - 1][1:]
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    lenient = RawRecording(path, skip_bad=True)
    assert len(list(lenient)) == len(lines) - 1 - len(damaged)
    assert lenient.skipped == len(damaged)


def test_finding3_deeply_nested_line_is_a_bad_line_not_a_recursion_error(tmp_path: Path) -> None:
    lines = _lines()
    lines.insert(10, b"[" * 60_000 + b"\n")  # under the line limit: the depth check catches it
    lines.insert(20, b"[" * 100_000 + b"\n")  # over the line limit
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    with pytest.raises(RecordingError, match="nested deeper") as info:
        list(RawRecording(path))
    assert info.value.line == 11
    lenient = RawRecording(path, skip_bad=True)
    assert len(list(lenient)) == len(lines) - 3
    assert lenient.skipped == 2


@pytest.mark.parametrize(
    ("t", "message"),
    [
        ("NaN", "NaN is not a number"),
        ("1e300", "t=1e+300 is outside"),
        ("true", "t must be a number"),
        ("-1e9", "t=-1e+09 is outside"),
        ("900", "t=900 is ahead of the lines around it"),
    ],
)
def test_finding4_bad_t_in_a_recording_costs_its_line_and_no_event(
    tmp_path: Path, t: str, message: str
) -> None:
    lines = _lines()
    obj = json.loads(lines[599])
    lines[599] = lines[599].replace(f'"t": {obj["t"]:.6f}'.encode(), f'"t": {t}'.encode())
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    with pytest.raises(RecordingError, match=re.escape(message)) as info:
        list(RawRecording(path))
    assert info.value.line == 600
    baseline = _event_types(BENDS)
    assert _event_types(path, skip_bad=True) == baseline  # no event lost, no phantom gap


@pytest.mark.parametrize(
    ("t", "message"),
    [
        ("nan", "t=nan is outside"),
        ("1e300", "t=1e+300 is outside"),
        ("true", "could not convert"),
        ("-1e9", "t=-1e+09 is outside"),
        ("900", "t=900 is ahead"),
    ],
)
def test_finding4_bad_t_in_a_csv_costs_its_row(tmp_path: Path, t: str, message: str) -> None:
    rows = [f"{i / 50:.6f},0,9.8,0\n" for i in range(500)]
    rows[300] = f"{t},0,9.8,0\n"
    path = tmp_path / "s.csv"
    path.write_text("t,ax,ay,az\n" + "".join(rows))
    with pytest.raises(RecordingError, match=re.escape(message)) as info:
        list(SamplesCsv(path).batches("x"))
    assert info.value.line == 302
    lenient = SamplesCsv(path, skip_bad=True)
    times = np.concatenate([b.t_host_s for b in lenient.batches("x")])
    assert lenient.skipped == 1
    assert times.tolist() == [i / 50 for i in range(500) if i != 300]


def test_csv_values_out_of_range_are_named(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("t,ax,ay,az\n0,0,9.8,0\n0.02,0,9.8,0\n0.04,0,1e30,0\n0.06,0,inf,0\n")
    with pytest.raises(RecordingError, match=r"ay=1e\+30 is outside -2000..2000") as info:
        list(SamplesCsv(path).batches("x"))
    assert info.value.line == 4
    lenient = SamplesCsv(path, skip_bad=True)
    assert sum(len(b) for b in lenient.batches("x")) == 2
    assert lenient.skipped == 2


def test_csv_invalid_utf8_costs_one_row(tmp_path: Path) -> None:
    rows = [f"{i / 50:.6f},0,9.8,0\n".encode() for i in range(2000)]
    rows[1500] = b"30.0\xff0,0,9.8,0\n"
    path = tmp_path / "s.csv"
    path.write_bytes(b"t,ax,ay,az\n" + b"".join(rows))
    lenient = SamplesCsv(path, skip_bad=True)
    assert sum(len(b) for b in lenient.batches("x")) == 1999
    assert lenient.skipped == 1
    with pytest.raises(RecordingError, match="not UTF-8") as info:
        list(SamplesCsv(path).batches("x"))
    assert info.value.line == 1502


def test_finding2_replay_skip_bad_reports_the_true_count_and_keeps_the_rest(
    tmp_path: Path,
) -> None:
    import subprocess
    import sys

    lines = _lines()
    for n in (100, 101, 700):  # three damaged lines, two of them side by side
        lines[n - 1] = lines[n - 1][:20] + b"\xc3\x28" + lines[n - 1][22:]
    path = tmp_path / "r.jsonl"
    path.write_bytes(b"".join(lines))
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(path), "--format", "jsonl",
         "--no-angles", "--skip-bad"],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert f"skipped 3 bad line(s) in {path}" in done.stderr
    types = [json.loads(line)["type"] for line in done.stdout.splitlines()]
    assert types == _event_types(BENDS)  # three lost notifications change no event


@pytest.mark.parametrize("rate_hz", [RATE_MIN_HZ, 1.0, RATE_MAX_HZ])
def test_every_rate_the_readers_let_through_runs_the_chain(rate_hz: float) -> None:
    # The bounds are only worth something if the chain works everywhere inside them.
    n = max(8, int(min(rate_hz * 30, 60_000)))
    t = np.arange(n) / rate_hz
    acc = np.tile([0.0, 9.8, 0.0], (n, 1)) + np.random.default_rng(1).normal(0, 0.05, (n, 3))
    pipeline = Pipeline("x", "s", PipelineSettings(), None)
    events = []
    for i in range(0, n, 512):
        events += pipeline.update(
            SampleBatch("x", t[i : i + 512], acc[i : i + 512], None, None, rate_hz)
        )
    events += pipeline.finish(float(t[-1]))
    assert events[-1].type == "session_summary"
    assert all(np.isfinite(e.t) for e in events)
