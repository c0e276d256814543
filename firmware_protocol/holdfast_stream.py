"""The holdfast stream protocol v1: an open wire format for do-it-yourself IMU sensors.

The full specification, with a worked example decoded by hand, is ``docs/stream-protocol.md``;
this module is its reference implementation (decoder for the host, encoder for firmware
authors' tests and for the BLE emulator). In short, one notification is one packet:

    version(1) flags(1) sequence(u16) t_first_us(u32) rate_dhz(u16) n(1) samples CRC16(u16)

all little-endian; ``flags`` says whether gyro samples follow the accelerometer ones and the
full-scale ranges; samples are int16 x, y, z (acc, then gyro when present); the CRC is
CRC-16/CCITT-FALSE over everything before it. Unlike the commodity sensors, packets carry a
sequence number (lost packets are reported as ``LostPackets(n)``), a device clock in
microseconds (``t_device_s`` per sample, in device seconds; the sensor layer subtracts the
session's first value) and the rate and ranges they were sampled with.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from firmware_protocol import battery
from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.fixed_point import check_rate, int16_xyz, nothing, to_int16
from firmware_protocol.messages import (
    DeviceMessage,
    DroppedData,
    LostPackets,
    RateConfirmed,
    StreamRestart,
)
from firmware_protocol.profile import Command, DecodedRun, DecodeResult, DeviceProfile
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

MODEL = "holdfast"

SERVICE_UUID = "e1d80001-6fa7-4cca-9a39-c5fb6a611633"
DATA_UUID = "e1d80002-6fa7-4cca-9a39-c5fb6a611633"
CONTROL_UUID = "e1d80003-6fa7-4cca-9a39-c5fb6a611633"

VERSION = 1
HEADER_LEN = 11
CRC_LEN = 2
FLAG_GYRO = 0x01
FLAGS_RESERVED = 0xC0
ACC_RANGES_G = (2, 4, 8, 16)  # flags bits 1-2
GYRO_RANGES_DPS = (2000, 1000, 500, 250, 125)  # flags bits 3-5
MAX_SAMPLES = 255
SEQ_MODULO = 1 << 16
CLOCK_MODULO = 1 << 32
CRC_INIT = 0xFFFF

OP_START = 0x01
OP_STOP = 0x02

RATES_HZ = (25.0, 50.0, 100.0, 200.0)
DEFAULT_RATE_HZ = 50.0


@dataclass(frozen=True, slots=True)
class StreamPacket:
    """One decoded packet; ``acc_mps2``/``gyro_dps`` are ``(n, 3)``."""

    sequence: int
    t_first_us: int
    rate_hz: float
    acc_range_g: int
    gyro_range_dps: int | None
    acc_mps2: FloatArray
    gyro_dps: FloatArray | None


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection): ``b"123456789"`` -> 0x29B1."""
    return binascii.crc_hqx(data, CRC_INIT)


def range_flags(acc_range_g: int, gyro_range_dps: int | None) -> int:
    """The flags byte for these ranges (``gyro_range_dps=None``: no gyro samples)."""
    if acc_range_g not in ACC_RANGES_G:
        raise ValueError(f"acc range {acc_range_g} g is not one of {ACC_RANGES_G}")
    flags = ACC_RANGES_G.index(acc_range_g) << 1
    if gyro_range_dps is not None:
        if gyro_range_dps not in GYRO_RANGES_DPS:
            raise ValueError(f"gyro range {gyro_range_dps} deg/s is not one of {GYRO_RANGES_DPS}")
        flags |= FLAG_GYRO | GYRO_RANGES_DPS.index(gyro_range_dps) << 3
    return flags


