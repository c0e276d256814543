"""micro:bit accelerometer service: worked examples from microbit.md, round trip, commands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import microbit
from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import RateConfirmed

G = 9.80665


@pytest.mark.parametrize(
    ("hex_payload", "milli_g"),
    [
        ("00 01 A0 03 20 01", (256, 928, 288)),  # microbit-dal issue #355
        ("60 00 60 00 10 FC", (96, 96, -1008)),  # microbit-dal issue #22
    ],
)
def test_worked_examples(hex_payload: str, milli_g: tuple[int, int, int]) -> None:
    result = microbit.MicrobitDecoder().feed(bytes.fromhex(hex_payload))
    assert result.malformed == 0
    expected = np.array([milli_g], dtype=float) / 1000.0 * G
    np.testing.assert_allclose(result.samples.acc_mps2, expected)
    assert result.samples.gyro_dps is None
    assert result.samples.t_device_s is None


def test_example_one_in_mps2() -> None:
    samples = microbit.decode_sample(bytes.fromhex("00 01 A0 03 20 01"))
    np.testing.assert_allclose(samples.acc_mps2, [[2.51, 9.10, 2.82]], atol=0.005)


@given(st.lists(st.tuples(*[st.integers(-32768, 32767)] * 3), min_size=1, max_size=20))
def test_round_trip_is_exact_for_whole_milli_g(rows: list[tuple[int, int, int]]) -> None:
    milli_g = np.array(rows, dtype=float)
    payloads = microbit.encode_samples(milli_g / 1000.0 * G)
    assert all(len(p) == 6 for p in payloads)
    decoder = microbit.MicrobitDecoder()
    acc = np.vstack([decoder.feed(p).samples.acc_mps2 for p in payloads])
    np.testing.assert_allclose(acc * 1000.0 / G, milli_g, atol=1e-9)


def test_every_truncated_prefix_gives_no_sample_and_is_counted() -> None:
    payload = bytes.fromhex("00 01 A0 03 20 01")
    decoder = microbit.MicrobitDecoder()
    for cut in range(6):
        with pytest.raises(IncompleteError):
            microbit.decode_sample(payload[:cut])
        result = decoder.feed(payload[:cut])
        assert len(result.samples) == 0
        assert result.malformed == 1
    assert len(decoder.feed(payload).samples) == 1  # nothing stale was kept


def test_too_long_notification_is_malformed() -> None:
    with pytest.raises(MalformedError):
        microbit.decode_sample(bytes(7))
    assert microbit.MicrobitDecoder().feed(bytes(12)).malformed == 1


@pytest.mark.parametrize(("period_ms", "hex_value"), [(20, "14 00"), (10, "0A 00"), (640, "80 02")])
def test_period_bytes(period_ms: int, hex_value: str) -> None:
    assert microbit.encode_period(period_ms) == bytes.fromhex(hex_value)
    assert microbit.decode_period(bytes.fromhex(hex_value)) == period_ms


@pytest.mark.parametrize("period_ms", [0, 1, 65536])
def test_dangerous_periods_are_refused(period_ms: int) -> None:
    with pytest.raises(ValueError, match="period"):
        microbit.encode_period(period_ms)


def test_start_writes_the_period_with_response_and_reads_it_back() -> None:
    (cmd,) = microbit.start_commands(50.0)
    assert cmd.char_uuid == microbit.PERIOD_UUID
    assert cmd.payload == bytes.fromhex("14 00")
    assert cmd.with_response
    assert microbit.PROFILE.extra_read_uuids == (microbit.PERIOD_UUID,)
    replies = microbit.PROFILE.read_replies(microbit.PERIOD_UUID, bytes.fromhex("14 00"))
    assert replies == (RateConfirmed(50.0),)
    assert microbit.PROFILE.read_replies(microbit.DATA_UUID, b"\x14\x00") == ()


def test_unsupported_rate_names_the_allowed_ones() -> None:
    with pytest.raises(ConfigError, match=r"allowed: .*50"):
        microbit.start_commands(33.0)


def test_period_read_back_of_wrong_length_raises() -> None:
    with pytest.raises(IncompleteError):
        microbit.decode_period(b"\x14")
    with pytest.raises(MalformedError):
        microbit.decode_period(b"\x14\x00\x00")


def test_snap_period_models_the_board() -> None:
    assert microbit.snap_period_ms(20) == 20
    assert microbit.snap_period_ms(15) == 10  # ties go to the shorter period
    assert microbit.snap_period_ms(160, (1, 2, 5, 10, 20, 40, 100, 1000)) == 100


def test_profile_matches_the_advertised_name() -> None:
    assert microbit.PROFILE.matches_name("BBC micro:bit [tupip]")
    assert not microbit.PROFILE.matches_name("WT901BLE68")
    assert microbit.PROFILE.default_rate_hz == 50.0
    assert 50.0 in microbit.PROFILE.rates_hz
