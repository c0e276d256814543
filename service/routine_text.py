"""Routine events as lines a person can read while exercising (``event_text`` uses it)."""

from __future__ import annotations

from dsp.events import (
    Event,
    RoutineEndedEvent,
    RoutinePainAskedEvent,
    RoutinePainEvent,
    RoutineProgressEvent,
    RoutineRestEvent,
    RoutineSetEndedEvent,
    RoutineStartedEvent,
    RoutineStepEvent,
)


def _name(exercise: str, side: str | None) -> str:
    return exercise.replace("_", " ") + (f" ({side})" if side else "")


def _target(kind: str, target: int | None, hold_s: float | None, time_s: float | None) -> str:
    if kind == "timed":
        return f"for {time_s:g} s" if time_s else "until next"
    what = "holds" if kind == "holds" else "reps"
    held = f", hold {hold_s:g} s" if hold_s else ""
    return f"{target} {what}{held}"


def routine_text(event: Event) -> str | None:
    """The line for a routine event, or ``None`` when ``event`` is not one."""
    head = f"{event.t:9.2f} s  {event.type:<15}"
    match event:
        case RoutineStartedEvent():
            return f"{head} {event.title}: {len(event.plan)} steps"
        case RoutineStepEvent():
            then = (
                f"; then {_name(event.next_exercise, event.next_side)}"
                if event.next_exercise
                else ""
            )
            return (
                f"{head} step {event.step}/{event.steps}, set {event.set}/{event.sets}: "
                f"{_name(event.exercise, event.side)}, "
                f"{_target(event.kind, event.target, event.hold_s, event.time_s)}{then}"
            )
        case RoutineProgressEvent():
            return f"{head} {_name(event.exercise, event.side)}: {event.message}"
        case RoutineSetEndedEvent():
            of = f" of {event.target}" if event.target is not None else ""
            short = f", {event.short} short" if event.short else ""
            return (
                f"{head} {_name(event.exercise, event.side)} set {event.set}: "
                f"{event.done}{of}{short} ({event.reason})"
            )
        case RoutineRestEvent():
            return (
                f"{head} rest {event.rest_s:.0f} s, then "
                f"{_name(event.next_exercise, event.next_side)}"
            )
        case RoutinePainEvent():
            score = "no score" if event.score is None else f"{event.score}/10"
            where = f" in {_name(event.exercise, event.side)}: it ends" if event.exercise else ""
            return f"{head} pain {event.phase} {score}{where}"
        case RoutinePainAskedEvent():
            return f"{head} done: how is your pain now (0-10)?"
        case RoutineEndedEvent():
            pain = ""
            if event.pain_before is not None or event.pain_after is not None:
                before, after = (
                    "-" if p is None else str(p) for p in (event.pain_before, event.pain_after)
                )
                pain = f"; pain {before} -> {after}"
            return (
                f"{head} {event.reason}: {event.steps_done} of {len(event.steps)} steps done "
                f"to target{pain}; next time: {event.proposal.action} {event.proposal.routine} "
                f"({event.proposal.reason})"
            )
        case _:
            return None
