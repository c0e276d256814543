"""holdfast stream v1: the worked example of docs/stream-protocol.md, loss, clock, CRC."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import holdfast_stream as hs
from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import DroppedData, LostPackets, RateConfirmed, StreamRestart

G = 9.80665
EXAMPLE = bytes.fromhex(
    "01 05 02 01 40 42 0F 00 F4 01 02"
    "00 00 00 00 00 10 00 01 00 00 00 FF"
    "00 F8 00 00 00 10 00 00 00 00 00 00"
    "B1 BA"
)


def _bitwise_crc(data: bytes) -> int:
    """CRC-16/CCITT-FALSE written out bit by bit, independent of binascii."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def test_crc_check_value_and_example() -> None:
    assert hs.crc16(b"123456789") == 0x29B1 == _bitwise_crc(b"123456789")
    assert hs.crc16(EXAMPLE[:-2]) == 0xBAB1 == _bitwise_crc(EXAMPLE[:-2])


def test_worked_example_from_the_spec() -> None:
    packet = hs.decode_packet(EXAMPLE)
    assert (packet.sequence, packet.t_first_us, packet.rate_hz) == (258, 1_000_000, 50.0)
    assert (packet.acc_range_g, packet.gyro_range_dps) == (8, 2000)
    np.testing.assert_allclose(packet.acc_mps2, np.array([[0, 0, 1.0], [-0.5, 0, 1.0]]) * G)
    assert packet.gyro_dps is not None
    np.testing.assert_allclose(packet.gyro_dps, np.array([[15.625, 0, -15.625], [0, 0, 0]]))
    result = hs.HoldfastStreamDecoder().feed(EXAMPLE)
    assert result.malformed == 0
    assert result.samples.t_device_s is not None
    np.testing.assert_allclose(result.samples.t_device_s, [1.0, 1.02])
    assert result.messages == (RateConfirmed(50.0),)


def test_encoder_reproduces_the_example() -> None:
    acc = np.array([[0, 0, 1.0], [-0.5, 0, 1.0]]) * G
    gyro = np.array([[15.625, 0, -15.625], [0, 0, 0]])
    assert hs.encode_packet(258, 1_000_000, 50.0, acc, gyro, 8, 2000) == EXAMPLE


def test_every_truncated_prefix_is_incomplete_and_counted() -> None:
    decoder = hs.HoldfastStreamDecoder()
    for cut in range(len(EXAMPLE)):
        with pytest.raises(IncompleteError):
            hs.decode_packet(EXAMPLE[:cut])
        result = decoder.feed(EXAMPLE[:cut])
        assert (len(result.samples), result.malformed) == (0, 1)
    assert len(decoder.feed(EXAMPLE).samples) == 2


def _with_crc(body: bytes) -> bytes:
    return body + hs.crc16(body).to_bytes(2, "little")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (EXAMPLE[:-1] + b"\x00", "CRC mismatch"),
        (EXAMPLE[:20] + bytes([EXAMPLE[20] ^ 0x01]) + EXAMPLE[21:], "CRC mismatch"),
        (b"\x02" + EXAMPLE[1:], "unsupported version 2"),
        (EXAMPLE + b"\x00", "the header says 37"),
        (_with_crc(bytes.fromhex("01 45 02 01 40 42 0F 00 F4 01 02") + EXAMPLE[11:-2]), "reserved"),
        (
            _with_crc(bytes.fromhex("01 2D 02 01 40 42 0F 00 F4 01 02") + EXAMPLE[11:-2]),
            "gyro range code 5",
        ),
        (_with_crc(bytes.fromhex("01 04 00 00 00 00 00 00 00 00 01") + bytes(6)), "zero"),
        (_with_crc(bytes.fromhex("01 04 00 00 00 00 00 00 F4 01 00")), "zero"),
        (
            _with_crc(bytes.fromhex("01 0C 00 00 00 00 00 00 F4 01 01") + bytes(6)),
            "gyro range code 1",
        ),
    ],
)
def test_named_malformed_packets(payload: bytes, reason: str) -> None:
    with pytest.raises(MalformedError, match=reason):
        hs.decode_packet(payload)
    assert hs.HoldfastStreamDecoder().feed(payload).malformed == 1


def _packet(seq: int, t_us: int, n: int = 2, rate_hz: float = 100.0) -> bytes:
    return hs.encode_packet(seq, t_us, rate_hz, np.zeros((n, 3)))


def test_sequence_gaps_duplicates_and_restarts() -> None:
    decoder = hs.HoldfastStreamDecoder()
    assert decoder.feed(_packet(10, 0)).messages == (RateConfirmed(100.0),)
    assert decoder.feed(_packet(11, 20_000)).messages == ()
    lost = decoder.feed(_packet(15, 100_000))
    assert lost.messages == (LostPackets(3),)
    assert len(lost.samples) == 2
    duplicate = decoder.feed(_packet(15, 100_000))
    assert duplicate.messages == (DroppedData("duplicate packet 15", 1),)
    assert len(duplicate.samples) == 0
    restart = decoder.feed(_packet(0, 5_000, rate_hz=50.0))
    assert restart.messages == (StreamRestart(0), RateConfirmed(50.0))
    assert restart.samples.t_device_s is not None
    np.testing.assert_allclose(restart.samples.t_device_s, [0.005, 0.025])


