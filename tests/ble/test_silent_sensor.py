"""A sensor that goes silent without disconnecting (issue 14, build item 6), through bleak's
BlueZ backend against the fake BlueZ: the link watchdog notices, reports it as a lost link
naming the silence, reconnects, and the samples after it carry a gap."""

from __future__ import annotations

import asyncio

import pytest
from fakebluez.harness import DeviceSpec, FakeControl

from firmware_protocol.samples import SampleBatch
from sensor.ble import BleSettings, BleSource
from sensor.source import LinkStatus

from .collect import Collector
from .conftest import StartFake

pytestmark = pytest.mark.dbus

WIT = DeviceSpec("witmotion", "C0:FF:EE:00:00:07", "WT901BLE68")
SETTINGS = BleSettings(
    rate_hz=50.0,
    scan_timeout_s=5.0,
    reconnect_initial_s=0.1,
    reconnect_max_s=1.0,
    stall_timeout_s=1.5,
    first_connect_timeout_s=20.0,
)


async def test_a_silent_sensor_is_noticed_reported_and_resumed(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([WIT])
    run = Collector(BleSource(WIT.address, settings=SETTINGS))
    try:
        await run.wait_for(lambda c: c.samples() >= 30)
        await control.set_streaming(False)  # connected, notifying nothing
        await run.wait_for(lambda c: "disconnected" in c.kinds(), limit_s=20)
        await asyncio.sleep(0.2)
        await control.set_streaming(True)
        await run.wait_for(lambda c: c.samples_after("connected", 2) >= 30, limit_s=30)
    finally:
        await run.stop()
    lost = [i for i in run.items if isinstance(i, LinkStatus) and i.kind == "disconnected"]
    assert "no data for" in lost[0].detail
    at = run.items.index(lost[0])
    after = [i for i in run.items[at:] if isinstance(i, SampleBatch)]
    assert after
    assert after[0].gap_before
