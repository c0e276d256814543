"""The routine part of the retained state: what a display needs for "now / next / done"
when it connects in the middle of a routine (folded from the routine events)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from dsp.events import (
    Event,
    RoutineEndedEvent,
    RoutinePainAskedEvent,
    RoutineProgressEvent,
    RoutineRestEvent,
    RoutineSetEndedEvent,
    RoutineStartedEvent,
    RoutineStepEvent,
    Side,
)


class RoutineState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    routine: str
    routine_id: str
    phase: Literal["set", "rest", "pain_after", "ended"]
    steps: int = Field(description="steps in the plan")
    step: int = Field(description="the step now (in a rest: the one coming)")
    set: int
    sets: int
    exercise: str | None = None
    side: Side | None = None
    done: int = Field(default=0, description="reps or holds counted in the set so far")
    target: int | None = None
    next_exercise: str | None = None
    next_side: Side | None = None
    t_until: float | None = Field(default=None, description="end of the rest or wait")
    steps_done: int | None = Field(default=None, description="once ended: steps done to target")


def fold_routine(state: RoutineState | None, event: Event) -> RoutineState | None:
    """``state`` after ``event`` (``state`` itself when ``event`` is no routine event)."""
    match event:
        case RoutineStartedEvent():
            first = event.plan[0]
            return RoutineState(
                routine=event.routine,
                routine_id=event.routine_id,
                phase="set",
                steps=len(event.plan),
                step=1,
                set=1,
                sets=first.sets,
                exercise=first.exercise,
                side=first.side,
                target=first.target,
            )
        case RoutineStepEvent():
            return RoutineState(
                routine=event.routine,
                routine_id=event.routine_id,
                phase="set",
                steps=event.steps,
                step=event.step,
                set=event.set,
                sets=event.sets,
                exercise=event.exercise,
                side=event.side,
                target=event.target,
                next_exercise=event.next_exercise,
                next_side=event.next_side,
            )
        case RoutineProgressEvent() if state is not None:
            return state.model_copy(update={"done": event.done})
        case RoutineSetEndedEvent() if state is not None:
            return state.model_copy(update={"done": event.done})
        case RoutineRestEvent() if state is not None:
            return state.model_copy(
                update={
                    "phase": "rest",
                    "step": event.next_step,
                    "set": event.next_set,
                    "exercise": event.next_exercise,
                    "side": event.next_side,
                    "done": 0,
                    "t_until": event.t_until,
                }
            )
        case RoutinePainAskedEvent() if state is not None:
            return state.model_copy(update={"phase": "pain_after", "t_until": event.t_until})
        case RoutineEndedEvent() if state is not None:
            return state.model_copy(
                update={"phase": "ended", "t_until": None, "steps_done": event.steps_done}
            )
        case _:
            return state
