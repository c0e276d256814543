"""The hold timer on synthetic sessions: side plank recognised, rest is not a hold, gaps."""

from __future__ import annotations

import numpy as np
from detector_helpers import (
    RATE_HZ,
    SHIFT_S,
    lie_down,
    of_type,
    roll_to_right_side,
    run,
    session,
    side_plank,
)
from synth import Key, split

from dsp.events import (
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    RepEvent,
    SessionSummaryEvent,
)
from dsp.pipeline import Pipeline


def _sway_deg(t: np.ndarray, phase: float) -> tuple[np.ndarray, np.ndarray]:
    """Postural sway standing on one leg: ~1 deg at 0.2-1 Hz (lateral, forward)."""
    lat = (
        0.9 * np.sin(2 * np.pi * 0.45 * t + phase)
        + 0.6 * np.sin(2 * np.pi * 0.9 * t + 1.1 + phase)
        + 0.3 * np.sin(2 * np.pi * 0.23 * t + 2.0)
    )
    flex = 0.5 * np.sin(2 * np.pi * 0.6 * t + 0.7 + phase)
    return lat, flex


def _balance(
    holds: int, hold_s: float, tilt_deg: float = 3.0
) -> tuple[list[Key], list[tuple[float, float]]]:
    """Single-leg balance from standing: the free side of the pelvis drops ``tilt_deg`` (1 s),
    held ``hold_s`` with sway whose troughs come within 1.7 deg of standing, back on both feet
    (1 s) and 5 s of quiet standing, ``holds`` times. Also each one-leg stance (session time)."""
    keys = [Key(0.0), Key(3.0)]
    stances = []
    t = 3.0
    for i in range(holds):
        keys.append(Key(t + 1.0, 0.0, tilt_deg))
        ts = np.arange(0.1, hold_s, 0.1)
        ramp = np.clip(np.minimum(ts, hold_s - ts) / 0.5, 0.0, 1.0)  # sway fades in and out
        lat, flex = _sway_deg(ts, 1.3 * i)
        keys += [
            Key(t + 1.0 + float(x), float(f * r), tilt_deg + float(y * r))
            for x, y, f, r in zip(ts, lat, flex, ramp, strict=True)
        ]
        keys += [Key(t + 1.0 + hold_s, 0.0, tilt_deg), Key(t + 2.0 + hold_s), Key(t + 7.0 + hold_s)]
        stances.append((SHIFT_S + t + 1.0, SHIFT_S + t + 1.0 + hold_s))
        t += 7.0 + hold_s
    return keys, stances


def test_sway_on_one_leg_neither_ends_the_balance_hold_nor_makes_the_rest_one() -> None:
    """The sway of a single-leg stance (~1 deg) is a third of the pelvis's drop (~3 deg): a
    trough of it is not lowering, and standing on both feet again is the rest, not a hold."""
    keys, stances = _balance(3, 12.0)
    events = run([session(keys)], exercise="single_leg_balance")
    ended = of_type(events, HoldEndedEvent)
    assert len(ended) == len(stances)
    for hold, (t0, t1) in zip(ended, stances, strict=True):
        assert hold.exercise == "single_leg_balance"
        assert hold.reason == "lowered"
        assert hold.completed  # 12 s on one leg, 10 s prescribed
        assert t0 < hold.t_start + 0.5 * hold.duration_s < t1  # the stance, not the rest
        assert hold.sway_deg > 0.3


def test_a_swaying_hold_is_the_same_in_any_chunking() -> None:
    keys, _ = _balance(2, 11.0)
    batch = session(keys, seed=3)
    whole = of_type(run([batch], exercise="single_leg_balance"), HoldEndedEvent)
    cuts = list(range(7, len(batch), 37))
    pieces = of_type(run(split(batch, cuts), exercise="single_leg_balance"), HoldEndedEvent)
    assert len(whole) == 2
    assert [h.model_dump(exclude={"id", "seq"}) for h in pieces] == [
        h.model_dump(exclude={"id", "seq"}) for h in whole
    ]


def test_putting_the_foot_down_between_two_balances_makes_two_holds() -> None:
    """Back on both feet for a moment (2 s) and up again: two holds, not one."""
    keys, _ = _balance(1, 11.0)
    t = keys[-1].t_s - 3.0  # 2 s after landing
    keys = [*keys[:-1], Key(t)]
    more, _ = _balance(1, 11.0)
    keys += [Key(t + k.t_s - 3.0, k.flexion_deg, k.lateral_deg) for k in more[2:]]
    events = run([session(keys)], exercise="single_leg_balance")
    ended = of_type(events, HoldEndedEvent)
    assert [h.reason for h in ended] == ["lowered", "lowered"]