def decode_packet(payload: bytes) -> StreamPacket:
    """Check and decode one packet.

    ``IncompleteError`` when the payload is shorter than its header says (a cut packet);
    ``MalformedError`` for a wrong version, reserved bits, zero rate or count, an unknown gyro
    range code, trailing bytes or a CRC mismatch.
    """
    if len(payload) < HEADER_LEN:
        raise IncompleteError(MODEL, len(payload), HEADER_LEN + CRC_LEN)
    if payload[0] != VERSION:
        raise MalformedError(MODEL, f"unsupported version {payload[0]}", payload)
    flags, count = payload[1], payload[10]
    has_gyro = bool(flags & FLAG_GYRO)
    need = HEADER_LEN + count * (12 if has_gyro else 6) + CRC_LEN
    if len(payload) < need:
        raise IncompleteError(MODEL, len(payload), need)
    if len(payload) > need:
        raise MalformedError(MODEL, f"{len(payload)} bytes, the header says {need}", payload)
    if crc16(payload[:-CRC_LEN]) != int.from_bytes(payload[-CRC_LEN:], "little"):
        raise MalformedError(MODEL, "CRC mismatch", payload)
    if flags & FLAGS_RESERVED:
        raise MalformedError(MODEL, f"reserved flag bits set (0x{flags:02x})", payload)
    gyro_code = (flags >> 3) & 0x07
    if gyro_code >= len(GYRO_RANGES_DPS) or (not has_gyro and gyro_code):
        raise MalformedError(MODEL, f"gyro range code {gyro_code}", payload)
    rate_dhz = int.from_bytes(payload[8:10], "little")
    if rate_dhz == 0 or count == 0:
        raise MalformedError(MODEL, "zero sample rate or zero samples", payload)
    acc_range_g = ACC_RANGES_G[(flags >> 1) & 0x03]
    stride = 12 if has_gyro else 6
    acc = int16_xyz(payload, HEADER_LEN, count, stride) * (
        acc_range_g * STANDARD_GRAVITY_MPS2 / 32768
    )
    gyro_range = GYRO_RANGES_DPS[gyro_code] if has_gyro else None
    gyro = None
    if gyro_range is not None:
        gyro = int16_xyz(payload, HEADER_LEN + 6, count, stride) * (gyro_range / 32768)
    return StreamPacket(
        sequence=int.from_bytes(payload[2:4], "little"),
        t_first_us=int.from_bytes(payload[4:8], "little"),
        rate_hz=rate_dhz / 10.0,
        acc_range_g=acc_range_g,
        gyro_range_dps=gyro_range,
        acc_mps2=acc,
        gyro_dps=gyro,
    )


class HoldfastStreamDecoder:
    """Checks sequence numbers and unwraps the 32-bit microsecond clock across packets."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget the last sequence number and clock (the device may have rebooted)."""
        self._last_seq: int | None = None
        self._last_clock_us = 0
        self._clock_wraps = 0
        self._rate_hz: float | None = None

    def feed(self, payload: bytes) -> DecodeResult:
        try:
            packet = decode_packet(payload)
        except (IncompleteError, MalformedError):
            # A notification is a whole packet: a cut one never completes.
            return nothing(with_gyro=False, malformed=1)
        replies: list[DeviceMessage] = []
        if self._last_seq is not None:
            step = (packet.sequence - self._last_seq) % SEQ_MODULO
            if step == 0:
                dup = DroppedData(f"duplicate packet {packet.sequence}", 1)
                return nothing(packet.gyro_dps is not None, 0, [dup])
            if step > SEQ_MODULO // 2:
                # Far backwards: the device restarted its counter (and its clock).
                replies.append(StreamRestart(packet.sequence))
                self.reset()
            elif step > 1:
                replies.append(LostPackets(step - 1))
        self._last_seq = packet.sequence
        t_first_s = self._unwrap(packet.t_first_us) / 1e6
        n = len(packet.acc_mps2)
        t = t_first_s + np.arange(n, dtype=np.float64) / packet.rate_hz
        samples = DecodedSamples(packet.acc_mps2, packet.gyro_dps, t)
        if packet.rate_hz != self._rate_hz:
            # Said once, and again when the sensor changes it (it may snap our request).
            replies.append(RateConfirmed(packet.rate_hz))
            self._rate_hz = packet.rate_hz
        return DecodeResult(samples, 0, tuple(replies))

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        """Always one by one: every packet carries a sequence number to check."""
        return None

    def _unwrap(self, clock_us: int) -> int:
        # A jump back by more than half the range is the 32-bit counter wrapping (every 71.6
        # minutes), not time running backwards.
        if self._last_clock_us - clock_us > CLOCK_MODULO // 2:
            self._clock_wraps += 1
        self._last_clock_us = clock_us
        return self._clock_wraps * CLOCK_MODULO + clock_us


# --- encoding (firmware reference, simulator, BLE emulator) ----------------------------------


