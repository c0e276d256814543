"""Thingy:52 motion raw data: worked example from thingy52.md, Q formats, config bytes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import battery, thingy52
from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import Battery, DeviceInfo, RateConfirmed

G = 9.80665
# Acc bytes from DevZone thread 47415 (table top); gyro/compass bytes are ours (not published).
RAW = bytes.fromhex("FA FF F4 FF F6 03" + "20 00 E0 FF 00 01" + "10 00 F0 FF 00 00")


def test_worked_example() -> None:
    decoded = thingy52.decode_raw(RAW)
    np.testing.assert_allclose(
        decoded.samples.acc_mps2, [[-6 / 1024 * G, -12 / 1024 * G, 1014 / 1024 * G]]
    )
    np.testing.assert_allclose(decoded.samples.acc_mps2[0, 2], 9.71, atol=0.005)
    assert decoded.samples.gyro_dps is not None
    np.testing.assert_allclose(decoded.samples.gyro_dps, [[1.0, -1.0, 8.0]])
    np.testing.assert_allclose(decoded.compass_ut, [[1.0, -1.0, 0.0]])


def test_stream_decoder_gives_the_sample() -> None:
    result = thingy52.Thingy52Decoder().feed(RAW)
    assert (len(result.samples), result.malformed) == (1, 0)
    assert result.samples.t_device_s is None


def test_every_truncated_prefix_gives_no_sample_and_is_counted() -> None:
    decoder = thingy52.Thingy52Decoder()
    for cut in range(len(RAW)):
        with pytest.raises(IncompleteError):
            thingy52.decode_raw(RAW[:cut])
        result = decoder.feed(RAW[:cut])
        assert (len(result.samples), result.malformed) == (0, 1)
    assert len(decoder.feed(RAW).samples) == 1


def test_too_long_is_malformed() -> None:
    with pytest.raises(MalformedError):
        thingy52.decode_raw(RAW + b"\x00")


int16 = st.integers(-32768, 32767)


@given(st.lists(st.tuples(*[int16] * 9), min_size=1, max_size=10))
def test_round_trip_on_the_fixed_point_grid(rows: list[tuple[int, ...]]) -> None:
    raw = np.array(rows, dtype=float)
    acc, gyro, compass = raw[:, :3] / 1024 * G, raw[:, 3:6] / 32, raw[:, 6:] / 16
    payloads = thingy52.encode_samples(acc, gyro, compass)
    assert [len(p) for p in payloads] == [18] * len(rows)
    decoded = [thingy52.decode_raw(p) for p in payloads]
    np.testing.assert_allclose(np.vstack([d.samples.acc_mps2 for d in decoded]), acc, atol=1e-9)
    gyros = [d.samples.gyro_dps for d in decoded]
    assert all(g is not None for g in gyros)
    np.testing.assert_allclose(np.vstack([g for g in gyros if g is not None]), gyro, atol=1e-9)
    np.testing.assert_allclose(np.vstack([d.compass_ut for d in decoded]), compass, atol=1e-9)


def test_gyro_encoding_clips_at_1024_dps() -> None:
    (payload,) = thingy52.encode_samples(np.zeros((1, 3)), np.array([[2000.0, -2000.0, 0.0]]))
    gyro = thingy52.decode_raw(payload).samples.gyro_dps
    assert gyro is not None
    np.testing.assert_allclose(gyro, [[32767 / 32, -1024.0, 0.0]])


def test_config_example_100_hz() -> None:
    config = thingy52.MotionConfig(motion_freq_hz=100)
    assert thingy52.encode_motion_config(config) == bytes.fromhex("E8 03 F4 01 F4 01 64 00 01")
    assert thingy52.decode_motion_config(bytes.fromhex("E8 03 F4 01 F4 01 64 00 01")) == config


def test_start_writes_the_whole_config_with_response() -> None:
    (cmd,) = thingy52.start_commands(100.0)
    assert cmd.char_uuid == "ef680401-9b35-4933-9b10-52ffa9740042"
    assert cmd.payload == bytes.fromhex("E8 03 F4 01 F4 01 64 00 01")
    assert cmd.with_response
    assert thingy52.stop_commands() == ()
    with pytest.raises(ConfigError):
        thingy52.start_commands(300.0)


@pytest.mark.parametrize(
    "bad",
    [
        "E8 03 F4 01 F4 01 64 00",  # 8 bytes
        "E8 03 F4 01 F4 01 64 00 01 00",  # 10 bytes
        "E8 03 F4 01 F4 01 04 00 01",  # 4 Hz
        "E8 03 F4 01 F4 01 C9 00 01",  # 201 Hz
        "E8 03 F4 01 E9 03 64 00 01",  # mag compensation 1001 ms
        "E8 03 F4 01 F4 01 64 00 02",  # wake-on-motion 2
    ],
)
def test_config_the_firmware_rejects_is_malformed(bad: str) -> None:
    with pytest.raises(MalformedError):
        thingy52.decode_motion_config(bytes.fromhex(bad))


def test_encode_refuses_out_of_range_config() -> None:
    with pytest.raises(ValueError, match="motion_freq_hz"):
        thingy52.encode_motion_config(thingy52.MotionConfig(motion_freq_hz=1000))


def test_read_replies_config_and_battery() -> None:
    profile = thingy52.PROFILE
    config = bytes.fromhex("E8 03 F4 01 F4 01 32 00 01")
    assert profile.read_replies(thingy52.MOTION_CONFIG_UUID, config) == (
        DeviceInfo("motion_config", repr(thingy52.MotionConfig(motion_freq_hz=50))),
        RateConfirmed(50.0),
    )
    assert profile.read_replies(battery.LEVEL_UUID, b"\x57") == (Battery(87),)
    assert profile.battery_uuid == battery.LEVEL_UUID
    assert profile.matches_name("Thingy")
