"""Times in a recording must not go back; when one line breaks the order, blame that line.

A reader that only compared each line with the one before would, after a single line whose
time is far ahead (``t: 900`` in a 30 s file), call every later line bad. Holding one line
back tells the cases apart: when the next line goes back behind the held one but not behind
the line before it, the held one is the outlier and costs only itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

BadLine = Callable[[int, str], None]
"""Called with (line number, reason) for a line that breaks the order; may raise."""


@dataclass(slots=True)
class _Held(Generic[T]):
    t: float
    lineno: int
    item: T


class TimeOrder(Generic[T]):
    """Pass items through in time order, one held back; ``strict``: equal times are bad too."""

    def __init__(self, on_bad: BadLine, *, strict: bool, what: str = "t") -> None:
        self._on_bad = on_bad
        self._strict = strict
        self._what = what
        self._released_t = float("-inf")
        self._held: _Held[T] | None = None

    def _in_order(self, earlier: float, later: float) -> bool:
        return later > earlier if self._strict else later >= earlier

    def push(self, t: float, lineno: int, item: T) -> list[T]:
        """Items now safe to hand on (zero or one), in order."""
        held = self._held
        if held is None:
            if self._in_order(self._released_t, t):
                self._held = _Held(t, lineno, item)
            else:
                self._bad(lineno, t, self._released_t)
            return []
        if self._in_order(held.t, t):
            self._held = _Held(t, lineno, item)
            self._released_t = held.t
            return [held.item]
        if t < held.t and self._in_order(self._released_t, t):
            # This line fits after the last released one: the held line was the outlier.
            self._held = _Held(t, lineno, item)
            self._bad(held.lineno, held.t, None)
            return []
        self._bad(lineno, t, held.t)
        return []

    def flush(self) -> list[T]:
        """The held item, at the end of the input (or before a stop)."""
        held, self._held = self._held, None
        if held is None:
            return []
        self._released_t = held.t
        return [held.item]

    def _bad(self, lineno: int, t: float, previous: float | None) -> None:
        w = self._what
        must = f"{w} must increase" if self._strict else f"{w} must not go back"
        if previous is None:
            reason = f"{w}={t:g} is ahead of the lines around it ({must})"
        elif self._strict:
            reason = f"{w}={t:g} does not increase on the previous {w}={previous:g} ({must})"
        else:
            reason = f"{w}={t:g} goes back behind the previous {w}={previous:g} ({must})"
        self._on_bad(lineno, reason)
