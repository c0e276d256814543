"""Stillness: is the sensor (and so the lower back) at rest?

Real sensors are biased: a cheap accelerometer reads 9.2-9.6 m/s^2 at rest and a gyro a few
deg/s with no rotation (both seen in the SisFall recordings). So activity is measured against
slow baselines, not against 1 g and zero: |specific force| minus its 30 s running mean, and
the gyro minus its 30 s running mean (started at the first sample, so a bias is known at once). Three features, each smoothed by a first-order low-pass with
carried state: the *signed* acceleration deviation (a slow movement such as kneeling down is a
sustained one-sided acceleration; noise averages out), its absolute value (vibration, walking),
and the gyro deviation. Still = all three below their limits. Small tremor, as in a long side
plank, stays "still" on purpose.

The gyro bias itself is estimated as the mean rate over still samples (a gated running mean,
the ratio of two low-passes, so it stays linear and chunk-invariant) and handed to the
orientation filter, which would otherwise turn a 5 deg/s bias into a 5 deg tilt error.

Used by auto-calibration (the first still period is upright standing), by the height tracker
(zero-velocity updates) and by the hold detector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import signal

from firmware_protocol.samples import FloatArray

BoolArray = np.ndarray


class MotionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    smoothing_s: float = Field(default=0.4, gt=0, description="activity smoothing, seconds")
    baseline_s: float = Field(
        default=30.0, gt=0,
        description="running-mean window of the rest baselines, seconds: long, so that a "
        "one-way rotation (lying down: 90 deg) shifts the gyro baseline by only 3 deg/s",
    )
    still_acc_mps2: float = Field(
        default=0.12, gt=0, description="|smoothed acceleration deviation| below this is still"
    )
    still_vibration_mps2: float = Field(
        default=0.5, gt=0, description="smoothed |acceleration deviation| below this is still"
    )
    still_gyro_dps: float = Field(
        default=8.0, gt=0, description="smoothed rotation-rate deviation below this is still"
    )
    gyro_bias_s: float = Field(
        default=10.0, gt=0, description="running-mean window of the gyro bias, still time"
    )


@dataclass(frozen=True, slots=True)
class MotionOutput:
    still: BoolArray
    acc_activity_mps2: FloatArray
    gyro_activity_dps: FloatArray
    gyro_bias_dps: FloatArray | None  # (n, 3) estimated bias, or None without a gyro


class _Smoother:
    """First-order low-pass over columns, state carried, started at the first sample."""

    def __init__(self, time_constant_s: float, rate_hz: float) -> None:
        self._a = float(np.exp(-1.0 / (time_constant_s * rate_hz)))
        self._zi: FloatArray | None = None

    def reset(self) -> None:
        self._zi = None

    def __call__(self, x: FloatArray, start: FloatArray | None = None) -> FloatArray:
        a = self._a
        if self._zi is None:
            first = x[0] if start is None else start
            self._zi = (a * first)[None, :]
        y, self._zi = signal.lfilter([1.0 - a], [1.0, -a], x, axis=0, zi=self._zi)
        return np.asarray(y, dtype=np.float64)


class MotionDetector:
    """``update(acc, gyro) -> MotionOutput`` (see module doc)."""

    def __init__(self, settings: MotionSettings, rate_hz: float) -> None:
        self.settings = settings
        self._baseline = _Smoother(settings.baseline_s, rate_hz)
        self._features = _Smoother(settings.smoothing_s, rate_hz)
        self._bias = _Smoother(settings.gyro_bias_s, rate_hz)

    def reset(self) -> None:
        self._baseline.reset()
        self._features.reset()
        # The gyro bias survives a gap: it belongs to the sensor, not to the movement.

    def update(self, acc_mps2: FloatArray, gyro_dps: FloatArray | None) -> MotionOutput:
        n = acc_mps2.shape[0]
        if n == 0:
            return MotionOutput(np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0), None)
        mag = np.linalg.norm(acc_mps2, axis=1)
        raw = mag[:, None] if gyro_dps is None else np.column_stack([mag, gyro_dps])
        base = self._baseline(raw)
        dev = mag - base[:, 0]
        gyro_dev = (
            np.linalg.norm(gyro_dps - base[:, 1:], axis=1) if gyro_dps is not None else np.zeros(n)
        )
        y = self._features(np.column_stack([dev, np.abs(dev), gyro_dev]))
        s = self.settings
        acc_act = np.abs(y[:, 0])
        still = (
            (acc_act < s.still_acc_mps2)
            & (y[:, 1] < s.still_vibration_mps2)
            & (y[:, 2] < s.still_gyro_dps)
        )
        bias = None
        if gyro_dps is not None:
            # Gated running mean: low-pass of (still * gyro) over low-pass of still.
            gate = still.astype(np.float64)[:, None]
            both = self._bias(np.column_stack([gate * gyro_dps, gate]), start=np.zeros(4))
            weight = both[:, 3:4]
            bias = np.where(weight > 1e-3, both[:, :3] / np.maximum(weight, 1e-3), 0.0)
        return MotionOutput(still, acc_act, y[:, 2], bias)
