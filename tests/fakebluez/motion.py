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


class Motion:
    """What an emulator streams: ``imu_at(t_s)`` for any times, in the sensor frame."""

    def imu_at(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        return imu_at(t_s)


class ScriptMotion(Motion):
    """A simulator script (``sensor.simulator``) as the wearer: its ideal sensor signals
    (no noise, the simulator's default mounting: up +z, forward +x) at any time; after the
    script ends, its last pose."""

    def __init__(self, script: str, seed: int = 1) -> None:
        """``script``: a built-in script name or a script file (``.toml``)."""
        from sensor.simulator import SimulationSettings, load_script
        from sensor.simulator.session import build_motion

        builder = build_motion(load_script(script), seed)
        self.timeline = builder.timeline
        self.duration_s = builder.now_s
        self.matrix = SimulationSettings().mounting.matrix

    def imu_at(self, t_s: FloatArray) -> tuple[FloatArray, FloatArray]:
        from sensor.simulator.kinematics import body_motion

        body = body_motion(self.timeline, np.minimum(t_s, self.duration_s))
        return (
            np.asarray(body.specific_force_body_mps2 @ self.matrix.T),
            np.asarray(body.rate_body_dps @ self.matrix.T),
        )


def motion_for(script: str | None) -> Motion:
    return ScriptMotion(script) if script else Motion()
