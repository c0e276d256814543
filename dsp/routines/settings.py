"""How a routine runs and how it judges a session: every number documented, overridable
(``[routine]`` in the settings file, ``--set routine.<name>=...``; docs/routines.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Progression = Literal["next_routine", "more_sets", "more_reps", "off"]


class RoutineSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    set_idle_s: float = Field(
        default=30.0,
        gt=0,
        description="a set that has begun and counts nothing new for this long is over "
        "(the person moved on); longer than any pause between the seed's reps and holds",
    )
    pain_after_wait_s: float = Field(
        default=0.0,
        ge=0,
        description="after the last set, how long to wait for the pain score after "
        "(a 'pain' command) before the routine ends; 0: end at once",
    )
    hold_tolerance: float = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="a hold is short when it lasts less than (1 - this) x hold_s: the chain "
        "times holds to about 0.1 s, and nobody counts seconds exactly",
    )
    short_allowance: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="a step is done to target when every set reached its count and at most "
        "this fraction of its reps or holds fell short of hold_s",
    )
    most_fraction: float = Field(
        default=0.75,
        gt=0,
        le=1,
        description="'all or most of the exercises' (003): this fraction of the steps done "
        "to target, without pain going up, proposes progress",
    )
    progression: Progression = Field(
        default="next_routine",
        description="what progress means: the next routine (more_reps where there is none), "
        "more sets, more reps, or off (always propose the same routine)",
    )
    more_reps: int = Field(default=2, ge=1, le=20, description="reps or holds added by more_reps")
