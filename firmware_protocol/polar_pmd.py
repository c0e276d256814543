"""Polar H10 and Verity Sense accelerometer over the PMD service (``Polar H10 ...``,
``Polar Sense ...``).

Wire format (see ``shared/protocols/polar_pmd.md``): a data notification on FB005C82 is one
frame: measurement type (1 byte), timestamp (uint64 LE, ns since 2000-01-01 on the device
clock, the time of the LAST sample of the frame), frame type (bit 7 = delta-compressed), then
samples. The H10 sends raw 16-bit milli-g frames (type 0x01); the Verity Sense sends
delta-compressed frames (0x81): a 16-bit reference sample and blocks of packed w-bit deltas,
scaled by the FACTOR of the start response (1.0 when absent). Frames carry no length field:
the sample count comes from the notification length, so the frame must be one notification.

Time: ``t_device_s`` is per sample, in DEVICE seconds since 2000-01-01 (the device clock, which
the H10 resets to 2019-01-01 at every power-off). Like Polar's SDK, the samples of a frame are
spaced evenly between the previous frame's timestamp and this one; the first frame after a
(re)start, or one after a gap (lost frames), is spaced backwards from its timestamp at the last
measured sample interval (the profile's default rate until one is measured: only the first
frame's spacing is wrong when another rate was asked for). The sensor layer
subtracts the session's first device timestamp to get seconds since session start.

Control point indications (start/stop responses, "stream stopped" notices) go through the
same decoder: the control point is listed in the profile's ``notify_uuids`` and the decoder
tells the two apart by the first byte (``F0``/``0F``/short ``01 ..`` vs. a >= 10-byte frame).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from firmware_protocol import battery
from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.fixed_point import check_rate, nothing
from firmware_protocol.messages import DeviceInfo, Unhandled
from firmware_protocol.polar_pmd_control import (
    FEATURES,
    MEAS_ACC,
    OP_START,
    RESPONSE,
    SET_CHANNELS,
    SET_FACTOR,
    SET_RANGE,
    SET_RESOLUTION,
    SET_SAMPLE_RATE,
    UNSOLICITED_STOP,
    CpResponse,
    decode_cp_response,
    decode_features,
    start_request,
    stop_request,
)
from firmware_protocol.profile import Command, DecodedRun, DecodeResult, DeviceProfile
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

MODEL = "polar"

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_POINT_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

HEADER_LEN = 10
COMPRESSED_BIT = 0x80
RAW_SAMPLE_BYTES = {0x00: 1, 0x01: 2, 0x02: 3}  # bytes per channel of raw frame types
DELTA_REFERENCE_BYTES = {0x01: 2}  # compressed ACC type 1: 16-bit reference
MAX_DELTA_BITS = 32
EPOCH_2000_UNIX_S = 946_684_800
MG_TO_MPS2 = STANDARD_GRAVITY_MPS2 / 1000.0

H10_RATES_HZ = (25.0, 50.0, 100.0, 200.0)
VERITY_RATES_HZ = (52.0,)  # non-SDK mode; SDK mode (more rates, gyro) is not supported here
RANGE_G = 8
RESOLUTION_BITS = 16


@dataclass(frozen=True, slots=True)
class PmdFrame:
    """One decoded data frame: raw channel values (mG for ACC after the factor), last time."""

    measurement_type: int
    timestamp_ns: int
    frame_type: int
    values: FloatArray  # (n, 3)


def decode_frame(payload: bytes, factor: float = 1.0) -> PmdFrame:
    """Decode a whole frame. ``IncompleteError`` if shorter than the 10-byte header;
    ``MalformedError`` for unknown frame types, bodies that do not divide into samples and
    cut-off delta blocks. (A raw frame cut at a sample boundary is a valid shorter frame.)"""
    if len(payload) < HEADER_LEN:
        raise IncompleteError(MODEL, len(payload), HEADER_LEN)
    meas = payload[0] & 0x3F
    timestamp_ns = int.from_bytes(payload[1:9], "little")
    frame_type = payload[9]
    body = payload[HEADER_LEN:]
    kind = frame_type & 0x7F
    if frame_type & COMPRESSED_BIT:
        ref_bytes = DELTA_REFERENCE_BYTES.get(kind)
        if ref_bytes is None:
            raise MalformedError(MODEL, f"compressed frame type 0x{frame_type:02x}", payload)
        values = _decode_delta(body, ref_bytes, payload) * factor
    else:
        size = RAW_SAMPLE_BYTES.get(kind)
        if size is None:
            raise MalformedError(MODEL, f"raw frame type 0x{frame_type:02x}", payload)
        values = _decode_raw(body, size, payload)
    return PmdFrame(meas, timestamp_ns, frame_type, values)


def _decode_raw(body: bytes, size: int, payload: bytes) -> FloatArray:
    if len(body) == 0 or len(body) % (3 * size):
        raise MalformedError(MODEL, f"{len(body)} sample bytes, not whole {3 * size}", payload)
    raw = np.frombuffer(body, dtype=np.uint8).reshape(-1, 3, size).astype(np.int64)
    value = np.zeros(raw.shape[:2], dtype=np.int64)
    for k in range(size):
        value |= raw[:, :, k] << (8 * k)
    sign = 1 << (8 * size - 1)
    return ((value ^ sign) - sign).astype(np.float64)


def _decode_delta(body: bytes, ref_bytes: int, payload: bytes) -> FloatArray:
    if len(body) < 3 * ref_bytes:
        raise MalformedError(MODEL, "compressed frame without a whole reference", payload)
    ref = [_signed(int.from_bytes(body[k * ref_bytes : (k + 1) * ref_bytes], "little"),
                   8 * ref_bytes) for k in range(3)]  # fmt: skip
    rows = [ref]
    i = 3 * ref_bytes
    while i < len(body):
        if len(body) - i < 2:
            raise MalformedError(MODEL, "delta block cut after its width byte", payload)
        width, count = body[i], body[i + 1]
        if not 1 <= width <= MAX_DELTA_BITS:
            raise MalformedError(MODEL, f"delta width {width} bits", payload)
        nbytes = (count * 3 * width + 7) // 8
        block = body[i + 2 : i + 2 + nbytes]
        if len(block) < nbytes:
            raise MalformedError(MODEL, f"delta block needs {nbytes} bytes", payload)
        bits = int.from_bytes(block, "little")  # bits are read LSB-first
        mask = (1 << width) - 1
        for s in range(count):
            prev = rows[-1]
            rows.append(
                [prev[c] + _signed((bits >> ((3 * s + c) * width)) & mask, width) for c in range(3)]
            )
        i += 2 + nbytes
    return np.array(rows, dtype=np.float64)


def _signed(value: int, bits: int) -> int:
    sign = 1 << (bits - 1)
    return (value ^ sign) - sign


def cp_response_message(response: CpResponse) -> DeviceInfo:
    """A control point answer in words: which request, which measurement, how it went."""
    outcome = "ok" if response.ok else f"refused: {response.status_text}"
    text = f"opcode {response.opcode}, measurement {response.measurement_type}: {outcome}"
    return DeviceInfo("control point response", text)


class PolarPmdDecoder:
    """Frames and control point indications; keeps the factor and the last frame time."""

    def __init__(self, nominal_rate_hz: float = 50.0) -> None:
        self.nominal_rate_hz = nominal_rate_hz
        self.reset()
        self._factor = 1.0

    def reset(self) -> None:
        """Forget the previous frame time (the device clock may jump across a reconnect)."""
        self._last_ns: int | None = None
        self._interval_s = 1.0 / self.nominal_rate_hz
        self._measured = False

    def feed(self, payload: bytes) -> DecodeResult:
        if payload[:1] == bytes([RESPONSE]):
            return self._control(payload)
        if payload[:1] == bytes([FEATURES]) and len(payload) < HEADER_LEN:
            try:
                features = decode_features(payload)
            except (IncompleteError, MalformedError):
                return nothing(False, 1)  # a notification is a whole message: count, go on
            return nothing(False, 0, (DeviceInfo("features", str(sorted(features))),))
        if payload[:1] == bytes([UNSOLICITED_STOP]) and len(payload) < HEADER_LEN:
            stopped = DeviceInfo("stream_stopped", f"measurement types {list(payload[1:])}")
            return nothing(False, 0, (stopped,))
        try:
            frame = decode_frame(payload, self._factor)
        except (IncompleteError, MalformedError):
            return nothing(False, 1)
        if frame.measurement_type != MEAS_ACC:
            ignored = Unhandled("frame", f"measurement type {frame.measurement_type}")
            return nothing(False, 0, (ignored,))
        acc = frame.values * MG_TO_MPS2
        return DecodeResult(DecodedSamples(acc, None, self._sample_times(frame)))

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        """Always one by one: frames carry their own timestamps and sample counts."""
        return None

    def _control(self, payload: bytes) -> DecodeResult:
        try:
            response = decode_cp_response(payload)
        except (IncompleteError, MalformedError):
            return nothing(False, 1)
        if response.ok and response.opcode == OP_START and response.measurement_type == MEAS_ACC:
            factor = response.settings.get(SET_FACTOR)
            self._factor = float(factor[0]) if factor else 1.0
        return nothing(False, 0, (cp_response_message(response),))

    def _sample_times(self, frame: PmdFrame) -> FloatArray:
        n = len(frame.values)
        ts = frame.timestamp_ns
        last = self._last_ns
        self._last_ns = ts
        if last is not None and ts > last:
            interval_s = (ts - last) / n / 1e9
            # The first measured spacing replaces the nominal one whatever the rate really is;
            # later, a much longer spacing means lost frames: keep the usual spacing then. A
            # shorter one is always believed (a spacing measured across a loss corrects itself).
            if not self._measured or interval_s <= 1.5 * self._interval_s:
                self._interval_s = interval_s
                self._measured = True
        steps = np.arange(n - 1, -1, -1, dtype=np.float64)
        return ts / 1e9 - steps * self._interval_s


# --- encoding (simulator and BLE emulator) ---------------------------------------------------


def encode_raw_frame(acc_mps2: FloatArray, timestamp_ns: int, frame_type: int = 0x01) -> bytes:
    """A raw ACC frame (H10: type 0x01, 16-bit milli-g); values clipped to the sample size."""
    size = RAW_SAMPLE_BYTES[frame_type]
    limit = 1 << (8 * size - 1)
    mg = np.clip(np.rint(np.asarray(acc_mps2) / MG_TO_MPS2), -limit, limit - 1).astype(np.int64)
    body = b"".join(int(v).to_bytes(size, "little", signed=True) for v in mg.reshape(-1))
    return _header(timestamp_ns, frame_type) + body


def encode_delta_frame(acc_mps2: FloatArray, timestamp_ns: int, factor: float = 1.0) -> bytes:
    """A compressed 0x81 ACC frame (Verity Sense): reference + one block per <= 255 deltas,
    each block with the smallest width that holds its deltas."""
    values = np.rint(np.asarray(acc_mps2) / MG_TO_MPS2 / factor).astype(np.int64).reshape(-1, 3)
    values = np.clip(values, -32768, 32767)
    out = bytearray(_header(timestamp_ns, COMPRESSED_BIT | 0x01))
    out += b"".join(int(v).to_bytes(2, "little", signed=True) for v in values[0])
    deltas = np.diff(values, axis=0)
    for start in range(0, len(deltas), 255):
        block = deltas[start : start + 255]
        peak = int(max(np.max(block), -np.min(block) - 1, 0))
        width = max(peak.bit_length() + 1, 1)
        bits = 0
        for k, d in enumerate(block.reshape(-1)):
            bits |= (int(d) & ((1 << width) - 1)) << (k * width)
        nbytes = (block.size * width + 7) // 8
        out += bytes([width, len(block)]) + bits.to_bytes(nbytes, "little")
    return bytes(out)


def _header(timestamp_ns: int, frame_type: int) -> bytes:
    return bytes([MEAS_ACC]) + timestamp_ns.to_bytes(8, "little") + bytes([frame_type])


def unix_to_device_ns(unix_s: float) -> int:
    """Device time stamp (ns since 2000-01-01) for a Unix time."""
    return round((unix_s - EPOCH_2000_UNIX_S) * 1e9)


# --- commands and profiles -------------------------------------------------------------------


def h10_start_commands(rate_hz: float) -> tuple[Command, ...]:
    """``02 02 00 01 <rate> 01 01 10 00 02 01 08 00`` (rate, 16 bit, +-8 g)."""
    rate = check_rate("rate_hz", rate_hz, H10_RATES_HZ)
    settings = {SET_SAMPLE_RATE: round(rate), SET_RESOLUTION: RESOLUTION_BITS, SET_RANGE: RANGE_G}
    return (Command(CONTROL_POINT_UUID, start_request(MEAS_ACC, settings), 0.0, True),)


def verity_start_commands(rate_hz: float) -> tuple[Command, ...]:
    """As the H10 plus ``04 01 03`` (3 channels); non-SDK mode allows only 52 Hz, +-8 g."""
    rate = check_rate("rate_hz", rate_hz, VERITY_RATES_HZ)
    settings = {
        SET_SAMPLE_RATE: round(rate),
        SET_RESOLUTION: RESOLUTION_BITS,
        SET_RANGE: RANGE_G,
        SET_CHANNELS: 3,
    }
    return (Command(CONTROL_POINT_UUID, start_request(MEAS_ACC, settings), 0.0, True),)


def stop_commands() -> tuple[Command, ...]:
    """Stop ACC explicitly: an H10 left streaming stays on until its battery is empty."""
    return (Command(CONTROL_POINT_UUID, stop_request(MEAS_ACC), 0.0, True),)


def _profile(
    *,
    model: str,
    display: str,
    pattern: str,
    rates: tuple[float, ...],
    default_hz: float,
    start: Callable[[float], tuple[Command, ...]],
    note: str,
) -> DeviceProfile:
    return DeviceProfile(
        model=model,
        display_name=display,
        name_pattern=pattern,
        service_uuid=SERVICE_UUID,
        notify_uuids=(CONTROL_POINT_UUID, DATA_UUID),
        write_uuid=CONTROL_POINT_UUID,
        make_decoder=lambda: PolarPmdDecoder(default_hz),
        rates_hz=rates,
        default_rate_hz=default_hz,
        has_gyro=False,
        device_timestamps=True,
        start_commands=start,
        stop_commands=stop_commands,
        notes=note,
        extra_read_uuids=(battery.LEVEL_UUID,),
        read_replies=battery.read_replies,
        battery_uuid=battery.LEVEL_UUID,
    )


PROFILE_H10 = _profile(
    model="polar-h10",
    display="Polar H10 (accelerometer)",
    pattern=r"^Polar H10",
    rates=H10_RATES_HZ,
    default_hz=50.0,
    start=h10_start_commands,
    note="Acc only, +-8 g, raw 16-bit mG frames with device timestamps. Made for a chest strap: "
    "whether it keeps streaming on the lower back without electrode contact is unverified.",
)
PROFILE_VERITY = _profile(
    model="polar-verity",
    display="Polar Verity Sense (accelerometer)",
    pattern=r"^Polar Sense",
    rates=VERITY_RATES_HZ,
    default_hz=52.0,
    start=verity_start_commands,
    note="Acc only, 52 Hz, +-8 g (non-SDK mode), delta-compressed frames in bursts: device "
    "timestamps are what keep the timing right.",
)
PROFILES = (PROFILE_H10, PROFILE_VERITY)
