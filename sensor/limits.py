"""Bounds on what enters holdfast from outside: sample rates, times, line sizes, JSON depth.

Every reader checks its input against these before anything reaches the chain, so a value
no sensor can produce (a rate of 1e300 Hz, a time of NaN, a line of a million ``[``) is a
clear error naming the file and line instead of a numpy or scipy exception deep inside a
filter, or a silent hole in the events. ``docs/reliability.md`` lists them.
"""

from __future__ import annotations

import json
import math
from typing import Any

RATE_MIN_HZ = 0.1
RATE_MAX_HZ = 2000.0
"""Sample rates a recording may declare (the slowest sensor mode is 0.2 Hz, the fastest 200 Hz;
ten times either way leaves room for devices we do not know yet)."""

T_MAX_S = 1e7
"""Latest sample or arrival time, seconds since the session start (about 115 days)."""

CSV_T_MAX_S = 1e10
"""Latest ``t`` in a samples CSV: room for Unix-epoch seconds (until the year 2286)."""

ACC_MAX_MPS2 = 2000.0
"""Largest acceleration a samples CSV may hold (about 200 g; sensors clip at 16 g)."""

GYRO_MAX_DPS = 20000.0
"""Largest angular rate a samples CSV may hold (sensors clip at 2000 deg/s)."""

MAX_LINE_BYTES = 64 * 1024
"""Longest line a recording may hold; a notification is at most a few hundred bytes."""

MAX_JSON_DEPTH = 8
"""Deepest nesting a recording line or command payload may have (ours need 2)."""


class LimitError(ValueError):
    """A value outside its bound; the readers turn it into their own typed error."""


def check_rate_hz(value: float, what: str = "nominal_rate_hz") -> float:
    """``value`` if it is a finite rate in [RATE_MIN_HZ, RATE_MAX_HZ]; else :class:`LimitError`."""
    if not math.isfinite(value) or not RATE_MIN_HZ <= value <= RATE_MAX_HZ:
        raise LimitError(f"{what}={value:g} Hz is outside {RATE_MIN_HZ:g}..{RATE_MAX_HZ:g} Hz")
    return value


def check_time_s(
    value: object, what: str = "t", *, low: float = 0.0, high: float = T_MAX_S
) -> float:
    """``value`` as a float if it is a real number (not a bool) in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LimitError(f"{what} must be a number of seconds, got {value!r}")
    t = float(value)
    if not math.isfinite(t) or not low <= t <= high:
        raise LimitError(f"{what}={t:g} is outside {low:g}..{high:g} s")
    return t


def json_depth_exceeds(text: str, max_depth: int) -> bool:
    """True when ``text`` nests arrays/objects deeper than ``max_depth`` (strings respected)."""
    if text.count("[") + text.count("{") <= max_depth:
        return False  # cannot be deeper than the number of openers: the common, fast case
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def loads_bounded(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` (no RecursionError) and
    the non-standard constants NaN, Infinity and -Infinity."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if json_depth_exceeds(text, max_depth):
        raise LimitError(f"JSON nested deeper than {max_depth} levels")
    return json.loads(text, parse_constant=_refuse_constant)


def _refuse_constant(name: str) -> Any:
    raise LimitError(f"{name} is not a number JSON allows")
