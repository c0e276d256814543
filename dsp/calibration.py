"""Automatic mounting calibration when none is given.

1. **Up**: the first still period of ``still_s`` seconds is taken as upright standing; the mean
   up vector over it is the body's head direction in sensor coordinates.
2. **Forward**: learned from the first clear tilt *excursion* — the trunk tilts beyond
   ``learn_tilt_deg`` and comes back below ``return_tilt_deg`` within ``max_excursion_s``.
   Forward bends are much larger than backward ones, so the direction the up vector moved at
   the excursion's peak is "forward". An excursion that does not come back (lying down) teaches
   nothing here (see 3).
3. **Forward from lying down**: a person who goes straight to the floor never bends and comes
   back. Once the body has been still for ``still_s`` tipped at least ``lying_tilt_deg`` from
   up (lying, or on hands and knees), forward is learned from the way down: the direction of
   the first lean past ``lean_deg`` since the last steady upright rest is forward (squatting,
   kneeling and sitting down all lean forward first: the pelvis must come down ~0.8 m, and
   nobody lies straight back from standing). Assumed, not measured on people; a person who
   starts sitting and lies straight back leans backward first and is read face down (the
   lumbar height could tell, but the estimate made before forward is known was too poor to
   trust: 0.16 m on hands and knees in a simulated session).
4. **Before up**: samples before the first still period (up to ``buffer_s``) are kept, and
   searched for a teaching bend as soon as up is known (a trial that starts with the bend and
   only then stands still). A step found there is decided at the still period.

5. **Not from the floor**: a person who starts sitting or standing and goes straight down
   to the floor is first still lying. When the first still period is at least
   ``lying_tilt_deg`` from where the session began (its first ``start_s``, moving or not),
   the session began upright and went down: up is where it began, and forward follows at
   once from the way down (3). Assumed: sessions begin upright (standing or sitting) unless
   nothing moved before the first still period; a session that begins lying and *stays*
   there until its first still period is still read with the floor as up (not solved).

6. **Getting up**: when the floor rest of 3 is *higher* by ``rise_m`` than the last still
   period at least ``lying_tilt_deg`` away from it in orientation (vertical acceleration
   integrated between still periods, as the lumbar height is, from the same up vector
   whatever the mounting), the person got up: the first still
   period was on the floor (a session that starts lying), up is here, and forward is the
   opposite of the last lean on the way up. Everything kept since the start (``buffer_s``)
   is then analysed with that mounting: the exercises done lying before are counted late.
   Until then such a session shows only the wrong "upright" and angle tilts (and a bend of
   25 deg or more from the floor rest, such as a sit-up, is taken for the teaching bend: not
   solved).

Vectorised: stillness runs and threshold crossings are found with numpy; Python only loops
over crossings (a few per bend), never over samples.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass, replace

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp.height import HeightSettings, HeightTracker
from firmware_protocol.samples import FloatArray


class CalibrationSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    still_s: float = Field(default=1.0, gt=0, description="still time that defines upright")
    learn_tilt_deg: float = Field(
        default=35.0, gt=0, description="an excursion must reach this tilt to teach forward"
    )
    return_tilt_deg: float = Field(
        default=18.0,
        gt=0,
        description="tilt below which an excursion has ended (people rarely come back exactly)",
    )
    max_excursion_s: float = Field(
        default=10.0, gt=0, description="longer excursions (lying down) teach nothing"
    )
    lean_deg: float = Field(
        default=12.0,
        gt=0,
        description="tilt from up at which the direction of getting down is read (the forward "
        "lean of squatting or kneeling is 15-25 deg; standing sway and gait stay within 5)",
    )
    lying_tilt_deg: float = Field(
        default=60.0,
        gt=0,
        lt=90,
        description="still this far from up: on the floor (lying, hands and knees)",
    )
    start_s: float = Field(
        default=0.3,
        gt=0,
        description="the session's first samples (this long) say where it began (module doc, 5)",
    )
    rise_m: float = Field(
        default=0.3,
        gt=0,
        description="a still period this much higher than the first one, far from it in "
        "orientation: the person got up, and the first one was on the floor",
    )
    buffer_s: float = Field(
        default=300.0,
        gt=0,
        description="samples kept while the mounting is unknown, analysed once it is known",
    )


@dataclass(frozen=True, slots=True)
class CalibrationStep:
    """Something the calibrator learned at sample ``index`` of the current chunk."""

    index: int
    stage: str  # "up_only" or "complete"
    up_s: FloatArray
    forward_s: FloatArray | None
    #: The teaching bend's time span (its flexion episode is the one the person was asked for).
    bend_t_s: tuple[float, float] | None = None
    #: "bend" (a tilt that came back) or "lying" (still on the floor).
    evidence: str = "bend"  # "bend", "lying" or "rising" (module doc, 6)


_RISE_ANCHOR_M = 1000.0  # the displacement tracker's origin, far from its clip bounds


class AutoCalibrator:
    def __init__(self, settings: CalibrationSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        self._need_still = max(1, round(settings.still_s * rate_hz))
        self._max_exc = max(2, round(settings.max_excursion_s * rate_hz))
        self._max_buffer = max(1, round(settings.buffer_s * rate_hz))
        self.up_s: FloatArray | None = None
        self.forward_s: FloatArray | None = None
        self._still_run = 0
        self._tail_up = np.empty((0, 3))  # last still samples, for the mean
        self._pre_t = np.empty(0)  # samples before up was known (bounded)
        self._pre_up = np.empty((0, 3))
        self._pre_still = np.zeros(0, dtype=bool)
        self._exc_up: list[FloatArray] = []  # current excursion samples
        self._exc_t: list[FloatArray] = []
        self._exc_len = 0
        self._in_exc = False
        self._exc_peak = 0.0
        # Lying evidence: direction of the first lean since the last steady upright rest.
        self._lean_dir: FloatArray | None = None
        self._floor_run = 0  # still samples in a row tipped past lying_tilt_deg
        self._upright_run = 0  # still samples in a row within lean_deg of up
        self._last_tilt = 0.0
        # Vertical displacement since the first still period (unclipped zero-velocity
        # integration), and the last samples' up vectors: to tell getting up from lying down.
        self._rise = HeightTracker(
            HeightSettings(standing_height_m=2 * _RISE_ANCHOR_M, lying_height_m=1e-3),
            rate_hz,
        )
        self._rise_now = np.empty(0)
        self._rise_rests: deque[tuple[int, FloatArray, float]] = deque(maxlen=256)
        self._rise_was_settled = False
        self._seen = 0  # samples seen before this chunk
        self._recent_up = np.empty((0, 3))
        self._pre_scan = False

    @property
    def complete(self) -> bool:
        return self.forward_s is not None

    def restart(self) -> None:
        """Forget the mounting and learn it again (the "calibrate now" command)."""
        self.__init__(self.settings, self.rate_hz)  # type: ignore[misc]

    def update(
        self, t_s: FloatArray, up: FloatArray, still: np.ndarray, acc: FloatArray
    ) -> list[CalibrationStep]:
        steps: list[CalibrationStep] = []
        start = 0
        if self.up_s is None:
            k = self._find_still(up, still)
            if k is None:
                self._keep(t_s, up, still)
                return steps
            self._rise.height_m = _RISE_ANCHOR_M  # origin at the first still period
            self._track_rise(acc, up, still, k + 1)
            # What came before the still period may hold the bend (a trial that starts with
            # it): search it now; anything it teaches is decided here, at sample k.
            pre_t = np.concatenate([self._pre_t, t_s[: k + 1]])
            pre_up = np.vstack([self._pre_up, up[: k + 1]])
            pre_still = np.concatenate([self._pre_still, still[: k + 1]])
            self._started_elsewhere(pre_t, pre_up)
            steps.append(CalibrationStep(k, "up_only", self.up_s, None))  # type: ignore[arg-type]
            self._pre_t, self._pre_up = np.empty(0), np.empty((0, 3))
            self._pre_still = np.zeros(0, dtype=bool)
            self._pre_scan = True
            step = self._find_forward(pre_t, pre_up, pre_still, 0)
            self._pre_scan = False
            if step is not None:
                steps.append(replace(step, index=k))
                return steps
            start = k + 1
        else:
            self._track_rise(acc, up, still, 0)
        if self.forward_s is None and start < up.shape[0]:
            step = self._find_forward(t_s[start:], up[start:], still[start:], start)
            if step is not None:
                steps.append(step)
        self._recent_up = np.vstack([self._recent_up, up])[-self._max_exc :]
        self._seen += up.shape[0]
        return steps

    def _track_rise(self, acc: FloatArray, up: FloatArray, still: np.ndarray, lo: int) -> None:
        """Vertical displacement per sample from ``lo`` on, and the rests it was known at
        (their first settled sample: sample number, up vector, displacement). A movement too
        long to integrate loses the origin: the next rest starts a new one (only differences
        between two rests are used)."""
        n = up.shape[0]
        self._rise_now = np.full(n, np.nan)
        if lo >= n:
            return
        if np.isnan(self._rise.height_m):
            self._rise.height_m = _RISE_ANCHOR_M
        self._rise_now[lo:] = self._rise.update(acc[lo:], up[lo:], still[lo:], np.zeros(n - lo))
        settled = self._rise.settled
        starts = np.flatnonzero(settled & ~np.concatenate([[self._rise_was_settled], settled[:-1]]))
        for i in starts.tolist():
            h = float(self._rise_now[lo + i])
            if not np.isnan(h):
                self._rise_rests.append((self._seen + lo + i, up[lo + i], h))
        self._rise_was_settled = bool(settled[-1])

    def _rise_m(self, at: int, u: FloatArray) -> float:
        """How much higher the body is at sample ``at`` of this chunk than at the last rest
        far from ``u`` in orientation (the floor it got up from); NaN when unknown."""
        h_now = float(self._rise_now[at]) if at < self._rise_now.shape[0] else np.nan
        cos_far = np.cos(np.radians(self.settings.lying_tilt_deg))
        for number, u_rest, h in reversed(self._rise_rests):
            if number < self._seen + at and float(u_rest @ u) <= cos_far:
                return h_now - h
        return float("nan")

    def _started_elsewhere(self, pre_t: FloatArray, pre_up: FloatArray) -> None:
        """The first still period is on the floor and the session began far from it (module
        doc, 5): up is where the session began, not the floor."""
        assert self.up_s is not None
        first = pre_up[pre_t < pre_t[0] + self.settings.start_s]
        start = first.mean(axis=0)
        norm = float(np.linalg.norm(start))
        if norm < 1e-9:
            return
        start = start / norm
        if np.degrees(np.arccos(np.clip(start @ self.up_s, -1.0, 1.0))) >= (
            self.settings.lying_tilt_deg
        ):
            self.up_s = start

    def _keep(self, t_s: FloatArray, up: FloatArray, still: np.ndarray) -> None:
        m = self._max_buffer
        self._pre_t = np.concatenate([self._pre_t, t_s])[-m:]
        self._pre_up = np.vstack([self._pre_up, up])[-m:]
        self._pre_still = np.concatenate([self._pre_still, still])[-m:]

    def _find_still(self, up: FloatArray, still: np.ndarray) -> int | None:
        n = up.shape[0]
        # No gravity direction (an all-zero or broken acceleration) is no still period.
        still = still & (np.linalg.norm(up, axis=1) > 0.5)
        # Run length of consecutive still samples, carried across chunks.
        idx = np.arange(n)
        last_not_still = np.maximum.accumulate(np.where(~still, idx, -1))
        run = np.where(last_not_still >= 0, idx - last_not_still, idx + 1 + self._still_run)
        hits = np.flatnonzero(run >= self._need_still)
        if hits.size == 0:
            self._still_run = int(run[-1]) if n else self._still_run
            self._tail_up = np.vstack([self._tail_up, up])[-self._need_still :]
            return None
        k = int(hits[0])
        window = np.vstack([self._tail_up, up[: k + 1]])[-self._need_still :]
        mean = window.mean(axis=0)
        self.up_s = mean / np.linalg.norm(mean)
        return k

    def _find_forward(
        self, t_s: FloatArray, up: FloatArray, still: np.ndarray, offset: int
    ) -> CalibrationStep | None:
        """The first teaching bend or lying rest in these samples (whichever is first)."""
        assert self.up_s is not None
        tilt = np.degrees(np.arccos(np.clip(up @ self.up_s, -1.0, 1.0)))
        bend = self._find_bend(t_s, up, tilt, offset)
        lying = self._find_lying(up, tilt, still, offset, bend.index - offset if bend else None)
        step = lying if lying is not None else bend
        if step is not None:
            self.forward_s = step.forward_s
        return step

    def _find_bend(
        self, t_s: FloatArray, up: FloatArray, tilt: FloatArray, offset: int
    ) -> CalibrationStep | None:
        s = self.settings
        inside = tilt > s.return_tilt_deg
        n = tilt.shape[0]
        edges = np.flatnonzero(np.diff(np.concatenate([[self._in_exc], inside]).astype(np.int8)))
        bounds = [0, *[int(e) for e in edges], n]
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            if inside[lo]:
                self._in_exc = True
                self._exc_up.append(up[lo:hi])
                self._exc_t.append(t_s[lo:hi])
                self._exc_len += hi - lo
                self._exc_peak = max(self._exc_peak, float(tilt[lo:hi].max()))
                if self._exc_len > self._max_exc:
                    self._drop_excursion()
                    self._in_exc = True  # still inside; wait for it to end
                    self._exc_len = self._max_exc + 1
                continue
            if self._in_exc:
                # The excursion ended at sample lo.
                step = self._finish_excursion(lo + offset)
                self._in_exc = False
                if step is not None:
                    return step
        return None

    def _find_lying(
        self,
        up: FloatArray,
        tilt: FloatArray,
        still: np.ndarray,
        offset: int,
        before: int | None,
    ) -> CalibrationStep | None:
        """Still on the floor for ``still_s``: forward from the way down (module doc, 3).
        Only samples before ``before`` (a bend decided there wins if it comes first)."""
        s = self.settings
        assert self.up_s is not None
        n = tilt.shape[0] if before is None else before
        if n <= 0:
            return None
        tilt, up, still = tilt[:n], up[:n], still[:n]
        idx = np.arange(n)
        # Steady upright rests forget the lean: the next way down starts from there.
        upright = still & (tilt < s.lean_deg)
        last_not = np.maximum.accumulate(np.where(~upright, idx, -1))
        up_run = np.where(last_not >= 0, idx - last_not, idx + 1 + self._upright_run)
        rested = up_run >= self._need_still
        floor = still & (tilt >= s.lying_tilt_deg)
        last_not = np.maximum.accumulate(np.where(~floor, idx, -1))
        floor_run = np.where(last_not >= 0, idx - last_not, idx + 1 + self._floor_run)
        # Lean crossings: tilt reaches lean_deg from below.
        prev = np.concatenate([[self._last_tilt], tilt[:-1]])
        crossings = np.flatnonzero((tilt >= s.lean_deg) & (prev < s.lean_deg))
        last_rest = np.maximum.accumulate(np.where(rested, idx, -1))
        hits = np.flatnonzero(floor_run >= self._need_still)
        lean_dir = self._lean_dir
        for k in hits.tolist():
            # The lean that led here: the first crossing after the last steady upright rest.
            rest = int(last_rest[k])
            after = crossings[(crossings > rest) & (crossings <= k)]
            if after.size:
                lean_dir = self._horizontal(up[int(after[0])])
            elif rest >= 0:
                lean_dir = None
            rise = np.nan if self._pre_scan else self._rise_m(k + offset, up[k])
            if abs(rise) < s.rise_m:
                # Neither down nor up: rolling over from one lying posture to another (a
                # session that began lying). Wait for clearer evidence.
                continue
            if rise >= s.rise_m:
                self._upright_run, self._floor_run = int(up_run[-1]), int(floor_run[-1])
                step = self._got_up(up, k, offset)
                if step is not None:
                    return step
                continue
            if lean_dir is None:
                continue
            forward = -lean_dir
            self._upright_run, self._floor_run = int(up_run[-1]), int(floor_run[-1])
            self._lean_dir = lean_dir
            return CalibrationStep(
                k + offset,
                "complete",
                self.up_s,
                forward,
                evidence="lying",
            )
        self._upright_run, self._floor_run = int(up_run[-1]), int(floor_run[-1])
        self._last_tilt = float(tilt[-1])
        last = int(last_rest[-1])
        after = crossings[crossings > last]
        if after.size:
            self._lean_dir = self._horizontal(up[int(after[0])])
        elif last >= 0:
            self._lean_dir = None
        return None

    def _got_up(self, up: FloatArray, k: int, offset: int) -> CalibrationStep | None:
        """Still at sample ``k``, far from the first still period and higher: the person got
        up, and that first period was on the floor. Up is here; forward is the opposite of the
        last lean past ``lean_deg`` on the way up (standing up from the floor, from a chair or
        from the knees ends with a forward lean that straightens)."""
        s = self.settings
        new_up = up[k] / float(np.linalg.norm(up[k]))
        path = np.vstack([self._recent_up, up[: k + 1]])
        tilt = np.degrees(np.arccos(np.clip(path @ new_up, -1.0, 1.0)))
        above = np.flatnonzero(tilt >= s.lean_deg)
        if above.size == 0:
            return None
        lean = path[int(above[-1])]
        h = lean - float(lean @ new_up) * new_up
        norm = float(np.linalg.norm(h))
        if norm < 1e-9:
            return None
        self.up_s = new_up
        return CalibrationStep(k + offset, "complete", new_up, -h / norm, evidence="rising")

    def _horizontal(self, u: FloatArray) -> FloatArray:
        assert self.up_s is not None
        h = u - float(u @ self.up_s) * self.up_s
        norm = float(np.linalg.norm(h))
        return h / norm if norm > 1e-9 else h

    def _drop_excursion(self) -> None:
        self._exc_up, self._exc_t, self._exc_len, self._exc_peak = [], [], 0, 0.0

    def _finish_excursion(self, index: int) -> CalibrationStep | None:
        assert self.up_s is not None
        teaches = self._exc_peak >= self.settings.learn_tilt_deg and 0 < self._exc_len <= (
            self._max_exc
        )
        exc_up = np.vstack(self._exc_up) if self._exc_up else np.empty((0, 3))
        exc_t = np.concatenate(self._exc_t) if self._exc_t else np.empty(0)
        self._drop_excursion()
        if not teaches:
            return None
        peak = exc_up[int(np.argmax(exc_up @ -self.up_s))]  # farthest from up
        horizontal = peak - np.dot(peak, self.up_s) * self.up_s
        # Bending forward moves the sensed up vector toward the back: forward is the opposite.
        forward = -horizontal / np.linalg.norm(horizontal)
        span = (float(exc_t[0]), float(exc_t[-1]))
        return CalibrationStep(index, "complete", self.up_s, forward, bend_t_s=span)
