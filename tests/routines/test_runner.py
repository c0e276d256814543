"""The routine state machine on synthetic event streams: behaviour, not tuned numbers."""

from __future__ import annotations

from typing import Any

import pytest

from dsp.events import (
    Event,
    HoldEndedEvent,
    HoldStartedEvent,
    RepEvent,
    RoutineEndedEvent,
    RoutinePainAskedEvent,
    RoutinePainEvent,
    RoutineProgressEvent,
    RoutineRestEvent,
    RoutineSetEndedEvent,
    RoutineStartedEvent,
    RoutineStepEvent,
)
from dsp.routines import RoutineSettings, from_data
from dsp.routines.runner import Context, Output, RoutineRunner
from firmware_protocol.errors import ConfigError


def routine(*steps: dict[str, Any], rest_s: float = 10.0, **head: Any) -> Any:
    return from_data({"routine": {"name": "t", "rest_s": rest_s, **head}, "step": steps}, "test")


def rep(t: float, exercise: str = "bridge", side: str | None = None) -> RepEvent:
    return RepEvent(
        t=t,
        sensor="back",
        index=1,
        exercise=exercise,
        side=side,  # type: ignore[arg-type]
        rom_deg=20.0,
        duration_s=3.0,
        top_hold_s=1.0,
        t_start=t - 5.0,
    )


def hold(t: float, exercise: str, duration_s: float, target_s: float) -> HoldEndedEvent:
    return HoldEndedEvent(
        t=t,
        sensor="back",
        exercise=exercise,
        t_start=t - duration_s - 0.2,
        duration_s=duration_s,
        target_s=target_s,
        completed=duration_s >= target_s,
        reason="lowered",
        sway_deg=0.1,
        tremor_power=0.0,
    )


class Run:
    """A runner and everything it said, in order."""

    def __init__(self, spec: Any, settings: RoutineSettings | None = None, **start: Any) -> None:
        self.runner = RoutineRunner(spec, "back", "rid", settings)
        self.events: list[Event] = []
        self.contexts: list[Context] = []
        self.take(self.runner.start(0.0, **start))

    def take(self, out: Output) -> list[Event]:
        self.events += out.events
        if out.context is not None:
            self.contexts.append(out.context)
        return out.events

    def feed(self, *events: Event) -> None:
        for e in events:
            self.take(self.runner.on_event(e))

    def of(self, kind: type) -> list[Any]:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def ended(self) -> RoutineEndedEvent:
        (end,) = self.of(RoutineEndedEvent)
        return end


TWO_STEPS = (
    {"exercise": "bridge", "reps": 3},
    {"exercise": "pelvic_tilt", "reps": 2, "hold_s": 3},
)


def test_reps_to_target_rest_then_next_step_with_its_context() -> None:
    run = Run(routine(*TWO_STEPS))
    assert isinstance(run.events[0], RoutineStartedEvent)
    assert run.contexts[-1] == Context("bridge", None, None)
    run.feed(rep(5), rep(10), rep(15))
    progress = run.of(RoutineProgressEvent)
    assert [p.done for p in progress] == [1, 2, 3]
    (ended,) = run.of(RoutineSetEndedEvent)
    assert (ended.done, ended.reason) == (3, "target")
    (rest,) = run.of(RoutineRestEvent)
    assert rest.next_exercise == "pelvic_tilt"
    assert rest.t_until == pytest.approx(25.0)
    # the chain is told the next exercise already during the rest
    assert run.contexts[-1] == Context("pelvic_tilt", None, 3.0)
    assert len(run.of(RoutineStepEvent)) == 1
    run.take(run.runner.advance(24.0))
    assert len(run.of(RoutineStepEvent)) == 1
    run.take(run.runner.advance(25.5))
    steps = run.of(RoutineStepEvent)
    assert [s.exercise for s in steps] == ["bridge", "pelvic_tilt"]
    assert steps[0].next_exercise == "pelvic_tilt"
    assert steps[1].next_exercise is None


def test_a_rep_during_the_rest_starts_the_next_set_and_counts() -> None:
    run = Run(routine(*TWO_STEPS))
    run.feed(rep(5), rep(10), rep(15))
    run.feed(hold(18, "pelvic_tilt", 3.1, 3.0), rep(19, "pelvic_tilt"))
    steps = run.of(RoutineStepEvent)
    assert steps[-1].exercise == "pelvic_tilt"
    last = run.of(RoutineProgressEvent)[-1]
    assert (last.exercise, last.done, last.short) == ("pelvic_tilt", 1, False)


