"""What people do besides exercising: fidgeting between exercises and sets, jogging."""

from __future__ import annotations

from sensor.simulator.builder import Builder
from sensor.simulator.overlays import Gait, sway


def fidget(b: Builder, moves: int, size_deg: float) -> None:
    """Shifting, scratching, looking round where the body is: each move a random turn of up to
    ``size_deg`` about each axis and a shift of up to 3 cm, held a moment and undone; no two
    alike. Logged as a negative activity (nothing to count)."""
    with b.activity("fidget", negative=True):
        t0 = b.now_s
        for _ in range(moves):
            rest_pose = b.pose
            flex, lat, twist = (float(v) for v in b.rng.uniform(-size_deg, size_deg, 3))
            shift = float(b.rng.uniform(-0.03, 0.03))
            away = rest_pose.turned(flex, lat, twist).forward(shift)
            b.move(away, float(b.rng.uniform(0.4, 1.2)))
            b.hold(float(b.rng.uniform(0.2, 1.5)))
            b.move(rest_pose, float(b.rng.uniform(0.4, 1.2)))
            b.hold(float(b.rng.uniform(0.3, 2.0)))
        b.overlay(sway(b.rng, t0, b.now_s, max(0.5, b.person.sway)))


def jog(
    b: Builder, duration_s: float, cadence_spm: float, speed_mps: float, lean_deg: float
) -> None:
    """Running from standing: a faster cadence, a bigger bounce (~10 cm peak to peak) and a
    slight forward lean. Logged as a negative activity."""
    with b.activity("jog", negative=True):
        start = b.pose
        t0 = b.now_s
        b.overlay(
            Gait(
                t0,
                t0 + duration_s,
                b.amp(cadence_spm),
                vertical_m=0.05,
                surge_m=0.025,
                sway_m=0.025,
                tilt_deg=3.0,
                obliquity_deg=4.0,
                rotation_deg=6.0,
                mean_flex_deg=lean_deg,
                phase0=float(b.rng.uniform(0, 6.28)),
            )
        )
        b.timeline.move_to(start.forward(speed_mps * duration_s), duration_s)
