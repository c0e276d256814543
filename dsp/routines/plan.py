"""A routine as data: the TOML's shape, its validation, and the plan a run follows.

A routine file has a ``[routine]`` table and one ``[[step]]`` per exercise (see
``docs/routines.md``). A step names an exercise of the chain's catalogue and its targets;
``side = "both"`` means the right side, then the left (the seed article: "repeat 10 times,
then the left side"), so it becomes two steps of the plan. What a step counts follows from
the exercise: reps, timed holds (the stretches, the side plank, balance), or nothing the chain
can count (monster walks), which is then a timed step.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dsp.detectors.exercises import EXERCISES, HOLD_ONLY, HOLD_TARGET_S
from dsp.routine_records import RoutineKind, RoutineStepPlan, Side

#: Rest after a set when neither the step nor the routine says: the articles give none.
DEFAULT_REST_S = 30.0


def kind_of(exercise: str) -> RoutineKind:
    """What the chain counts for ``exercise``: reps, timed holds, or nothing (timed step)."""
    if exercise in HOLD_ONLY:
        return "holds" if exercise in HOLD_TARGET_S else "timed"
    return "reps"


class StepSpec(BaseModel):
    """One ``[[step]]``: one exercise, its targets, sets and rest."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exercise: str = Field(description="a name of the chain's catalogue (dsp/detectors)")
    side: Literal["left", "right", "both"] | None = Field(
        default=None, description="both = the right side, then the left"
    )
    reps: int | None = Field(
        default=None, ge=1, le=500, description="reps per set (holds per set for a stretch)"
    )
    hold_s: float | None = Field(
        default=None, gt=0, le=3600, description="seconds each rep or hold is held"
    )
    time_s: float | None = Field(
        default=None, gt=0, le=7200, description="length of a step the chain cannot count"
    )
    sets: int = Field(default=1, ge=1, le=50)
    rest_s: float | None = Field(
        default=None, ge=0, le=3600, description="rest after each set (default: the routine's)"
    )
    source: str = Field(default="", description="where the numbers come from")

    @model_validator(mode="after")
    def _targets_fit_the_exercise(self) -> Self:
        if self.exercise not in EXERCISES:
            raise ValueError(f"unknown exercise {self.exercise!r}; known: {', '.join(EXERCISES)}")
        kind = kind_of(self.exercise)
        if kind == "timed":
            if self.time_s is None:
                raise ValueError(
                    f"{self.exercise}: the chain counts no reps or holds of it: give time_s"
                )
            if self.reps is not None or self.hold_s is not None:
                raise ValueError(f"{self.exercise}: give time_s only (no reps or hold_s)")
        else:
            if self.time_s is not None:
                raise ValueError(
                    f"{self.exercise}: time_s is only for exercises the chain cannot count; "
                    "give reps (and hold_s)"
                )
            if self.reps is None:
                what = "holds" if kind == "holds" else "reps"
                raise ValueError(f"{self.exercise}: give reps (how many {what} per set)")
        return self


class RoutineSpec(BaseModel):
    """The ``[routine]`` table and its steps."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$", description="short name")
    title: str = ""
    source: str = Field(default="", description="where the routine comes from")
    next: str | None = Field(default=None, description="the routine that follows it")
    rest_s: float = Field(default=DEFAULT_REST_S, ge=0, le=3600, description="rest after a set")
    step: tuple[StepSpec, ...] = Field(min_length=1, max_length=100)

    def plan(self) -> tuple[RoutineStepPlan, ...]:
        """The steps as they run: ``both`` sides become right, then left."""
        out: list[RoutineStepPlan] = []
        for spec in self.step:
            sides: tuple[Side | None, ...]
            sides = ("right", "left") if spec.side == "both" else (spec.side,)
            kind = kind_of(spec.exercise)
            hold_s = spec.hold_s
            if kind == "holds" and hold_s is None:
                hold_s = HOLD_TARGET_S[spec.exercise]
            for side in sides:
                out.append(
                    RoutineStepPlan(
                        step=len(out) + 1,
                        exercise=spec.exercise,
                        side=side,
                        kind=kind,
                        target=spec.reps,
                        hold_s=hold_s,
                        time_s=spec.time_s,
                        sets=spec.sets,
                        rest_s=self.rest_s if spec.rest_s is None else spec.rest_s,
                        source=spec.source,
                    )
                )
        return tuple(out)

    def groups(self) -> list[int]:
        """For each step of the plan, the ``[[step]]`` it came from (both sides: one)."""
        out: list[int] = []
        for g, step in enumerate(self.step):
            out += [g, g] if step.side == "both" else [g]
        return out

    def as_data(self) -> dict[str, object]:
        """The routine in the TOML's shape (``{"routine": {...}, "step": [...]}``)."""
        head = self.model_dump(exclude={"step"}, exclude_none=True)
        steps = [s.model_dump(exclude_none=True, exclude_defaults=False) for s in self.step]
        return {"routine": head, "step": steps}