def test_shifting_the_weight_first_does_not_move_the_rest_toward_the_balance() -> None:
    """A single-leg stance is often taken in two steps: the weight onto the standing leg
    (the pelvis shifts ~1.5 deg, a pause), then the foot up (~3 deg). The pause is steady and
    within the hold's start threshold, but it is not the rest: the balance is timed from the
    two-leg stance, once, and standing on both feet again is not a hold."""
    keys, stances = _balance(2, 12.0)
    staged: list[Key] = []
    for k in keys:
        if k.lateral_deg == 3.0 and staged and staged[-1].lateral_deg == 0.0:
            t0 = staged[-1].t_s
            staged += [Key(t0 + 0.3, 0.0, 1.5), Key(t0 + 0.8, 0.0, 1.5), Key(t0 + 1.0, 0.0, 3.0)]
        else:
            staged.append(k)
    events = run([session(staged)], exercise="single_leg_balance")
    ended = of_type(events, HoldEndedEvent)
    assert [h.reason for h in ended] == ["lowered"] * len(stances)
    for hold, (t0, t1) in zip(ended, stances, strict=True):
        assert hold.completed
        assert t0 < hold.t_start + 0.5 * hold.duration_s < t1


def _plank_keys(hold_s: float) -> tuple[list, float]:  # type: ignore[type-arg]
    keys = lie_down(0.0) + roll_to_right_side(7.0)
    t_plank = keys[-1].t_s
    return keys + side_plank(t_plank, hold_s), t_plank


def test_a_12_s_side_plank_is_one_completed_hold() -> None:
    keys, _ = _plank_keys(12.0)
    events = run([session(keys)])
    started = [e for e in events if isinstance(e, HoldStartedEvent)]
    ended = [e for e in events if isinstance(e, HoldEndedEvent)]
    ticks = [e for e in events if isinstance(e, HoldTickEvent)]
    assert len(started) == 1
    assert len(ended) == 1
    hold = ended[0]
    assert hold.exercise == "side_plank"
    assert hold.side == "right"
    assert hold.reason == "lowered"
    assert hold.completed
    assert hold.target_s == 10.0
    assert abs(hold.duration_s - 12.0) < 0.5
    assert hold.sway_deg < 2.0
    assert hold.tremor_power >= 0.0
    assert [t.elapsed_s for t in ticks] == [float(k) for k in range(1, len(ticks) + 1)]
    assert 11 <= len(ticks) <= 13
    assert all(started[0].t <= t.t <= hold.t for t in ticks)


def test_a_short_plank_is_not_completed_and_the_target_can_be_set() -> None:
    keys, _ = _plank_keys(5.0)
    ended = of_type(run([session(keys)]), HoldEndedEvent)
    assert len(ended) == 1
    assert not ended[0].completed
    pipeline = Pipeline("s", "session")
    pipeline.set_hold_target(4.0)
    events = pipeline.update(session(keys)) + pipeline.finish()
    ended = [e for e in events if isinstance(e, HoldEndedEvent)]
    assert len(ended) == 1
    assert ended[0].completed
    assert ended[0].target_s == 4.0


def test_lying_on_the_side_resting_is_not_a_hold() -> None:
    keys = lie_down(0.0) + roll_to_right_side(7.0)
    keys.append(keys[-1].__class__(keys[-1].t_s + 20.0, 0.0, 88.0, 0.17))
    events = run([session(keys)])
    assert not of_type(events, HoldStartedEvent)
    assert not of_type(events, RepEvent)


def test_a_disconnect_mid_hold_ends_it_signal_lost() -> None:
    keys, t_plank = _plank_keys(12.0)
    batch = session(keys)
    cut = int((SHIFT_S + t_plank + 1.5 + 6.0) * RATE_HZ)
    first, second = split(batch, [cut])
    pipeline = Pipeline("s", "session")
    events = pipeline.update(first)
    events += pipeline.on_disconnect(float(first.t_host_s[-1]) + 0.1, "test")
    ended = [e for e in events if isinstance(e, HoldEndedEvent)]
    assert len(ended) == 1
    assert ended[0].reason == "signal_lost"
    assert 4.0 < ended[0].duration_s < 7.0
    # Nothing is stitched across the gap: the rest of the plank is not a second hold ending
    # "lowered" with the first one's start.
    later = pipeline.update(second) + pipeline.finish()
    for e in later:
        if isinstance(e, HoldEndedEvent):
            assert e.t_start > float(first.t_host_s[-1])


def test_the_session_end_closes_an_open_hold() -> None:
    keys, t_plank = _plank_keys(30.0)
    batch = session(keys)
    cut = int((SHIFT_S + t_plank + 12.0) * RATE_HZ)
    first, _ = split(batch, [cut])
    events = run([first])
    ended = [e for e in events if isinstance(e, HoldEndedEvent)]
    assert len(ended) == 1
    assert ended[0].reason == "session_ended"
    summary = of_type(events, SessionSummaryEvent)[0]
    assert len(summary.holds) == 1


def test_a_side_plank_keeps_its_side_when_the_chunk_also_holds_the_roll_back() -> None:
    # One chunk with the side plank and the roll onto the back after it (a replay, or the
    # late analysis of what came before calibration): the hold is named from the posture it
    # started in, not from where the chunk ends.
    keys = lie_down(0.0)
    keys += roll_to_right_side(keys[-1].t_s)
    keys += side_plank(keys[-1].t_s, 11.0)
    t = keys[-1].t_s
    keys += [Key(t + 1.5, -90.0, 0.0, 0.12), Key(t + 8.0, -90.0, 0.0, 0.12)]
    holds = of_type(run([session(keys)]), HoldEndedEvent)
    assert [(h.exercise, h.side) for h in holds] == [("side_plank", "right")]
