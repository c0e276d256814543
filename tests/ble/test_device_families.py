"""A full session with every supported device family, each emulated in its own wire format."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from fakebluez.harness import DeviceSpec, FakeControl
from fakebluez.motion import imu_at

from firmware_protocol.registry import PROFILES
from sensor.ble import BleSettings, BleSource

from .collect import Collector
from .conftest import StartFake

pytestmark = pytest.mark.dbus


@dataclass(frozen=True)
class Family:
    model: str
    name: str
    rate_hz: float
    battery_pct: tuple[int, ...]  # battery readings expected in the first seconds
    acc_resolution_mps2: float


FAMILIES = (
    Family("witmotion", "WT901BLE68", 50.0, (75,), 16 * 9.80665 / 32768),
    Family("microbit", "BBC micro:bit [zatig]", 50.0, (), 9.80665 / 1000),
    Family("thingy52", "Thingy", 50.0, (64,), 9.80665 / 1024),
    Family("metawear-bmi160", "MetaWear", 50.0, (57, 57), 9.80665 / 4096),
    Family("metawear-bmi270", "MetaWear", 50.0, (57, 57), 9.80665 / 4096),
    Family("polar-h10", "Polar H10 A1B2C3D4", 50.0, (88,), 9.80665 / 1000),
    Family("polar-verity", "Polar Sense B5C6D7E8", 52.0, (88,), 9.80665 / 1000),
    Family("holdfast", "holdfast-esp32", 50.0, (91,), 8 * 9.80665 / 32768),
)


def test_every_profile_has_a_family_test() -> None:
    assert sorted(f.model for f in FAMILIES) == sorted(PROFILES)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda f: f.model)
async def test_full_session(start_fake: StartFake, control: FakeControl, family: Family) -> None:
    device = DeviceSpec(family.model, "C0:FF:EE:00:02:01", family.name)
    start_fake([device])
    settings = BleSettings(rate_hz=family.rate_hz, scan_timeout_s=5.0, reconnect_initial_s=0.1)
    source = BleSource(device.address, settings=settings)
    profile = PROFILES[family.model]
    run = Collector(source)
    try:
        await run.wait_for(lambda c: source.profile is profile and c.samples() >= 80)
        await run.wait_for(
            lambda c: sum(s.kind == "battery" for s in c.statuses) >= len(family.battery_pct)
        )
    finally:
        await run.stop()

    # The MetaWear boards are told apart by their module info: a BMI270 board is first taken
    # for a BMI160 (same name), then reconnected with its own profile.
    kinds = [k for k in run.kinds() if k in ("connected", "disconnected")]
    if family.model == "metawear-bmi270":
        assert kinds[:3] == ["connected", "disconnected", "connected"]
    else:
        assert kinds == ["connected"]
    battery = [s.battery_pct for s in run.statuses if s.kind == "battery"]
    if family.model == "metawear-bmi270":
        battery = battery[: len(family.battery_pct)]  # read again after the reconnect
    assert battery == list(family.battery_pct)
    assert "decode_errors" not in run.kinds()
    stats = await control.stats(device.address)
    assert stats["rate_hz"] == family.rate_hz
    batches = run.batches
    assert all(b.nominal_rate_hz == family.rate_hz for b in batches[-3:])
    acc = run.acc()
    atol = 1.5 * family.acc_resolution_mps2
    np.testing.assert_allclose(acc[0], imu_at(np.zeros(1))[0][0], atol=atol)
    np.testing.assert_allclose(np.linalg.norm(acc, axis=1), 9.80665, atol=3 * atol)
    if profile.has_gyro:
        assert all(b.gyro_dps is not None for b in batches[-3:])
    if profile.device_timestamps:
        t_dev = np.concatenate([b.t_device_s for b in batches if b.t_device_s is not None])
        assert len(t_dev) == len(acc)
        assert t_dev[0] == 0.0
        np.testing.assert_allclose(np.diff(t_dev), 1.0 / family.rate_hz, atol=1e-4)
    else:
        assert all(b.t_device_s is None for b in batches)
