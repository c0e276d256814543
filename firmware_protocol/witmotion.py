"""WitMotion BLE 5.0 IMUs (WT901BLECL, BWT901BLE5.0, WT9011DCL; advertise as ``WT...``).

Wire format (see ``shared/protocols/witmotion.md``): a byte stream of fixed 20-byte frames,
``0x55 0x61`` + acc xyz + gyro xyz + angles xyz (int16 LE, +-16 g, +-2000 deg/s, +-180 deg),
or ``0x55 0x71`` + start register + 8 registers (a register read reply). No checksum, no
sequence counter, no timestamp. Decoders resync on the two-byte header like the vendor SDKs.

Quirk: the UUIDs use the non-standard base ``...00805f9a34fb`` ("9a"); short forms fail.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from firmware_protocol.errors import ConfigError, IncompleteError, MalformedError
from firmware_protocol.messages import Battery, DeviceInfo, DeviceMessage
from firmware_protocol.profile import (
    Command,
    DecodedRun,
    DecodeResult,
    DeviceProfile,
    SampleEncoder,
)
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

MODEL = "witmotion"

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

FRAME_LEN = 20
HEADER = 0x55
FLAG_DATA = 0x61
FLAG_REGISTER = 0x71

ACC_FULL_SCALE_G = 16.0
GYRO_FULL_SCALE_DPS = 2000.0
ANGLE_FULL_SCALE_DEG = 180.0
_INT16_SPAN = 32768.0

#: Return-rate register (0x03) codes, from the vendor register header REG.h.
RATE_CODES: dict[float, int] = {
    0.2: 0x01,
    0.5: 0x02,
    1.0: 0x03,
    2.0: 0x04,
    5.0: 0x05,
    10.0: 0x06,
    20.0: 0x07,
    50.0: 0x08,
    100.0: 0x09,
    200.0: 0x0B,
}
DEFAULT_RATE_HZ = 10.0  # medium confidence (protocol notes); measure the real rate on the host

REG_SAVE = 0x00
REG_RRATE = 0x03
REG_READ = 0x27
REG_BATTERY = 0x64
REG_KEY = 0x69
UNLOCK_KEY = 0xB588

_DATA_DTYPE = np.dtype(
    [("hdr", "u1"), ("flag", "u1"), ("acc", "<i2", 3), ("gyro", "<i2", 3), ("angle", "<i2", 3)]
)


@dataclass(frozen=True, slots=True)
class RegisterReply:
    """A 0x71 frame: eight consecutive int16 registers starting at ``start_register``."""

    start_register: int
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class WitFrames:
    """Result of :func:`decode_frames`: decoded samples and where the stream stands."""

    samples: DecodedSamples
    angles_deg: FloatArray
    registers: tuple[RegisterReply, ...]
    consumed: int
    malformed_runs: int


def _is_header(buf: bytes, i: int) -> bool:
    return buf[i] == HEADER and buf[i + 1] in (FLAG_DATA, FLAG_REGISTER)


def decode_frames(buf: bytes) -> WitFrames:
    """Decode every whole frame in ``buf``; pure.

    Returns the samples, the register replies, how many leading bytes were consumed (the
    caller keeps ``buf[consumed:]``, an incomplete frame, for the next call) and how many runs
    of garbage bytes were skipped while resynchronising on ``55 61`` / ``55 71``.
    """
    n = len(buf)
    # Fast path: the stream is aligned (the normal case, one or more frames per notification).
    whole = n - n % FRAME_LEN
    # The tail must be empty or able to start a frame; otherwise the slow path counts it now
    # (it used to sit in the pending buffer and be counted one notification late).
    if whole and _aligned(buf, whole) and (whole == n or buf[whole] == HEADER):
        return _decode_aligned(buf[:whole], whole, malformed_runs=0)

    data_parts: list[bytes] = []
    registers: list[RegisterReply] = []
    malformed = 0
    i = 0
    in_garbage = False
    while n - i >= 2:
        if _is_header(buf, i):
            if n - i < FRAME_LEN:
                break
            frame = buf[i : i + FRAME_LEN]
            if frame[1] == FLAG_DATA:
                data_parts.append(frame)
            else:
                registers.append(_register_reply(frame))
            i += FRAME_LEN
            in_garbage = False
        else:
            if not in_garbage:
                malformed += 1
                in_garbage = True
            i += 1
    if n - i == 1 and buf[i] != HEADER:
        # A lone trailing byte that cannot start a header is garbage too.
        if not in_garbage:
            malformed += 1
        i += 1
    frames = _decode_aligned(b"".join(data_parts), len(data_parts) * FRAME_LEN, 0)
    return WitFrames(frames.samples, frames.angles_deg, tuple(registers), i, malformed)


def _aligned(buf: bytes, whole: int) -> bool:
    arr = np.frombuffer(buf, dtype=np.uint8, count=whole).reshape(-1, FRAME_LEN)
    return bool(np.all(arr[:, 0] == HEADER) and np.all(arr[:, 1] == FLAG_DATA))


def _decode_aligned(buf: bytes, whole: int, malformed_runs: int) -> WitFrames:
    rec = np.frombuffer(buf, dtype=_DATA_DTYPE, count=whole // FRAME_LEN)
    acc = rec["acc"].astype(np.float64) * (ACC_FULL_SCALE_G * STANDARD_GRAVITY_MPS2 / _INT16_SPAN)
    gyro = rec["gyro"].astype(np.float64) * (GYRO_FULL_SCALE_DPS / _INT16_SPAN)
    angles = rec["angle"].astype(np.float64) * (ANGLE_FULL_SCALE_DEG / _INT16_SPAN)
    return WitFrames(DecodedSamples(acc, gyro), angles, (), whole, malformed_runs)


def _register_reply(frame: bytes) -> RegisterReply:
    start = int.from_bytes(frame[2:4], "little")
    values = tuple(int(v) for v in np.frombuffer(frame[4:20], dtype="<i2"))
    return RegisterReply(start, values)


def decode_frame(frame: bytes) -> WitFrames:
    """Decode exactly one 20-byte frame; raises instead of resynchronising.

    ``IncompleteError`` when fewer than 20 bytes are given, ``MalformedError`` when the
    header is wrong or bytes are left over.
    """
    if len(frame) < FRAME_LEN:
        if len(frame) >= 1 and frame[0] != HEADER:
            raise MalformedError(MODEL, "frame does not start with 0x55", frame)
        if len(frame) >= 2 and frame[1] not in (FLAG_DATA, FLAG_REGISTER):
            raise MalformedError(MODEL, f"unknown flag 0x{frame[1]:02x}", frame)
        raise IncompleteError(MODEL, len(frame), FRAME_LEN)
    if len(frame) > FRAME_LEN:
        raise MalformedError(MODEL, f"{len(frame)} bytes, a frame has {FRAME_LEN}", frame)
    if not _is_header(frame, 0):
        raise MalformedError(MODEL, "frame does not start with 55 61 or 55 71", frame)
    return decode_frames(frame)


class WitMotionDecoder:
    """Keeps the incomplete tail of the byte stream between notifications."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, payload: bytes) -> DecodeResult:
        buf = self._pending + payload if self._pending else payload
        frames = decode_frames(buf)
        self._pending = buf[frames.consumed :]
        messages: list[DeviceMessage] = []
        for reply in frames.registers:
            if reply.start_register == REG_BATTERY:
                messages.append(Battery(battery_percent(reply.values[0] / 100.0)))
            else:
                text = f"registers from 0x{reply.start_register:02x}: {list(reply.values)}"
                messages.append(DeviceInfo("register", text))
        return DecodeResult(frames.samples, frames.malformed_runs, tuple(messages))

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        """Notifications of whole data frames with nothing pending: one ``frombuffer``."""
        if self._pending or not payloads or any(len(p) % FRAME_LEN or not p for p in payloads):
            return None
        buf = b"".join(payloads)
        whole = len(buf)
        if not _aligned(buf, whole):
            return None
        frames = _decode_aligned(buf, whole, malformed_runs=0)
        per = np.fromiter((len(p) // FRAME_LEN for p in payloads), np.int64, len(payloads))
        return DecodedRun(frames.samples, per)

    def reset(self) -> None:
        self._pending = b""


# --- encoding (the simulator and the BLE emulator speak the same wire format) ---------------


def encode_samples(
    acc_mps2: FloatArray, gyro_dps: FloatArray | None = None, angles_deg: FloatArray | None = None
) -> bytes:
    """Encode ``n`` samples as ``n`` 0x61 frames; values beyond full scale are clipped."""
    n = acc_mps2.shape[0]
    rec = np.zeros(n, dtype=_DATA_DTYPE)
    rec["hdr"] = HEADER
    rec["flag"] = FLAG_DATA
    rec["acc"] = _to_int16(acc_mps2 / STANDARD_GRAVITY_MPS2, ACC_FULL_SCALE_G)
    if gyro_dps is not None:
        rec["gyro"] = _to_int16(gyro_dps, GYRO_FULL_SCALE_DPS)
    if angles_deg is not None:
        rec["angle"] = _to_int16(angles_deg, ANGLE_FULL_SCALE_DEG)
    return rec.tobytes()


def encode_register_reply(start_register: int, values: tuple[int, ...]) -> bytes:
    regs = list(values[:8]) + [0] * (8 - min(len(values), 8))
    body = np.asarray(regs, dtype="<i2").tobytes()
    return bytes([HEADER, FLAG_REGISTER]) + start_register.to_bytes(2, "little") + body


def _to_int16(values: FloatArray, full_scale: float) -> FloatArray:
    raw = np.rint(np.asarray(values, dtype=np.float64) * (_INT16_SPAN / full_scale))
    return np.clip(raw, -32768, 32767)


# --- commands --------------------------------------------------------------------------------


def write_register(register: int, value: int) -> bytes:
    """``FF AA <reg> <lo> <hi>``."""
    return bytes([0xFF, 0xAA, register & 0xFF, value & 0xFF, (value >> 8) & 0xFF])


def unlock() -> bytes:
    return write_register(REG_KEY, UNLOCK_KEY)


def save() -> bytes:
    return write_register(REG_SAVE, 0)


def read_register(register: int) -> bytes:
    return bytes([0xFF, 0xAA, REG_READ, register & 0xFF, 0x00])


def rate_code(rate_hz: float) -> int:
    """The RRATE code for a supported rate; ``ConfigError`` naming the allowed rates otherwise."""
    for rate, code in RATE_CODES.items():
        if abs(rate - rate_hz) < 1e-9:
            return code
    raise ConfigError(
        "rate_hz", f"WitMotion cannot stream at {rate_hz:g} Hz", [f"{r:g}" for r in RATE_CODES]
    )


def start_commands(rate_hz: float) -> tuple[Command, ...]:
    """Unlock, set the return rate, save (vendor order with ~100 ms pauses), read battery."""
    return (
        Command(WRITE_UUID, unlock(), 0.1),
        Command(WRITE_UUID, write_register(REG_RRATE, rate_code(rate_hz)), 0.1),
        Command(WRITE_UUID, save(), 0.1),
        Command(WRITE_UUID, read_register(REG_BATTERY), 0.0),
    )


def stop_commands() -> tuple[Command, ...]:
    return ()  # stop_notify is the documented way; RRATE "none" is unverified on BLE models


_BATTERY_STEPS_V_PCT = (
    (3.96, 100),
    (3.93, 90),
    (3.87, 75),
    (3.82, 60),
    (3.79, 50),
    (3.77, 40),
    (3.73, 30),
    (3.70, 20),
    (3.68, 15),
    (3.50, 10),
    (3.40, 5),
)


def battery_percent(volts: float) -> int:
    """The vendor's step table from battery volts to percent."""
    for threshold, pct in _BATTERY_STEPS_V_PCT:
        if volts >= threshold:
            return pct
    return 0


def _encode_notifications(
    acc_mps2: FloatArray, gyro_dps: FloatArray | None, euler_deg: FloatArray
) -> list[bytes]:
    """One 20-byte data frame per notification, as the sensor sends them."""
    stream = encode_samples(acc_mps2, gyro_dps, euler_deg)
    return [stream[i : i + FRAME_LEN] for i in range(0, len(stream), FRAME_LEN)]


PROFILE = DeviceProfile(
    model=MODEL,
    display_name="WitMotion WT901BLE / BWT901BLE5.0 / WT9011DCL",
    name_pattern=r"^WT",
    service_uuid=SERVICE_UUID,
    notify_uuids=(NOTIFY_UUID,),
    write_uuid=WRITE_UUID,
    make_decoder=WitMotionDecoder,
    rates_hz=tuple(RATE_CODES),
    default_rate_hz=DEFAULT_RATE_HZ,
    has_gyro=True,
    device_timestamps=False,
    start_commands=start_commands,
    stop_commands=stop_commands,
    notes="No timestamps: host sample clock. Battery via register 0x64 read.",
    battery_poll=Command(WRITE_UUID, read_register(REG_BATTERY)),
    encoder=SampleEncoder(_encode_notifications),
)
