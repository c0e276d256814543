"""Sessions without the calibration ritual: nothing goes silent, nothing before it is lost.

A person who stands still a moment and then goes straight to the floor never bends forward
and comes back; a trial may start with the bend and only then stand still. Forward is then
learnt from the way down to the floor, and what was done before the mounting was known is
analysed once it is (issue 9)."""

from __future__ import annotations

import numpy as np
from detector_helpers import LYING_M, RATE_HZ, SUPINE, bridges, of_type, run, side_plank
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from synth import Key, as_batch, simulate, split

from dsp.detectors.steadiness import SampleInterval
from dsp.events import (
    CalibratedEvent,
    Event,
    FlexionAlertEvent,
    FlexionEvent,
    HoldEndedEvent,
    PostureEvent,
    RepEvent,
    SetEndedEvent,
)


def get_down_on_back(t0: float, sit_back_deg: float = -15.0) -> list[Key]:
    """Standing at ``t0``: squat with the trunk leaning forward, sit on the floor (leaning
    back ``sit_back_deg``), lie back."""
    return [
        Key(t0),
        Key(t0 + 1.2, 25.0, 0.0, 0.55),
        Key(t0 + 2.4, sit_back_deg, 0.0, 0.15),
        Key(t0 + 3.8, SUPINE, 0.0, LYING_M),
        Key(t0 + 7.8, SUPINE, 0.0, LYING_M),
    ]


def no_ritual(keys: list[Key], mounting: tuple[str, str] = ("+y", "-z"), seed: int = 2):  # type: ignore[no-untyped-def]
    """3 s standing still, then ``keys`` (from t = 3 s): no calibration bend."""
    shifted = [Key(k.t_s + 3.0, k.flexion_deg, k.lateral_deg, k.height_m) for k in keys]
    motion = simulate(
        [Key(0.0), *shifted], RATE_HZ, mounting, noise_acc_mps2=0.05, noise_gyro_dps=0.5, seed=seed
    )
    return as_batch(motion, rate_hz=RATE_HZ)


def bridges_session(sit_back_deg: float = -15.0) -> list[Key]:
    keys = get_down_on_back(0.0, sit_back_deg)
    return keys + bridges(keys[-1].t_s, [25.0, 22.0, 26.0])


def side_planks_session() -> list[Key]:
    keys = get_down_on_back(0.0)
    keys += [Key(keys[-1].t_s + 1.5, 0.0, 88.0, 0.17), Key(keys[-1].t_s + 5.5, 0.0, 88.0, 0.17)]
    keys += side_plank(keys[-1].t_s, 11.0)
    return keys + side_plank(keys[-1].t_s, 11.0)


def test_straight_to_the_floor_learns_forward_from_the_way_down_and_counts_bridges() -> None:
    events = run([no_ritual(bridges_session())])
    assert "supine" in [e.posture for e in of_type(events, PostureEvent)]
    sets = of_type(events, SetEndedEvent)
    assert [(s.exercise, s.count) for s in sets] == [("bridge", 3)]


def test_kneeling_down_to_hands_and_knees_teaches_forward_from_the_lean() -> None:
    # Straight through to hands and knees: the trunk never comes back near upright, so no
    # "bend that came back"; the lean of kneeling down says which way is forward.
    keys = [
        Key(0.0),
        Key(1.3, 20.0, 0.0, 0.62),
        Key(2.6, 85.0, 0.0, 0.55),
        Key(6.6, 85.0, 0.0, 0.55),
    ]
    events = run([no_ritual(keys)])
    complete = [e for e in of_type(events, CalibratedEvent) if e.stage == "complete"]
    assert len(complete) == 1
    assert complete[0].learned_from == "lying"
    assert of_type(events, PostureEvent)[-1].posture == "quadruped"


def test_side_planks_without_a_bend_are_timed_with_their_side() -> None:
    events = run([no_ritual(side_planks_session(), mounting=("-x", "+z"), seed=4)])
    holds = of_type(events, HoldEndedEvent)
    assert [(h.exercise, h.side) for h in holds] == [("side_plank", "right")] * 2
    assert all(h.duration_s > 8.0 for h in holds)


def test_every_mounting_axis_learns_forward_from_lying() -> None:
    for mounting in [("+x", "+y"), ("-z", "-x"), ("+z", "-y"), ("-y", "+x")]:
        events = run([no_ritual(bridges_session(), mounting=mounting)])
        assert [(s.exercise, s.count) for s in of_type(events, SetEndedEvent)] == [("bridge", 3)]


def test_a_bend_before_standing_still_is_reported_once_the_mounting_is_known() -> None:
    # The trial starts with the movement: a 120 deg bend, then standing still.
    keys = [Key(0.0), Key(1.5, 120.0, 0.0, 0.95), Key(3.0), Key(8.0)]
    motion = simulate(keys, RATE_HZ, ("-x", "+z"), noise_acc_mps2=0.05, noise_gyro_dps=0.5)
    events = run([as_batch(motion, rate_hz=RATE_HZ)])
    complete = [e for e in of_type(events, CalibratedEvent) if e.stage == "complete"]
    assert len(complete) == 1
    assert complete[0].backlog_s is not None
    bends = of_type(events, FlexionEvent)
    assert len(bends) == 1
    assert bends[0].t_start < 3.0 <= bends[0].t  # decided late, dated in the past
    assert bends[0].peak_deg > 100.0


def test_reps_before_forward_is_known_are_counted_late_not_lost() -> None:
    # Bridges done while only "up" is known are in the backlog: the set comes with t at or
    # after the calibration, its reps' t_start before it.
    events = run([no_ritual(bridges_session())])
    t_complete = next(e.t for e in of_type(events, CalibratedEvent) if e.stage == "complete")
    reps = of_type(events, RepEvent)
    assert len(reps) == 3
    assert all(r.t >= t_complete for r in reps)
    assert np.all(np.diff([e.t for e in events]) >= 0)


