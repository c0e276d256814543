"""Posture from the body-frame up vector, the still flag and the lumbar height.

Gravity alone gives an orientation class per sample (``u`` = world-up in body axes):
upright (trunk within 50 deg of vertical), supine (belly up), face_down (belly down), side_left,
side_right, or in between. A posture changes only when a new class has lasted ``dwell_s``,
so bends, sit-ups and rolling over do not flicker it. Face-down is resolved with the height
tracker once the person is still: high (standing bent, the "L" stretch) stays upright, middle
is quadruped (hands and knees), low is prone.

Events are decided at a sample and carry that sample's time, so every chunking gives the same
events in the same order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp.events import Posture
from dsp.height import HeightSettings
from firmware_protocol.samples import FloatArray

CLASS_BETWEEN, CLASS_UPRIGHT, CLASS_SUPINE, CLASS_FACE_DOWN, CLASS_LEFT, CLASS_RIGHT = range(6)
_DIRECT: dict[int, Posture] = {
    CLASS_UPRIGHT: "upright",
    CLASS_SUPINE: "supine",
    CLASS_LEFT: "side_left",
    CLASS_RIGHT: "side_right",
}


class PostureSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dwell_s: float = Field(default=1.5, gt=0, description="a new posture must last this long")
    sit_up_dwell_s: float = Field(
        default=3.0,
        gt=0,
        description="from lying on the back, upright must last this long: the top of a sit-up "
        "is upright for a moment, getting up takes longer anyway",
    )
    upright_max_tilt_deg: float = Field(
        default=50.0, gt=0, lt=90, description="trunk within this of vertical counts as upright"
    )
    lying_min_component: float = Field(
        default=0.7,
        gt=0,
        lt=1,
        description="|cos| of the angle between a body axis and vertical to call it lying",
    )
    quadruped_min_height_m: float = Field(
        default=0.3, gt=0, description="face-down above this height is hands and knees"
    )
    standing_bent_min_height_m: float = Field(
        default=0.75, gt=0, description="face-down above this height is a standing bend"
    )
    height: HeightSettings = Field(default_factory=HeightSettings)


def orientation_class(u_body: FloatArray, settings: PostureSettings) -> np.ndarray:
    """Per-sample class code from world-up in body axes (x forward, y left, z up)."""
    c = np.full(u_body.shape[0], CLASS_BETWEEN, dtype=np.int8)
    lim = settings.lying_min_component
    c[u_body[:, 0] >= lim] = CLASS_SUPINE
    c[u_body[:, 0] <= -lim] = CLASS_FACE_DOWN
    c[u_body[:, 1] >= lim] = CLASS_RIGHT  # left axis points up: lying on the right side
    c[u_body[:, 1] <= -lim] = CLASS_LEFT
    c[u_body[:, 2] >= np.cos(np.radians(settings.upright_max_tilt_deg))] = CLASS_UPRIGHT
    return c


@dataclass(frozen=True, slots=True)
class PostureChange:
    index: int
    posture: Posture
    previous: Posture


class PostureTracker:
    """Decides posture changes; ``height_m`` is kept up to date by the pipeline."""

    def __init__(self, settings: PostureSettings, rate_hz: float) -> None:
        self.settings = settings
        self._dwell_n = max(1, round(settings.dwell_s * rate_hz))
        self._sit_up_dwell_n = max(1, round(settings.sit_up_dwell_s * rate_hz))
        self.posture: Posture = "unknown"
        self._cls = -1  # class of the current run
        self._run = 0  # samples in the current run
        self._decided = False  # the current run already led to a decision
        self._last_height = float("nan")

    def reset(self) -> None:
        self._cls, self._run, self._decided = -1, 0, False

    def update(
        self, cls: np.ndarray, still: np.ndarray, heights: FloatArray
    ) -> list[PostureChange]:
        """``cls``: orientation class per sample (:func:`orientation_class`);
        ``heights``: lumbar height per sample (NaN when unknown)."""
        n = cls.shape[0]
        changes: list[PostureChange] = []
        if n == 0:
            return changes
        # Runs of equal class; a decision can only happen at the sample where a run reaches
        # the dwell, or (face-down) at the first still sample after that.
        edges = np.flatnonzero(np.diff(np.concatenate([[self._cls], cls])))
        bounds = [0, *[int(e) for e in edges], n]
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            c = int(cls[lo])
            if c != self._cls:
                self._cls, self._run, self._decided = c, 0, False
            dwell = (
                self._sit_up_dwell_n
                if c == CLASS_UPRIGHT and self.posture == "supine"
                else self._dwell_n
            )
            first = max(lo, lo + dwell - self._run - 1)
            self._run += hi - lo
            if c == CLASS_BETWEEN or first >= hi or (self._decided and c != CLASS_FACE_DOWN):
                continue
            changes += self._decide(c, first, hi, still, heights)
        self._last_height = float(heights[-1])
        return changes

    def _decide(
        self, c: int, first: int, hi: int, still: np.ndarray, heights: FloatArray
    ) -> list[PostureChange]:
        if c in _DIRECT:
            self._decided = True
            return _some(self._switch(first, _DIRECT[c]))
        # Face-down: wait for stillness so the height of the new position is known, then look
        # again whenever the height changes (from hands and knees down onto the belly).
        changes: list[PostureChange] = []
        if not self._decided:
            still_idx = np.flatnonzero(still[first:hi])
            if still_idx.size == 0:
                return changes
            k = first + int(still_idx[0])
            self._decided = True
            changes += _some(self._switch(k, self._resolve_face_down(float(heights[k]))))
            first = k + 1
        if first >= hi or self.posture == "upright":
            # A bend held for a while (gardening, the "L" stretch) stays a bend: the small
            # movements while bent must not drift it down to the floor; getting onto hands and
            # knees is its own transition, a new face-down run.
            return changes
        h = heights[first:hi]
        prev = np.concatenate([[heights[first - 1] if first > 0 else self._last_height], h[:-1]])
        moved = np.flatnonzero(~((h == prev) | (np.isnan(h) & np.isnan(prev))))
        for m in moved:
            changes += _some(self._switch(first + int(m), self._resolve_face_down(float(h[m]))))
        return changes

    def _resolve_face_down(self, height_m: float) -> Posture:
        s = self.settings
        if np.isnan(height_m):
            return "prone" if self.posture != "upright" else "upright"
        if height_m >= s.standing_bent_min_height_m:
            return "upright"
        if height_m >= s.quadruped_min_height_m:
            return "quadruped"
        return "prone"

    def _switch(self, index: int, posture: Posture) -> PostureChange | None:
        if posture == self.posture:
            return None
        change = PostureChange(index, posture, self.posture)
        self.posture = posture
        return change


def _some(change: PostureChange | None) -> list[PostureChange]:
    return [] if change is None else [change]
