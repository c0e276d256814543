"""Stillness: is the sensor (and so the lower back) at rest?

Activity is measured three ways, each smoothed by a first-order low-pass whose state is
carried: the *signed* deviation of |specific force| from 1 g (a slow movement such as kneeling
down is a sustained one-sided acceleration; sensor noise averages out), its absolute value
(vibration, walking), and with a gyro the rotation rate. Still = all three below their limits.
Small tremor, as in a long side plank, stays "still" on purpose.

Used by auto-calibration (the first still period is upright standing), by the height tracker
(zero-velocity updates) and by the hold detector.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import signal

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray

BoolArray = np.ndarray


class MotionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    smoothing_s: float = Field(default=0.4, gt=0, description="activity smoothing, seconds")
    still_acc_mps2: float = Field(
        default=0.12, gt=0, description="|smoothed (|a| - g)| below this is still, m/s^2"
    )
    still_vibration_mps2: float = Field(
        default=0.8, gt=0, description="smoothed | |a| - g | below this is still, m/s^2"
    )
    still_gyro_dps: float = Field(
        default=10.0, gt=0, description="smoothed rotation rate below this is still, deg/s"
    )


class MotionDetector:
    """``update(acc, gyro) -> (still mask, smoothed acc activity, smoothed gyro activity)``."""

    def __init__(self, settings: MotionSettings, rate_hz: float) -> None:
        self.settings = settings
        self._alpha = float(np.exp(-1.0 / (settings.smoothing_s * rate_hz)))
        self._zi: FloatArray | None = None

    def reset(self) -> None:
        self._zi = None

    def update(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray | None
    ) -> tuple[BoolArray, FloatArray, FloatArray]:
        n = acc_mps2.shape[0]
        dev = np.linalg.norm(acc_mps2, axis=1) - STANDARD_GRAVITY_MPS2
        gyro_act = np.linalg.norm(gyro_dps, axis=1) if gyro_dps is not None else np.zeros(n)
        x = np.stack([dev, np.abs(dev), gyro_act], axis=1)
        a = self._alpha
        if n == 0:
            return np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0)
        if self._zi is None:
            self._zi = (a * x[0])[None, :]
        y, self._zi = signal.lfilter([1.0 - a], [1.0, -a], x, axis=0, zi=self._zi)
        s = self.settings
        acc_act = np.abs(y[:, 0])
        still = (
            (acc_act < s.still_acc_mps2)
            & (y[:, 1] < s.still_vibration_mps2)
            & (y[:, 2] < s.still_gyro_dps)
        )
        return still, acc_act, y[:, 2]
