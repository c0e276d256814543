"""Static postures in all 24 axis-aligned mountings: right posture, angles within 1 deg."""

from __future__ import annotations

import itertools

import pytest
from synth import Key, as_batch, simulate, standing_then

from dsp.events import AngleEvent, Event, PostureEvent
from dsp.mounting import AXES
from dsp.pipeline import Pipeline

MOUNTINGS = [(up, fwd) for up, fwd in itertools.product(AXES, AXES) if up[1] != fwd[1]]

# name -> (keyframes after calibration, expected posture, truth flexion, truth lateral)
POSTURES: dict[str, tuple[list[Key], str, float | None, float]] = {
    "standing": ([Key(0), Key(6)], "upright", 0.0, 0.0),
    "standing_bent_90": (
        [Key(0), Key(2.5, 90, 0, 0.95), Key(9, 90, 0, 0.95)],
        "upright",
        90.0,
        0.0,
    ),
    "supine": ([Key(0), Key(3, -90, 0, 0.12), Key(9, -90, 0, 0.12)], "supine", -90.0, 0.0),
    "side_left": ([Key(0), Key(3, 0, -90, 0.15), Key(9, 0, -90, 0.15)], "side_left", None, -90.0),
    "side_right": ([Key(0), Key(3, 0, 90, 0.15), Key(9, 0, 90, 0.15)], "side_right", None, 90.0),
    "quadruped": (
        [
            Key(0),
            Key(2.5, 0, 0, 0.55),
            Key(4.5, 0, 0, 0.55),
            Key(6.5, 88, 0, 0.58),
            Key(12, 88, 0, 0.58),
        ],
        "quadruped",
        88.0,
        0.0,
    ),
    "prone": (
        [
            Key(0),
            Key(2.5, 0, 0, 0.55),
            Key(4.5, 0, 0, 0.55),
            Key(6.5, 88, 0, 0.58),
            Key(8.5, 88, 0, 0.58),
            Key(10.5, 90, 0, 0.12),
            Key(16, 90, 0, 0.12),
        ],
        "prone",
        90.0,
        0.0,
    ),
}


def final_state(events: list[Event]) -> tuple[str, AngleEvent]:
    postures = [e for e in events if isinstance(e, PostureEvent)]
    angle = [e for e in events if isinstance(e, AngleEvent)][-1]
    return (postures[-1].posture if postures else "unknown"), angle


def check(events: list[Event], name: str) -> None:
    _, expected, flexion, lateral = POSTURES[name]
    posture, angle = final_state(events)
    assert posture == expected
    if flexion is not None:
        assert angle.flexion_deg == pytest.approx(flexion, abs=1.0)
    assert angle.lateral_deg == pytest.approx(lateral, abs=1.0)
    tilt_truth = 90.0 if flexion is None else abs(flexion)
    assert angle.tilt_deg == pytest.approx(tilt_truth, abs=1.0)


@pytest.mark.parametrize("mounting", MOUNTINGS, ids=lambda m: f"up{m[0]}_fwd{m[1]}")
@pytest.mark.parametrize("name", sorted(POSTURES))
def test_explicit_mounting(mounting: tuple[str, str], name: str) -> None:
    keys = [Key(0), Key(3)] + [
        Key(k.t_s + 3, k.flexion_deg, k.lateral_deg, k.height_m) for k in POSTURES[name][0]
    ]
    motion = simulate(keys, 50.0, mounting, noise_acc_mps2=0.03, noise_gyro_dps=0.3)
    events = Pipeline("s", mounting=mounting).update(as_batch(motion))
    assert events[0].type == "calibrated"
    check(events, name)


@pytest.mark.parametrize("mounting", MOUNTINGS[::5], ids=lambda m: f"up{m[0]}_fwd{m[1]}")
@pytest.mark.parametrize("name", sorted(POSTURES))
@pytest.mark.parametrize("with_gyro", [True, False], ids=["imu", "acc_only"])
def test_auto_calibration(mounting: tuple[str, str], name: str, with_gyro: bool) -> None:
    motion = simulate(
        standing_then(POSTURES[name][0]), 50.0, mounting, noise_acc_mps2=0.03, noise_gyro_dps=0.3
    )
    events = Pipeline("s").update(as_batch(motion, with_gyro=with_gyro))
    stages = [e.stage for e in events if e.type == "calibrated"]  # type: ignore[union-attr]
    assert stages == ["up_only", "complete"]
    check(events, name)
