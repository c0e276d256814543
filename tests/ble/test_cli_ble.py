"""``holdfast scan`` and ``holdfast record`` as a user runs them, against the fake BlueZ.

The commands run as separate processes; the only thing that differs from real hardware is
``DBUS_SYSTEM_BUS_ADDRESS`` (set by the session fixture and inherited).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fakebluez.harness import DeviceSpec, FakeControl

from dsp.pipeline import PipelineSettings
from sensor.recording import Marker, RawRecording
from sensor.replay import Recording
from service.chain import events_from_items, pipeline_for

from .conftest import StartFake

pytestmark = pytest.mark.dbus

HOLDFAST = [sys.executable, "-m", "service.cli"]
WIT = DeviceSpec("witmotion", "C0:FF:EE:00:03:01", "WT901BLE68")
THINGY = DeviceSpec("thingy52", "C0:FF:EE:00:03:02", "Thingy")
MICROBIT = DeviceSpec("microbit", "C0:FF:EE:00:03:03", "BBC micro:bit [zatig]")
SPEAKER = DeviceSpec("witmotion", "C0:FF:EE:00:03:04", "JBL Flip 5")  # not a sensor name
# A WitMotion worn through a side plank (a sensor.simulator script).
PLANK_SCRIPT = Path(__file__).resolve().parents[1] / "fakebluez/scripts/side_plank_hold.toml"
PLANKER = DeviceSpec("witmotion", "C0:FF:EE:00:03:05", "WT901BLE68", str(PLANK_SCRIPT))


def test_scan_lists_supported_sensors_with_battery(start_fake: StartFake) -> None:
    start_fake([WIT, THINGY, MICROBIT, SPEAKER])
    done = subprocess.run(
        [*HOLDFAST, "scan", "--timeout", "1", "--format", "jsonl"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {row["address"]: row for row in map(json.loads, done.stdout.splitlines())}
    assert set(rows) == {WIT.address, THINGY.address, MICROBIT.address}
    assert rows[WIT.address]["model"] == "witmotion"
    assert rows[WIT.address]["battery_pct"] == 75  # register 0x64 over the vendor protocol
    assert rows[THINGY.address]["battery_pct"] == 64  # Battery Service
    assert rows[MICROBIT.address]["battery_pct"] is None  # the micro:bit has no battery info
    assert "battery" in rows[MICROBIT.address]["battery_problem"]
    assert all(isinstance(row["rssi_dbm"], int) for row in rows.values())


def test_scan_with_nothing_around_says_so(start_fake: StartFake) -> None:
    start_fake([SPEAKER])
    done = subprocess.run(
        [*HOLDFAST, "scan", "--timeout", "0.5", "--no-battery"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "0 supported sensor(s)" in done.stdout
    assert "no supported sensor found" in done.stderr


async def test_record_a_hold_cut_by_a_disconnect_and_replay_it(
    start_fake: StartFake, control: FakeControl, tmp_path: Path
) -> None:
    """The wearer holds a side plank (simulator script) and the link drops mid-hold: the
    hold ends with "signal lost", the recording marks the gap, and replaying the file gives
    the events the live run printed."""
    start_fake([PLANKER])
    out = tmp_path / "session.jsonl.gz"
    proc = await asyncio.create_subprocess_exec(
        *HOLDFAST, "record", "--sensor", PLANKER.address, "-o", str(out), "--rate", "50",
        "--duration", "14", "--format", "jsonl", "--no-angles",
        "--up", "+z", "--forward", "+x", "--exercise", "side_plank",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    assert proc.stderr is not None
    live: list[dict[str, Any]] = []
    dropped = False
    async with asyncio.timeout(60):
        while line := await proc.stdout.readline():
            live.append(json.loads(line))
            if live[-1]["type"] == "hold_started" and not dropped:
                await control.drop_link(PLANKER.address)
                dropped = True
        stderr = await proc.stderr.read()
        await proc.wait()
    assert proc.returncode == 0, stderr.decode()

    types = [e["type"] for e in live]
    assert "hold_started" in types
    ended = [e for e in live if e["type"] == "hold_ended"]
    assert [e["reason"] for e in ended][:1] == ["signal_lost"]
    statuses = [e["status"] for e in live if e["type"] == "sensor_status"]
    assert "disconnected" in statuses

    raw = RawRecording(out)
    assert raw.header.device == "witmotion"
    assert raw.header.nominal_rate_hz == 50.0
    assert raw.header.sensor_address == PLANKER.address
    assert raw.header.mounting is not None
    items = list(raw)
    markers = [i.marker for i in items if isinstance(i, Marker)]
    assert markers == ["connect", "disconnect", "connect"]  # stopping ends the file, no mark
    stats = await control.stats(PLANKER.address)
    frames = sum(1 for i in items if not isinstance(i, Marker) and i.payload[1] == 0x61)
    assert frames == stats["samples"]  # every sample the emulator sent is in the file

    recording = Recording(out)
    pipeline = pipeline_for(recording, PipelineSettings(emit_angles=False))
    pipeline.set_exercise("side_plank")
    replayed = [
        json.loads(e.model_dump_json()) for e in events_from_items(pipeline, recording.items())
    ]
    # Same events at the same times. Compared in time order without seq/id: sensor.replay
    # yields a battery status ahead of samples that arrived before it in the same replay
    # batch, which renumbers the events that follow (reported to the lead).
    assert _in_time_order(replayed) == _in_time_order(live)


def _in_time_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    stripped = [{k: v for k, v in e.items() if k not in ("seq", "id")} for e in events]
    return sorted(stripped, key=lambda e: (e["t"], str(e["type"]), str(e.get("status"))))
