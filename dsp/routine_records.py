"""The plain records routine events carry: a step of the plan, a set's and a step's result,
the progression proposal. They live beside :mod:`dsp.events` (which imports them) so that
module stays the one place of event types. Fields may be added, never renamed or removed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Side = Literal["left", "right"]
StepStatus = Literal["done", "short", "skipped", "pain", "not_reached"]
RoutineKind = Literal["reps", "holds", "timed"]
SetEndReason = Literal[
    "target", "next", "skipped", "pain", "idle", "time", "stopped", "session_ended"
]


class RoutineStepPlan(BaseModel):
    """One step of the plan as it runs: one exercise on one side, ``sets`` sets."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    step: int = Field(description="1-based index in the plan (a 'both sides' step is two)")
    exercise: str
    side: Side | None = None
    kind: RoutineKind = Field(
        description="reps: count reps; holds: count timed holds; timed: the chain counts "
        "nothing (monster walks), the step lasts time_s or until 'next'"
    )
    target: int | None = Field(description="reps or holds per set; None for a timed step")
    hold_s: float | None = Field(default=None, description="seconds each rep or hold is held")
    time_s: float | None = Field(default=None, description="length of a timed step")
    sets: int = 1
    rest_s: float = Field(description="rest after each set, seconds")
    source: str = Field(default="", description="where the target comes from (article, quote)")


class RoutineSetResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    set: int
    done: int
    short: int
    held_s: tuple[float, ...] = ()
    reason: SetEndReason
    t_start: float
    t_end: float


class RoutineStepResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    step: int
    exercise: str
    side: Side | None = None
    kind: RoutineKind
    target: int | None
    hold_s: float | None = None
    sets_planned: int
    sets: tuple[RoutineSetResult, ...] = ()
    status: StepStatus = Field(
        description="done: every set reached its target with few short holds; short: not "
        "quite; skipped; pain: ended by a pain report; not_reached: the routine ended first"
    )
    pain: int | None = Field(default=None, description="score given when pain ended it")


class RoutineProposal(BaseModel):
    """What to do next time (docs/routines.md, 'Progression')."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    action: Literal["next_routine", "more_sets", "more_reps", "repeat"]
    routine: str = Field(description="the routine to do next time (a name)")
    reason: str
    plan: dict[str, object] | None = Field(
        default=None,
        description="the proposed routine as data (the TOML's shape), for start_routine; "
        "None for next_routine (a built-in) and repeat",
    )
