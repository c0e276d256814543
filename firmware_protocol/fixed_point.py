"""Small helpers shared by the device modules: int16 triples in and out, rate checks.

Every device here sends little-endian signed 16-bit x, y, z triples scaled by some
"LSB per unit"; these two functions are the only place that conversion is written.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from firmware_protocol.errors import ConfigError
from firmware_protocol.messages import DeviceMessage
from firmware_protocol.profile import DecodeResult
from firmware_protocol.samples import DecodedSamples, FloatArray

_INT16 = np.dtype("<i2")
Int16Array = npt.NDArray[np.int16]


def int16_xyz(buf: bytes, offset: int, count: int, stride: int = 6) -> FloatArray:
    """``count`` triples of int16 LE starting at ``offset``, ``stride`` bytes apart, as float.

    Shape ``(count, 3)``; raw integer values (not scaled). ``stride`` > 6 skips interleaved
    fields (e.g. gyro after acc in one record).
    """
    if count == 0:
        return np.empty((0, 3))
    span = (count - 1) * stride + 6
    data = np.frombuffer(buf, dtype=np.uint8, count=span, offset=offset)
    index = np.arange(count)[:, None] * stride + np.arange(6)[None, :]
    return np.ascontiguousarray(data[index]).view(_INT16).astype(np.float64)


def to_int16(values: FloatArray, lsb_per_unit: float) -> Int16Array:
    """Quantise physical values to int16 (round to nearest, clip at the int16 limits)."""
    raw = np.rint(np.asarray(values, dtype=np.float64) * lsb_per_unit)
    return np.clip(raw, -32768, 32767).astype(_INT16)


def nothing(
    with_gyro: bool, malformed: int = 0, messages: Iterable[DeviceMessage] = ()
) -> DecodeResult:
    """A result with no samples (and maybe a malformed count or messages)."""
    return DecodeResult(DecodedSamples.empty(with_gyro), malformed, tuple(messages))


def check_rate(field: str, rate_hz: float, allowed_hz: Iterable[float]) -> float:
    """``rate_hz`` if it is one of ``allowed_hz`` (within 1e-6), else a ``ConfigError``."""
    allowed = tuple(allowed_hz)
    for rate in allowed:
        if abs(rate - rate_hz) < 1e-6:
            return rate
    raise ConfigError(field, f"unsupported rate {rate_hz:g} Hz", [f"{r:g}" for r in allowed])
