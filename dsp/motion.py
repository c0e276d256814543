"""Stillness: is the sensor (and so the lower back) at rest?

Real sensors are biased: a cheap accelerometer reads 9.2-9.6 m/s^2 at rest and a gyro a few
deg/s with no rotation (both seen in the SisFall recordings). So stillness uses no absolute
reference: |specific force| is compared with its own running mean (which starts as a plain
average, so no single noisy first sample sets it), and rotation is measured as the turning rate
of the accelerometer's (low-passed) up direction, which a gyro bias cannot touch. Three
features, each smoothed by a first-order low-pass with carried state: the *signed*
acceleration deviation (a slow movement such as kneeling down is a sustained one-sided
acceleration; noise averages out), its absolute value (vibration, walking), and the tilt rate.
Still = all three below their limits. Small tremor, as in a long side plank, stays "still" on
purpose.

The gyro bias is then estimated as the mean rate over still samples (a gated running mean, the
ratio of two low-passes, so it stays linear and chunk-invariant) and handed to the orientation
filter, which would otherwise turn a 5 deg/s bias into a 5 deg tilt error.

Used by auto-calibration (the first still period is upright standing), by the height tracker
(zero-velocity updates) and by the hold detector.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp.iir import lfilter_state
from dsp.vectors import row_norms
from firmware_protocol.samples import FloatArray

BoolArray = np.ndarray


class MotionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    smoothing_s: float = Field(default=0.4, gt=0, description="activity smoothing, seconds")
    baseline_s: float = Field(
        default=30.0, gt=0, description="running mean of |specific force| at rest, seconds"
    )
    still_acc_mps2: float = Field(
        default=0.12, gt=0, description="|smoothed acceleration deviation| below this is still"
    )
    still_vibration_mps2: float = Field(
        default=0.5, gt=0, description="smoothed |acceleration deviation| below this is still"
    )
    still_tilt_rate_dps: float = Field(
        default=6.0,
        gt=0,
        description="smoothed turning rate of the up direction below this is still (quiet "
        "standing sways 1-3 deg/s; the slowest exercise movements turn 10+ deg/s)",
    )
    up_smoothing_s: float = Field(
        default=0.25, gt=0, description="low-pass of the accelerometer before its tilt rate"
    )
    gyro_bias_s: float = Field(
        default=10.0, gt=0, description="running-mean window of the gyro bias, still time"
    )


@dataclass(frozen=True, slots=True)
class MotionOutput:
    still: BoolArray
    acc_activity_mps2: FloatArray
    tilt_rate_dps: FloatArray
    gyro_bias_dps: FloatArray | None  # (n, 3) estimated bias, or None without a gyro


class _Smoother:
    """First-order low-pass over columns, state carried, started at the first sample."""

    def __init__(self, time_constant_s: float, rate_hz: float) -> None:
        self._a = float(np.exp(-1.0 / (time_constant_s * rate_hz)))
        self._num = np.array([1.0 - self._a])
        self._den = np.array([1.0, -self._a])
        self._zi: FloatArray | None = None

    def reset(self) -> None:
        self._zi = None

    def __call__(self, x: FloatArray, start: FloatArray | None = None) -> FloatArray:
        a = self._a
        if self._zi is None:
            first = x[0] if start is None else start
            self._zi = (a * first)[None, :]
        y, self._zi = lfilter_state(self._num, self._den, x, self._zi)
        return np.asarray(y, dtype=np.float64)


class MotionDetector:
    """``update(acc, gyro) -> MotionOutput`` (see module doc)."""

    def __init__(self, settings: MotionSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        self._baseline = _Smoother(settings.baseline_s, rate_hz)
        self._up = _Smoother(settings.up_smoothing_s, rate_hz)
        self._features = _Smoother(settings.smoothing_s, rate_hz)
        self._bias = _Smoother(settings.gyro_bias_s, rate_hz)
        self._last_up: FloatArray | None = None
        self._delay = max(1, round(0.5 * rate_hz))
        self._gyro_tail = np.zeros((self._delay, 3))
        self._still_run = 0

    def reset(self) -> None:
        self._baseline.reset()
        self._up.reset()
        self._features.reset()
        self._last_up = None
        self._still_run = 0
        # The gyro bias survives a gap: it belongs to the sensor, not to the movement.

    def update(self, acc_mps2: FloatArray, gyro_dps: FloatArray | None) -> MotionOutput:
        n = acc_mps2.shape[0]
        if n == 0:
            return MotionOutput(np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0), None)
        # Running mean that starts as a plain average (low-pass of x over low-pass of 1, both
        # from zero).
        mag_one = np.ones((n, 2))
        mag = mag_one[:, 0]
        mag[:] = row_norms(acc_mps2)
        lp = self._baseline(mag_one, start=np.zeros(2))
        features = np.empty((n, 3))
        dev = features[:, 0]
        np.subtract(mag, lp[:, 0] / lp[:, 1], out=dev)
        np.abs(dev, out=features[:, 1])
        up = self._up(acc_mps2)
        up /= np.maximum(row_norms(up, keepdims=True), 1e-9)
        step = np.empty_like(up)  # up minus the sample before (none before the first: 0)
        step[0] = 0.0 if self._last_up is None else up[0] - self._last_up
        np.subtract(up[1:], up[:-1], out=step[1:])
        self._last_up = up[-1]
        features[:, 2] = np.degrees(row_norms(step)) * self.rate_hz
        y = self._features(features)
        s = self.settings
        acc_act = np.abs(y[:, 0])
        still = (
            (acc_act < s.still_acc_mps2)
            & (y[:, 1] < s.still_vibration_mps2)
            & (y[:, 2] < s.still_tilt_rate_dps)
        )
        bias = None if gyro_dps is None else self._gyro_bias(gyro_dps, still)
        return MotionOutput(still, acc_act, y[:, 2], bias)

    def _gyro_bias(self, gyro_dps: FloatArray, still: BoolArray) -> FloatArray:
        """Gated running mean: low-pass of (gate * gyro) over low-pass of gate.

        The still flag drops a little after a movement starts (smoothing), so a sample only
        counts once the sensor has stayed still for ``_delay`` samples after it: the gate looks
        back, using the gyro from ``_delay`` samples ago.
        """
        n = gyro_dps.shape[0]
        d = self._delay
        moving = np.flatnonzero(~still)
        if moving.size == 0:  # the usual case at rest: one run continues
            run = np.arange(self._still_run + 1, self._still_run + n + 1)
        else:
            idx = np.arange(n)
            last_moving = np.maximum.accumulate(np.where(~still, idx, -1))
            run = np.where(last_moving >= 0, idx - last_moving, idx + 1 + self._still_run)
        self._still_run = int(run[-1])
        joined = np.concatenate((self._gyro_tail, gyro_dps))
        self._gyro_tail = joined[-d:].copy()
        gated = np.empty((n, 4))  # (gate * gyro from d samples ago, gate)
        gate = gated[:, 3]
        np.greater(run, d, out=gate)
        np.multiply(joined[:n], gate[:, None], out=gated[:, :3])
        both = self._bias(gated, start=np.zeros(4))
        weight = both[:, 3:4]
        return np.where(weight > 1e-3, both[:, :3] / np.maximum(weight, 1e-3), 0.0)
