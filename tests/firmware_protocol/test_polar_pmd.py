"""Polar PMD: SDK-test frames from polar_pmd.md, control point, device time, round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_protocol import polar_pmd
from firmware_protocol import polar_pmd_control as cp
from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import DeviceInfo, Unhandled

G = 9.80665
MG = G / 1000
HEADER_6_1 = "02 00 94 35 77 00 00 00 00 01"
FILLER = "00 00 00 00 E8 03"  # ours: (0, 0, 1000) mG, to make the 36-sample frame of the test
FRAME_6_1 = bytes.fromhex(HEADER_6_1 + " F7 FF FF FF E7 03 F8 FF FE FF E5 03" + f" {FILLER}" * 34)
FRAME_6_2 = bytes.fromhex("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F 08")


def test_example_6_1_raw_frame() -> None:
    result = polar_pmd.PolarPmdDecoder(nominal_rate_hz=52.0).feed(FRAME_6_1)
    acc = result.samples.acc_mps2
    assert acc.shape == (36, 3)
    np.testing.assert_allclose(acc[:2], np.array([[-9, -1, 999], [-8, -2, 997]]) * MG)
    np.testing.assert_allclose(acc[0], [-0.088, -0.010, 9.797], atol=5e-4)
    t = result.samples.t_device_s
    assert t is not None
    assert t[-1] == pytest.approx(2.0)  # 2 000 000 000 ns after the 2000 epoch
    np.testing.assert_allclose(np.diff(t), 1 / 52.0)  # first frame: nominal spacing backwards


def test_example_6_2_compressed_frame() -> None:
    frame = polar_pmd.decode_frame(FRAME_6_2)
    assert (frame.measurement_type, frame.timestamp_ns, frame.frame_type) == (2, 101, 0x81)
    np.testing.assert_array_equal(frame.values, [[-15, 20, 1008], [-20, 17, 1008]])
    result = polar_pmd.PolarPmdDecoder().feed(FRAME_6_2)
    np.testing.assert_allclose(
        result.samples.acc_mps2, np.array([[-15, 20, 1008], [-20, 17, 1008]]) * MG
    )


def test_example_6_3_start_request_h10() -> None:
    (cmd,) = polar_pmd.PROFILE_H10.start_commands(200.0)
    assert cmd.payload == bytes.fromhex("02 02 00 01 C8 00 01 01 10 00 02 01 08 00")
    assert cmd.char_uuid == polar_pmd.CONTROL_POINT_UUID
    assert cmd.with_response
    op, meas, settings = cp.parse_request(cmd.payload)
    assert (op, meas, settings) == (2, 2, {0: (200,), 1: (16,), 2: (8,)})


def test_verity_start_and_stop_bytes() -> None:
    (cmd,) = polar_pmd.PROFILE_VERITY.start_commands(52.0)
    assert cmd.payload == bytes.fromhex("02 02 00 01 34 00 01 01 10 00 02 01 08 00 04 01 03")
    assert [c.payload for c in polar_pmd.PROFILE_VERITY.stop_commands()] == [b"\x03\x02"]
    assert cp.get_settings_request(cp.MEAS_ACC) == b"\x01\x02"
    with pytest.raises(ConfigError, match="allowed"):
        polar_pmd.PROFILE_VERITY.start_commands(50.0)
    with pytest.raises(ConfigError):
        polar_pmd.PROFILE_H10.start_commands(52.0)


def test_success_response_and_factor_scale_compressed_frames() -> None:
    decoder = polar_pmd.PolarPmdDecoder()
    plain = decoder.feed(bytes.fromhex("F0 02 02 00 00"))
    assert plain.messages == (DeviceInfo("control point response", "opcode 2, measurement 2: ok"),)
    response = cp.encode_cp_response(cp.OP_START, cp.MEAS_ACC, settings={cp.SET_FACTOR: (0.5,)})
    assert response == bytes.fromhex("F0 02 02 00 00 05 01") + bytes.fromhex("00 00 00 3F")
    decoder.feed(response)
    result = decoder.feed(FRAME_6_2)
    np.testing.assert_allclose(
        result.samples.acc_mps2, np.array([[-15, 20, 1008], [-20, 17, 1008]]) * 0.5 * MG
    )
    # Raw frames are mG already: the factor does not apply to them.
    raw = decoder.feed(FRAME_6_1)
    np.testing.assert_allclose(raw.samples.acc_mps2[0], np.array([-9, -1, 999]) * MG)


def test_error_response_and_unsolicited_stop() -> None:
    decoder = polar_pmd.PolarPmdDecoder()
    (refused,) = decoder.feed(bytes.fromhex("F0 02 02 08 00")).messages
    assert refused == DeviceInfo(
        "control point response", "opcode 2, measurement 2: refused: invalid sample rate"
    )
    stopped = DeviceInfo("stream_stopped", "measurement types [2]")
    assert decoder.feed(bytes.fromhex("01 02")).messages == (stopped,)
    features = DeviceInfo("features", "[0, 2, 5]")
    assert decoder.feed(bytes.fromhex("0F 25 00")).messages == (features,)


def test_get_settings_response_lists_allowed_values() -> None:
    payload = bytes.fromhex(
        "F0 01 02 00 00 00 04 19 00 32 00 64 00 C8 00 01 01 10 00 02 03 02 00 04 00 08 00"
    )
    response = cp.decode_cp_response(payload)
    assert response.ok
    assert response.settings == {0: (25, 50, 100, 200), 1: (16,), 2: (2, 4, 8)}


def test_timestamps_interpolate_between_frames_and_survive_a_gap() -> None:
    decoder = polar_pmd.PolarPmdDecoder(nominal_rate_hz=50.0)
    acc = np.zeros((10, 3))
    t0 = 1_000_000_000
    first = decoder.feed(polar_pmd.encode_raw_frame(acc, t0)).samples.t_device_s
    # The device really runs at 52 Hz: the next frame's spacing is measured, not assumed.
    t1 = t0 + round(10 / 52 * 1e9)
    second = decoder.feed(polar_pmd.encode_raw_frame(acc, t1)).samples.t_device_s
    assert first is not None
    assert second is not None
    np.testing.assert_allclose(np.diff(first), 1 / 50)
    np.testing.assert_allclose(second, t0 / 1e9 + np.arange(1, 11) / 52, atol=1e-9)
    # Two frames lost: spacing stays 1/52 and counts back from the frame's own time.
    t4 = t1 + 3 * round(10 / 52 * 1e9)
    fourth = decoder.feed(polar_pmd.encode_raw_frame(acc, t4)).samples.t_device_s
    assert fourth is not None
    np.testing.assert_allclose(fourth, t4 / 1e9 - np.arange(9, -1, -1) / 52, atol=1e-6)


@pytest.mark.parametrize("rate_hz", [25.0, 100.0, 200.0])
def test_spacing_is_measured_whatever_the_nominal_rate(rate_hz: float) -> None:
    decoder = polar_pmd.PolarPmdDecoder(nominal_rate_hz=50.0)
    acc = np.zeros((20, 3))
    frame_ns = round(20 / rate_hz * 1e9)
    times = [
        decoder.feed(polar_pmd.encode_raw_frame(acc, 10**9 + k * frame_ns)).samples.t_device_s
        for k in range(4)
    ]
    for t in times[1:]:
        assert t is not None
        np.testing.assert_allclose(np.diff(t), 1 / rate_hz, rtol=1e-6)


def test_reset_forgets_the_previous_frame_time() -> None:
    decoder = polar_pmd.PolarPmdDecoder(nominal_rate_hz=25.0)
    decoder.feed(polar_pmd.encode_raw_frame(np.zeros((5, 3)), 10**9))
    decoder.reset()
    t = decoder.feed(polar_pmd.encode_raw_frame(np.zeros((5, 3)), 2 * 10**9)).samples.t_device_s
    assert t is not None
    np.testing.assert_allclose(t, 2.0 - np.arange(4, -1, -1) / 25)


def test_every_truncated_prefix_is_incomplete_malformed_or_a_valid_shorter_frame() -> None:
    for frame in (FRAME_6_1, FRAME_6_2):
        full = polar_pmd.decode_frame(frame).values
        for cut in range(len(frame)):
            prefix = frame[:cut]
            if cut < 10:
                with pytest.raises(IncompleteError):
                    polar_pmd.decode_frame(prefix)
                continue
            try:
                values = polar_pmd.decode_frame(prefix).values
            except MalformedError:
                continue
            # No length field: a cut at a sample boundary is a shorter frame, never garbage.
            np.testing.assert_array_equal(values, full[: len(values)])
    decoder = polar_pmd.PolarPmdDecoder()
    assert decoder.feed(FRAME_6_2[:15]).malformed == 1
    assert decoder.feed(b"").malformed == 1


@pytest.mark.parametrize(
    ("hex_frame", "reason"),
    [
        (HEADER_6_1[:-2] + "05 00 00 00 00 00 00", "raw frame type"),
        (HEADER_6_1 + " F7 FF FF FF E7", "not whole"),
        (HEADER_6_1, "not whole"),
        ("02 65 00 00 00 00 00 00 00 82 00 00", "compressed frame type"),
        ("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00", "reference"),
        ("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06", "width byte"),
        ("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 00 01", "delta width 0"),
        ("02 65 00 00 00 00 00 00 00 81 F1 FF 14 00 F0 03 06 01 7B 0F", "needs 3 bytes"),
    ],
)
def test_named_malformed_frames(hex_frame: str, reason: str) -> None:
    with pytest.raises(MalformedError, match=reason):
        polar_pmd.decode_frame(bytes.fromhex(hex_frame))
    assert polar_pmd.PolarPmdDecoder().feed(bytes.fromhex(hex_frame)).malformed == 1


def test_bad_control_point_payloads() -> None:
    decoder = polar_pmd.PolarPmdDecoder()
    assert decoder.feed(bytes.fromhex("F0 02 02")).malformed == 1
    assert decoder.feed(bytes.fromhex("F0 01 02 00 00 09 01 00")).malformed == 1  # setting 9
    assert decoder.feed(bytes.fromhex("F0 01 02 00 00 00 02 19 00")).malformed == 1  # cut TLV


def test_gyro_frames_are_reported_not_decoded() -> None:
    frame = bytes([cp.MEAS_GYRO]) + bytes(8) + b"\x01" + bytes(6)
    result = polar_pmd.PolarPmdDecoder().feed(frame)
    assert result.messages == (Unhandled("frame", f"measurement type {cp.MEAS_GYRO}"),)
    assert (len(result.samples), result.malformed) == (0, 0)


mg_values = st.integers(-32768, 32767)


@given(
    st.lists(st.tuples(mg_values, mg_values, mg_values), min_size=1, max_size=300),
    st.integers(0, 2**63),
)
def test_round_trip_raw_and_delta(rows: list[tuple[int, int, int]], timestamp_ns: int) -> None:
    mg = np.array(rows, dtype=float)
    for payload in (
        polar_pmd.encode_raw_frame(mg * MG, timestamp_ns),
        polar_pmd.encode_delta_frame(mg * MG, timestamp_ns),
    ):
        frame = polar_pmd.decode_frame(payload)
        assert frame.timestamp_ns == timestamp_ns
        np.testing.assert_array_equal(frame.values, mg)


def test_delta_encoder_uses_the_smallest_width() -> None:
    mg = np.array([[-15, 20, 1008], [-20, 17, 1008]], dtype=float)
    payload = polar_pmd.encode_delta_frame(mg * MG, 101)
    # Deltas (-5, -3, 0) need 4 bits; the device in the SDK vector chose 6, both decode alike.
    assert payload[:18] == FRAME_6_2[:16] + bytes([4, 1])
    np.testing.assert_array_equal(polar_pmd.decode_frame(payload).values, mg)


def test_device_epoch_and_profiles() -> None:
    assert polar_pmd.unix_to_device_ns(946_684_802.0) == 2_000_000_000
    for profile in polar_pmd.PROFILES:
        assert profile.device_timestamps
        assert profile.notify_uuids == (polar_pmd.CONTROL_POINT_UUID, polar_pmd.DATA_UUID)
    assert polar_pmd.PROFILE_H10.matches_name("Polar H10 1A2B3C4D")
    assert polar_pmd.PROFILE_VERITY.matches_name("Polar Sense B1A2C3D4")
    assert cp.encode_features({cp.MEAS_ACC, cp.MEAS_ECG}) == bytes.fromhex("0F 05 00")


def test_a_cut_feature_read_is_counted_not_raised() -> None:
    # Found by the registry fuzz test: a lone 0x0F byte used to escape as IncompleteError.
    from firmware_protocol.polar_pmd import PolarPmdDecoder

    result = PolarPmdDecoder().feed(b"\x0f")
    assert result.malformed == 1
    assert len(result.samples) == 0
