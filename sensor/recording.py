"""Raw recordings: what arrived over BLE, one JSON line per notification.

Format (documented in ``docs/recordings.md``)::

    {"format": "holdfast-raw", "version": 1, "device": "witmotion", "nominal_rate_hz": 50.0,
     "start_utc": "2026-11-20T10:00:00Z", "sensor": "back", "sensor_address": null,
     "mounting": {"up": "+y", "forward": "-z"}}
    {"t": 0.0213, "uuid": "0000ffe4-0000-1000-8000-00805f9a34fb", "hex": "5561fcff..."}
    {"t": 12.5, "marker": "disconnect", "detail": "link lost"}

Plain ``.jsonl`` or gzip ``.jsonl.gz``. The writer appends and flushes line by line, so a
killed process leaves a file that replays up to its last whole line.
"""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from firmware_protocol.samples import Packet
from sensor.errors import RecordingError
from sensor.limits import T_MAX_S, LimitError, check_rate_hz, check_time_s, loads_bounded
from sensor.lines import Line, open_binary, read_lines
from sensor.time_order import TimeOrder

RAW_FORMAT: Literal["holdfast-raw"] = "holdfast-raw"
RAW_VERSION = 1
AXES = ("+x", "-x", "+y", "-y", "+z", "-z")


class MountingSpec(BaseModel):
    """Which sensor axis points toward the head (``up``) and toward the belly (``forward``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    up: Literal["+x", "-x", "+y", "-y", "+z", "-z"]
    forward: Literal["+x", "-x", "+y", "-y", "+z", "-z"]


class RawHeader(BaseModel):
    """First line of a raw recording."""

    model_config = ConfigDict(frozen=True, extra="allow")
    format: Literal["holdfast-raw"] = RAW_FORMAT
    version: int = Field(default=RAW_VERSION, ge=1, le=RAW_VERSION)
    device: str
    nominal_rate_hz: float = Field(strict=True)  # strict: JSON true is not 1 Hz
    start_utc: datetime
    sensor: str | None = None
    sensor_address: str | None = None
    mounting: MountingSpec | None = None
    session_id: str | None = None

    @field_validator("nominal_rate_hz")
    @classmethod
    def _rate_in_range(cls, value: float) -> float:
        try:
            return check_rate_hz(value)
        except LimitError as exc:  # pydantic reports ValueError with the field's name
            raise ValueError(str(exc).removeprefix("nominal_rate_hz=")) from None

    def sensor_id(self, fallback: str) -> str:
        return self.sensor or self.sensor_address or fallback

    def effective_session_id(self) -> str:
        """Stable across replays: from the header, so event ids repeat for the same file."""
        return self.session_id or f"{self.start_utc.isoformat()}/{self.sensor_address or ''}"


@dataclass(frozen=True, slots=True)
class Marker:
    """A connect or disconnect mark in a raw recording."""

    t_s: float
    marker: Literal["connect", "disconnect"]
    detail: str = ""


RawItem = Packet | Marker

_WRITER_PACKET = re.compile(
    r'\{"t": ((?:0|[1-9][0-9]*)\.[0-9]{6}), "uuid": "([0-9a-f-]*)", "hex": "((?:[0-9a-f]{2})*)"\}'
)
"""A packet line exactly as :meth:`RawRecordingWriter.write_packet` writes it (lower-case).

