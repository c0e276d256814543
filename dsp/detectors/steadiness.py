"""Steadiness of the pelvis's orientation, and the sample interval that turns seconds into
sample counts: what the excursion tracker decides rests and holds from.

Steadiness is measured on the fused orientation itself rather than taken from
``Frame.still``: that flag compares activity with running baselines that take seconds to
settle after a posture change, and orientation is what a rest or a hold is about. Tremor
(~0.1-0.3 deg at 6-11 Hz) stays well inside ``steady_deg``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp.detectors.reference import pair_angle_deg
from dsp.detectors.runs import run_at_least
from firmware_protocol.samples import FloatArray

DEFAULT_DT_S = 0.02
"""Sample interval assumed until two consecutive samples were seen (50 Hz)."""


LEARN_STEPS = 16
"""Sample steps the interval is learnt from (their median)."""


class SampleInterval:
    """The sample interval, learnt once as the median of the first ``LEARN_STEPS`` steps
    between consecutive samples and then fixed, so counts of samples mean the same in every
    chunking. Not from the first step alone: a host clock's first steps can be a fraction of
    the interval (notifications that arrived together) and the tracker's every duration was
    then ten times too long (no rest ever steady, no rep)."""

    def __init__(self) -> None:
        self.dt_s: float | None = None
        self._last_t: float | None = None
        self._steps: list[float] = []

    def restart(self) -> None:
        """A gap: the next sample does not follow the last one (the interval is kept)."""
        self._last_t = None

    def observe(self, t: FloatArray) -> None:
        if self.dt_s is None:
            prev = np.concatenate([[] if self._last_t is None else [self._last_t], t])
            steps = np.diff(prev)
            self._steps += steps[steps > 0][: LEARN_STEPS - len(self._steps)].tolist()
            if len(self._steps) >= LEARN_STEPS:
                self.dt_s = float(np.median(self._steps))
        self._last_t = float(t[-1])

    def count(self, seconds: float, at_least: int) -> int:
        """``seconds`` as a number of samples, at least ``at_least``."""
        return max(at_least, round(seconds / (self.dt_s or DEFAULT_DT_S)))


@dataclass(frozen=True, slots=True)
class SteadyFlags:
    """Per sample: ``steady``; ``onset``, where a steady run begins; ``settled``, steady for
    the rest-capture time."""

    steady: np.ndarray
    onset: np.ndarray
    settled: np.ndarray


class Steadiness:
    """``update(u, n_back, n_rest)``: the orientation is steady where it is within
    ``steady_deg`` of where it was ``n_back`` samples (and half of that) ago."""

    def __init__(self, steady_deg: float) -> None:
        self.steady_deg = steady_deg
        self.reset()

    def reset(self) -> None:
        self._buf: FloatArray = np.empty((0, 3))
        self._prev = False
        self._run = 0

    def update(self, u: FloatArray, n_back: int, n_rest: int) -> SteadyFlags:
        ext = np.concatenate([self._buf, u])
        idx = np.arange(self._buf.shape[0], ext.shape[0])
        half = max(1, n_back // 2)
        ok = idx - n_back >= 0
        back = ext[np.maximum(idx - n_back, 0)]
        mid = ext[np.maximum(idx - half, 0)]
        lim = self.steady_deg
        steady = np.asarray(
            ok & (pair_angle_deg(ext[idx], back) < lim) & (pair_angle_deg(ext[idx], mid) < lim)
        )
        self._buf = ext[-n_back:]
        onset = steady & ~np.concatenate([[self._prev], steady[:-1]])
        self._prev = bool(steady[-1])
        settled, self._run = run_at_least(steady, self._run, n_rest)
        return SteadyFlags(steady, onset, settled)


def flags_from_start(steady: np.ndarray, n_rest: int) -> SteadyFlags:
    """The flags of a stretch of ``steady`` analysed on its own (nothing carried in)."""
    onset = steady & ~np.concatenate([[False], steady[:-1]])
    settled, _ = run_at_least(steady, 0, n_rest)
    return SteadyFlags(steady, onset, settled)
