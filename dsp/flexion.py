"""Forward-flexion episodes: the trunk bends forward beyond a threshold and comes back.

The angle is measured from the baseline of the posture the movement starts in: 0 deg standing
or sitting, -90 deg lying on the back. So a toe touch from standing and a sit-up from lying on
the back are both forward flexions. An episode starts when the relative angle rises above
``threshold_deg`` and ends when it falls below ``threshold_deg - hysteresis_deg``. If the
posture changes to one with another baseline before it comes back (getting up from lying on the
back), the movement was a transition, not a bend, and no episode is reported. No episodes start
lying on a side or face down: a forward curl there does not change the trunk's angle to
gravity. A deep stoop held still can look like hands and knees for a moment (same orientation;
only the height differs, and height from a cheap accelerometer is rough), so an episode that
started upright carries on through a face-down posture and ends when the trunk comes back up;
if it was face-down for longer than ``max_face_down_s`` the person was down on the floor (on
hands and knees, lying on the belly), not bending, and nothing is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from firmware_protocol.samples import FloatArray

#: Flexion angle of each posture's neutral position; postures not listed have no episodes.
POSTURE_BASELINE_DEG: dict[str, float] = {"upright": 0.0, "supine": -90.0}


class FlexionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold_deg: float = Field(
        default=30.0,
        gt=0,
        description="forward flexion beyond this (from the posture's baseline) is an episode",
    )
    hysteresis_deg: float = Field(
        default=5.0, ge=0, description="the episode ends below threshold minus this"
    )
    max_face_down_s: float = Field(
        default=10.0,
        gt=0,
        description="an episode that went through a face-down posture and lasted longer than "
        "this was floor time, not a bend",
    )


@dataclass(frozen=True, slots=True)
class FlexionEpisode:
    index: int  # sample at which the episode ended (decision time)
    t_start: float
    t_end: float
    peak_deg: float
    baseline_deg: float


class FlexionDetector:
    """``update(t, flexion_deg, posture_codes, baselines)`` -> finished episodes.

    ``baselines`` holds the baseline per sample (NaN where no episode can be measured);
    a change of baseline value marks a posture change.
    """

    def __init__(self, settings: FlexionSettings) -> None:
        self.settings = settings
        self._active = False
        self._t_start = 0.0
        self._peak = -np.inf
        self._baseline = float("nan")
        self._went_face_down = False

    def reset(self) -> None:
        """Forget an open episode (gap or recalibration): never invent one across a gap."""
        self._active = False
        self._peak = -np.inf

    def update(
        self, t_s: FloatArray, flexion_deg: FloatArray, baselines: FloatArray
    ) -> list[FlexionEpisode]:
        episodes: list[FlexionEpisode] = []
        s = self.settings
        n = t_s.shape[0]
        i = 0
        while i < n:
            if not self._active:
                # NaN baselines (no episodes in that posture) compare False.
                start = _first(
                    lambda lo, hi: flexion_deg[lo:hi] - baselines[lo:hi] > s.threshold_deg, i, n
                )
                if start == n:
                    break
                i = start
                self._active = True
                self._t_start = float(t_s[i])
                self._peak = -np.inf
                self._baseline = float(baselines[i])
                self._went_face_down = False
                continue
            j, cancelled = self._find_end(t_s, flexion_deg, baselines, i, n)
            if j > i:
                self._peak = max(self._peak, float(np.max(flexion_deg[i:j])))
            if j == n:
                break
            if not cancelled:
                episodes.append(
                    FlexionEpisode(j, self._t_start, float(t_s[j]), self._peak, self._baseline)
                )
            self._active = False  # otherwise cancelled: a transition or floor time
            i = j
        return episodes

    def _find_end(
        self, t_s: FloatArray, flexion_deg: FloatArray, baselines: FloatArray, i: int, n: int
    ) -> tuple[int, bool]:
        """Where the open episode ends at or after ``i`` (``n``: not in this chunk), and whether
        it ends cancelled (another posture, or too long face down). Searched in windows that
        double, so a long chunk costs time linear in its length, not per episode."""
        s = self.settings
        end_below = s.threshold_deg - s.hysteresis_deg
        lo, width = i, _FIRST_WINDOW
        while lo < n:
            hi = min(n, lo + width)
            # Measured against the episode's own baseline, also through face-down postures.
            seg_base = baselines[lo:hi]
            face_down = np.isnan(seg_base)
            other_posture = ~face_down & (seg_base != self._baseline)
            went_face_down = self._went_face_down | (np.cumsum(face_down) > 0)
            too_long = went_face_down & (t_s[lo:hi] - self._t_start > s.max_face_down_s)
            stop = (flexion_deg[lo:hi] - self._baseline < end_below) | other_posture | too_long
            hits = np.flatnonzero(stop)
            if hits.size:
                k = int(hits[0])
                return lo + k, bool(other_posture[k] or too_long[k])
            self._went_face_down = bool(went_face_down[-1])
            lo, width = hi, 2 * width
        return n, False


_FIRST_WINDOW = 256
"""Samples looked at first when searching forward; each further window is twice as long."""


def _first(condition: Callable[[int, int], np.ndarray], i: int, n: int) -> int:
    """The first index ``>= i`` where ``condition(lo, hi)`` (a boolean array for samples
    ``lo:hi``) is true, or ``n``; searched in doubling windows (see ``_find_end``)."""
    lo, width = i, _FIRST_WINDOW
    while lo < n:
        hi = min(n, lo + width)
        hits = np.flatnonzero(condition(lo, hi))
        if hits.size:
            return lo + int(hits[0])
        lo, width = hi, 2 * width
    return n
