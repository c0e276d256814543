"""How high the lower back is, from the accelerometer, between still periods.

Prone, on hands and knees, and standing bent 90 deg look the same to gravity (trunk horizontal,
belly down); only the height of the sensor above the floor tells them apart (about 0.12 m,
0.55 m and 0.95 m). We double-integrate vertical acceleration over each movement between two
still periods with zero-velocity updates: the velocity must be zero at both ends, so its drift
is removed linearly before integrating to a height change. Over a few seconds this is good to
about a decimetre, plenty to tell those three apart.

On a cheap sensor each movement's estimate is good to one or two decimetres (per-axis scale
errors change the vertical bias as the sensor turns), so the estimate leans on what is known:
anchored standing at calibration and after a long upright movement (walking); lying on the
floor when still on the back or a side, and when the person rolled from there onto the belly;
never below lying height or above standing; and an upright person who comes to rest within
``snap_standing_m`` of standing height is taken to be standing.
"""

from __future__ import annotations

import itertools

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray

# Orientation classes the tracker anchors on (same codes as dsp.posture).
_CLASS_UPRIGHT, _CLASS_SUPINE, _CLASS_FACE_DOWN, _CLASS_LEFT, _CLASS_RIGHT = 1, 2, 3, 4, 5
_LYING = (_CLASS_SUPINE, _CLASS_LEFT, _CLASS_RIGHT)


class HeightSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    standing_height_m: float = Field(default=1.0, gt=0, description="lumbar height standing")
    lying_height_m: float = Field(default=0.12, gt=0, description="lumbar height lying down")
    max_movement_s: float = Field(
        default=20.0, gt=0, description="longer movements are not integrated (drift)"
    )
    snap_standing_m: float = Field(
        default=0.25, ge=0, description="upright and this close to standing: standing"
    )
    settle_s: float = Field(
        default=0.6,
        gt=0,
        description="stillness must last this long to count as zero velocity: mid-movement, "
        "at peak speed, acceleration is zero for a moment too",
    )


class HeightTracker:
    """``update(acc, up, still, cls) -> height per sample`` (NaN while unknown).

    The height changes only at still onsets (when a movement is complete).
    """

    def __init__(self, settings: HeightSettings, rate_hz: float) -> None:
        self.settings = settings
        self._dt = 1.0 / rate_hz
        self._max_len = round(settings.max_movement_s * rate_hz)
        self._settle_n = max(1, round(settings.settle_s * rate_hz))
        # The still flag drops late (smoothing) and a movement starts gently: integrate from a
        # second before it was noticed. Extra truly-still samples only add noise.
        self._preroll_n = max(1, round(1.0 * rate_hz))
        self._recent = np.empty(0)
        self._rest_cls = -1  # orientation class at the end of the last movement
        #: Per sample of the last update: still long enough to count as zero velocity (the
        #: moments at which the height is up to date).
        self.settled = np.zeros(0, dtype=bool)
        self._still_run = 0
        self.height_m = float("nan")
        self._moving: list[FloatArray] = []
        self._moving_len = 0
        self._was_still = True

    def anchor_standing(self) -> None:
        self.height_m = self.settings.standing_height_m

    def reset(self) -> None:
        self._moving, self._moving_len, self._was_still = [], 0, True
        self._still_run = 0
        self._recent = np.empty(0)
        self._rest_cls = -1
        self.height_m = float("nan")

    def update(
        self, acc_mps2: FloatArray, up: FloatArray, still: np.ndarray, cls: np.ndarray
    ) -> FloatArray:
        n = acc_mps2.shape[0]
        heights = np.empty(n)
        if n == 0:
            return heights
        vertical = np.einsum("ij,ij->i", acc_mps2, up) - STANDARD_GRAVITY_MPS2
        still = self._settled(still)
        self.settled = still
        # Where the still flag flips (0 when it differs from the last batch's last sample).
        changes = (np.flatnonzero(still[1:] != still[:-1]) + 1).tolist()
        bounds = [0, *([0] if bool(still[0]) != self._was_still else []), *changes, n]
        for lo, hi in itertools.pairwise(bounds):
            if hi <= lo:
                continue
            if not still[lo]:
                if self._moving_len == 0:
                    self._moving.append(self._recent)
                if self._moving_len <= self._max_len:
                    self._moving.append(vertical[lo:hi])
                self._moving_len += hi - lo
            else:
                was_still = bool(still[lo - 1]) if lo > 0 else self._was_still
                c = int(cls[lo])
                if not was_still:
                    self._close_movement(c)
                    self._apply_knowledge(c)
                if c in _LYING:
                    self.height_m = self.settings.lying_height_m
                self._recent = np.concatenate([self._recent, vertical[lo:hi]])[-self._preroll_n :]
            heights[lo:hi] = self.height_m
        self._was_still = bool(still[-1])
        return heights

    def _apply_knowledge(self, cls_now: int) -> None:
        """What the body allows, applied each time a movement ends (see module doc)."""
        s = self.settings
        if cls_now == _CLASS_FACE_DOWN and self._rest_cls in _LYING:
            self.height_m = s.lying_height_m  # rolled over on the floor
        if not np.isnan(self.height_m):
            self.height_m = float(np.clip(self.height_m, s.lying_height_m, s.standing_height_m))
            if (
                cls_now == _CLASS_UPRIGHT
                and self.height_m >= s.standing_height_m - s.snap_standing_m
            ):
                self.height_m = s.standing_height_m
        self._rest_cls = cls_now

    def _settled(self, still: np.ndarray) -> np.ndarray:
        """Still samples whose still run has lasted ``settle_s`` (run carried across chunks)."""
        idx = np.arange(still.shape[0])
        last_moving = np.maximum.accumulate(np.where(~still, idx, -1))
        run = np.where(last_moving >= 0, idx - last_moving, idx + 1 + self._still_run)
        self._still_run = int(run[-1])
        return np.asarray(run >= self._settle_n)

    def _close_movement(self, cls_now: int) -> None:
        too_long = self._moving_len > self._max_len
        moving = self._moving
        self._moving, self._moving_len = [], 0
        if too_long:
            # Walking or a long fidget: drift makes integration useless; an upright person who
            # moved that long was on their feet.
            self.height_m = (
                self.settings.standing_height_m if cls_now == _CLASS_UPRIGHT else float("nan")
            )
            return
        if not moving or np.isnan(self.height_m):
            return
        acc = np.concatenate(moving)
        velocity = np.cumsum(acc) * self._dt
        ramp = np.arange(1, acc.shape[0] + 1) / acc.shape[0]
        velocity -= velocity[-1] * ramp  # zero velocity at both ends
        self.height_m += float(np.sum(velocity) * self._dt)
