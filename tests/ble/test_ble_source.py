"""sensor.ble.BleSource through bleak's real BlueZ backend against the fake BlueZ."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from fakebluez.harness import DeviceSpec, FakeControl
from fakebluez.motion import imu_at

from firmware_protocol import witmotion
from firmware_protocol.errors import ConfigError
from firmware_protocol.samples import Packet, SampleBatch
from sensor.ble import BleSettings, BleSource
from sensor.errors import SensorError
from sensor.recording import Marker

from .collect import Collector
from .conftest import StartFake

pytestmark = pytest.mark.dbus

WIT = DeviceSpec("witmotion", "C0:FF:EE:00:00:01", "WT901BLE68")
FAST = BleSettings(
    rate_hz=50.0,
    scan_timeout_s=5.0,
    reconnect_initial_s=0.1,
    reconnect_max_s=1.0,
    stall_timeout_s=2.0,  # the BlueZ-crash test waits this long; keep it above load hiccups
    first_connect_timeout_s=20.0,
)
# One WitMotion LSB of acceleration: the emulator's samples come back within it.
WIT_ACC_LSB_MPS2 = witmotion.ACC_FULL_SCALE_G * 9.80665 / 32768.0


async def test_full_witmotion_session(start_fake: StartFake, control: FakeControl) -> None:
    start_fake([WIT])
    packets: list[Packet] = []
    markers: list[Marker] = []
    source = BleSource(
        WIT.address, settings=FAST, packet_tap=packets.append, marker_tap=markers.append
    )
    run = Collector(source)
    try:
        await run.wait_for(lambda c: c.samples() >= 100)
    finally:
        await run.stop()

    assert run.kinds()[0] == "connected"
    assert source.profile is witmotion.PROFILE
    assert source.address == WIT.address
    battery = [s.battery_pct for s in run.statuses if s.kind == "battery"]
    assert battery == [75]  # 3.90 V register reply, vendor table
    assert [m.marker for m in markers][:1] == ["connect"]
    stats = await control.stats(WIT.address)
    assert stats["rate_hz"] == 50.0
    # What arrived is the emulator's motion script: standing, then bending forward about x.
    acc = run.acc()
    np.testing.assert_allclose(acc[0], imu_at(np.zeros(1))[0][0], atol=WIT_ACC_LSB_MPS2)
    np.testing.assert_allclose(np.linalg.norm(acc, axis=1), 9.80665, atol=3 * WIT_ACC_LSB_MPS2)
    bend_deg = np.degrees(np.arctan2(acc[:, 2], acc[:, 1]))
    assert bend_deg.min() > -0.1
    assert bend_deg.max() > 5.0
    gyro = np.concatenate([b.gyro_dps for b in run.batches if b.gyro_dps is not None])
    assert gyro.shape == acc.shape
    assert np.all(gyro[:, 1:] == 0.0)
    assert gyro[:, 0].max() > 1.0
    batch = run.batches[0]
    assert batch.nominal_rate_hz == 50.0
    assert batch.t_device_s is None  # WitMotion has no timestamps: the host clock applies
    assert not any(b.gap_before for b in run.batches)
    t_host = np.concatenate([b.t_host_s for b in run.batches])
    assert np.all(np.diff(t_host) >= 0)
    # The tap saw every notification: the battery reply and one frame per sample.
    assert len(packets) >= run.samples() + 1
    assert all(p.char_uuid == witmotion.NOTIFY_UUID for p in packets)


async def test_link_lost_mid_stream_reconnects_with_a_gap(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([WIT])
    markers: list[Marker] = []
    run = Collector(BleSource(WIT.address, settings=FAST, marker_tap=markers.append))
    try:
        await run.wait_for(lambda c: c.samples() >= 30)
        await control.drop_link(WIT.address)
        await run.wait_for(lambda c: c.samples_after("connected", 2) >= 30)
    finally:
        await run.stop()

    kinds = [k for k in run.kinds() if k != "batch"]
    assert kinds[:4] == ["connected", "battery", "disconnected", "connected"]
    lost_at = run.kinds().index("disconnected")
    after = [i for i in run.items[lost_at:] if isinstance(i, SampleBatch)]
    assert after[0].gap_before
    assert not any(b.gap_before for b in after[1:])
    stats = await control.stats(WIT.address)
    assert stats["connects"] == 2
    assert stats["config_writes"] == 2  # the rate was set again after the reconnect
    assert [m.marker for m in markers][:3] == ["connect", "disconnect", "connect"]


async def test_device_forgotten_by_bluez_is_found_again(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([WIT])
    run = Collector(BleSource(WIT.address, settings=FAST))
    try:
        await run.wait_for(lambda c: c.samples() >= 30)
        await control.forget(WIT.address)
        await run.wait_for(lambda c: c.samples_after("connected", 2) >= 30)
    finally:
        await run.stop()
    stats = await control.stats(WIT.address)
    assert stats["connects"] == 2
    assert "disconnected" in run.kinds()


@pytest.mark.parametrize("how", ["crash", "graceful"])
async def test_bluez_restarted(start_fake: StartFake, control: FakeControl, how: str) -> None:
    fake = start_fake([WIT])
    run = Collector(BleSource(WIT.address, settings=FAST))
    try:
        await run.wait_for(lambda c: c.samples() >= 30)
        if how == "crash":
            fake.kill()
        else:
            fake.stop()
        await asyncio.sleep(0.3)
        fake.start()
        await run.wait_for(lambda c: c.samples_after("connected", 2) >= 30)
    finally:
        await run.stop()
    kinds = [k for k in run.kinds() if k not in ("batch", "battery")]
    assert kinds[:3] == ["connected", "disconnected", "connected"]


async def test_four_sensors_at_100_hz_lose_nothing(
    start_fake: StartFake, control: FakeControl
) -> None:
    devices = [DeviceSpec("witmotion", f"C0:FF:EE:00:01:0{i}", f"WT901BLE6{i}") for i in range(4)]
    start_fake(devices)
    settings = BleSettings(
        rate_hz=100.0, scan_timeout_s=5.0, reconnect_initial_s=0.1, stall_timeout_s=5.0
    )
    runs = [Collector(BleSource(d.address, settings=settings)) for d in devices]
    try:
        for run in runs:
            await run.wait_for(lambda c: c.samples() >= 300)
        await control.set_streaming(False)
        sent = [(await control.stats(d.address))["samples"] for d in devices]
        for run, n_sent in zip(runs, sent, strict=True):
            await run.wait_for(lambda c, n=n_sent: c.samples() >= n)
    finally:
        for run in runs:
            await run.stop()
    assert [run.samples() for run in runs] == sent
    for run in runs:
        assert "disconnected" not in run.kinds()
        assert "decode_errors" not in run.kinds()


async def test_garbage_is_counted_and_the_stream_goes_on(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([WIT])
    run = Collector(BleSource(WIT.address, settings=FAST))
    try:
        await run.wait_for(lambda c: c.samples() >= 20)
        await control.inject_garbage(WIT.address, b"\x01\x02\x03 not a frame \xff")
        await run.wait_for(lambda c: "decode_errors" in c.kinds())
        await run.wait_for(lambda c: c.samples_after("decode_errors") >= 20)
    finally:
        await run.stop()
    errors = [s for s in run.statuses if s.kind == "decode_errors"]
    assert errors[0].malformed_total == 1
    assert "disconnected" not in run.kinds()


async def test_unsupported_rate_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="rate_hz"):
        BleSource(WIT.address, settings=BleSettings(model="witmotion", rate_hz=33.0))


async def test_absent_sensor_gives_up_with_a_sensor_error(start_fake: StartFake) -> None:
    start_fake([WIT])
    settings = BleSettings(scan_timeout_s=0.5, reconnect_initial_s=0.1, first_connect_timeout_s=1.0)
    run = Collector(BleSource("C0:FF:EE:99:99:99", settings=settings))
    try:
        with pytest.raises(SensorError, match="C0:FF:EE:99:99:99"):
            await run.wait_for(lambda c: False)
    finally:
        await run.stop()