def test_a_short_or_missing_hold_makes_a_short_rep() -> None:
    run = Run(routine({"exercise": "pelvic_tilt", "reps": 3, "hold_s": 3}))
    run.feed(hold(4, "pelvic_tilt", 3.0, 3.0), rep(5, "pelvic_tilt"))
    run.feed(hold(9, "pelvic_tilt", 1.5, 3.0), rep(10, "pelvic_tilt"))
    run.feed(rep(15, "pelvic_tilt"))  # no hold at all
    shorts = [p.short for p in run.of(RoutineProgressEvent)]
    assert shorts == [False, True, True]
    assert "short" in run.of(RoutineProgressEvent)[1].message
    (ended,) = run.of(RoutineSetEndedEvent)
    assert ended.short == 2
    assert ended.held_s == (3.0, 1.5)
    assert run.ended.steps[0].status == "short"  # 2 of 3 short is more than the allowance


def test_holds_count_for_a_stretch_and_other_exercises_are_ignored() -> None:
    run = Run(routine({"exercise": "piriformis_stretch", "side": "both", "reps": 2}))
    assert run.contexts[-1] == Context("piriformis_stretch", "right", 10.0)
    run.feed(rep(3, "bridge"), hold(5, "bridge", 12.0, 3.0))
    assert not run.of(RoutineProgressEvent)
    run.feed(hold(15, "piriformis_stretch", 10.2, 10.0), hold(30, "piriformis_stretch", 4.0, 10.0))
    progress = run.of(RoutineProgressEvent)
    assert [(p.item, p.short) for p in progress] == [("hold", False), ("hold", True)]
    assert run.contexts[-1] == Context("piriformis_stretch", "left", 10.0)


def test_next_ends_a_set_as_it_is_and_skip_leaves_out_a_step() -> None:
    spec = routine(
        {"exercise": "bridge", "reps": 10, "sets": 2},
        {"exercise": "dead_bug", "reps": 10},
        {"exercise": "fire_hydrant", "reps": 10},
    )
    run = Run(spec)
    run.feed(rep(5))
    run.take(run.runner.next(6.0))
    first = run.of(RoutineSetEndedEvent)[0]
    assert (first.done, first.reason) == (1, "next")
    assert run.of(RoutineRestEvent)[-1].next_set == 2
    run.take(run.runner.next(7.0))  # in the rest: the rest is over
    assert run.of(RoutineStepEvent)[-1].set == 2
    run.take(run.runner.skip(8.0))  # skip the rest of bridges
    assert run.of(RoutineStepEvent)[-1].exercise == "dead_bug"
    run.take(run.runner.skip(9.0))
    assert run.of(RoutineStepEvent)[-1].exercise == "fire_hydrant"
    run.take(run.runner.stop(10.0))
    statuses = [s.status for s in run.ended.steps]
    assert statuses == ["skipped", "skipped", "short"]
    assert run.ended.reason == "stopped"
    assert run.contexts[-1] == Context()


def test_skip_in_a_rest_leaves_out_what_comes_next() -> None:
    spec = routine(
        {"exercise": "bridge", "reps": 1},
        {"exercise": "dead_bug", "reps": 1},
        {"exercise": "fire_hydrant", "reps": 1},
    )
    run = Run(spec)
    run.feed(rep(5))
    assert run.of(RoutineRestEvent)[-1].next_exercise == "dead_bug"
    run.take(run.runner.skip(6.0))
    assert run.of(RoutineStepEvent)[-1].exercise == "fire_hydrant"


def test_pain_in_a_step_ends_that_exercise_on_both_sides_and_is_recorded() -> None:
    spec = routine(
        {"exercise": "isometric_hip_flexion", "side": "both", "reps": 10},
        {"exercise": "bridge", "reps": 1},
    )
    run = Run(spec, pain_before=2)
    run.feed(rep(5, "isometric_hip_flexion"))
    run.take(run.runner.pain(6.0, 7))
    pains = run.of(RoutinePainEvent)
    assert [(p.phase, p.score) for p in pains] == [("before", 2), ("during", 7)]
    assert pains[1].exercise == "isometric_hip_flexion"
    assert pains[1].side == "right"
    assert run.of(RoutineSetEndedEvent)[-1].reason == "pain"
    assert run.of(RoutineRestEvent)[-1].next_exercise == "bridge"  # not the left side
    run.feed(rep(20))
    end = run.ended
    assert [s.status for s in end.steps] == ["pain", "pain", "done"]
    assert end.steps[0].pain == 7
    assert end.pain_during == (7,)
    assert end.proposal.action == "repeat"
    assert "pain" in end.proposal.reason


def test_pain_in_the_rest_after_a_side_ends_the_other_side() -> None:
    spec = routine(
        {"exercise": "isometric_hip_flexion", "side": "both", "reps": 1},
        {"exercise": "bridge", "reps": 1},
    )
    run = Run(spec)
    run.feed(rep(5, "isometric_hip_flexion"))
    assert run.of(RoutineRestEvent)[-1].next_side == "left"
    run.take(run.runner.pain(6.0, None))
    assert run.of(RoutinePainEvent)[-1].side == "right"
    assert run.of(RoutineRestEvent)[-1].next_exercise == "bridge"


