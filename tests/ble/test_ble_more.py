"""More BLE source behaviour: auto selection, late sensors, simulator data in the stream."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from fakebluez.harness import DeviceSpec, FakeControl
from fakebluez.motion import ScriptMotion

from firmware_protocol import holdfast_stream
from firmware_protocol.samples import SampleBatch
from sensor.ble import AUTO, BleSettings, BleSource
from sensor.source import LinkStatus

from .collect import Collector
from .conftest import StartFake

pytestmark = pytest.mark.dbus

SETTINGS = BleSettings(scan_timeout_s=5.0, reconnect_initial_s=0.1, first_connect_timeout_s=20.0)


async def test_two_auto_sources_take_two_different_sensors(start_fake: StartFake) -> None:
    devices = [
        DeviceSpec("witmotion", "C0:FF:EE:00:04:01", "WT901BLE68"),
        DeviceSpec("thingy52", "C0:FF:EE:00:04:02", "Thingy"),
    ]
    start_fake(devices)
    sources = [BleSource(AUTO, sensor_id=f"s{i}", settings=SETTINGS) for i in range(2)]
    runs = [Collector(s) for s in sources]
    try:
        for run in runs:
            await run.wait_for(lambda c: c.samples() >= 10)
    finally:
        for run in runs:
            await run.stop()
    assert {s.address for s in sources} == {d.address for d in devices}


async def test_a_sensor_switched_on_later_is_found(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([])
    run = Collector(BleSource(AUTO, settings=SETTINGS))
    try:
        await control.add_device(DeviceSpec("microbit", "C0:FF:EE:00:04:03", "BBC micro:bit"))
        await run.wait_for(lambda c: c.samples() >= 10)
    finally:
        await run.stop()
    assert run.kinds()[0] == "connected"


async def test_simulator_script_streams_through_the_ble_layer(start_fake: StartFake) -> None:
    device = DeviceSpec(holdfast_stream.MODEL, "C0:FF:EE:00:04:04", "holdfast-esp32", "demo")
    start_fake([device])
    run = Collector(BleSource(device.address, settings=SETTINGS))
    try:
        await run.wait_for(lambda c: c.samples() >= 60)
    finally:
        await run.stop()
    # The device clock is the script's clock: each sample is the simulator's reading then.
    t_dev = np.concatenate([b.t_device_s for b in run.batches if b.t_device_s is not None])
    acc, gyro = ScriptMotion("demo").imu_at(t_dev)
    np.testing.assert_allclose(run.acc(), acc, atol=8 * 9.80665 / 32768)
    got_gyro = np.concatenate([b.gyro_dps for b in run.batches if b.gyro_dps is not None])
    np.testing.assert_allclose(got_gyro, gyro, atol=2000 / 32768)


async def test_battery_is_read_periodically(start_fake: StartFake) -> None:
    device = DeviceSpec("thingy52", "C0:FF:EE:00:04:05", "Thingy")
    start_fake([device])
    settings = BleSettings(scan_timeout_s=5.0, battery_interval_s=0.3)
    run = Collector(BleSource(device.address, settings=settings))
    try:
        await run.wait_for(lambda c: sum(s.kind == "battery" for s in c.statuses) >= 3)
    finally:
        await run.stop()
    assert {s.battery_pct for s in run.statuses if s.kind == "battery"} == {64}


async def test_a_consumer_that_falls_behind_gets_drops_counted_and_a_gap(
    start_fake: StartFake,
) -> None:
    device = DeviceSpec("witmotion", "C0:FF:EE:00:04:06", "WT901BLE68")
    start_fake([device])
    settings = BleSettings(rate_hz=100.0, scan_timeout_s=5.0, queue_max_packets=10)
    source = BleSource(device.address, settings=settings)
    items = []
    async with asyncio.timeout(20):
        async for item in source:
            items.append(item)
            if isinstance(item, SampleBatch):
                await asyncio.sleep(0.3)  # a slow consumer: ~30 notifications arrive meanwhile
            if source.dropped_packets > 0 and isinstance(item, SampleBatch) and item.gap_before:
                break
    await source.close()
    drops = [i for i in items if isinstance(i, LinkStatus) and i.kind == "data_lost"]
    assert drops
    assert "dropped" in drops[0].detail
    assert drops[0].lost_count
    batches = [i for i in items if isinstance(i, SampleBatch)]
    assert all(len(b) <= 10 for b in batches)  # never more than the queue holds


async def test_notifications_are_gathered_into_batches_of_the_interval(
    start_fake: StartFake,
) -> None:
    """A WitMotion sends one sample per notification; the source hands them out gathered,
    at most one batch per ``batch_interval_s``, so the chain runs per batch, not per sample."""
    device = DeviceSpec("witmotion", "C0:FF:EE:00:04:07", "WT901BLE68")
    start_fake([device])
    settings = BleSettings(rate_hz=100.0, scan_timeout_s=5.0, batch_interval_s=0.2)
    source = BleSource(device.address, settings=settings)
    batches: list[SampleBatch] = []
    async with asyncio.timeout(30):
        async for item in source:
            if isinstance(item, SampleBatch):
                batches.append(item)
                if len(batches) == 8:
                    break
    await source.close()
    # Hand-outs are at least 0.2 s apart; the sensor sent ~20 notifications in each.
    first_to_last_s = batches[-1].t_host_s[-1] - batches[1].t_host_s[0]
    samples = sum(len(b) for b in batches[1:])
    assert samples >= 3 * len(batches[1:]), [len(b) for b in batches]
    assert first_to_last_s > 0.2 * (len(batches) - 3)
