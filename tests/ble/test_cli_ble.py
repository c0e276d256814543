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

import pytest
from fakebluez.harness import DeviceSpec, FakeControl

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
# A WitMotion worn during the simulator's forward-bend set (sensor.simulator).
BENDER = DeviceSpec("witmotion", "C0:FF:EE:00:03:05", "WT901BLE68", "forward_bend")


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


async def test_record_writes_what_arrived_and_replays_to_the_live_events(
    start_fake: StartFake, control: FakeControl, tmp_path: Path
) -> None:
    start_fake([BENDER])
    out = tmp_path / "session.jsonl.gz"
    proc = await asyncio.create_subprocess_exec(
        *HOLDFAST, "record", "--sensor", BENDER.address, "-o", str(out), "--rate", "50",
        "--duration", "12", "--format", "jsonl",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    async with asyncio.timeout(60):
        while (await control.stats(BENDER.address))["samples"] < 75:
            assert proc.returncode is None, (await proc.stderr.read()).decode()
            await asyncio.sleep(0.1)
        await control.drop_link(BENDER.address)
        stdout, stderr = await proc.communicate()
    assert proc.returncode == 0, stderr.decode()
    live = [json.loads(line) for line in stdout.decode().splitlines()]

    raw = RawRecording(out)
    assert raw.header.device == "witmotion"
    assert raw.header.nominal_rate_hz == 50.0
    assert raw.header.sensor_address == BENDER.address
    items = list(raw)
    markers = [i.marker for i in items if isinstance(i, Marker)]
    assert markers == ["connect", "disconnect", "connect"]  # stopping ends the file, no mark
    stats = await control.stats(BENDER.address)
    frames = sum(1 for i in items if not isinstance(i, Marker) and i.payload[1] == 0x61)
    assert frames == stats["samples"]  # every sample the emulator sent is in the file

    recording = Recording(out)
    replayed = [
        json.loads(e.model_dump_json())
        for e in events_from_items(pipeline_for(recording), recording.items())
    ]
    # Same events at the same times. Compared in time order without seq/id: sensor.replay
    # yields a battery status ahead of samples that arrived before it in the same replay
    # batch, which renumbers the events that follow (reported to the lead).
    assert _in_time_order(replayed) == _in_time_order(live)
    types = [e["type"] for e in live]
    assert "sensor_status" in types
    assert "flexion" in types  # the chain saw the simulated bends through the BLE path


def _in_time_order(events: list[dict[str, object]]) -> list[dict[str, object]]:
    stripped = [{k: v for k, v in e.items() if k not in ("seq", "id")} for e in events]
    return sorted(stripped, key=lambda e: (e["t"], str(e["type"]), str(e.get("status"))))
