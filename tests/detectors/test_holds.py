"""The hold timer on synthetic sessions: side plank recognised, rest is not a hold, gaps."""

from __future__ import annotations

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
from synth import split

from dsp.events import (
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    RepEvent,
    SessionSummaryEvent,
)
from dsp.pipeline import Pipeline


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