def encode_packet(
    sequence: int,
    t_first_us: int,
    rate_hz: float,
    acc_mps2: FloatArray,
    gyro_dps: FloatArray | None = None,
    acc_range_g: int = 8,
    gyro_range_dps: int = 2000,
) -> bytes:
    """One packet of ``n`` (1..255) samples; sequence and clock are taken modulo their width."""
    acc = np.asarray(acc_mps2, dtype=np.float64).reshape(-1, 3)
    n = acc.shape[0]
    if not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"a packet holds 1..{MAX_SAMPLES} samples, not {n}")
    rate_dhz = round(rate_hz * 10)
    if not 1 <= rate_dhz <= 0xFFFF:
        raise ValueError(f"rate {rate_hz} Hz is outside 0.1..6553.5 Hz")
    flags = range_flags(acc_range_g, gyro_range_dps if gyro_dps is not None else None)
    columns = [to_int16(acc / STANDARD_GRAVITY_MPS2, 32768 / acc_range_g)]
    if gyro_dps is not None:
        columns.append(to_int16(np.asarray(gyro_dps).reshape(n, 3), 32768 / gyro_range_dps))
    body = np.hstack(columns).astype("<i2").tobytes()
    head = (
        bytes([VERSION, flags])
        + (sequence % SEQ_MODULO).to_bytes(2, "little")
        + (t_first_us % CLOCK_MODULO).to_bytes(4, "little")
        + rate_dhz.to_bytes(2, "little")
        + bytes([n])
    )
    packet = head + body
    return packet + crc16(packet).to_bytes(2, "little")


def samples_per_packet(att_mtu: int, with_gyro: bool) -> int:
    """How many samples fit one notification (payload = ATT MTU - 3)."""
    room = att_mtu - 3 - HEADER_LEN - CRC_LEN
    return max(0, min(MAX_SAMPLES, room // (12 if with_gyro else 6)))


def encode_start(rate_hz: float, acc_range_g: int = 8, gyro_range_dps: int | None = 2000) -> bytes:
    """Control write ``01 <rate_dhz u16> <flags>``: start at this rate and these ranges."""
    rate_dhz = round(rate_hz * 10)
    return (
        bytes([OP_START])
        + rate_dhz.to_bytes(2, "little")
        + bytes([range_flags(acc_range_g, gyro_range_dps)])
    )


def encode_stop() -> bytes:
    return bytes([OP_STOP])


@dataclass(frozen=True, slots=True)
class ControlRequest:
    """A parsed control write (the device's, or the emulator's, side)."""

    opcode: int
    rate_hz: float | None = None
    acc_range_g: int | None = None
    gyro_range_dps: int | None = None


def parse_control(payload: bytes) -> ControlRequest:
    if payload == bytes([OP_STOP]):
        return ControlRequest(OP_STOP)
    if len(payload) != 4 or payload[0] != OP_START:
        raise MalformedError(MODEL, "control write is neither 01 + 3 bytes nor 02", payload)
    flags = payload[3]
    gyro_code = (flags >> 3) & 0x07
    if flags & FLAGS_RESERVED or gyro_code >= len(GYRO_RANGES_DPS):
        raise MalformedError(MODEL, f"bad flags 0x{flags:02x}", payload)
    gyro = GYRO_RANGES_DPS[gyro_code] if flags & FLAG_GYRO else None
    rate_hz = int.from_bytes(payload[1:3], "little") / 10.0
    return ControlRequest(OP_START, rate_hz, ACC_RANGES_G[(flags >> 1) & 0x03], gyro)


def start_commands(rate_hz: float) -> tuple[Command, ...]:
    rate = check_rate("rate_hz", rate_hz, RATES_HZ)
    return (Command(CONTROL_UUID, encode_start(rate), 0.0, with_response=True),)


def stop_commands() -> tuple[Command, ...]:
    return (Command(CONTROL_UUID, encode_stop(), 0.0, with_response=True),)


PROFILE = DeviceProfile(
    model=MODEL,
    display_name="holdfast stream v1 (DIY ESP32 / nRF52 sensor)",
    name_pattern=r"^holdfast",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_UUID,),
    write_uuid=CONTROL_UUID,
    make_decoder=HoldfastStreamDecoder,
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_gyro=True,
    device_timestamps=True,
    start_commands=start_commands,
    stop_commands=stop_commands,
    notes="Open protocol (docs/stream-protocol.md): sequence numbers, device clock, CRC.",
    extra_read_uuids=(battery.LEVEL_UUID,),
    read_replies=battery.read_replies,
    battery_uuid=battery.LEVEL_UUID,
)
