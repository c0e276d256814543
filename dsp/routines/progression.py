"""Judging a finished routine against its plan, and the seed's progression rule.

Seed article 003: "If you find that you can perform all or most of the exercises in one
routine without any pain or noticeable challenge, but still struggle with performing the
exercises in the next routine, you can increase the number of sets or repetitions of the
exercises in the previous routine". And: "Stop any exercise that causes sharp pain" (000).

So: an exercise that hurt, or pain after higher than before, proposes the same routine again.
Otherwise, when at least ``most_fraction`` of the steps were done to target (every set reached
its count, few holds short), progress: the routine's ``next`` (or more sets / more reps, as
the ``progression`` setting says). Else the same routine again.
"""

from __future__ import annotations

from collections.abc import Callable

from dsp.routine_records import (
    RoutineProposal,
    RoutineSetResult,
    RoutineStepPlan,
    RoutineStepResult,
    StepStatus,
)
from dsp.routines.plan import RoutineSpec, StepSpec
from dsp.routines.settings import RoutineSettings


def step_status(
    plan: RoutineStepPlan,
    sets: tuple[RoutineSetResult, ...],
    mark: str | None,
    settings: RoutineSettings,
) -> StepStatus:
    """done / short / skipped / pain / not_reached (see :class:`RoutineStepResult`)."""
    if mark == "pain":
        return "pain"
    if mark == "skipped":
        return "skipped"
    if not sets:
        return "not_reached"
    if len(sets) < plan.sets:
        return "short"
    if plan.kind == "timed":
        ok = all(s.reason in ("time", "next") for s in sets)
        return "done" if ok else "short"
    target = plan.target or 0
    if any(s.done < target for s in sets):
        return "short"
    items = sum(s.done for s in sets)
    shorts = sum(s.short for s in sets)
    return "done" if shorts <= settings.short_allowance * items else "short"


def step_result(
    plan: RoutineStepPlan,
    sets: list[RoutineSetResult],
    mark: str | None,
    pain: int | None,
    settings: RoutineSettings,
) -> RoutineStepResult:
    return RoutineStepResult(
        step=plan.step,
        exercise=plan.exercise,
        side=plan.side,
        kind=plan.kind,
        target=plan.target,
        hold_s=plan.hold_s,
        sets_planned=plan.sets,
        sets=tuple(sets),
        status=step_status(plan, tuple(sets), mark, settings),
        pain=pain,
    )


def propose(
    spec: RoutineSpec,
    steps: tuple[RoutineStepResult, ...],
    pain_before: int | None,
    pain_after: int | None,
    settings: RoutineSettings,
) -> RoutineProposal:
    hurt = [s for s in steps if s.status == "pain"]
    if hurt:
        names = ", ".join(sorted({s.exercise for s in hurt}))
        return RoutineProposal(
            action="repeat",
            routine=spec.name,
            reason=f"pain stopped {names}: stay on this routine, leave out what hurts "
            "and ask your physio",
        )
    if pain_before is not None and pain_after is not None and pain_after > pain_before:
        return RoutineProposal(
            action="repeat",
            routine=spec.name,
            reason=f"pain went up ({pain_before} -> {pain_after}): stay on this routine",
        )
    done = sum(1 for s in steps if s.status == "done")
    needed = settings.most_fraction * len(steps)
    tally = f"{done} of {len(steps)} steps done to target"
    if done < needed:
        return RoutineProposal(
            action="repeat", routine=spec.name, reason=f"{tally}: this routine again"
        )
    mode = settings.progression
    if mode == "off":
        return RoutineProposal(
            action="repeat", routine=spec.name, reason=f"{tally}; progression is off"
        )
    if mode == "next_routine" and spec.next is not None:
        return RoutineProposal(
            action="next_routine",
            routine=spec.next,
            reason=f"{tally} without pain going up: try {spec.next}",
        )
    if mode == "more_sets":
        plan = _changed(spec, lambda s: s.model_copy(update={"sets": s.sets + 1}), "+1 set")
        return RoutineProposal(
            action="more_sets",
            routine=spec.name,
            reason=f"{tally} without pain going up: one more set of each",
            plan=plan,
        )
    add = settings.more_reps

    def more(s: StepSpec) -> StepSpec:
        return s if s.reps is None else s.model_copy(update={"reps": s.reps + add})

    return RoutineProposal(
        action="more_reps",
        routine=spec.name,
        reason=f"{tally} without pain going up: {add} more reps or holds of each",
        plan=_changed(spec, more, f"+{add} reps"),
    )


def _changed(
    spec: RoutineSpec, change: Callable[[StepSpec], StepSpec], note: str
) -> dict[str, object]:
    steps = tuple(change(s) for s in spec.step)
    title = f"{spec.title or spec.name} ({note})"
    return spec.model_copy(update={"step": steps, "title": title}).as_data()
