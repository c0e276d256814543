"""What one of the chain's events adds to the set being made: a rep, a hold, or nothing.

A reps step counts ``rep`` events; the ``hold_ended`` just before a rep is that rep's hold
(when the step has ``hold_s``, a rep without one, or with one under ``(1 - tolerance) x
hold_s``, is short). A holds step counts ``hold_ended`` events, short by the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dsp.events import Event, HoldEndedEvent, RepEvent
from dsp.routine_records import RoutineStepPlan

ItemKind = Literal["rep", "hold"]


@dataclass
class SetRun:
    """The set being made."""

    t_start: float
    done: int = 0
    short: int = 0
    held: list[float] = field(default_factory=list)
    last_activity_t: float | None = None
    hold: HoldEndedEvent | None = None  # the hold of the rep being made


@dataclass(frozen=True)
class Item:
    kind: ItemKind
    held_s: float | None
    short: bool


def counts_for(plan: RoutineStepPlan, event: Event) -> bool:
    """``event`` is about this step's exercise (and the step counts anything)."""
    return getattr(event, "exercise", None) == plan.exercise and plan.kind != "timed"


def is_short(held: float, hold_s: float | None, tolerance: float) -> bool:
    return hold_s is not None and held < (1.0 - tolerance) * hold_s


def take(run: SetRun, plan: RoutineStepPlan, event: Event, tolerance: float) -> Item | None:
    """The rep or hold ``event`` completes (and counts into ``run``), or ``None``."""
    run.last_activity_t = event.t
    item: Item
    if plan.kind == "holds":
        if not isinstance(event, HoldEndedEvent):
            return None
        item = Item("hold", event.duration_s, is_short(event.duration_s, plan.hold_s, tolerance))
    else:
        if isinstance(event, HoldEndedEvent):
            run.hold = event
            return None
        if not isinstance(event, RepEvent):
            return None
        hold, run.hold = run.hold, None
        if hold is not None and hold.t_start < event.t_start - 0.5:
            hold = None  # an older hold, not this rep's
        held = hold.duration_s if hold is not None else None
        short = plan.hold_s is not None and (held is None or is_short(held, plan.hold_s, tolerance))
        item = Item("rep", held, short)
    run.done += 1
    run.short += int(item.short)
    if item.held_s is not None:
        run.held.append(item.held_s)
    return item


def message(item: Item, done: int, target: int, hold_s: float | None) -> str:
    """For people: 'rep 4 of 10, held 2.4 s of 3 s: short'."""
    text = f"{item.kind} {done} of {target}"
    if hold_s is not None:
        if item.held_s is None:
            return f"{text}: no hold of {hold_s:g} s"
        text += f", held {item.held_s:.1f} s of {hold_s:g} s"
    return text + (": short" if item.short else "")
