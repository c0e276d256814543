"""A replay is the live session again: every library recording and a raw recording of every
device family, played through the fake BlueZ into a live ``BleSource``, recorded as the live
run went, then replayed; the two event streams are compared whole (ids included, nothing
sorted or stripped).

The fake plays each recording's notifications back time-compressed (``SPEED`` times real
time); the device emulators still answer the commands themselves (battery, module info,
control point). The recording the live run makes (packets, reads, connect marks) is what
``holdfast record`` would write.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from fakebluez.harness import DeviceSpec, FakeControl

from dsp.events import Event
from dsp.pipeline import Pipeline
from firmware_protocol.registry import PROFILES
from firmware_protocol.samples import Packet, SampleBatch
from sensor.ble import BleSettings, BleSource
from sensor.recording import Marker, RawHeader, RawRecordingWriter
from sensor.replay import Recording
from sensor.simulator.output import write_raw
from sensor.simulator.script import load_script
from sensor.simulator.session import SimulationSettings, simulate
from service.chain import apply_item, events_from_items, last_time, pipeline_for

from .conftest import StartFake

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for raw_builders
from raw_builders import holdfast_stream_recording, polar_recording

pytestmark = [pytest.mark.dbus, pytest.mark.slow]

SPEED = 40.0
LIBRARY = sorted(
    p
    for p in (Path(__file__).resolve().parents[2] / "recordings").iterdir()
    if p.name.endswith((".jsonl", ".jsonl.gz"))  # samples CSVs never went over BLE
)
NAMES = {
    "witmotion": "WT901BLE68",
    "microbit": "BBC micro:bit [zatig]",
    "thingy52": "Thingy",
    "metawear-bmi160": "MetaWear",
    "metawear-bmi270": "MetaWear",
    "polar-h10": "Polar H10 A1B2C3D4",
    "polar-verity": "Polar Sense B5C6D7E8",
    "holdfast": "holdfast-esp32",
}


def _family_recording(model: str, directory: Path) -> Path:
    path = directory / f"{model}.jsonl"
    if model == "holdfast":
        return holdfast_stream_recording(path, damaged=True)
    if model.startswith("polar"):
        return polar_recording(path, model)
    write_raw(simulate(load_script("forward_bend"), SimulationSettings(seed=5)), path, model)
    return path


def test_every_family_has_a_name_here() -> None:
    assert sorted(NAMES) == sorted(PROFILES)


async def _live(
    start_fake: StartFake, control: FakeControl, recording: Path, tmp_path: Path
) -> tuple[list[Event], Path]:
    """Events of the live session, and the raw recording it made."""
    original = Recording(recording)
    info = original.info
    model = info.device
    device = DeviceSpec(model, "C0:FF:EE:00:10:01", NAMES[model], f"playback:{recording}@{SPEED}")
    start_fake([device])
    settings = BleSettings(
        rate_hz=info.nominal_rate_hz, model=model, scan_timeout_s=5.0, stall_timeout_s=30.0
    )
    packets: list[Packet] = []
    marks: list[Packet | Marker] = []

    def tap(packet: Packet) -> None:
        packets.append(packet)
        marks.append(packet)

    source = BleSource(device.address, sensor_id=info.sensor, settings=settings)
    source.packet_tap = tap
    source.marker_tap = marks.append
    mounting = (info.mounting.up, info.mounting.forward) if info.mounting else None
    pipeline = Pipeline(info.sensor, info.session_id, None, mounting)
    events: list[Event] = []
    t_end = 0.0

    async def consume() -> None:
        nonlocal t_end
        async for item in source:
            t_end = last_time(item)
            events.extend(apply_item(pipeline, item))

    task = asyncio.create_task(consume())
    async with asyncio.timeout(120):  # a hang guard, not a speed assertion
        while True:
            await asyncio.sleep(0.2)
            if task.done():
                task.result()
            stats = await control.stats(device.address)
            played = stats["samples"]  # in playback mode: recorded notifications sent
            if (
                played
                and played == _notifications(recording, model)
                and (source.packets_received >= stats["notifications"])
            ):
                break
    await source.stop()
    await task
    events.extend(pipeline.finish(t_end))
    assert source.dropped_packets == 0
    assert any(isinstance(p, Packet) for p in packets)
    made = tmp_path / "live.jsonl"
    header = RawHeader(
        device=model,
        nominal_rate_hz=info.nominal_rate_hz,
        start_utc=original._raw.header.start_utc if original._raw else None,  # type: ignore[arg-type]
        sensor=info.sensor,
        mounting=info.mounting,
        session_id=info.session_id,
    )
    with RawRecordingWriter(made, header) as writer:
        for item in marks:
            if isinstance(item, Packet):
                writer.write_packet(item)
            else:
                writer.write_marker(item)
    return events, made


def _notifications(recording: Path, model: str) -> int:
    raw = Recording(recording)._raw
    assert raw is not None
    notify = set(PROFILES[model].notify_uuids)
    return sum(1 for item in raw if isinstance(item, Packet) and item.char_uuid in notify)


def _replayed(path: Path) -> list[Event]:
    recording = Recording(path)
    return list(events_from_items(pipeline_for(recording), recording.items()))


async def _check(start_fake: StartFake, control: FakeControl, path: Path, tmp: Path) -> None:
    live, made = await _live(start_fake, control, path, tmp)
    replayed = _replayed(made)
    assert [e.model_dump_json() for e in replayed] == [e.model_dump_json() for e in live]
    assert sum(isinstance(i, SampleBatch) for i in Recording(made).items()) > 0
    assert {"calibrated"} <= {e.type for e in live}


@pytest.mark.parametrize("path", LIBRARY, ids=lambda p: p.name)
async def test_library_recording_live_equals_replay(
    start_fake: StartFake, control: FakeControl, path: Path, tmp_path: Path
) -> None:
    await _check(start_fake, control, path, tmp_path)


@pytest.mark.parametrize("model", sorted(PROFILES))
async def test_every_family_live_equals_replay(
    start_fake: StartFake, control: FakeControl, model: str, tmp_path: Path
) -> None:
    await _check(start_fake, control, _family_recording(model, tmp_path), tmp_path)