ONE_PIECE = run([no_ritual(bridges_session())])


def _same(a: list[Event], b: list[Event]) -> None:
    assert [e.type for e in a] == [e.type for e in b]
    assert [e.id for e in a] == [e.id for e in b]
    for x, y in zip(a, b, strict=True):
        if x.type in {"rep", "set_ended", "calibrated", "flexion", "posture"}:
            assert abs(x.t - y.t) <= 1.0 / RATE_HZ + 1e-9, (x, y)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cuts=st.lists(st.integers(min_value=1, max_value=3000), max_size=40))
def test_the_backlog_gives_the_same_events_for_any_chunking(cuts: list[int]) -> None:
    _same(run(split(no_ritual(bridges_session()), cuts)), ONE_PIECE)


def test_the_sample_interval_is_not_taken_from_two_notifications_that_came_together() -> None:
    interval = SampleInterval()
    t = np.concatenate([[0.0, 0.001], 0.001 + 0.02 * np.arange(1, 30)])
    interval.observe(t[:2])
    interval.observe(t[2:])
    assert interval.dt_s is not None
    assert abs(interval.dt_s - 0.02) < 1e-9


def get_up_from_back(t0: float) -> list[Key]:
    """Lying on the back at ``t0``: sit up, lean forward to stand, stand still 4 s."""
    return [
        Key(t0 + 1.5, -15.0, 0.0, 0.15),
        Key(t0 + 2.8, 25.0, 0.0, 0.55),
        Key(t0 + 4.0, 0.0, 0.0, 1.0),
        Key(t0 + 8.0, 0.0, 0.0, 1.0),
    ]


def test_a_session_that_starts_lying_does_not_keep_the_floor_as_upright() -> None:
    # Bridges from the start, then getting up: the first still period was the floor.
    keys = [Key(0.0, SUPINE, 0.0, LYING_M), Key(3.0, SUPINE, 0.0, LYING_M)]
    keys += bridges(3.0, [25.0, 22.0, 26.0])
    keys += get_up_from_back(keys[-1].t_s)
    motion = simulate(keys, RATE_HZ, ("+z", "-y"), noise_acc_mps2=0.05, noise_gyro_dps=0.5)
    events = run([as_batch(motion, rate_hz=RATE_HZ)])
    complete = [e for e in of_type(events, CalibratedEvent) if e.stage == "complete"]
    assert [e.learned_from for e in complete] == ["rising"]
    postures = [e.posture for e in of_type(events, PostureEvent) if e.t >= complete[0].t]
    assert postures[0] == "supine"
    assert postures[-1] == "upright"
    assert [(s.exercise, s.count) for s in of_type(events, SetEndedEvent)] == [("bridge", 3)]


def test_going_straight_down_before_any_still_moment_takes_up_from_the_start() -> None:
    # No still moment before the floor: the first still period is lying on the back.
    keys = [Key(0.0), *get_down_on_back(0.3)]
    keys += bridges(keys[-1].t_s, [25.0, 22.0, 26.0])
    motion = simulate(keys, RATE_HZ, ("-y", "+x"), noise_acc_mps2=0.05, noise_gyro_dps=0.5)
    events = run([as_batch(motion, rate_hz=RATE_HZ)])
    up_only = next(e for e in of_type(events, CalibratedEvent) if e.stage == "up_only")
    assert up_only.up_sensor[1] < -0.9  # the sensor's -y is the head: the start, not the floor
    assert [(s.exercise, s.count) for s in of_type(events, SetEndedEvent)] == [("bridge", 3)]


def test_rolling_over_on_the_floor_does_not_teach_forward_as_if_lying_down() -> None:
    # The session starts on the right side and rolls onto the back: no rise and no drop,
    # so it is not read as lying down from standing (the side would be "up").
    keys = [
        Key(0.0, 0.0, 88.0, 0.17),
        Key(4.0, 0.0, 88.0, 0.17),
        Key(5.5, SUPINE, 0.0, LYING_M),
        Key(12.0, SUPINE, 0.0, LYING_M),
    ]
    motion = simulate(keys, RATE_HZ, ("+y", "-z"), noise_acc_mps2=0.05, noise_gyro_dps=0.5)
    events = run([as_batch(motion, rate_hz=RATE_HZ)])
    assert [e.stage for e in of_type(events, CalibratedEvent)] == ["up_only"]


def test_a_session_that_starts_on_hands_and_knees_is_not_read_as_a_standing_bend() -> None:
    # On all fours from the start (longer than a sustained bend lasts), then up and down onto
    # the back: forward is learnt late, and the backlog's start is the floor, not a bend
    # held standing (no sustained-flexion warning, the first posture is not upright).
    keys = [Key(0.0, 85.0, 0.0, 0.55), Key(26.0, 85.0, 0.0, 0.55)]
    keys += [Key(27.5, 20.0, 0.0, 0.62), Key(29.0, 0.0, 0.0, 1.0), Key(33.0)]
    keys += get_down_on_back(33.0)
    motion = simulate(keys, RATE_HZ, ("-x", "+z"), noise_acc_mps2=0.05, noise_gyro_dps=0.5)
    events = run([as_batch(motion, rate_hz=RATE_HZ)])
    complete = [e for e in of_type(events, CalibratedEvent) if e.stage == "complete"]
    assert len(complete) == 1
    assert not [e for e in of_type(events, FlexionAlertEvent) if e.reason == "sustained"]
    late = [e for e in of_type(events, PostureEvent) if e.t >= complete[0].t]
    assert late[0].posture in ("quadruped", "prone")
    assert late[-1].posture == "supine"
