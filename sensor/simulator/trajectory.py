"""The lumbar segment as a rigid body: keyframed poses joined by minimum-jerk movements.

A :class:`Pose` is an orientation ``R_world_from_body`` plus the world position of the
hip-joint centre (m) and a heading (deg, the direction walking goes). Poses are written with
:func:`pose_from_angles`: ``R = Rz(yaw) · Rx(lat) · Ry(flex)`` (intrinsic Z-X-Y), chosen so the
angles ``dsp`` reports from gravity come out exactly: with ``u`` = world up in body axes,
``atan2(-u_x, u_z) = flex`` and ``asin(u_y) = lat``.

Between keyframes the orientation turns along the shortest arc and the position moves in a
straight line, both with the minimum-jerk profile ``10s^3 - 15s^4 + 6s^5``: zero velocity and
acceleration at both ends, so a piecewise trajectory is twice differentiable and its
finite-difference acceleration has no spikes. Everything is evaluated on whole time arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np
from scipy.spatial.transform import Rotation

from firmware_protocol.samples import FloatArray


@dataclass(frozen=True, slots=True)
class Pose:
    """One keyframe: orientation quaternion (x, y, z, w), hip-joint centre (m), heading (deg)."""

    quat: tuple[float, float, float, float]
    x_m: float
    y_m: float
    z_m: float
    heading_deg: float

    @property
    def rot(self) -> Rotation:
        return Rotation.from_quat(self.quat)

    def at(
        self,
        *,
        x_m: float | None = None,
        y_m: float | None = None,
        z_m: float | None = None,
        heading_deg: float | None = None,
    ) -> Pose:
        """A copy with position or heading changed (``pose.at(z_m=0.5)``)."""
        return Pose(
            self.quat,
            self.x_m if x_m is None else x_m,
            self.y_m if y_m is None else y_m,
            self.z_m if z_m is None else z_m,
            self.heading_deg if heading_deg is None else heading_deg,
        )

    def turned(self, flex_deg: float = 0.0, lat_deg: float = 0.0, twist_deg: float = 0.0) -> Pose:
        """Rotated in the body frame: about the left axis (flex), forward axis (lat), long
        axis (twist) - a pelvic tilt, obliquity or rotation whatever the posture."""
        delta = Rotation.from_euler("ZXY", [twist_deg, lat_deg, flex_deg], degrees=True)
        return replace(self, quat=_quat(self.rot * delta))

    def forward(self, distance_m: float) -> Pose:
        """The pose ``distance_m`` further along the heading."""
        yaw = np.deg2rad(self.heading_deg)
        return replace(
            self,
            x_m=self.x_m + distance_m * float(np.cos(yaw)),
            y_m=self.y_m + distance_m * float(np.sin(yaw)),
        )


def _quat(rot: Rotation) -> tuple[float, float, float, float]:
    q = rot.as_quat()
    return (float(q[0]), float(q[1]), float(q[2]), float(q[3]))


def pose_from_angles(
    flex_deg: float,
    lat_deg: float,
    yaw_deg: float,
    x_m: float,
    y_m: float,
    z_m: float,
    heading_deg: float | None = None,
) -> Pose:
    """A pose from dsp-style angles (see the module docstring) and a hip-centre position."""
    rot = Rotation.from_euler("ZXY", [yaw_deg, lat_deg, flex_deg], degrees=True)
    heading = yaw_deg if heading_deg is None else heading_deg
    return Pose(_quat(rot), x_m, y_m, z_m, heading)


class Overlay(Protocol):
    """An additive perturbation (gait, tremor, sway) evaluated on a time array.

    Returns ``(n, 6)``: body-frame rotation angles in degrees (flex about the left axis, lat
    about the forward axis, twist about the long axis), then forward, left, up in metres where
    forward/left follow the heading.
    """

    def __call__(self, t_s: FloatArray) -> FloatArray: ...


def min_jerk(s: FloatArray) -> FloatArray:
    """Minimum-jerk position profile on ``s`` in [0, 1] (clipped outside)."""
    s = np.clip(s, 0.0, 1.0)
    return s * s * s * (10.0 - 15.0 * s + 6.0 * s * s)


@dataclass(frozen=True, slots=True)
class Evaluated:
    """The trajectory at some times: world-from-body rotation and hip-centre position."""

    rot: Rotation
    hip_m: FloatArray
    heading_deg: FloatArray


class Timeline:
    """Keyframes in time order; the pose holds after the last one.

    Builders call :meth:`move_to` and :meth:`hold`; :meth:`evaluate` gives the motion on any
    time array (vectorised: one ``searchsorted``, no loop over samples).
    """

    def __init__(self, start: Pose) -> None:
        self._t: list[float] = [0.0]
        self._poses: list[Pose] = [start]
        self.overlays: list[Overlay] = []

    @property
    def now_s(self) -> float:
        return self._t[-1]

    @property
    def pose(self) -> Pose:
        return self._poses[-1]

    def move_to(self, pose: Pose, duration_s: float) -> None:
        """Minimum-jerk movement from the current pose to ``pose``."""
        if not duration_s > 0:
            raise ValueError(f"movement duration must be > 0, got {duration_s}")
        self._t.append(self._t[-1] + duration_s)
        self._poses.append(pose)

    def hold(self, duration_s: float) -> None:
        """Stay still for ``duration_s`` (overlays may still add sway or tremor)."""
        if duration_s > 0:
            self.move_to(self.pose, duration_s)

    def add_overlay(self, overlay: Overlay) -> None:
        self.overlays.append(overlay)

    def evaluate(self, t_s: FloatArray) -> Evaluated:
        t = np.asarray(t_s, dtype=np.float64)
        times = np.asarray(self._t)
        rots = Rotation.from_quat(np.array([p.quat for p in self._poses]))
        lin = np.array([[p.x_m, p.y_m, p.z_m, p.heading_deg] for p in self._poses])
        if len(times) == 1:
            idx = np.zeros(t.shape[0], dtype=np.int64)
            w = np.zeros(t.shape[0])
            rel = np.zeros((1, 3))
            lin = np.vstack([lin, lin])
        else:
            idx = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
            w = min_jerk((t - times[idx]) / (times[idx + 1] - times[idx]))
            rel = (rots[:-1].inv() * rots[1:]).as_rotvec()
        rot = rots[idx] * Rotation.from_rotvec(rel[idx] * w[:, None])
        chan = lin[idx] + (lin[idx + 1] - lin[idx]) * w[:, None]
        hip = chan[:, :3]
        heading = chan[:, 3]
        if self.overlays:
            delta = np.zeros((t.shape[0], 6))
            for overlay in self.overlays:
                delta += overlay(t)
            rot = rot * Rotation.from_euler(
                "ZXY", np.column_stack([delta[:, 2], delta[:, 1], delta[:, 0]]), degrees=True
            )
            yaw = np.deg2rad(heading)
            hip = hip + np.column_stack(
                [
                    delta[:, 3] * np.cos(yaw) - delta[:, 4] * np.sin(yaw),
                    delta[:, 3] * np.sin(yaw) + delta[:, 4] * np.cos(yaw),
                    delta[:, 5],
                ]
            )
        return Evaluated(rot, hip, heading)
