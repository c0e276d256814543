"""A deterministic stand-in for a person wearing the sensor: still, then slow forward bends.

Sensor frame used by every emulator: +y points toward the head, +z toward the belly, +x to
the wearer's left. Standing still the accelerometer reads +1 g on y; bending forward by
``theta`` tilts gravity toward +z. Values are pure functions of time so any chunking of the
stream gives the same samples.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2

FloatArray = npt.NDArray[np.float64]

STILL_S = 1.0
BEND_PERIOD_S = 6.0
BEND_PEAK_DEG = 40.0


def bend_angle_deg(t_s: FloatArray) -> FloatArray:
    """Forward flexion angle: 0 while still, then raised-cosine bends to ``BEND_PEAK_DEG``."""
    moving = np.clip(t_s - STILL_S, 0.0, None)
    phase = 2.0 * np.pi * moving / BEND_PERIOD_S
    return BEND_PEAK_DEG * 0.5 * (1.0 - np.cos(phase))


def imu_at(t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Specific force (m/s^2) and angular rate (deg/s), each ``(n, 3)``, at times ``t_s``."""
    theta = np.radians(bend_angle_deg(t_s))
    moving = t_s > STILL_S
    omega_dps = np.where(
        moving,
        BEND_PEAK_DEG
        * 0.5
        * np.sin(2.0 * np.pi * (t_s - STILL_S) / BEND_PERIOD_S)
        * (2.0 * np.pi / BEND_PERIOD_S),
        0.0,
    )
    acc = (
        np.stack([np.zeros_like(t_s), np.cos(theta), np.sin(theta)], axis=1) * STANDARD_GRAVITY_MPS2
    )
    gyro = np.stack([omega_dps, np.zeros_like(t_s), np.zeros_like(t_s)], axis=1)
    return acc, gyro
