"""From a keyframed trajectory to what a body-fixed sensor feels: specific force and rate.

World frame: z up, gravity ``(0, 0, -9.80665)``. Body frame: x forward (belly), y left, z up
(head). The sensor sits on the lower back, ``LEVER_ARM_BODY_M`` from the hip-joint centre (behind
it and above it), so bending about the hips swings the sensor through an arc and it feels the
tangential and centripetal accelerations a real one does.

Derivatives are central differences of the analytic trajectory with a 1 ms step: the
trajectory is C2 (minimum-jerk joins, smooth overlays), so the error is far below the sensor
noise, and any overlay gets a consistent gyro and accelerometer signal for free.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, FloatArray
from sensor.simulator.trajectory import Timeline

GRAVITY_WORLD_MPS2 = np.array([0.0, 0.0, -STANDARD_GRAVITY_MPS2])
#: Sensor position relative to the hip-joint centre, body frame (m): 8 cm toward the back,
#: 10 cm toward the head - the skin over L5/S1.
LEVER_ARM_BODY_M = np.array([-0.08, 0.0, 0.10])
_DIFF_STEP_S = 1e-3


def sensor_position_m(hip_m: FloatArray, rot: Rotation) -> FloatArray:
    """World position of the sensor: hip-joint centre plus the rotated lever arm."""
    return np.asarray(hip_m + rot.apply(LEVER_ARM_BODY_M), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class BodyMotion:
    """The ideal signals of the body frame at times ``t_s``.

    ``specific_force_body_mps2``: ``R_body_from_world (a - g)``, reads +9.81 along world up
    when still. ``rate_body_dps``: angular velocity in body axes. ``rot``: world-from-body.
    ``position_m``: sensor position in the world.
    """

    t_s: FloatArray
    rot: Rotation
    position_m: FloatArray
    specific_force_body_mps2: FloatArray
    rate_body_dps: FloatArray


def body_motion(timeline: Timeline, t_s: FloatArray) -> BodyMotion:
    """Evaluate the trajectory and its derivatives at ``t_s`` (vectorised)."""
    t = np.asarray(t_s, dtype=np.float64)
    h = _DIFF_STEP_S
    prev, now, nxt = (timeline.evaluate(t + d) for d in (-h, 0.0, h))
    rot_prev, rot_now, rot_next = prev.rot, now.rot, nxt.rot
    p_prev = sensor_position_m(prev.hip_m, rot_prev)
    p_now = sensor_position_m(now.hip_m, rot_now)
    p_next = sensor_position_m(nxt.hip_m, rot_next)
    acc_world = (p_next - 2.0 * p_now + p_prev) / (h * h)
    f_body = rot_now.inv().apply(acc_world - GRAVITY_WORLD_MPS2)
    # R(t+h) = R(t-h) exp([w_body] 2h): the relative rotation's vector over 2h is the body rate.
    rate = (rot_prev.inv() * rot_next).as_rotvec() / (2.0 * h)
    return BodyMotion(t, rot_now, p_now, np.asarray(f_body), np.rad2deg(rate))


@dataclass(frozen=True, slots=True)
class TrueAngles:
    """Angles exactly as ``dsp`` defines them, from the true orientation (degrees)."""

    flexion_deg: FloatArray
    lateral_deg: FloatArray
    tilt_deg: FloatArray


def true_angles(rot: Rotation) -> TrueAngles:
    """``u`` = world up in body axes; flexion = atan2(-u_x, u_z), lateral = asin(u_y)."""
    up = rot.inv().apply(np.array([0.0, 0.0, 1.0]))
    up = np.atleast_2d(up)
    return TrueAngles(
        flexion_deg=np.rad2deg(np.arctan2(-up[:, 0], up[:, 2])),
        lateral_deg=np.rad2deg(np.arcsin(np.clip(up[:, 1], -1.0, 1.0))),
        tilt_deg=np.rad2deg(np.arccos(np.clip(up[:, 2], -1.0, 1.0))),
    )
