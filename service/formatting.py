"""Turning events into lines: JSON (the machine contract) or sentences for people.

The sentences are :mod:`service.displays.text`'s, the same the terminal display prints, so
``holdfast replay`` reads like ``holdfast demo``.
"""

from __future__ import annotations

from dsp.events import Event
from service.displays.text import event_line
from service.routine_text import routine_text


def event_json(event: Event) -> str:
    return event.model_dump_json()


def people_line(event: Event, *, angles: bool = False) -> str | None:
    """``m:ss  sentence``; ``None`` for angles (unless ``angles``) and quiet hold ticks."""
    return event_line(event, angles=angles)


def event_text(event: Event) -> str:
    """One line for every event, angles included (a line per event, as ``record`` logs);
    routine events in ``holdfast routine``'s own words (:mod:`service.routine_text`)."""
    if event.type.startswith("routine_"):
        return routine_text(event) or f"{event.t:9.2f} s  {event.type}"
    line = event_line(event, angles=True)
    return line if line is not None else f"{event.t:9.2f} s  {event.type}"
