"""Every registered profile is self-consistent, and no decoder crashes on arbitrary bytes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware_protocol.errors import ConfigError
from firmware_protocol.profile import DeviceProfile
from firmware_protocol.registry import PROFILES, profile_for, profile_for_name

FULL_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ALL = sorted(PROFILES.values(), key=lambda p: p.model)


def test_the_expected_families_are_registered() -> None:
    assert sorted(PROFILES) == [
        "holdfast",
        "metawear-bmi160",
        "metawear-bmi270",
        "microbit",
        "polar-h10",
        "polar-verity",
        "thingy52",
        "witmotion",
    ]


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.model)
def test_profile_is_consistent(profile: DeviceProfile) -> None:
    uuids = [profile.service_uuid, *profile.notify_uuids, *profile.extra_read_uuids]
    uuids += [u for u in (profile.write_uuid, profile.battery_uuid) if u is not None]
    for uuid in uuids:
        assert FULL_UUID.match(uuid), uuid  # bleak needs full, lower-case UUIDs
    assert profile.default_rate_hz in profile.rates_hz
    for rate in profile.rates_hz:
        for command in profile.start_commands(rate):
            assert FULL_UUID.match(command.char_uuid)
            assert 0 < len(command.payload) <= 20  # fits the default ATT MTU
    for command in profile.stop_commands():
        assert FULL_UUID.match(command.char_uuid)
    with pytest.raises(ConfigError):
        profile.start_commands(12345.0)
    decoder = profile.make_decoder()
    result = decoder.feed(b"")
    assert len(result.samples) == 0
    decoder.reset()
    assert profile_for(profile.model) is profile


def test_names_find_a_profile() -> None:
    assert profile_for_name("WT901BLE68") is PROFILES["witmotion"]
    assert profile_for_name("BBC micro:bit [zavit]") is PROFILES["microbit"]
    assert profile_for_name("Thingy") is PROFILES["thingy52"]
    assert profile_for_name("MetaWear") is PROFILES["metawear-bmi160"]
    assert profile_for_name("Polar H10 12345678") is PROFILES["polar-h10"]
    assert profile_for_name("Polar Sense 12345678") is PROFILES["polar-verity"]
    assert profile_for_name("holdfast-3F2A") is PROFILES["holdfast"]
    assert profile_for_name("Some Headphones") is None
    assert profile_for_name(None) is None
    with pytest.raises(ConfigError, match="witmotion"):
        profile_for("nope")


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.model)
@settings(max_examples=60)
@given(chunks=st.lists(st.binary(max_size=64), max_size=8))
def test_no_decoder_crashes_on_arbitrary_notifications(
    profile: DeviceProfile, chunks: list[bytes]
) -> None:
    decoder = profile.make_decoder()
    for chunk in chunks:
        result = decoder.feed(chunk)
        n = len(result.samples)
        assert result.samples.acc_mps2.shape == (n, 3)
        if result.samples.gyro_dps is not None:
            assert result.samples.gyro_dps.shape == (n, 3)
        if result.samples.t_device_s is not None:
            assert result.samples.t_device_s.shape == (n,)
        assert result.malformed >= 0


@pytest.mark.parametrize("profile", ALL, ids=lambda p: p.model)
def test_profile_provides_everything_device_specific(profile: DeviceProfile) -> None:
    """What a device module must give so that the registry line is all the rest needs."""
    import numpy as np

    from firmware_protocol import battery
    from firmware_protocol.messages import Battery, DeviceMessage
    from firmware_protocol.profile import Command

    # Recognition and a name for people.
    assert profile.model
    assert profile.display_name
    assert re.compile(profile.name_pattern)
    assert profile.notify_uuids
    # A fresh decoder per stream, with the batch path (which may decline) and a reset.
    decoder = profile.make_decoder()
    assert decoder is not profile.make_decoder()
    assert decoder.feed_many([]) is None
    # Battery policy: a characteristic to read, a command that asks in the stream, or none.
    if profile.battery_uuid is not None:
        assert profile.battery_poll is None
        assert battery.read_replies(profile.battery_uuid, b"\x40") == (Battery(64),)
    if profile.battery_poll is not None:
        assert isinstance(profile.battery_poll, Command)
        assert profile.battery_poll.char_uuid == profile.write_uuid
    # Read-backs parse into typed messages.
    for uuid in profile.extra_read_uuids:
        assert callable(profile.read_replies)
        assert uuid == uuid.lower()
    # The device check answers for any message (None: this profile fits).
    ordinary: DeviceMessage = Battery(50)
    assert profile.wrong_profile(ordinary) is None
    # The simulator's encoder, where the family can be simulated: its payloads decode back.
    if profile.encoder is not None:
        n = 3 * profile.encoder.samples_per_notification
        acc = np.tile([0.0, 0.0, 9.80665], (n, 1))
        gyro = np.zeros((n, 3)) if profile.has_gyro else None
        payloads = profile.encoder.encode(acc, gyro, np.zeros((n, 3)))
        fresh = profile.make_decoder()
        decoded = [fresh.feed(p) for p in payloads]
        assert sum(len(r.samples) for r in decoded) == n
        assert sum(r.malformed for r in decoded) == 0


def test_no_layer_above_firmware_protocol_names_a_device_model() -> None:
    """Adding a family is its module plus a registry line: nothing else knows models by name."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    models = [m for m in PROFILES if m != "holdfast"]  # "holdfast" is also the project's name
    for package in ("sensor/ble", "sensor/decode_loop.py", "sensor/replay.py", "service/app.py"):
        base = root / package
        for path in [base] if base.is_file() else sorted(base.rglob("*.py")):
            text = path.read_text()
            for model in models:
                assert f'"{model}"' not in text, f"{path} names {model}"
    assert '"witmotion"' not in (root / "service" / "sources.py").read_text()
