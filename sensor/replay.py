"""Replay a recording (raw or samples CSV) as a stream of source items.

The same decoded batches come out whether a file is replayed as fast as possible (tests,
``holdfast replay``) or paced in real time (``--realtime``, ``holdfast serve``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from firmware_protocol.profile import DeviceProfile
from firmware_protocol.registry import profile_for
from firmware_protocol.samples import Packet
from sensor.decode_loop import DecodeLoop
from sensor.errors import RecordingError
from sensor.recording import MountingSpec, RawRecording, is_raw_recording
from sensor.samples_csv import SamplesCsv
from sensor.source import LinkKind, LinkStatus, SourceItem

PACKETS_PER_BATCH = 256


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """What the chain needs to know about a recording before the first sample."""

    path: Path
    sensor: str
    device: str
    nominal_rate_hz: float
    mounting: MountingSpec | None
    session_id: str


class Recording:
    """A raw recording or samples CSV, opened and checked; iterate ``items()``."""

    def __init__(self, path: Path | str, *, sensor: str | None = None, skip_bad: bool = False):
        self.path = Path(path)
        if not self.path.exists():
            raise RecordingError(self.path, None, "no such file")
        self._raw: RawRecording | None = None
        self._csv: SamplesCsv | None = None
        if is_raw_recording(self.path):
            self._raw = RawRecording(self.path, skip_bad=skip_bad)
            header = self._raw.header
            self.profile: DeviceProfile | None = profile_for(header.device)
            self.info = RecordingInfo(
                self.path,
                sensor or header.sensor_id(_stem(self.path)),
                header.device,
                header.nominal_rate_hz,
                header.mounting,
                header.effective_session_id(),
            )
        elif self.path.suffix.lower() == ".csv":
            self._csv = SamplesCsv(self.path, skip_bad=skip_bad)
            self.profile = None
            name = sensor or _stem(self.path)
            self.info = RecordingInfo(
                self.path, name, "csv", self._csv.nominal_rate_hz, None, f"csv/{name}"
            )
        else:
            raise RecordingError(
                self.path, None, "unknown recording type: expected .jsonl, .jsonl.gz or .csv"
            )

    @property
    def skipped(self) -> int:
        reader = self._raw or self._csv
        return reader.skipped if reader is not None else 0

    def items(self, packets_per_batch: int = PACKETS_PER_BATCH) -> Iterator[SourceItem]:
        """Batches of at most ``packets_per_batch`` packets (CSV: rows), and link status."""
        if self._csv is not None:
            yield from self._csv.batches(self.info.sensor, packets_per_batch)
            return
        assert self._raw is not None
        assert self.profile is not None
        yield from _decode_raw(self._raw, self.profile, self.info, packets_per_batch)


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _decode_raw(
    raw: RawRecording, profile: DeviceProfile, info: RecordingInfo, packets_per_batch: int
) -> Iterator[SourceItem]:
    """The recording through the same decode loop a live sensor's packets go through."""
    loop = DecodeLoop(
        info.sensor, profile, info.nominal_rate_hz, packets_per_batch=packets_per_batch
    )
    run: list[Packet] = []
    items = iter(raw)
    while True:
        try:
            item = next(items)
        except StopIteration:
            break
        except RecordingError:
            # Deliver every sample read before the bad line, then report it.
            yield from loop.packets(run)
            yield from loop.flush()
            raise
        if isinstance(item, Packet):
            run.append(item)
            if len(run) >= packets_per_batch:
                yield from loop.packets(run)
                run = []
            continue
        yield from loop.packets(run)
        run = []
        kind: LinkKind = "disconnected" if item.marker == "disconnect" else "connected"
        yield from loop.status(LinkStatus(info.sensor, item.t_s, kind, item.detail))
    yield from loop.packets(run)
    yield from loop.flush()


class ReplaySource:
    """A recording as a :class:`sensor.source.SampleSource`, optionally paced in real time."""

    def __init__(self, recording: Recording, *, realtime: bool = False, speed: float = 1.0):
        self.recording = recording
        self.realtime = realtime
        self.speed = speed

    @property
    def sensor_id(self) -> str:
        return self.recording.info.sensor

    async def __aiter__(self) -> AsyncIterator[SourceItem]:
        start = time.monotonic()
        # Small batches when pacing, so a live display sees samples as a sensor sends them.
        for item in self.recording.items(8 if self.realtime else PACKETS_PER_BATCH):
            if self.realtime:
                t = item.t_s if isinstance(item, LinkStatus) else float(item.t_host_s[-1])
                delay = start + t / self.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            else:
                await asyncio.sleep(0)  # let other tasks run between batches
            yield item
