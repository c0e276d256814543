"""MetaWear BMI160/BMI270: SDK-test byte vectors from metawear.md, pairing, commands."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import metawear
from firmware_protocol.errors import ConfigError, MalformedError
from firmware_protocol.messages import Battery, DroppedData, ModuleInfo, Unhandled, UnpairedSamples
from firmware_protocol.metawear import BMI160, BMI270, MetaWearDecoder, MetaWearSettings

G = 9.80665
PACKED_BODY = "62 B7 53 0D E9 FD 16 D0 4D 0E 57 02 8A FF A1 05 0A 01"
PACKED_RAW = [(-18590, 3411, -535), (-12266, 3661, 599), (-118, 1441, 266)]
ACC_ONLY_8G = MetaWearSettings(acc_range_g=8, with_gyro=False)


def test_example_1_single_sample_4g() -> None:
    decoder = MetaWearDecoder(BMI160, MetaWearSettings(acc_range_g=4, with_gyro=False))
    result = decoder.feed(bytes.fromhex("03 04 16 C4 94 A2 2A D0"))
    np.testing.assert_allclose(
        result.samples.acc_mps2, np.array([[-15338, -23916, -12246]]) / 8192 * G
    )
    np.testing.assert_allclose(result.samples.acc_mps2 / G, [[-1.872, -2.919, -1.495]], atol=5e-4)
    assert result.samples.t_device_s is None


@pytest.mark.parametrize(("chip", "register"), [(BMI160, "1C"), (BMI270, "05")])
def test_example_2_packed_8g(chip: metawear.Chip, register: str) -> None:
    result = MetaWearDecoder(chip, ACC_ONLY_8G).feed(bytes.fromhex(f"03 {register} {PACKED_BODY}"))
    np.testing.assert_allclose(result.samples.acc_mps2, np.array(PACKED_RAW) / 4096 * G)
    np.testing.assert_allclose(
        result.samples.acc_mps2 / G,
        [[-4.539, 0.833, -0.131], [-2.995, 0.894, 0.146], [-0.029, 0.352, 0.065]],
        atol=5e-4,
    )
    assert result.malformed == 0


def test_example_3_gyro_500_is_paired_with_acc() -> None:
    decoder = MetaWearDecoder(BMI160, MetaWearSettings(acc_range_g=4, gyro_range_dps=500))
    first = decoder.feed(bytes.fromhex("03 04 16 C4 94 A2 2A D0"))
    assert len(first.samples) == 0  # waiting for its gyro partner
    result = decoder.feed(bytes.fromhex("13 05 3E 43 FF 7F 00 80"))
    assert result.samples.gyro_dps is not None
    np.testing.assert_allclose(
        result.samples.gyro_dps, [[17214 / 65.6, 32767 / 65.6, -32768 / 65.6]]
    )
    np.testing.assert_allclose(result.samples.gyro_dps, [[262.41, 499.50, -499.51]], atol=5e-3)
    np.testing.assert_allclose(result.samples.acc_mps2 / G, [[-1.872, -2.919, -1.495]], atol=5e-4)


def test_example_4_battery() -> None:
    result = MetaWearDecoder().feed(bytes.fromhex("11 8C 63 34 10"))
    assert result.messages == (Battery(99, 4148),)
    assert metawear.encode_battery(99, 4148) == bytes.fromhex("11 8C 63 34 10")


def test_module_info_and_the_profiles_chip_check() -> None:
    good = MetaWearDecoder(BMI160).feed(bytes.fromhex("03 80 01 02"))
    assert good.messages == (ModuleInfo(0x03, True, 1, 2),)
    assert metawear.PROFILE_BMI160.wrong_profile(good.messages[0]) is None
    gyro = MetaWearDecoder(BMI270).feed(bytes.fromhex("13 80 01 00"))
    assert gyro.messages == (ModuleInfo(0x13, True, 1, 0),)
    assert metawear.PROFILE_BMI270.wrong_profile(gyro.messages[0]) is None
    wrong = MetaWearDecoder(BMI160).feed(bytes.fromhex("03 80 04 00"))
    assert wrong.messages == (ModuleInfo(0x03, True, 4, 0),)
    assert metawear.PROFILE_BMI160.wrong_profile(wrong.messages[0]) is metawear.PROFILE_BMI270
    assert metawear.profile_for_acc_implementation(4) is metawear.PROFILE_BMI270
    assert metawear.profile_for_acc_implementation(1) is metawear.PROFILE_BMI160
    assert metawear.profile_for_acc_implementation(3) is None
    absent = MetaWearDecoder().feed(bytes.fromhex("13 80"))
    assert absent.messages == (ModuleInfo(0x13, present=False),)


@pytest.mark.parametrize(
    ("chip", "rate_hz", "range_g", "expected"),
    [
        (BMI160, 200.0, 8, "03 03 29 08"),
        (BMI160, 100.0, 16, "03 03 28 0C"),
        (BMI160, 100.0, 2, "03 03 28 03"),  # SDK default
        (BMI270, 200.0, 8, "03 03 A9 02"),
        (BMI270, 100.0, 16, "03 03 A8 03"),
        (BMI270, 100.0, 8, "03 03 A8 02"),  # SDK default
        (BMI270, 50.0, 8, "03 03 A7 02"),
    ],
)
def test_acc_config_bytes(chip: metawear.Chip, rate_hz: float, range_g: int, expected: str) -> None:
    assert metawear.acc_config(chip, rate_hz, range_g) == bytes.fromhex(expected)


@pytest.mark.parametrize(
    ("rate_hz", "range_dps", "expected"),
    [
        (100.0, 2000, "13 03 28 00"),
        (200.0, 2000, "13 03 29 00"),
        (50.0, 125, "13 03 27 04"),
        (100.0, 250, "13 03 28 03"),
    ],
)
def test_gyro_config_bytes(rate_hz: float, range_dps: int, expected: str) -> None:
    assert metawear.gyro_config(rate_hz, range_dps) == bytes.fromhex(expected)


def test_start_sequence_bmi160() -> None:
    payloads = [c.payload.hex(" ") for c in metawear.PROFILE_BMI160.start_commands(100.0)]
    assert payloads == [
        "03 80",
        "13 80",
        "11 09 06 00 06 00 00 00 58 02",
        "03 03 28 08",
        "03 1c 01",
        "03 02 01 00",
        "13 03 28 00",
        "13 07 01",
        "13 02 01 00",
        "13 01 01",
        "03 01 01",
        "11 8c",
    ]
    commands = metawear.PROFILE_BMI160.start_commands(100.0)
    assert all(c.char_uuid == metawear.COMMAND_UUID and not c.with_response for c in commands)


def test_start_and_stop_bmi270_use_its_registers() -> None:
    payloads = [c.payload.hex(" ") for c in metawear.PROFILE_BMI270.start_commands(50.0)]
    assert "11 09 06 00 06 00 00 00 58 02" not in payloads  # only asked for at >= 100 Hz
    assert payloads[2:5] == ["03 03 a7 02", "03 05 01", "03 02 01 00"]
    assert "13 05 01" in payloads
    stops = [c.payload.hex(" ") for c in metawear.PROFILE_BMI270.stop_commands()]
    assert stops == ["03 02 00 01", "03 01 00", "03 05 00", "13 02 00 01", "13 01 00", "13 05 00"]


def test_bad_rate_and_range_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="allowed"):
        metawear.PROFILE_BMI160.start_commands(400.0)
    with pytest.raises(ConfigError, match="acc_range_g"):
        MetaWearSettings(acc_range_g=3)
    with pytest.raises(ConfigError, match="gyro_range_dps"):
        MetaWearSettings(gyro_range_dps=300)


def test_every_truncated_prefix_is_counted_and_gives_no_sample() -> None:
    packet = bytes.fromhex(f"03 1C {PACKED_BODY}")
    decoder = MetaWearDecoder(BMI160, ACC_ONLY_8G)
    for cut in range(len(packet)):
        result = decoder.feed(packet[:cut])
        assert len(result.samples) == 0
        assert result.malformed == 1
    assert len(decoder.feed(packet).samples) == 3


@pytest.mark.parametrize(
    "bad",
    ["03", "03 1C " + PACKED_BODY + " 00", "03 04 16 C4 94 A2 2A", "11 8C 63 34", "03 80 01"],
)
def test_named_malformed_notifications(bad: str) -> None:
    assert MetaWearDecoder(BMI160, ACC_ONLY_8G).feed(bytes.fromhex(bad)).malformed == 1


def test_unknown_messages_are_reported_not_counted() -> None:
    result = MetaWearDecoder().feed(bytes.fromhex("FE 05 00"))
    assert result.messages == (Unhandled("message", "fe 05 00"),)
    assert result.malformed == 0


def test_dead_gyro_lets_acc_through_and_excess_gyro_is_dropped() -> None:
    decoder = MetaWearDecoder(BMI160, MetaWearSettings())
    packet = bytes.fromhex(f"03 1C {PACKED_BODY}")
    out = [decoder.feed(packet) for _ in range(11)]
    assert sum(len(r.samples) for r in out[:10]) == 0
    assert len(out[10].samples) == 33
    assert out[10].samples.gyro_dps is None
    assert UnpairedSamples(33) in out[10].messages
    gyro_packet = bytes.fromhex(f"13 07 {PACKED_BODY}")
    gyro_out = [decoder.feed(gyro_packet) for _ in range(11)]
    assert DroppedData("gyro samples without accelerometer", 3) in gyro_out[10].messages


def test_reset_drops_unpaired_samples() -> None:
    decoder = MetaWearDecoder()
    decoder.feed(bytes.fromhex(f"03 1C {PACKED_BODY}"))
    decoder.reset()
    result = decoder.feed(bytes.fromhex(f"13 07 {PACKED_BODY}"))
    assert len(result.samples) == 0


int16 = st.integers(-32768, 32767)


@given(
    st.lists(st.tuples(*[int16] * 6), min_size=1, max_size=11),
    st.sampled_from([BMI160, BMI270]),
    st.sampled_from([2, 4, 8, 16]),
    st.sampled_from([125, 250, 500, 1000, 2000]),
)
def test_round_trip(
    rows: list[tuple[int, ...]], chip: metawear.Chip, range_g: int, range_dps: int
) -> None:
    settings = MetaWearSettings(acc_range_g=range_g, gyro_range_dps=range_dps)
    raw = np.array(rows, dtype=float)
    acc = raw[:, :3] / metawear.ACC_LSB_PER_G[range_g] * G
    gyro = raw[:, 3:] / metawear.GYRO_LSB_PER_DPS[range_dps]
    payloads = metawear.encode_samples(acc, gyro, chip, settings)
    assert len(payloads) == 2 * (len(rows) // 3 + len(rows) % 3)
    decoder = MetaWearDecoder(chip, settings)
    results = [decoder.feed(p) for p in payloads]
    assert sum(r.malformed for r in results) == 0
    got_acc = np.vstack([r.samples.acc_mps2 for r in results])
    got_gyro = np.vstack([r.samples.gyro_dps for r in results if r.samples.gyro_dps is not None])
    np.testing.assert_allclose(got_acc, acc, atol=1e-9)
    np.testing.assert_allclose(got_gyro, gyro, atol=1e-9)


def test_profiles() -> None:
    assert metawear.PROFILE_BMI160.model == "metawear-bmi160"
    assert metawear.PROFILE_BMI270.model == "metawear-bmi270"
    assert metawear.PROFILE_BMI160.matches_name("MetaWear")
    assert not metawear.PROFILE_BMI160.device_timestamps
    assert metawear.encode_module_info(0x03, 4, 0) == bytes.fromhex("03 80 04 00")


@pytest.mark.parametrize("chip", [BMI160, BMI270])
@pytest.mark.parametrize("rate_hz", metawear.RATES_HZ)
def test_config_writes_parse_back(chip: metawear.Chip, rate_hz: float) -> None:
    for range_g in metawear.ACC_LSB_PER_G:
        assert metawear.decode_acc_config(chip, metawear.acc_config(chip, rate_hz, range_g)) == (
            rate_hz,
            range_g,
        )
    for range_dps in metawear.GYRO_RANGE_CODES:
        assert metawear.decode_gyro_config(metawear.gyro_config(rate_hz, range_dps)) == (
            rate_hz,
            range_dps,
        )


def test_bad_config_writes_are_malformed() -> None:
    with pytest.raises(MalformedError):
        metawear.decode_acc_config(BMI160, bytes.fromhex("03 03 28 02"))  # 02 is a BMI270 code
    with pytest.raises(MalformedError):
        metawear.decode_gyro_config(bytes.fromhex("13 03 2C 00"))  # 1600 Hz: not used
    with pytest.raises(MalformedError):
        metawear.decode_acc_config(BMI160, bytes.fromhex("13 03 28 00"))
