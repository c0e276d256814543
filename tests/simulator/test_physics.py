"""Physics of the simulator: gravity, postures, gyro consistency, mounting."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from firmware_protocol.samples import STANDARD_GRAVITY_MPS2
from sensor.simulator.builder import Builder, PersonSettings
from sensor.simulator.kinematics import body_motion, true_angles
from sensor.simulator.sensor_model import (
    NOISE_PRESETS,
    SensorSettings,
    axis_mounting,
    measure,
    parse_mounting,
)
from sensor.simulator.trajectory import Timeline, pose_from_angles
from sensor.simulator.transitions import go_to

AXES = ("+x", "-x", "+y", "-y", "+z", "-z")
ALL_MOUNTINGS = [(u, f) for u in AXES for f in AXES if u[1] != f[1]]
NO_NOISE = SensorSettings(**NOISE_PRESETS["none"])  # type: ignore[arg-type]


def _still_readings(mounting: str, flex: float, lat: float, yaw: float) -> np.ndarray:
    tl = Timeline(pose_from_angles(flex, lat, yaw, 0.3, -0.2, 0.5))
    tl.hold(2.0)
    t = np.linspace(0.0, 2.0, 21)
    m = body_motion(tl, t)
    r = measure(
        t,
        m.specific_force_body_mps2,
        m.rate_body_dps,
        parse_mounting(mounting),
        NO_NOISE,
        np.random.default_rng(0),
    )
    assert r.gyro_dps is not None
    assert np.allclose(r.gyro_dps, 0.0, atol=0.07)  # one LSB
    return r.acc_mps2


@pytest.mark.parametrize(("up", "fwd"), ALL_MOUNTINGS)
def test_still_sensor_reads_g_in_every_axis_mounting(up: str, fwd: str) -> None:
    acc = _still_readings(f"{up},{fwd}", 37.0, -12.0, 80.0)
    assert np.allclose(np.linalg.norm(acc, axis=1), STANDARD_GRAVITY_MPS2, atol=0.01)


@pytest.mark.parametrize("spec", ["rotvec:10,-20,33", "+y,-z@5,-3,2", "rotvec:170,5,-60"])
def test_still_sensor_reads_g_in_arbitrary_mountings(spec: str) -> None:
    acc = _still_readings(spec, -90.0, 0.0, 10.0)
    assert np.allclose(np.linalg.norm(acc, axis=1), STANDARD_GRAVITY_MPS2, atol=0.01)


def test_upright_gravity_lies_on_the_up_axis() -> None:
    acc = _still_readings("+y,-z", 0.0, 0.0, 0.0)
    assert np.allclose(acc[0], [0.0, STANDARD_GRAVITY_MPS2, 0.0], atol=0.01)


def test_axis_mounting_is_a_proper_rotation() -> None:
    for up, fwd in ALL_MOUNTINGS:
        m = axis_mounting(up, fwd)
        assert np.isclose(np.linalg.det(m), 1.0)


@pytest.mark.parametrize(
    ("posture", "axis", "sign"),
    [
        ("supine", 0, 1.0),
        ("prone", 0, -1.0),
        ("side_right", 1, 1.0),
        ("side_left", 1, -1.0),
        ("quadruped", 0, -1.0),
        ("standing", 2, 1.0),
    ],
)
def test_lying_postures_put_gravity_on_the_right_body_axis(
    posture: str, axis: int, sign: float
) -> None:
    """Supine: belly (x) up; prone: belly down; right side down: left (y) up."""
    b = Builder(np.random.default_rng(4), PersonSettings(), heading_deg=33.0)
    go_to(b, posture)
    b.hold(3.0)
    m = body_motion(b.timeline, np.array([b.now_s - 1.0]))
    f = m.specific_force_body_mps2[0]
    # Quadruped is 85 deg, not 90: most of gravity, not all of it, is on the belly axis.
    assert sign * f[axis] > 0.99 * STANDARD_GRAVITY_MPS2 * np.sin(np.deg2rad(85.0))
    assert np.isclose(np.linalg.norm(f), STANDARD_GRAVITY_MPS2, atol=1e-3)


def test_angles_follow_dsp_definitions() -> None:
    for flex, lat in ((30.0, 0.0), (-90.0, 0.0), (0.0, 88.0), (45.0, -20.0)):
        rot = pose_from_angles(flex, lat, 123.0, 0, 0, 1).rot
        a = true_angles(rot)
        assert a.flexion_deg[0] == pytest.approx(flex, abs=1e-9)
        assert a.lateral_deg[0] == pytest.approx(lat, abs=1e-9)


def test_gyro_integrated_over_a_movement_matches_the_orientation_change() -> None:
    b = Builder(np.random.default_rng(7), PersonSettings(), heading_deg=0.0)
    b.hold(0.5)
    b.move(b.pose.turned(flex_deg=70.0, lat_deg=-15.0, twist_deg=25.0), 1.5)
    b.hold(0.5)
    go_to(b, "side_left")
    t = np.arange(0.0, b.now_s, 0.001)
    m = body_motion(b.timeline, t)
    # Integrate the body rate as a product of small rotations (the way a gyro is used).
    steps = Rotation.from_rotvec(np.deg2rad(m.rate_body_dps[:-1]) * np.diff(t)[:, None])
    q = m.rot[0]
    for chunk in range(0, len(steps), 500):
        for s in steps[chunk : chunk + 500]:
            q = q * s
    err = (q.inv() * m.rot[-1]).magnitude()
    assert np.rad2deg(err) < 0.5


def test_still_period_has_no_motion_acceleration() -> None:
    tl = Timeline(pose_from_angles(0, 0, 0, 0, 0, 0.92))
    tl.hold(1.0)
    tl.move_to(pose_from_angles(60, 0, 0, 0, 0, 0.92), 1.0)
    tl.hold(1.0)
    m = body_motion(tl, np.array([0.5, 2.5]))
    assert np.allclose(np.linalg.norm(m.specific_force_body_mps2, axis=1), STANDARD_GRAVITY_MPS2)
    mid = body_motion(tl, np.array([1.5]))
    # Mid-bend the sensor swings on its lever arm: speed is highest, acceleration centripetal.
    assert np.linalg.norm(mid.rate_body_dps[0]) == pytest.approx(60.0 * 1.875, rel=1e-3)
