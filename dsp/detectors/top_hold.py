"""A hold at the top of an excursion: where it is held, its level so far, how it ends.

The excursion tracker owns one while the person holds still away from rest; it answers two
questions per chunk (where is the hold lowered? where did the body move away from it?) and
carries its running figures to the decision sample, so the answers do not depend on chunking.
"""

from __future__ import annotations

import numpy as np

from dsp.detectors.reference import pair_angle_deg, rotation_from_deg
from dsp.detectors.runs import first_true, runs
from dsp.detectors.settings import HoldSettings, RepSettings
from firmware_protocol.samples import FloatArray


class TopHold:
    """``u``: world-up in body axes where the hold settled; ``rest_u``: the rest it would be
    lowered to (the direction "back" is measured along); ``level_deg``: the excursion then."""

    def __init__(
        self,
        t_s: float,
        u: FloatArray,
        rest_u: FloatArray,
        level_deg: float,
        holds: HoldSettings,
        reps: RepSettings,
    ) -> None:
        self.t_s = t_s
        self.up_t_s = t_s
        """The last time the body was still near the hold's orientation (a "moved" end)."""
        self.u = u.copy()
        axis = rotation_from_deg(rest_u[None, :], u)[0]
        self._axis = axis / max(1e-9, float(np.linalg.norm(axis)))
        self._holds = holds
        self._reps = reps
        self._sum, self._n = level_deg, 1
        self._ret_run = self._settle_run = 0
        self._ret_runs: np.ndarray = np.zeros(0, dtype=np.int64)
        self._settle_runs: np.ndarray = np.zeros(0, dtype=np.int64)

    def still_at(self, u_last: FloatArray) -> bool:
        """Whether ``u_last`` is still within ``move_deg`` of the hold (a relabelled posture)."""
        return float(pair_angle_deg(u_last[None, :], self.u[None, :])[0]) < self._holds.move_deg

    def lowered(self, e: FloatArray, steady: np.ndarray, dwell_n: int) -> tuple[int, int]:
        """Where the hold is lowered (back below the return level for ``dwell_n`` samples),
        or lowered and settled short of the reference; ``len(e)`` where it is not.

        Measured against the hold's own level (the mean excursion since it started), not the
        running peak: sway on a small excursion (single-leg balance: ~1 deg on ~3 deg) lifts
        the peak well above the level held, and a trough of that sway passes below a fraction
        of it for a moment. Standing, the body sways (an inverted pendulum balancing, more on
        one leg or a soft surface), so a return must last ``holds.lowered_dwell_s``: a
        person who lowers stays at rest, sway oscillates about the held position and dips
        below the return level only briefly. Lying, on hands and knees or on a side the
        pelvis is supported (tremor stays inside ``steady_deg``) and a hold is lowered at
        the first return, as any excursion (``dwell_n`` = 1)."""
        r = self._reps
        n = np.arange(1, e.shape[0] + 1)
        level = (self._sum + np.cumsum(e)) / (self._n + n)
        below = e < r.return_fraction * level
        settled = steady & (e < r.settled_return_fraction * level)
        self._ret_runs = runs(below, self._ret_run)
        self._settle_runs = runs(settled, self._settle_run)
        return first_true(self._ret_runs >= dwell_n), first_true(self._settle_runs >= dwell_n)

    def moved(self, u: FloatArray) -> tuple[np.ndarray, FloatArray]:
        """Where the body left the hold other than back toward rest, and how far it is."""
        d = rotation_from_deg(u, self.u)
        along = d @ self._axis
        perp = np.linalg.norm(d - along[:, None] * self._axis[None, :], axis=1)
        lim = self._holds.move_deg
        return (perp > lim) | (along < -lim), np.linalg.norm(d, axis=1)

    def carry(self, k: int, e: FloatArray, t: FloatArray, dev: FloatArray) -> None:
        """Carry the running figures to sample ``k`` (the decision, or the end of the chunk);
        call after :meth:`lowered` and :meth:`moved` on the same samples."""
        self._sum += float(np.sum(e[:k]))
        self._n += k
        near = np.flatnonzero(dev[:k] < 0.5 * self._holds.move_deg)
        if near.size:
            self.up_t_s = float(t[int(near[-1])])
        last = min(k, e.shape[0] - 1)
        self._ret_run = int(self._ret_runs[last])
        self._settle_run = int(self._settle_runs[last])

    def held_level(self, bt: FloatArray, be: FloatArray, dwell_s: float) -> float:
        """The level held: from the start of the hold to where the dwell that confirmed the
        lowering began (those samples are the rest, not the hold)."""
        held = (bt >= self.t_s) & (bt < bt[-1] - dwell_s)
        return float(np.mean(be[held])) if held.any() else self._sum / max(1, self._n)
