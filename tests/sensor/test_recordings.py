"""Recording formats: round trips, and bad input named by file and line, nothing lost."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from synth import Key, simulate, write_witmotion

from firmware_protocol.samples import Packet, SampleBatch
from sensor.errors import RecordingError
from sensor.recording import Marker, RawHeader, RawRecording, RawRecordingWriter, utc_now
from sensor.replay import Recording
from sensor.samples_csv import SamplesCsv, write_samples_csv
from sensor.source import LinkStatus

UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"


def make_raw(path: Path, packets: int = 5) -> None:
    header = RawHeader(device="witmotion", nominal_rate_hz=10.0, start_utc=utc_now())
    with RawRecordingWriter(path, header) as w:
        w.write_marker(Marker(0.0, "connect"))
        for i in range(packets):
            w.write_packet(
                Packet(0.1 * i, UUID, bytes.fromhex("5561fcffefff110800000000000098ff0d00f831"))
            )
        w.write_marker(Marker(0.6, "disconnect", "link lost"))


@pytest.mark.parametrize("name", ["r.jsonl", "r.jsonl.gz"])
def test_raw_round_trip(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    make_raw(path)
    rec = RawRecording(path)
    items = list(rec)
    assert rec.header.device == "witmotion"
    assert isinstance(items[0], Marker)
    assert items[0].marker == "connect"
    packets = [i for i in items if isinstance(i, Packet)]
    assert [p.t_s for p in packets] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert packets[0].payload.hex() == "5561fcffefff110800000000000098ff0d00f831"
    assert items[-1] == Marker(0.6, "disconnect", "link lost")


def test_replay_turns_markers_into_link_status_and_gaps(tmp_path: Path) -> None:
    path = tmp_path / "r.jsonl"
    make_raw(path)
    header = RawHeader(device="witmotion", nominal_rate_hz=10.0, start_utc=utc_now())
    with RawRecordingWriter(tmp_path / "two.jsonl", header) as w:
        for item in RawRecording(path):
            (w.write_marker if isinstance(item, Marker) else w.write_packet)(item)  # type: ignore[arg-type]
        w.write_marker(Marker(3.0, "connect"))
        w.write_packet(Packet(3.1, UUID, bytes.fromhex("5561fcffefff110800000000000098ff0d00f831")))
    items = list(Recording(tmp_path / "two.jsonl").items())
    kinds = [i.kind if isinstance(i, LinkStatus) else "batch" for i in items]
    assert kinds == ["connected", "batch", "disconnected", "connected", "batch"]
    batches = [i for i in items if isinstance(i, SampleBatch)]
    assert not batches[0].gap_before
    assert batches[1].gap_before
    assert batches[0].acc_mps2[0] == pytest.approx([-0.01915, -0.08140, 9.88805], abs=1e-4)


def test_bad_line_is_named_by_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    make_raw(path)
    lines = path.read_text().splitlines(keepends=True)
    lines[3] = '{"t": 0.1, "uuid": "x", "hex": "zz"}\n'
    path.write_text("".join(lines))
    rec = RawRecording(path)
    seen: list[object] = []
    with pytest.raises(RecordingError) as info:
        seen.extend(rec)
    assert info.value.line == 4
    assert str(path) in str(info.value)
    assert len(seen) == 2  # everything before the bad line was delivered
    skipping = RawRecording(path, skip_bad=True)
    assert len(list(skipping)) == len(lines) - 2
    assert skipping.skipped == 1


def test_truncated_recording_replays_to_its_last_whole_line(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    make_raw(path)
    text = path.read_text()
    path.write_text(text[: len(text) - 30])  # killed mid-line
    rec = RawRecording(path)
    seen: list[object] = []
    with pytest.raises(RecordingError, match="truncated") as info:
        seen.extend(rec)
    assert info.value.line == 8
    assert len([i for i in seen if isinstance(i, Packet)]) == 5


def test_truncated_gzip_keeps_what_was_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    make_raw(path, packets=400)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    seen: list[object] = []
    with pytest.raises(RecordingError, match="truncated or corrupt"):
        seen.extend(RawRecording(path))
    assert len(seen) > 10


@pytest.mark.parametrize(
    ("first_line", "message"),
    [
        ("", "empty file"),
        ('{"format": "other", "device": "witmotion"}', "format"),
        (
            '{"format": "holdfast-raw", "nominal_rate_hz": 50, "start_utc": "2026-01-01"}',
            "device",
        ),
        (
            '{"format": "holdfast-raw", "version": 9, "device": "witmotion", "nominal_rate_hz": 5,'
            ' "start_utc": "2026-01-01T00:00:00Z"}',
            r"version 9 is newer than this holdfast reads \(up to 1\)",
        ),
        ("not json", "bad header"),
    ],
)
def test_wrong_header(tmp_path: Path, first_line: str, message: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(first_line + "\n" if first_line else "")
    with pytest.raises(RecordingError, match=message) as info:
        RawRecording(path)
    assert info.value.line == 1


def test_unknown_device_model_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(
        json.dumps({"device": "nosuch", "nominal_rate_hz": 10, "start_utc": "2026-01-01T00:00:00Z"})
        + "\n"
    )
    with pytest.raises(Exception, match=r"unknown model 'nosuch'.*witmotion"):
        Recording(path)


def test_samples_csv_round_trip_and_bad_row(tmp_path: Path) -> None:
    motion = simulate([Key(0), Key(3)], 50.0)
    path = tmp_path / "s.csv"
    write_samples_csv(path, motion.t_s, motion.acc_mps2, motion.gyro_dps)
    csv = SamplesCsv(path, chunk_rows=64)
    batches = list(csv.batches("x"))
    assert csv.has_gyro
    assert csv.nominal_rate_hz == pytest.approx(50.0)
    acc = np.vstack([b.acc_mps2 for b in batches])
    assert acc == pytest.approx(motion.acc_mps2, abs=1e-5)
    lines = path.read_text().splitlines(keepends=True)
    lines[10] = "0.18,1,2\n"
    path.write_text("".join(lines))
    with pytest.raises(RecordingError, match="3 columns") as info:
        list(SamplesCsv(path).batches("x"))
    assert info.value.line == 11


def test_csv_time_must_increase(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("t,ax,ay,az\n0.00,0,9.8,0\n0.01,0,9.8,0\n0.01,0,9.8,0\n0.02,0,9.8,0\n")
    with pytest.raises(RecordingError, match=r"t=0.01 does not increase") as info:
        list(SamplesCsv(path).batches("x"))
    assert info.value.line == 4
    lenient = SamplesCsv(path, skip_bad=True)
    t = np.concatenate([b.t_host_s for b in lenient.batches("x")])
    assert t.tolist() == [0.0, 0.01, 0.02]  # the repeated row dropped, nothing invented
    assert lenient.skipped == 1


def test_csv_header_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("time,x,y,z\n0,0,0,9.8\n")
    with pytest.raises(RecordingError, match="bad header") as info:
        SamplesCsv(path)
    assert info.value.line == 1


def test_gzip_recording_from_the_generator_decodes(tmp_path: Path) -> None:
    motion = simulate([Key(0), Key(2)], 50.0)
    plain = tmp_path / "a.jsonl"
    write_witmotion(str(plain), motion, 50.0)
    packed = tmp_path / "a.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a = [i for i in Recording(plain).items() if isinstance(i, SampleBatch)]
    b = [i for i in Recording(packed).items() if isinstance(i, SampleBatch)]
    assert np.array_equal(np.vstack([x.acc_mps2 for x in a]), np.vstack([x.acc_mps2 for x in b]))
    assert sum(len(x) for x in a) == len(motion.t_s)
