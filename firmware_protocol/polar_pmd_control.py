"""Polar Measurement Data (PMD) control point: requests, responses, setting TLVs, features.

See ``shared/protocols/polar_pmd.md`` section 3 (from Polar's SDK source and unit tests). The
host writes ``<opcode> <measurement type> [settings]`` to the control point; the device
answers with an indication ``F0 <opcode> <type> <status> <more> [parameters]``. Settings are
TLVs ``<setting type> <count> <count x value LE>``. The frame decoding is in
:mod:`firmware_protocol.polar_pmd`.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

from firmware_protocol.errors import IncompleteError, MalformedError

MODEL = "polar"

OP_GET_SETTINGS = 0x01
OP_START = 0x02
OP_STOP = 0x03
RESPONSE = 0xF0
FEATURES = 0x0F
UNSOLICITED_STOP = 0x01

MEAS_ECG = 0
MEAS_PPG = 1
MEAS_ACC = 2
MEAS_PPI = 3
MEAS_GYRO = 5
MEAS_MAG = 6

SET_SAMPLE_RATE = 0x00
SET_RESOLUTION = 0x01
SET_RANGE = 0x02
SET_RANGE_MILLI = 0x03
SET_CHANNELS = 0x04
SET_FACTOR = 0x05
SET_SECURITY = 0x06
#: Value size in bytes of each setting type.
SETTING_SIZES: dict[int, int] = {0: 2, 1: 2, 2: 2, 3: 4, 4: 1, 5: 4, 6: 16}

STATUS_TEXT = (
    "success",
    "invalid opcode",
    "invalid measurement type",
    "not supported",
    "invalid length",
    "invalid parameter",
    "already in state",
    "invalid resolution",
    "invalid sample rate",
    "invalid range",
    "invalid MTU",
    "invalid number of channels",
    "invalid state",
    "device in charger",
    "disk full",
)

#: Feature-read bits (byte 1): measurement types the device can stream.
FEATURE_BITS_BYTE1 = {0x01: MEAS_ECG, 0x02: MEAS_PPG, 0x04: MEAS_ACC, 0x08: MEAS_PPI,
                      0x20: MEAS_GYRO, 0x40: MEAS_MAG}  # fmt: skip

SettingValue = int | float | bytes


@dataclass(frozen=True, slots=True)
class CpResponse:
    """A control point indication ``F0 ...``; ``settings`` holds the parsed parameter TLVs."""

    opcode: int
    measurement_type: int
    status: int
    more: bool
    settings: dict[int, tuple[SettingValue, ...]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def status_text(self) -> str:
        if self.status < len(STATUS_TEXT):
            return STATUS_TEXT[self.status]
        return f"unknown status {self.status}"


# --- settings TLVs ---------------------------------------------------------------------------


def _encode_value(setting: int, value: SettingValue) -> bytes:
    size = SETTING_SIZES[setting]
    if setting == SET_FACTOR:
        return struct.pack("<f", float(value))
    if isinstance(value, bytes):
        return value.ljust(size, b"\x00")[:size]
    return int(value).to_bytes(size, "little")


def encode_settings(settings: dict[int, tuple[SettingValue, ...]]) -> bytes:
    """TLVs in setting-type order (a start request gives one value per setting)."""
    out = bytearray()
    for setting in sorted(settings):
        values = settings[setting]
        out += bytes([setting, len(values)])
        for value in values:
            out += _encode_value(setting, value)
    return bytes(out)


def decode_settings(data: bytes) -> dict[int, tuple[SettingValue, ...]]:
    """Parse TLVs; ``MalformedError`` for an unknown setting type or a cut-off value."""
    settings: dict[int, tuple[SettingValue, ...]] = {}
    i = 0
    while i < len(data):
        if len(data) - i < 2:
            raise MalformedError(MODEL, "setting TLV cut after its type byte", data)
        setting, count = data[i], data[i + 1]
        size = SETTING_SIZES.get(setting)
        if size is None:
            raise MalformedError(MODEL, f"unknown setting type 0x{setting:02x}", data)
        end = i + 2 + count * size
        if end > len(data):
            raise MalformedError(MODEL, f"setting 0x{setting:02x} needs {end - i} bytes", data)
        chunks = [data[i + 2 + k * size : i + 2 + (k + 1) * size] for k in range(count)]
        settings[setting] = tuple(_decode_value(setting, c) for c in chunks)
        i = end
    return settings


def _decode_value(setting: int, chunk: bytes) -> SettingValue:
    if setting == SET_FACTOR:
        factor = float(struct.unpack("<f", chunk)[0])
        # Every later sample is multiplied by it: a NaN, infinite or non-positive factor
        # would silently turn the whole stream into NaN or flip it, so the reply is refused.
        if not math.isfinite(factor) or factor <= 0:
            raise MalformedError(MODEL, f"FACTOR {factor!r} is not a finite number > 0", chunk)
        return factor
    if setting == SET_SECURITY:
        return chunk
    return int.from_bytes(chunk, "little")


# --- requests (host -> device) ---------------------------------------------------------------


def start_request(measurement_type: int, settings: dict[int, int]) -> bytes:
    """``02 <type>`` + one-value TLVs, e.g. H10 ACC 200 Hz, 16 bit, +-8 g:
    ``02 02 00 01 C8 00 01 01 10 00 02 01 08 00``."""
    tlvs: dict[int, tuple[SettingValue, ...]] = {k: (v,) for k, v in settings.items()}
    return bytes([OP_START, measurement_type]) + encode_settings(tlvs)


def stop_request(measurement_type: int) -> bytes:
    return bytes([OP_STOP, measurement_type])


def get_settings_request(measurement_type: int) -> bytes:
    return bytes([OP_GET_SETTINGS, measurement_type])


def parse_request(payload: bytes) -> tuple[int, int, dict[int, tuple[SettingValue, ...]]]:
    """``(opcode, measurement type, settings)`` of a CP write (the emulator's side)."""
    if len(payload) < 2:
        raise IncompleteError(MODEL, len(payload), 2)
    return payload[0], payload[1], decode_settings(payload[2:])


# --- responses (device -> host) --------------------------------------------------------------


def decode_cp_response(payload: bytes) -> CpResponse:
    """Parse ``F0 <opcode> <type> <status> <more> [TLVs]``.

    Parameters are parsed as TLVs only on success (an error response carries none).
    """
    if len(payload) < 5:
        raise IncompleteError(MODEL, len(payload), 5)
    if payload[0] != RESPONSE:
        raise MalformedError(MODEL, "control point response does not start with F0", payload)
    opcode, meas, status, more = payload[1], payload[2], payload[3], payload[4] != 0
    settings = decode_settings(payload[5:]) if status == 0 else {}
    return CpResponse(opcode, meas, status, more, settings)


def encode_cp_response(
    opcode: int,
    measurement_type: int,
    status: int = 0,
    settings: dict[int, tuple[SettingValue, ...]] | None = None,
    more: bool = False,
) -> bytes:
    """What the device indicates, e.g. ``F0 02 02 00 00`` (+ a FACTOR TLV if given)."""
    head = bytes([RESPONSE, opcode, measurement_type, status, int(more)])
    return head + encode_settings(settings or {})


def decode_features(payload: bytes) -> frozenset[int]:
    """Measurement types in a feature read ``0F <b1> <b2> ...``."""
    if len(payload) < 2:
        raise IncompleteError(MODEL, len(payload), 2)
    if payload[0] != FEATURES:
        raise MalformedError(MODEL, "feature read does not start with 0F", payload)
    return frozenset(meas for bit, meas in FEATURE_BITS_BYTE1.items() if payload[1] & bit)


def encode_features(measurement_types: frozenset[int] | set[int]) -> bytes:
    b1 = sum(bit for bit, meas in FEATURE_BITS_BYTE1.items() if meas in measurement_types)
    return bytes([FEATURES, b1, 0x00])
