"""Automatic mounting calibration when none is given.

1. **Up**: the first still period of ``still_s`` seconds is taken as upright standing; the mean
   up vector over it is the body's head direction in sensor coordinates.
2. **Forward**: learned from the first clear tilt *excursion* — the trunk tilts beyond
   ``learn_tilt_deg`` and comes back below ``return_tilt_deg`` within ``max_excursion_s``.
   Forward bends are much larger than backward ones, so the direction the up vector moved at
   the excursion's peak is "forward". An excursion that does not come back (lying down) teaches
   nothing. The samples of the excursion are handed back so the flexion detector can score the
   bend that taught us (it is a real bend, and must not be lost).

Vectorised: stillness runs and threshold crossings are found with numpy; Python only loops
over crossings (a few per bend), never over samples.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from firmware_protocol.samples import FloatArray


class CalibrationSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    still_s: float = Field(default=1.0, gt=0, description="still time that defines upright")
    learn_tilt_deg: float = Field(
        default=25.0, gt=0, description="an excursion must reach this tilt to teach forward"
    )
    return_tilt_deg: float = Field(
        default=18.0,
        gt=0,
        description="tilt below which an excursion has ended (people rarely come back exactly)",
    )
    max_excursion_s: float = Field(
        default=10.0, gt=0, description="longer excursions (lying down) teach nothing"
    )


@dataclass(frozen=True, slots=True)
class CalibrationStep:
    """Something the calibrator learned at sample ``index`` of the current chunk."""

    index: int
    stage: str  # "up_only" or "complete"
    up_s: FloatArray
    forward_s: FloatArray | None
    excursion_up_s: FloatArray | None = None  # (m, 3) up vectors of the teaching bend
    excursion_t_s: FloatArray | None = None


class AutoCalibrator:
    def __init__(self, settings: CalibrationSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        self._need_still = max(1, round(settings.still_s * rate_hz))
        self._max_exc = max(2, round(settings.max_excursion_s * rate_hz))
        self.up_s: FloatArray | None = None
        self.forward_s: FloatArray | None = None
        self._still_run = 0
        self._tail_up = np.empty((0, 3))  # last still samples, for the mean
        self._exc_up: list[FloatArray] = []  # current excursion samples
        self._exc_t: list[FloatArray] = []
        self._exc_len = 0
        self._in_exc = False
        self._exc_peak = 0.0

    @property
    def complete(self) -> bool:
        return self.forward_s is not None

    def restart(self) -> None:
        """Forget the mounting and learn it again (the "calibrate now" command)."""
        self.__init__(self.settings, self.rate_hz)  # type: ignore[misc]

    def update(self, t_s: FloatArray, up: FloatArray, still: np.ndarray) -> list[CalibrationStep]:
        steps: list[CalibrationStep] = []
        start = 0
        if self.up_s is None:
            k = self._find_still(up, still)
            if k is None:
                return steps
            steps.append(CalibrationStep(k, "up_only", self.up_s, None))  # type: ignore[arg-type]
            start = k + 1
        if self.forward_s is None and start < up.shape[0]:
            step = self._find_forward(t_s[start:], up[start:], start)
            if step is not None:
                steps.append(step)
        return steps

    def _find_still(self, up: FloatArray, still: np.ndarray) -> int | None:
        n = up.shape[0]
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

    def _find_forward(self, t_s: FloatArray, up: FloatArray, offset: int) -> CalibrationStep | None:
        assert self.up_s is not None
        s = self.settings
        tilt = np.degrees(np.arccos(np.clip(up @ self.up_s, -1.0, 1.0)))
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
        self.forward_s = -horizontal / np.linalg.norm(horizontal)
        return CalibrationStep(index, "complete", self.up_s, self.forward_s, exc_up, exc_t)