def test_sequence_wraps_without_loss() -> None:
    decoder = hs.HoldfastStreamDecoder()
    decoder.feed(_packet(65535, 0))
    assert decoder.feed(_packet(0, 20_000)).messages == ()
    assert decoder.feed(_packet(2, 60_000)).messages == (LostPackets(1),)


def test_clock_wrap_keeps_time_increasing() -> None:
    decoder = hs.HoldfastStreamDecoder()
    near_end = 2**32 - 10_000
    first = decoder.feed(_packet(1, near_end)).samples.t_device_s
    second = decoder.feed(_packet(2, near_end + 20_000)).samples.t_device_s  # wraps in encode
    assert first is not None
    assert second is not None
    np.testing.assert_allclose(second[0] - first[0], 0.02, atol=1e-9)
    decoder.reset()
    again = decoder.feed(_packet(3, 5_000)).samples.t_device_s
    assert again is not None
    assert again[0] == pytest.approx(0.005)


def test_control_writes() -> None:
    assert hs.encode_start(50.0) == bytes.fromhex("01 F4 01 05")
    assert hs.encode_stop() == b"\x02"
    assert hs.parse_control(bytes.fromhex("01 F4 01 05")) == hs.ControlRequest(1, 50.0, 8, 2000)
    assert hs.parse_control(hs.encode_start(200.0, 16, None)) == hs.ControlRequest(
        1, 200.0, 16, None
    )
    assert hs.parse_control(b"\x02") == hs.ControlRequest(2)
    for bad in (b"", b"\x03", b"\x01\xf4\x01", bytes.fromhex("01 F4 01 C5")):
        with pytest.raises(MalformedError):
            hs.parse_control(bad)
    (start,) = hs.PROFILE.start_commands(100.0)
    assert (start.char_uuid, start.payload, start.with_response) == (
        hs.CONTROL_UUID,
        bytes.fromhex("01 E8 03 05"),
        True,
    )
    assert [c.payload for c in hs.PROFILE.stop_commands()] == [b"\x02"]
    with pytest.raises(ConfigError):
        hs.PROFILE.start_commands(60.0)


def test_encoder_refuses_what_the_format_cannot_hold() -> None:
    with pytest.raises(ValueError, match=r"1\.\.255"):
        hs.encode_packet(0, 0, 50.0, np.zeros((256, 3)))
    with pytest.raises(ValueError, match="rate"):
        hs.encode_packet(0, 0, 0.0, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="acc range"):
        hs.encode_packet(0, 0, 50.0, np.zeros((1, 3)), acc_range_g=3)


def test_samples_per_packet() -> None:
    assert hs.samples_per_packet(23, with_gyro=False) == 1
    assert hs.samples_per_packet(23, with_gyro=True) == 0
    assert hs.samples_per_packet(247, with_gyro=True) == 19
    assert len(_packet(0, 0, n=19 * 2)) <= 244


int16 = st.integers(-32768, 32767)


@given(
    st.lists(st.tuples(*[int16] * 6), min_size=1, max_size=40),
    st.sampled_from(hs.ACC_RANGES_G),
    st.sampled_from(hs.GYRO_RANGES_DPS),
    st.booleans(),
    st.integers(0, 2**16 - 1),
    st.integers(0, 2**32 - 1),
    st.integers(1, 0xFFFF),
)
def test_round_trip(
    rows: list[tuple[int, ...]],
    acc_range: int,
    gyro_range: int,
    with_gyro: bool,
    seq: int,
    t_us: int,
    rate_dhz: int,
) -> None:
    raw = np.array(rows, dtype=float)
    acc = raw[:, :3] * acc_range / 32768 * G
    gyro = raw[:, 3:] * gyro_range / 32768 if with_gyro else None
    payload = hs.encode_packet(seq, t_us, rate_dhz / 10, acc, gyro, acc_range, gyro_range)
    packet = hs.decode_packet(payload)
    assert (packet.sequence, packet.t_first_us, packet.rate_hz) == (seq, t_us, rate_dhz / 10)
    np.testing.assert_allclose(packet.acc_mps2, acc, atol=1e-9)
    if gyro is None:
        assert packet.gyro_dps is None
    else:
        assert packet.gyro_dps is not None
        np.testing.assert_allclose(packet.gyro_dps, gyro, atol=1e-9)


@given(st.binary(max_size=80))
def test_random_bytes_never_crash_and_are_accounted_for(payload: bytes) -> None:
    result = hs.HoldfastStreamDecoder().feed(payload)
    assert result.malformed + len(result.samples) >= 1 or result.messages


def test_profile() -> None:
    assert hs.PROFILE.device_timestamps
    assert hs.PROFILE.matches_name("holdfast-3F2A")
    assert hs.PROFILE.notify_uuids == ("e1d80002-6fa7-4cca-9a39-c5fb6a611633",)
