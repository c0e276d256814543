"""WitMotion BLE 5.0: worked examples 6.1-6.3 from witmotion.md, resync, splitting, commands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import witmotion
from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import Battery, DeviceInfo

G = 9.80665
FRAME_61 = bytes.fromhex("55 61 FC FF EF FF 11 08 00 00 00 00 00 00 98 FF 0D 00 F8 31")
FRAME_71_MAG = bytes.fromhex("55 71 3A 00 68 01 69 00 7A 00 00 00 00 00 00 00 00 00 00 00")
FRAME_71_BATTERY = bytes.fromhex("55 71 64 00 86 01") + bytes(14)


def test_example_6_1_data_frame() -> None:
    frames = witmotion.decode_frame(FRAME_61)
    np.testing.assert_allclose(
        frames.samples.acc_mps2,
        [[-4 * 16 / 32768 * G, -17 * 16 / 32768 * G, 2065 * 16 / 32768 * G]],
    )
    np.testing.assert_allclose(frames.samples.acc_mps2, [[-0.0192, -0.0814, 9.888]], atol=5e-4)
    assert frames.samples.gyro_dps is not None
    np.testing.assert_array_equal(frames.samples.gyro_dps, [[0.0, 0.0, 0.0]])
    np.testing.assert_allclose(
        frames.angles_deg, [[-104 * 180 / 32768, 13 * 180 / 32768, 12792 * 180 / 32768]]
    )
    np.testing.assert_allclose(frames.angles_deg, [[-0.571, 0.0714, 70.27]], atol=5e-3)
    assert frames.registers == ()
    assert frames.consumed == 20
    assert frames.malformed_runs == 0


def test_example_6_2_register_reply() -> None:
    frames = witmotion.decode_frame(FRAME_71_MAG)
    assert len(frames.samples) == 0
    assert frames.registers == (witmotion.RegisterReply(0x3A, (360, 105, 122, 0, 0, 0, 0, 0)),)


def test_example_6_3_battery_reply_becomes_75_percent() -> None:
    result = witmotion.WitMotionDecoder().feed(FRAME_71_BATTERY)
    assert result.messages == (Battery(75),)
    assert result.malformed == 0


@pytest.mark.parametrize("frame", [FRAME_61, FRAME_71_MAG])
def test_every_truncated_prefix_is_incomplete(frame: bytes) -> None:
    for cut in range(len(frame)):
        with pytest.raises(IncompleteError):
            witmotion.decode_frame(frame[:cut])


def test_stream_decoder_gives_nothing_until_the_frame_is_complete() -> None:
    decoder = witmotion.WitMotionDecoder()
    for i in range(len(FRAME_61) - 1):
        result = decoder.feed(FRAME_61[i : i + 1])
        assert len(result.samples) == 0
        assert result.malformed == 0
    result = decoder.feed(FRAME_61[-1:])
    assert len(result.samples) == 1
    np.testing.assert_allclose(
        result.samples.acc_mps2, witmotion.decode_frame(FRAME_61).samples.acc_mps2
    )


@pytest.mark.parametrize("cut", range(1, 20))
def test_frames_split_across_notifications(cut: int) -> None:
    stream = FRAME_61 + FRAME_71_BATTERY + FRAME_61
    decoder = witmotion.WitMotionDecoder()
    results = [
        decoder.feed(stream[:cut]),
        decoder.feed(stream[cut : 40 + cut]),
        decoder.feed(stream[40 + cut :]),
    ]
    assert sum(len(r.samples) for r in results) == 2
    assert sum(r.malformed for r in results) == 0
    assert Battery(75) in [m for r in results for m in r.messages]


def test_garbage_runs_are_counted_and_the_stream_resyncs() -> None:
    garbage_a = bytes.fromhex("01 02 03")
    garbage_b = bytes.fromhex("55 00 AA")  # a 0x55 that is not followed by a valid flag
    decoder = witmotion.WitMotionDecoder()
    result = decoder.feed(garbage_a + FRAME_61 + garbage_b + FRAME_61)
    assert len(result.samples) == 2
    assert result.malformed == 2
    # Still in sync afterwards: a clean frame decodes with no new error.
    clean = decoder.feed(FRAME_61)
    assert (len(clean.samples), clean.malformed) == (1, 0)


def test_a_lone_trailing_non_header_byte_is_garbage_but_a_trailing_0x55_waits() -> None:
    decoder = witmotion.WitMotionDecoder()
    assert decoder.feed(FRAME_61 + b"\x07").malformed == 1
    decoder.reset()
    result = decoder.feed(FRAME_61 + b"\x55")
    assert (len(result.samples), result.malformed) == (1, 0)
    rest = decoder.feed(FRAME_61[1:])
    assert (len(rest.samples), rest.malformed) == (1, 0)


def test_reset_forgets_a_partial_frame() -> None:
    decoder = witmotion.WitMotionDecoder()
    decoder.feed(FRAME_61[:7])
    decoder.reset()
    result = decoder.feed(FRAME_61)
    assert (len(result.samples), result.malformed) == (1, 0)


@pytest.mark.parametrize(
    "bad",
    [
        bytes.fromhex("54"),
        bytes.fromhex("55 62"),
        FRAME_61 + b"\x00",
        bytes.fromhex("AA 61") + FRAME_61[2:],
    ],
)
def test_decode_frame_names_malformed_frames(bad: bytes) -> None:
    with pytest.raises(MalformedError):
        witmotion.decode_frame(bad)


int16 = st.integers(-32768, 32767)


@given(st.lists(st.tuples(*[int16] * 9), min_size=1, max_size=12))
def test_round_trip_is_exact_on_the_int16_grid(rows: list[tuple[int, ...]]) -> None:
    raw = np.array(rows, dtype=float)
    acc = raw[:, 0:3] * 16 / 32768 * G
    gyro = raw[:, 3:6] * 2000 / 32768
    angles = raw[:, 6:9] * 180 / 32768
    encoded = witmotion.encode_samples(acc, gyro, angles)
    frames = witmotion.decode_frames(encoded)
    assert frames.consumed == len(encoded) == 20 * len(rows)
    np.testing.assert_allclose(frames.samples.acc_mps2, acc, rtol=0, atol=1e-9)
    assert frames.samples.gyro_dps is not None
    np.testing.assert_allclose(frames.samples.gyro_dps, gyro, rtol=0, atol=1e-9)
    np.testing.assert_allclose(frames.angles_deg, angles, rtol=0, atol=1e-9)


def test_encode_register_reply_matches_example_6_2() -> None:
    assert witmotion.encode_register_reply(0x3A, (360, 105, 122)) == FRAME_71_MAG


@pytest.mark.parametrize(
    ("command", "hex_bytes"),
    [
        (
            witmotion.write_register(witmotion.REG_RRATE, witmotion.rate_code(50.0)),
            "FF AA 03 08 00",
        ),
        (
            witmotion.write_register(witmotion.REG_RRATE, witmotion.rate_code(10.0)),
            "FF AA 03 06 00",
        ),
        (witmotion.unlock(), "FF AA 69 88 B5"),
        (witmotion.save(), "FF AA 00 00 00"),
        (witmotion.read_register(witmotion.REG_BATTERY), "FF AA 27 64 00"),
        (witmotion.read_register(0x3A), "FF AA 27 3A 00"),
    ],
)
def test_command_bytes(command: bytes, hex_bytes: str) -> None:
    assert command == bytes.fromhex(hex_bytes)


def test_start_sequence_unlocks_sets_rate_saves_and_reads_battery() -> None:
    commands = witmotion.start_commands(100.0)
    assert [c.payload.hex(" ") for c in commands] == [
        "ff aa 69 88 b5",
        "ff aa 03 09 00",
        "ff aa 00 00 00",
        "ff aa 27 64 00",
    ]
    assert all(c.char_uuid == witmotion.WRITE_UUID for c in commands)


def test_unsupported_rate_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="allowed"):
        witmotion.start_commands(30.0)


@pytest.mark.parametrize(("volts", "pct"), [(4.2, 100), (3.90, 75), (3.69, 15), (3.0, 0)])
def test_battery_step_table(volts: float, pct: int) -> None:
    assert witmotion.battery_percent(volts) == pct


@given(
    st.lists(st.sampled_from([FRAME_61, FRAME_71_BATTERY, FRAME_71_MAG]), min_size=1, max_size=8),
    st.lists(st.binary(max_size=5).filter(lambda b: 0x55 not in b), min_size=8, max_size=8),
    st.lists(st.integers(1, 25), max_size=20),
)
def test_any_split_and_garbage_between_frames_gives_every_frame(
    frames: list[bytes], garbage: list[bytes], cuts: list[int]
) -> None:
    stream = b"".join(g + f for g, f in zip(garbage, frames, strict=False))
    decoder = witmotion.WitMotionDecoder()
    results = []
    i = 0
    for size in cuts:
        results.append(decoder.feed(stream[i : i + size]))
        i += size
    results.append(decoder.feed(stream[i:]))
    assert sum(len(r.samples) for r in results) == frames.count(FRAME_61)
    registers = [m for r in results for m in r.messages if isinstance(m, DeviceInfo | Battery)]
    assert len(registers) == len(frames) - frames.count(FRAME_61)
    garbage_runs = sum(1 for g in garbage[: len(frames)] if g)
    # A run split across notifications may be counted once per piece, never less than once.
    assert garbage_runs <= sum(r.malformed for r in results) <= garbage_runs + len(cuts)
