"""``holdfast record``: write a sensor's raw recording while the chain runs live.

The recording holds every notification exactly as it arrived plus connect/disconnect marks,
so ``holdfast replay FILE`` later gives the same events as the live run printed.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from dsp.events import Event
from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.errors import ConfigError
from firmware_protocol.samples import Packet, SampleBatch
from sensor.ble import AUTO, BleSettings, BleSource
from sensor.recording import Marker, MountingSpec, RawHeader, RawRecordingWriter, utc_now
from service.chain import apply_item, last_time
from service.cmd_replay import add_exercise_arg, add_mounting_args, mounting_from_args
from service.formatting import event_json, event_text


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "record",
        help="record a BLE sensor (raw .jsonl[.gz]) while printing live events",
        description="Connect to a sensor, write every notification to a raw recording "
        "(replayable with holdfast replay) and print the events of the live chain. "
        "Keeps recording across disconnects (marked in the file). Stop with Ctrl-C.",
    )
    p.add_argument("--sensor", required=True, metavar="ADDRESS|auto", help="sensor address")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.jsonl[.gz]")
    p.add_argument("--rate", type=float, metavar="HZ", help="output rate (default: per model)")
    p.add_argument("--model", help="device model when the advertised name is not recognised")
    p.add_argument("--sensor-id", default="back", help="sensor id on events and in the file")
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    p.add_argument("--format", choices=("text", "jsonl"), default="text")
    p.add_argument("--no-angles", action="store_true", help="leave out the 10 Hz angle events")
    add_mounting_args(p)
    add_exercise_arg(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    name = args.output.name
    if not name.endswith((".jsonl", ".jsonl.gz")):
        raise ConfigError("--output", f"{name!r} is not a raw recording name", ".jsonl, .jsonl.gz")
    if args.duration is not None and args.duration <= 0:
        raise ConfigError("--duration", "must be > 0")
    return asyncio.run(record(args))


class LiveRecorder:
    """Raw recording writer fed by the source's taps.

    The header names the device model, so the file is opened once the model is certain:
    at the first decoded samples (a MetaWear board may first be taken for the other chip).
    Packets and marks before that wait in memory and are written first.
    """

    def __init__(
        self,
        path: Path,
        source: BleSource,
        start_utc: datetime,
        mounting: MountingSpec | None,
        session_id: str,
    ) -> None:
        self.path = path
        self.session_id = session_id
        self.source = source
        self.start_utc = start_utc
        self.mounting = mounting
        self.writer: RawRecordingWriter | None = None
        self._pending: list[Packet | Marker] = []
        self.packets = 0

    def packet(self, packet: Packet) -> None:
        self.packets += 1
        if self.writer is None:
            self._pending.append(packet)
        else:
            self.writer.write_packet(packet)

    def marker(self, marker: Marker) -> None:
        if self.writer is None:
            self._pending.append(marker)
        else:
            self.writer.write_marker(marker)

    def open(self) -> None:
        """Write the header and what waited; call when the device model is certain."""
        if self.writer is not None:
            return
        profile = self.source.profile
        rate = self.source.nominal_rate_hz
        if profile is None or rate is None:
            return  # never connected: nothing to record
        header = RawHeader(
            device=profile.model,
            nominal_rate_hz=rate,
            start_utc=self.start_utc,
            sensor=self.source.sensor_id,
            sensor_address=self.source.address,
            mounting=self.mounting,
            session_id=self.session_id,  # so a replay stamps the same event ids
        )
        self.writer = RawRecordingWriter(self.path, header)
        for item in self._pending:
            if isinstance(item, Packet):
                self.writer.write_packet(item)
            else:
                self.writer.write_marker(item)
        self._pending.clear()

    def close(self) -> None:
        self.open()
        if self.writer is not None:
            self.writer.close()


async def record(args: argparse.Namespace) -> int:
    t0_s = time.monotonic()
    start_utc = utc_now()
    axes = mounting_from_args(args)
    mounting = MountingSpec(up=axes[0], forward=axes[1]) if axes is not None else None
    settings = BleSettings(rate_hz=args.rate, model=args.model)
    source = BleSource(
        args.sensor if args.sensor.lower() != AUTO else AUTO,
        sensor_id=args.sensor_id,
        settings=settings,
        session_start_s=t0_s,
    )
    session_id = f"{start_utc.isoformat()}/{args.sensor_id}"
    recorder = LiveRecorder(args.output, source, start_utc, mounting, session_id)
    source.packet_tap = recorder.packet
    source.marker_tap = recorder.marker
    pipeline = Pipeline(
        args.sensor_id, session_id, PipelineSettings(emit_angles=not args.no_angles), axes
    )
    pipeline.set_exercise(args.exercise)
    fmt: Callable[[Event], str] = event_json if args.format == "jsonl" else event_text
    say = _printer(fmt)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.duration is not None:
        loop.call_later(args.duration, stop.set)
    t_end = 0.0

    async def consume() -> None:
        nonlocal t_end
        async for item in source:
            if isinstance(item, SampleBatch):
                recorder.open()
            t_end = last_time(item)
            for event in apply_item(pipeline, item):
                say(event)

    consumer = asyncio.create_task(consume(), name="record-consume")
    stopper = asyncio.create_task(stop.wait(), name="record-stop")
    try:
        await asyncio.wait({consumer, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not consumer.done():
            # Disconnect, then let the consumer write and process what had already arrived:
            # a packet the sensor sent before the stop belongs in the recording.
            await source.stop()
        await consumer  # re-raises what ended the stream (e.g. the sensor was not found)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        recorder.close()
    for event in pipeline.finish(t_end):  # the last item's time, as a replay of the file ends
        say(event)
    where = recorder.path if recorder.writer is not None else "nothing (never connected)"
    print(f"holdfast: recorded {recorder.packets} notifications to {where}", file=sys.stderr)
    return 0


def _printer(fmt: Callable[[Event], str]) -> Callable[[Event], None]:
    def say(event: Event) -> None:
        print(fmt(event), flush=True)

    return say