Such a line is valid JSON whose ``t`` is a finite non-negative number and whose ``uuid`` and
``hex`` are plain strings, so the full check could only object to ``t`` beyond ``T_MAX_S``:
the reader takes these lines without ``json.loads`` (half its time) and sends every other
line, and a ``t`` out of range, through the full check, which alone words the errors.
"""


def _open_text(path: Path, mode: Literal["rt", "at", "wt"]) -> IO[str]:
    if path.name.endswith(".gz"):
        return gzip.open(path, mode, encoding="utf-8")
    return path.open(mode[0], encoding="utf-8")


class RawRecording:
    """Reads a raw recording: ``header``, then iterate for packets and markers.

    A bad line raises :class:`RecordingError` naming the file and line; with
    ``skip_bad=True`` it is counted in ``skipped`` instead. A truncated file (last line cut
    short, gzip stream cut short) yields everything before the cut, then raises (or, with
    ``skip_bad``, counts it).
    """

    def __init__(self, path: Path | str, *, skip_bad: bool = False) -> None:
        self.path = Path(path)
        self.skip_bad = skip_bad
        self.skipped = 0
        self.header = self._read_header()

    def _read_header(self) -> RawHeader:
        try:
            with open_binary(self.path) as f:
                first = next(read_lines(f), None)
        except (OSError, EOFError, zlib.error) as exc:
            raise RecordingError(self.path, 1, f"cannot read header: {exc}") from exc
        if first is None or not first.text.strip():
            raise RecordingError(
                self.path,
                1,
                first.problem if first and first.problem else "empty file: no header line",
            )
        if first.problem:
            raise RecordingError(self.path, 1, f"bad header ({first.problem})")
        try:
            return RawHeader.model_validate_json(first.text)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'header'}: "
                + e["msg"].removeprefix("Value error, ")
                for e in exc.errors()
            )
            newer = [
                e
                for e in exc.errors()
                if e["loc"] == ("version",) and e["type"] == "less_than_equal"
            ]
            if newer:  # a file from a later holdfast: say so rather than "should be <= 1"
                problems = (
                    f"format version {newer[0]['input']} is newer than this holdfast reads "
                    f"(up to {RAW_VERSION}); upgrade holdfast to replay it"
                )
            raise RecordingError(self.path, 1, f"bad header ({problems})") from exc

    def __iter__(self) -> Iterator[RawItem]:
        order: TimeOrder[RawItem] = TimeOrder(
            lambda lineno, reason: self._bad(lineno, f"bad line: {reason}", None), strict=False
        )
        lineno = 1
        try:
            with open_binary(self.path) as f:
                for line in read_lines(f):
                    lineno = line.lineno
                    if lineno == 1:
                        continue  # the header, read when opened
                    item = self._parse_line(line)
                    if item is not None:
                        yield from order.push(item.t_s, lineno, item)
        except RecordingError:
            yield from order.flush()  # the good line held back is not lost
            raise
        except (OSError, EOFError, zlib.error) as exc:
            yield from order.flush()
            self._bad(lineno + 1, f"file is truncated or corrupt after line {lineno}: {exc}", exc)
        yield from order.flush()

    def _parse_line(self, line: Line) -> RawItem | None:
        if line.problem is not None:
            self._bad(line.lineno, f"bad line: {line.problem}", None)
            return None
        if not line.ended:
            # The writer always ends lines: a missing newline means the writer was killed.
            if line.text.strip():
                self._bad(line.lineno, "truncated last line (the recording was cut off)", None)
            return None
        fast = _WRITER_PACKET.fullmatch(line.text)
        if fast is not None:
            t_fast = float(fast[1])
            if t_fast <= T_MAX_S:
                return Packet(t_fast, fast[2], bytes.fromhex(fast[3]))
        if not line.text.strip():
            return None
        try:
            obj = loads_bounded(line.text)
            if not isinstance(obj, dict):
                raise TypeError("a line must be a JSON object")
            t = check_time_s(obj.get("t"))
            if "hex" in obj:
                uuid, payload = obj.get("uuid"), obj["hex"]
                if not isinstance(uuid, str) or not isinstance(payload, str):
                    raise TypeError("uuid and hex must be strings")
                return Packet(t, uuid.lower(), bytes.fromhex(payload))
            marker = obj.get("marker")
            if marker not in ("connect", "disconnect"):
                raise ValueError(f"neither a packet (hex) nor a known marker: {marker!r}")
            detail = obj.get("detail", "")
            return Marker(t, marker, detail if isinstance(detail, str) else str(detail))
        except (ValueError, TypeError) as exc:  # json, LimitError, fromhex, shapes
            self._bad(line.lineno, f"bad line: {exc}", exc)
            return None

    def _bad(self, lineno: int, reason: str, cause: BaseException | None) -> None:
        if self.skip_bad:
            self.skipped += 1
            return
        raise RecordingError(self.path, lineno, reason) from cause


class RawRecordingWriter:
    """Appends packets and markers to a raw recording, one flushed line each."""

    def __init__(self, path: Path | str, header: RawHeader) -> None:
        self.path = Path(path)
        try:
            self._file = _open_text(self.path, "wt")
        except OSError as exc:
            raise RecordingError(self.path, None, f"cannot create recording: {exc}") from exc
        self._write(header.model_dump_json(exclude_none=True))

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()

    def write_packet(self, packet: Packet) -> None:
        hex_payload = packet.payload.hex()
        self._write(
            f'{{"t": {packet.t_s:.6f}, "uuid": "{packet.char_uuid}", "hex": "{hex_payload}"}}'
        )

    def write_marker(self, marker: Marker) -> None:
        self._write(
            json.dumps(
                {"t": round(marker.t_s, 6), "marker": marker.marker, "detail": marker.detail}
            )
        )

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RawRecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def utc_now() -> datetime:
    return datetime.now(UTC)


def is_raw_recording(path: Path) -> bool:
    return path.name.endswith((".jsonl", ".jsonl.gz"))
