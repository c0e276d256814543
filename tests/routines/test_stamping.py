"""The stamper: the told side labels only what the chain could not side, of the told exercise;
an observer's events follow the event that caused them, in seq, with ids of their own."""

from __future__ import annotations

from collections.abc import Sequence

from dsp.events import Event, HoldStartedEvent, RoutinePainEvent
from dsp.stamping import Pending, Stamper


def started(exercise: str, side: str | None = None) -> HoldStartedEvent:
    return HoldStartedEvent(t=1.0, sensor="back", exercise=exercise, side=side, target_s=3.0)  # type: ignore[arg-type]


def test_the_told_side_fills_only_the_told_exercises_missing_side() -> None:
    stamper = Stamper("back", "s")
    stamper.told = ("isometric_hip_flexion", "left")
    out: Pending = [
        (0, 0, started("isometric_hip_flexion")),
        (1, 0, started("side_plank", "right")),
        (2, 0, started("bridge")),
    ]
    a, b, c = stamper.stamp(out)
    assert [getattr(e, "side", None) for e in (a, b, c)] == ["left", "right", None]


def test_an_observers_events_follow_their_cause_in_seq() -> None:
    stamper = Stamper("back", "s")

    def observe(event: Event) -> Sequence[Event]:
        if isinstance(event, HoldStartedEvent) and event.exercise == "bridge":
            return [
                RoutinePainEvent(
                    t=event.t, sensor="back", routine_id="r", routine="t", phase="during", score=3
                )
            ]
        return ()

    stamper.observer = observe
    events = stamper.stamp([(0, 0, started("bridge")), (5, 0, started("dead_bug"))])
    assert [e.type for e in events] == ["hold_started", "routine_pain", "hold_started"]
    assert [e.seq for e in events] == [1, 2, 3]
    assert len({e.id for e in events}) == 3
