"""The reader's fast path for lines in the writer's own format reads exactly what the full
check reads: the same items, the same skipped lines, the same errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firmware_protocol.samples import Packet
from sensor import recording
from sensor.errors import RecordingError
from sensor.recording import RawHeader, RawItem, RawRecording, RawRecordingWriter, utc_now

UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
HEX = "5561fcffefff110800000000000098ff0d00f831"

# Each line alone after a good one: the writer's own format and every near miss of it.
LINES = [
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX}"}}',  # the writer's format
    f'{{"t": 0.000000, "uuid": "{UUID}", "hex": ""}}',  # empty payload
    f'{{"t": 1.250000, "uuid": "{UUID.upper()}", "hex": "{HEX}"}}',  # upper-case uuid
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX.upper()}"}}',  # upper-case hex
    f'{{"t": 1.25, "uuid": "{UUID}", "hex": "{HEX}"}}',  # other number format
    f'{{"t":1.250000,"uuid":"{UUID}","hex":"{HEX}"}}',  # other spacing
    f'{{"t": 01.250000, "uuid": "{UUID}", "hex": "{HEX}"}}',  # leading zero: not JSON
    f'{{"t": 10000000.000001, "uuid": "{UUID}", "hex": "{HEX}"}}',  # beyond T_MAX_S
    f'{{"t": 10000000.000000, "uuid": "{UUID}", "hex": "{HEX}"}}',  # exactly T_MAX_S
    f'{{"t": {"9" * 400}.000000, "uuid": "{UUID}", "hex": "{HEX}"}}',  # infinite as float
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX[:-1]}"}}',  # odd hex length
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "55 61"}}',  # spaced hex
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX}"}} ',  # trailing space
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX}"}}x',  # trailing garbage
    f'{{"t": 1.250000, "uuid": "{UUID}", "hex": "{HEX}", "t": 2.0}}',  # duplicate key
    f'{{"t": 1.250000, "uuid": "{UUID}\\u0041", "hex": "{HEX}"}}',  # escaped uuid
    f'{{"t": 0.500000, "uuid": "{UUID}", "hex": "{HEX}"}}',  # goes back in time
    f'{{"t": 1.250000, "uuid": "", "hex": "{HEX}"}}',  # empty uuid
    '{"t": 1.250000, "marker": "disconnect", "detail": "x"}',
]


def _write(path: Path, line: str) -> None:
    header = RawHeader(device="witmotion", nominal_rate_hz=10.0, start_utc=utc_now())
    good = f'{{"t": 1.000000, "uuid": "{UUID}", "hex": "{HEX}"}}'
    last = f'{{"t": 2.000000, "uuid": "{UUID}", "hex": "{HEX}"}}'
    path.write_text("\n".join([header.model_dump_json(), good, line, last, ""]))


def _read(path: Path, *, skip_bad: bool) -> tuple[list[RawItem], int, str | None]:
    rec = RawRecording(path, skip_bad=skip_bad)
    items: list[RawItem] = []
    try:
        items.extend(rec)
    except RecordingError as exc:
        return items, rec.skipped, str(exc)
    return items, rec.skipped, None


@pytest.mark.parametrize("line", LINES)
@pytest.mark.parametrize("skip_bad", [False, True])
def test_fast_path_reads_what_the_full_check_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: str, skip_bad: bool
) -> None:
    path = tmp_path / "r.jsonl"
    _write(path, line)
    fast = _read(path, skip_bad=skip_bad)
    monkeypatch.setattr(recording, "_WRITER_PACKET", re.compile(r"(?!)"))  # never matches
    full = _read(path, skip_bad=skip_bad)
    assert fast == full


def test_fast_path_takes_the_writers_lines(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"
    header = RawHeader(device="witmotion", nominal_rate_hz=10.0, start_utc=utc_now())
    with RawRecordingWriter(path, header) as writer:
        writer.write_packet(Packet(1234.5678, UUID, bytes.fromhex(HEX)))
    line = path.read_text().splitlines()[1]
    assert recording._WRITER_PACKET.fullmatch(line) is not None
