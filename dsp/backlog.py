"""Samples kept while the mounting is not yet known, to be analysed once it is.

Auto-calibration learns "up" from a still period and "forward" from later evidence (a bend, a
lying rest). Everything the person did before forward was known would be lost if only the
samples after it were analysed: the first bend of a trial that starts with it, the side planks
of a person who went straight to the floor. So the chain keeps the samples of the current
segment (since the session start or the last gap) up to ``limit`` samples, and analyses them
with the learnt mounting at the sample where it became known. What that analysis decides is
emitted then (``t`` = the decision), with ``t_start`` and the like in the past, as any event.

A gap empties the backlog: nothing is stitched across it (the stages start over there anyway).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.events import Event, HoldEndedEvent, HoldStartedEvent, HoldTickEvent
from firmware_protocol.samples import FloatArray


def late_results(events: list[Event]) -> list[Event]:
    """What the late analysis of a backlog reports: its results, not the running commentary.
    A hold that started and ended in the backlog comes as its ``hold_ended`` alone (it has
    ``t_start`` and ``duration_s``); ticks are left out (a second-by-second count of a hold that
    is over, all at one instant, tells nobody anything); a hold still going on at the end of
    the backlog keeps its ``hold_started`` and ticks on live from there."""
    ended = sum(isinstance(e, HoldEndedEvent) for e in events)
    out: list[Event] = []
    for event in events:
        if isinstance(event, HoldTickEvent):
            continue
        if isinstance(event, HoldStartedEvent) and ended > 0:
            continue  # its hold_ended follows in the backlog (holds do not overlap)
        if isinstance(event, HoldEndedEvent):
            ended -= 1
        out.append(event)
    return out


@dataclass(frozen=True, slots=True)
class Stretch:
    """Consecutive samples without a gap (the chain's inputs after clock and filters)."""

    t_s: FloatArray
    acc_mps2: FloatArray
    up: FloatArray
    still: np.ndarray

    def __len__(self) -> int:
        return int(self.t_s.shape[0])


class Backlog:
    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self._parts: list[Stretch] = []
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def duration_s(self) -> float:
        """Time from the first kept sample to the last (0 when empty)."""
        if not self._parts:
            return 0.0
        return float(self._parts[-1].t_s[-1] - self._parts[0].t_s[0])

    def clear(self) -> None:
        self._parts, self._n = [], 0

    def add(self, part: Stretch) -> None:
        if len(part) == 0:
            return
        self._parts.append(part)
        self._n += len(part)
        while self._n - len(self._parts[0]) >= self.limit:
            self._n -= len(self._parts.pop(0))
        if self._n > self.limit:  # trim the oldest part to the limit
            cut = self._n - self.limit
            first = self._parts[0]
            self._parts[0] = Stretch(
                first.t_s[cut:], first.acc_mps2[cut:], first.up[cut:], first.still[cut:]
            )
            self._n = self.limit

    def take(self) -> Stretch | None:
        """Everything kept, as one stretch, and empty the backlog."""
        if not self._parts:
            return None
        parts = self._parts
        self.clear()
        return Stretch(
            np.concatenate([p.t_s for p in parts]),
            np.vstack([p.acc_mps2 for p in parts]),
            np.vstack([p.up for p in parts]),
            np.concatenate([p.still for p in parts]),
        )
