"""The excursion tracker: rest reference, excursions away from it and back, top holds.

One state machine per sensor, shared by the rep counter and the hold timer:

- *no reference*: wait until the pelvis is steady (its orientation stayed within
  ``steady_deg`` over the last ``settle_s``) in a posture, then take that orientation as the
  rest reference (lying on a side the rest is assumed to be the long axis horizontal until a
  steady, flat rest is seen);
- *idle*: at rest; each new steady run refreshes the reference (slow drift, small shifts);
  when the angle from the reference passes ``start_deg`` an excursion begins;
- *excursion*: the samples are kept; the excursion ends when it falls back below
  ``return_fraction`` of its running peak (a rep candidate), or is abandoned when it lasts
  longer than ``max_excursion_s`` without a hold (the person settled somewhere new);
  while it lasts, being steady beyond the hold threshold starts a *hold*, which ends lowered
  (back below ``return_fraction`` of the hold's level; standing, where the body sways, for
  ``lowered_dwell_s``), moved (the orientation leaves the hold's by more than
  ``move_deg`` other than back toward rest, or the posture changes) or on a gap;
- *re-arm*: after a return, wait until back near rest (or steady somewhere: a new rest) so
  the tail of one rep cannot start the next.

Steadiness (``steadiness.py``) is measured on the fused orientation itself.

Decisions happen at samples and the state is carried, so the chunking never matters. Python
loops run over decisions (crossings, steady onsets), never over samples.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from dsp.detectors.frame import POSTURE_CODE
from dsp.detectors.happenings import (
    Happening,
    HoldEnd,
    HoldRule,
    HoldStart,
    PostureChanged,
    Returned,
)
from dsp.detectors.reference import (
    angle_from_deg,
    elevation_deg,
    movement_times,
    rotation_from_deg,
    shape_of,
)
from dsp.detectors.runs import first_true
from dsp.detectors.settings import HoldSettings, RepSettings
from dsp.detectors.steadiness import SampleInterval, Steadiness, SteadyFlags, flags_from_start
from dsp.detectors.top_hold import TopHold
from firmware_protocol.samples import FloatArray

SIDE_CODES = (POSTURE_CODE["side_left"], POSTURE_CODE["side_right"])
UNKNOWN_CODE = POSTURE_CODE["unknown"]
UPRIGHT_CODE = POSTURE_CODE["upright"]
SUPINE_CODE = POSTURE_CODE["supine"]
#: Lying on the back the long axis is near horizontal at rest; raised past halfway to
#: sitting (45 deg) the body is sitting up (the top of a sit-up), which is never the rest.
LYING_REST_MAX_ELEV_DEG = 45.0
SEGMENT_BLOCK = 512
"""Samples the state machine looks ahead at most per step (10 s at 50 Hz)."""

NOREF, IDLE, EXCURSION, REARM = range(4)


@dataclass(frozen=True, slots=True)
class _Suspended:
    """An excursion interrupted by a posture change, kept for ``flap_s`` in case the posture
    comes back (a sit-up's top passes through "upright" for longer than the posture dwell)."""

    code: int
    ref: FloatArray | None
    rest_elev_deg: float
    buf_t: FloatArray
    buf_u: FloatArray
    peak: float
    t0: float
    t_change: float


class ExcursionTracker:
    def __init__(self, reps: RepSettings, holds: HoldSettings) -> None:
        self.reps = reps
        self.holds = holds
        self._interval = SampleInterval()
        self._steadiness = Steadiness(reps.steady_deg)
        self.reset()

    @property
    def dt_s(self) -> float | None:
        return self._interval.dt_s

    def reset(self) -> None:
        """Gap: nothing is stitched across it (the caller ends an open hold first)."""
        self.code = UNKNOWN_CODE
        self.mode = NOREF
        self.ref: FloatArray | None = None
        self.rest_elev_deg = 0.0
        self._clear_excursion()
        self._pre_t: FloatArray = np.empty(0)
        self._pre_u: FloatArray = np.empty((0, 3))
        self._steadiness.reset()
        self._hist_t: FloatArray = np.empty(0)
        self._hist_u: FloatArray = np.empty((0, 3))
        self._hist_steady: np.ndarray = np.zeros(0, dtype=bool)
        self._suspended: _Suspended | None = None
        self._interval.restart()

    def _clear_excursion(self) -> None:
        self._buf_t: list[FloatArray] = []
        self._buf_u: list[FloatArray] = []
        self._peak = -np.inf
        self._t0 = 0.0
        self.hold: TopHold | None = None
        self._had_hold = False

    # --- signals --------------------------------------------------------------------------------

    def _signal(self, u: FloatArray) -> FloatArray:
        if self.code in SIDE_CODES:
            return elevation_deg(u) - self.rest_elev_deg
        assert self.ref is not None
        return angle_from_deg(u, self.ref)

    def _start_deg(self, hold_min: float | None) -> float:
        r = self.reps
        start = r.upright_start_deg if self.code == UPRIGHT_CODE else r.start_deg
        return start if hold_min is None else min(start, hold_min)

    def _capture(self, u_k: FloatArray) -> bool:
        """Take ``u_k`` as the rest (``False``: not a rest in this posture, nothing taken)."""
        elev = float(elevation_deg(u_k[None, :])[0])
        if self.code in SIDE_CODES:
            if elev < self.holds.side_plank_min_tip_deg:
                self.rest_elev_deg = elev
        elif self.code == SUPINE_CODE and elev > LYING_REST_MAX_ELEV_DEG:
            return False
        else:
            self.ref = u_k.copy()
        return True

    def _rest_of(self, u_hold: FloatArray) -> FloatArray:
        """The rest orientation a hold at ``u_hold`` would be lowered to."""
        if self.code not in SIDE_CODES and self.ref is not None:
            return self.ref
        flat = np.array([u_hold[0], u_hold[1], 0.0])
        flat /= max(1e-9, float(np.linalg.norm(flat)))
        elev = np.radians(self.rest_elev_deg)
        return np.asarray(flat * np.cos(elev) + np.array([0.0, 0.0, np.sin(elev)]))

    # --- update -------------------------------------------------------------------------------

    def update(
        self, t: FloatArray, u: FloatArray, codes: np.ndarray, rule: HoldRule
    ) -> list[Happening]:
        n = t.shape[0]
        out: list[Happening] = []
        if n == 0:
            return out
        self._interval.observe(t)
        n_back = self._interval.count(self.reps.settle_s, 2)
        flags = self._steadiness.update(u, n_back, self._rest_n())
        changes = np.flatnonzero(np.diff(np.concatenate([[self.code], codes])))
        # Segments are also cut every SEGMENT_BLOCK samples: each step of the state machine
        # looks ahead only to the end of its segment, so a long chunk costs O(n), not
        # O(n x steps). A cut within one posture is what a chunk boundary is (the machine
        # resumes where it stopped), so the events do not depend on it.
        cuts = {0, n, *(int(c) for c in changes), *range(0, n, SEGMENT_BLOCK)}
        bounds = sorted(cuts)
        hist_t = np.concatenate([self._hist_t, t])
        hist_u = np.concatenate([self._hist_u, u])
        hist_steady = np.concatenate([self._hist_steady, flags.steady])
        past = self._hist_t.shape[0]
        keep_hist = self._interval.count(self.reps.look_back_s, 2)
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            if int(codes[lo]) != self.code:
                # The samples before ``lo`` (a fixed number, whatever the chunking).
                end = past + lo
                start = max(0, end - keep_hist)
                history = (hist_t[start:end], hist_u[start:end], hist_steady[start:end])
                out += self._posture_change(lo, int(codes[lo]), history, rule)
            if self.code != UNKNOWN_CODE:
                self._segment(lo, hi, t, u, flags, rule, out)
        self._hist_t = hist_t[-keep_hist:]
        self._hist_u = hist_u[-keep_hist:]
        self._hist_steady = hist_steady[-keep_hist:]
        keep = self._pre_len()
        self._pre_t = np.concatenate([self._pre_t, t])[-keep:]
        self._pre_u = np.concatenate([self._pre_u, u])[-keep:]
        return out

    def _rest_n(self) -> int:
        return self._interval.count(self.reps.rest_capture_s, 1)

    def _dwell_n(self) -> int:
        """Samples a standing hold must stay back to be lowered (1: supported, at once)."""
        return (
            self._interval.count(self.holds.lowered_dwell_s, 1) if self.code == UPRIGHT_CODE else 1
        )

    def _pre_len(self) -> int:
        return self._interval.count(self.reps.preroll_s, 2)

    def _posture_change(
        self,
        lo: int,
        code: int,
        history: tuple[FloatArray, FloatArray, np.ndarray],
        rule: HoldRule,
    ) -> list[Happening]:
        """Close what was open, then look back: a posture is decided only after it has lasted
        a while (face-down only once still), so the person may be in their first rep already.
        The samples since they arrived in the posture are analysed again in it, and what that
        decides is decided now, at ``lo``. A quick return to the posture just left, in the
        middle of an excursion, resumes that excursion instead."""
        ht, hu, hs = history
        out: list[Happening] = []
        if (
            self.hold is not None
            and hu.size
            and code != UNKNOWN_CODE
            and (code in SIDE_CODES) == (self.code in SIDE_CODES)
            and self.hold.still_at(hu[-1])
        ):
            # The label changed but the body did not move (face down is resolved into prone
            # or hands and knees from the height, later): the hold goes on.
            self.code = code
            return [PostureChanged(lo, restored=True)]
        if self.hold is not None:
            out.append(HoldEnd(lo, self.hold.up_t_s, "moved"))
        snapshot = None
        if self.mode == EXCURSION and self._buf_t and ht.size:
            snapshot = _Suspended(
                self.code,
                self.ref,
                self.rest_elev_deg,
                np.concatenate(self._buf_t),
                np.concatenate(self._buf_u),
                self._peak,
                self._t0,
                float(ht[-1]),
            )
        back = self._suspended
        fresh = back is not None and ht.size and float(ht[-1]) - back.t_change <= self.reps.flap_s
        if back is None or back.code != code or not fresh:
            back = None
        self._suspended = snapshot
        out.append(PostureChanged(lo, restored=back is not None))
        self._clear_excursion()
        self.code = code
        self.ref = None
        self.rest_elev_deg = 0.0
        self.mode = IDLE if code in SIDE_CODES else NOREF
        if code == UNKNOWN_CODE or ht.size == 0:
            return out
        found: list[Happening] = []
        if back is not None:
            self.ref, self.rest_elev_deg = back.ref, back.rest_elev_deg
            self._buf_t, self._buf_u = [back.buf_t], [back.buf_u]
            self._peak, self._t0 = back.peak, back.t0
            self.mode = EXCURSION
            first = int(np.searchsorted(ht, back.buf_t[-1], side="right"))
        else:
            away = np.flatnonzero(angle_from_deg(hu, hu[-1]) > self.reps.arrive_deg)
            first = int(away[-1]) + 1 if away.size else 0
        if first < ht.shape[0]:
            saved = self._pre_t, self._pre_u
            self._pre_t, self._pre_u = np.empty(0), np.empty((0, 3))
            history_flags = flags_from_start(hs, self._rest_n())
            self._segment(first, ht.shape[0], ht, hu, history_flags, rule, found)
            self._pre_t, self._pre_u = saved
        out += [replace(h, index=lo) for h in found]
        return out

    def _segment(
        self,
        lo: int,
        hi: int,
        t: FloatArray,
        u: FloatArray,
        flags: SteadyFlags,
        rule: HoldRule,
        out: list[Happening],
    ) -> None:
        steady, onset, settled = flags.steady, flags.onset, flags.settled
        i = lo
        while i < hi:
            # The rule may depend on the rest reference, which a capture below can change.
            hold_min = rule(self.code)
            start_deg = self._start_deg(hold_min)
            if self.mode == NOREF:
                ks = np.flatnonzero(steady[i:hi])
                if ks.size == 0:
                    return
                k = i + int(ks[0])
                if self._capture(u[k]):
                    self.mode = IDLE
                i = k + 1
                continue
            e = self._signal(u[i:hi])
            if self.mode == IDLE:
                exc = np.flatnonzero(e > start_deg)
                k_exc = int(exc[0]) if exc.size else hi - i
                refresh = onset[i : i + k_exc]
                if start_deg < self._start_deg(None):
                    # A hold lowered the start (standing: 10 deg -> ``min_excursion_deg``),
                    # and that is most of a small hold (a 3 deg balance): a steady moment on
                    # the way up or of its sway must not become the rest. A refresh is for
                    # drift, which stays within ``steady_deg``.
                    refresh = refresh & (e[:k_exc] < self.reps.steady_deg)
                onsets = np.flatnonzero(refresh)
                if onsets.size:
                    k = i + int(onsets[0])
                    self._capture(u[k])
                    i = k + 1
                    continue
                if not exc.size:
                    return
                k = i + k_exc
                self._begin(k, t, u)
                i = k
                continue
            if self.mode == REARM:
                k_back = first_true(e < start_deg)
                # Steady for a while, not just a moment: the top of a hold that swayed
                # below the return level must not become the rest.
                k_rest = first_true(settled[i:hi])
                if k_back == hi - i and k_rest == hi - i:
                    return
                k = i + min(k_back, k_rest)
                if k_rest <= k_back:
                    self._capture(u[k])
                self.mode = IDLE
                i = k + 1
                continue
            i = self._excursion(i, hi, e, t, u, steady, hold_min, out)

    def _begin(self, k: int, t: FloatArray, u: FloatArray) -> None:
        self._clear_excursion()
        self.mode = EXCURSION
        self._t0 = float(t[k])
        keep = self._pre_len()
        self._buf_t = [np.concatenate([self._pre_t, t[:k]])[-keep:]]
        self._buf_u = [np.concatenate([self._pre_u, u[:k]])[-keep:]]

    def _excursion(
        self,
        i: int,
        hi: int,
        e: FloatArray,
        t: FloatArray,
        u: FloatArray,
        steady: np.ndarray,
        hold_min: float | None,
        out: list[Happening],
    ) -> int:
        r = self.reps
        m = hi - i
        peak = np.maximum(self._peak, np.maximum.accumulate(e))
        hold = self.hold
        if hold is not None:
            k_ret, k_settle = hold.lowered(e, steady[i:hi], self._dwell_n())
        else:
            k_ret = first_true(e < r.return_fraction * peak)
            # Or came most of the way back and settled there: the rest after a long hold can
            # sit a degree or two off the reference (the mat, the clothing, the fusion's bias).
            k_settle = first_true(steady[i:hi] & (e < r.settled_return_fraction * peak))
        base = 0.0
        if k_settle < k_ret:
            k_ret = k_settle
            base = float(e[k_settle])
        k_out = k_hold = k_moved = m
        dev = np.zeros(0)
        if hold is not None:
            moved, dev = hold.moved(u[i:hi])
            k_moved = first_true(moved)
        else:
            k_out = first_true(t[i:hi] - self._t0 > r.max_excursion_s)
            if hold_min is not None:
                k_hold = first_true(steady[i:hi] & (e >= hold_min))
        k = min(k_ret, k_out, k_hold, k_moved)
        stop = min(m, k + 1)  # keep the samples up to and including the decision
        self._buf_t.append(t[i : i + stop])
        self._buf_u.append(u[i : i + stop])
        if hold is not None:
            hold.carry(k, e, t[i:hi], dev)
        if k == m:
            self._peak = float(peak[-1])
            return hi
        self._peak = float(peak[k])
        j = i + k
        if k == k_ret:
            self._returned(j, out, base)
        elif k == k_moved and hold is not None:
            self.hold = None
            out.append(HoldEnd(j, hold.up_t_s, "moved"))
            return j + 1
        elif k == k_hold:
            self._hold_start(j, float(t[j]), u[j], float(e[k]), out)
            return j + 1
        else:  # lasted too long without a hold: the person settled somewhere new
            self._clear_excursion()
            self.mode = NOREF
            return j
        return j + 1

    def _hold_start(
        self, j: int, t_j: float, u_j: FloatArray, level: float, out: list[Happening]
    ) -> None:
        if self._had_hold:
            arrive = t_j  # a hold again after moving: it starts now
        else:
            bt, be = self._buffer()
            _, arrive, _, _ = movement_times(bt, be, level, None)
        self.hold = TopHold(t_j, u_j, self._rest_of(u_j), level, self.holds, self.reps)
        self._had_hold = True
        rot = None
        if self.code not in SIDE_CODES and self.ref is not None:
            rot = rotation_from_deg(u_j[None, :], self.ref)[0]
        out.append(HoldStart(j, arrive, level, self.code, rot))

    def _returned(self, j: int, out: list[Happening], base: float) -> None:
        bt, be = self._buffer()
        bu = np.concatenate(self._buf_u)
        level = self._peak
        if self.hold is not None:
            dwell_s = self.holds.lowered_dwell_s if self.code == UPRIGHT_CODE else 0.0
            hold_level = self.hold.held_level(bt, be, dwell_s)
            _, _, depart, _ = movement_times(bt, be, level, hold_level, base)
            out.append(HoldEnd(j, depart, "lowered"))
        ref = None if self.code in SIDE_CODES else self.ref  # on a side: no rotation measured
        shape = shape_of(bt, be, bu, level, base, ref)
        out.append(Returned(j, shape, self.code, self.ref))
        self._clear_excursion()
        self.mode = REARM
        if base > 0.0:  # settled: this is the rest now
            self._capture(bu[-1])
            self.mode = IDLE

    def _buffer(self) -> tuple[FloatArray, FloatArray]:
        bt = np.concatenate(self._buf_t)
        bu = np.concatenate(self._buf_u)
        return bt, self._signal(bu)