def test_pain_after_is_waited_for_and_decides_the_proposal() -> None:
    settings = RoutineSettings(pain_after_wait_s=60.0)
    run = Run(
        routine({"exercise": "bridge", "reps": 1}, next="intermediate"), settings, pain_before=2
    )
    run.feed(rep(5))
    (asked,) = run.of(RoutinePainAskedEvent)
    assert asked.t_until == pytest.approx(65.0)
    assert not run.of(RoutineEndedEvent)
    run.take(run.runner.pain(10.0, 5))
    assert run.ended.pain_after == 5
    assert run.ended.proposal.action == "repeat"  # 2 -> 5: pain went up
    with pytest.raises(ConfigError):
        run.runner.pain(11.0, 1)  # nothing is running any more


def test_without_a_pain_score_the_wait_ends_by_time() -> None:
    settings = RoutineSettings(pain_after_wait_s=60.0)
    run = Run(routine({"exercise": "bridge", "reps": 1}, next="intermediate"), settings)
    run.feed(rep(5))
    run.take(run.runner.advance(64.0))
    assert not run.of(RoutineEndedEvent)
    run.take(run.runner.advance(66.0))
    assert run.ended.proposal.action == "next_routine"
    assert run.ended.proposal.routine == "intermediate"


def test_an_idle_set_ends_and_a_timed_step_ends_by_time() -> None:
    spec = routine(
        {"exercise": "bridge", "reps": 10},
        {"exercise": "monster_walk", "time_s": 40},
        rest_s=0,
    )
    run = Run(spec, RoutineSettings(set_idle_s=20.0))
    run.take(run.runner.advance(100.0))  # nothing started: the set waits
    assert not run.of(RoutineSetEndedEvent)
    run.feed(rep(105))
    run.take(run.runner.advance(124.0))
    assert not run.of(RoutineSetEndedEvent)
    run.take(run.runner.advance(125.5))
    assert run.of(RoutineSetEndedEvent)[0].reason == "idle"
    walk = run.of(RoutineStepEvent)[-1]
    assert walk.kind == "timed"
    assert walk.time_s == 40
    run.take(run.runner.advance(166.0))
    assert run.of(RoutineSetEndedEvent)[-1].reason == "time"
    assert [s.status for s in run.ended.steps] == ["short", "done"]


def test_the_session_ending_ends_the_routine_with_what_was_not_reached() -> None:
    run = Run(routine(*TWO_STEPS))
    run.feed(rep(5))
    run.take(run.runner.finish(30.0))
    end = run.ended
    assert end.reason == "session_ended"
    assert [s.status for s in end.steps] == ["short", "not_reached"]
    assert run.of(RoutineSetEndedEvent)[-1].reason == "session_ended"


@pytest.mark.parametrize(
    ("progression", "action", "sets", "reps"),
    [("more_sets", "more_sets", 2, 1), ("more_reps", "more_reps", 1, 4), ("off", "repeat", 1, 1)],
)
def test_a_well_done_routine_proposes_progress_as_configured(
    progression: str, action: str, sets: int, reps: int
) -> None:
    settings = RoutineSettings(progression=progression, more_reps=3)  # type: ignore[arg-type]
    run = Run(routine({"exercise": "bridge", "reps": 1}, next="intermediate"), settings)
    run.feed(rep(5))
    proposal = run.ended.proposal
    assert proposal.action == action
    if proposal.plan is not None:
        step = proposal.plan["step"][0]  # type: ignore[index]
        assert (step["sets"], step["reps"]) == (sets, reps)
        again = from_data(proposal.plan, "proposal")  # a valid routine to start next time
        assert again.step[0].reps == reps


def test_most_but_not_all_steps_done_is_enough_to_progress() -> None:
    steps = [{"exercise": "bridge", "reps": 1} for _ in range(4)]
    run = Run(routine(*steps, next="intermediate"), RoutineSettings(most_fraction=0.75))
    run.feed(rep(5), rep(20), rep(40))
    run.take(run.runner.skip(50.0))
    assert run.ended.steps_done == 3
    assert run.ended.proposal.action == "next_routine"
    run2 = Run(routine(*steps, next="intermediate"))
    run2.feed(rep(5), rep(20))
    run2.take(run2.runner.skip(30.0))
    run2.take(run2.runner.skip(31.0))
    assert run2.ended.proposal.action == "repeat"


def test_commands_need_a_running_routine() -> None:
    run = Run(routine({"exercise": "bridge", "reps": 1}))
    run.feed(rep(5))
    for command in (run.runner.next, run.runner.skip):
        with pytest.raises(ConfigError, match="no routine is running"):
            command(10.0)


def test_a_hold_started_keeps_a_long_stretch_alive() -> None:
    spec = routine({"exercise": "l_stretch", "reps": 2, "hold_s": 60})
    run = Run(spec, RoutineSettings(set_idle_s=20.0))
    run.feed(hold(65, "l_stretch", 60.0, 60.0))
    started = HoldStartedEvent(t=80, sensor="back", exercise="l_stretch", target_s=60.0)
    run.feed(started)
    run.take(run.runner.advance(99.0))
    assert not run.of(RoutineSetEndedEvent)
