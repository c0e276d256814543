"""A guided routine as a display shows it: now, next, done, in sentences.

Folded from the ``routine_*`` events (docs/mqtt.md): ``routine_started`` carries the plan,
``routine_step`` says what is on now and what follows, ``routine_progress`` counts toward the
set's target, ``routine_set_ended`` moves a set to "done", ``routine_rest`` is a pause before
the next set, ``routine_ended`` closes it with the proposal for next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def _who(exercise: str | None, side: str | None = None) -> str:
    if not exercise:
        return "-"
    words = exercise.replace("_", " ")
    words = words[:1].upper() + words[1:]
    return f"{words} ({side})" if side else words


def _target(kind: str, target: int | None, hold_s: float | None, time_s: float | None) -> str:
    if kind == "timed":
        return f"for {time_s:.0f} s" if time_s else "until you say next"
    what = "holds" if kind == "holds" else "reps"
    held = f", {hold_s:.0f} s each" if hold_s else ""
    return f"{target} {what}{held}"


def routine_sentence(event: Event) -> str | None:
    """One sentence for a routine event; ``None`` for any other event."""
    match event:
        case RoutineStartedEvent():
            return f"Routine {event.title}: {len(event.plan)} steps."
        case RoutineStepEvent():
            then = (
                f" Then {_who(event.next_exercise, event.next_side)}."
                if event.next_exercise
                else ""
            )
            return (
                f"Now {_who(event.exercise, event.side)}, step {event.step} of {event.steps}, "
                f"set {event.set} of {event.sets}: "
                f"{_target(event.kind, event.target, event.hold_s, event.time_s)}.{then}"
            )
        case RoutineProgressEvent():
            return f"{_who(event.exercise, event.side)}: {event.message}."
        case RoutineSetEndedEvent():
            of = f" of {event.target}" if event.target is not None else ""
            short = f", {event.short} short" if event.short else ""
            return (
                f"{_who(event.exercise, event.side)} set {event.set} done: {event.done}{of}{short}."
            )
        case RoutineRestEvent():
            return f"Rest {event.rest_s:.0f} s, then {_who(event.next_exercise, event.next_side)}."
        case RoutinePainEvent():
            score = "" if event.score is None else f" {event.score} of 10"
            ends = f"; {_who(event.exercise, event.side)} ends" if event.exercise else ""
            return f"Pain {event.phase}{score}{ends}."
        case RoutinePainAskedEvent():
            return "All done: how is your pain now, 0 to 10?"
        case RoutineEndedEvent():
            return (
                f"Routine over: {event.steps_done} of {len(event.steps)} steps done to target. "
                f"Next time: {event.proposal.routine.replace('_', ' ')} "
                f"({event.proposal.reason})."
            )
        case _:
            return None


@dataclass
class RoutineView:
    """What a routine panel shows."""

    title: str = ""
    steps: int = 0
    now: str = "-"
    progress: str = ""
    next: str = "-"
    done: list[str] = field(default_factory=list)
    ended: bool = False

    def fold(self, event: Event) -> None:
        match event:
            case RoutineStartedEvent():
                # A new routine starts afresh.
                self.done, self.ended, self.progress, self.now = [], False, "", "get ready"
                self.title, self.steps = event.title, len(event.plan)
                if event.plan:
                    first = event.plan[0]
                    self.next = _who(first.exercise, first.side)
            case RoutineStepEvent():
                self.now = (
                    f"{_who(event.exercise, event.side)}, set {event.set} of {event.sets}: "
                    f"{_target(event.kind, event.target, event.hold_s, event.time_s)}"
                )
                self.progress = ""
                self.next = _who(event.next_exercise, event.next_side)
            case RoutineProgressEvent():
                self.progress = event.message
            case RoutineSetEndedEvent():
                of = f"/{event.target}" if event.target is not None else ""
                self.done.append(
                    f"{_who(event.exercise, event.side)} set {event.set}: {event.done}{of}"
                )
            case RoutineRestEvent():
                self.now = f"rest {event.rest_s:.0f} s"
                self.progress = ""
                self.next = _who(event.next_exercise, event.next_side)
            case RoutinePainAskedEvent():
                self.now, self.next = "how is your pain now (0-10)?", "-"
            case RoutineEndedEvent():
                self.ended = True
                self.now, self.next, self.progress = "routine finished", "-", ""
            case _:
                pass
