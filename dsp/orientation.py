"""Which way is up, in the sensor frame: gravity from the accelerometer, fused with the gyro.

Accelerometer only: the low-passed specific force points up (a still accelerometer reads
+1 g toward the sky).

With a gyro we use a complementary filter, written so it vectorises: a world-fixed vector seen
from the rotating sensor changes as ``dv/dt = -omega x v``. The filter

    u_k = alpha * (u_{k-1} - dt * omega_k x g_k) + (1 - alpha) * a_k / g

is linear in ``u`` once the cross product uses ``g_k``, the accelerometer's low-passed up
direction, instead of ``u_{k-1}`` (a first-order approximation whose error is the product of
two small angles; a second pass with the first pass's output as reference shrinks it
further). That makes it a first-order IIR filter (``scipy.signal.lfilter`` with its
state carried), i.e. no Python loop per sample. ``alpha = tau / (tau + dt)``: with
``fusion_time_constant_s`` = 1 s the accelerometer corrects slowly (linear accelerations of a
movement barely leak in) and the gyro carries fast rotations.

A Madgwick filter would be slightly more accurate for large fast rotations, but it is a
nonlinear per-sample recursion; back exercises are slow, and this one keeps a million samples
per second within reach.
"""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dsp.iir import lfilter_state
from dsp.lowpass import LowPass, LowPassSettings
from dsp.vectors import cross_rows_n3, row_norms
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray

FUSION_PASSES = 2
"""The second pass uses the first pass's output as the reference direction in the cross
product, which removes most of the first-order approximation error (a few degrees at the end
of a fast 90 deg bend) for the price of one more ``lfilter``."""


class OrientationSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    gravity_lowpass: LowPassSettings = Field(
        default=LowPassSettings(cutoff_hz=1.5, order=2),
        description="low-pass that turns specific force into the accelerometer's up vector",
    )
    fusion_time_constant_s: float = Field(
        default=1.0, gt=0, description="complementary filter time constant, seconds"
    )
    use_gyro: bool = Field(default=True, description="fuse the gyro when the sensor has one")


def normalize_rows(v: FloatArray) -> FloatArray:
    return np.asarray(v / np.maximum(row_norms(v, keepdims=True), 1e-9), dtype=np.float64)


class UpEstimator:
    """``update(acc_mps2, gyro_dps) -> up`` unit vectors ``(n, 3)`` in the sensor frame."""

    def __init__(self, settings: OrientationSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        self._acc_lp = LowPass(settings.gravity_lowpass, rate_hz)
        dt = 1.0 / rate_hz
        self._alpha = settings.fusion_time_constant_s / (settings.fusion_time_constant_s + dt)
        self._dt = dt
        self._gyro_gain = self._alpha * dt  # weight of the gyro's rotation in one step
        self._b = np.array([1.0])
        self._a = np.array([1.0, -self._alpha])
        self._zi: list[FloatArray | None] = [None] * FUSION_PASSES  # lfilter state per pass

    def reset(self) -> None:
        self._acc_lp.reset()
        self._zi = [None] * FUSION_PASSES

    def update(
        self,
        acc_mps2: FloatArray,
        gyro_dps: FloatArray | None,
        gyro_bias_dps: FloatArray | None = None,
    ) -> FloatArray:
        if acc_mps2.shape[0] == 0:
            return np.empty((0, 3))
        acc_up = normalize_rows(self._acc_lp.update(acc_mps2))
        if gyro_dps is None or not self.settings.use_gyro:
            return acc_up
        omega = np.deg2rad(gyro_dps if gyro_bias_dps is None else gyro_dps - gyro_bias_dps)
        a = self._alpha
        acc_term = (1.0 - a) * acc_mps2 / STANDARD_GRAVITY_MPS2
        ref = acc_up
        for p in range(FUSION_PASSES):
            # -dt * (omega x ref), as ref x omega (the same numbers: x - y == -(y - x)).
            x = cross_rows_n3(ref, omega)
            x *= self._gyro_gain
            x += acc_term
            zi = self._zi[p]
            if zi is None:
                zi = (a * acc_up[0])[None, :]
            y, self._zi[p] = lfilter_state(self._b, self._a, x, zi)
            ref = normalize_rows(np.asarray(y, dtype=np.float64))
        return ref
