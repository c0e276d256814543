"""Replay a recording and keep what a report shows: angles, reps, sets, holds, alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from dsp.events import (
    AngleEvent,
    FlexionAlertEvent,
    FlexionEvent,
    HoldEndedEvent,
    PostureEvent,
    RepEvent,
    SessionSummaryEvent,
    SetEndedEvent,
)
from dsp.pipeline import PipelineSettings
from sensor.replay import Recording
from sensor.source import SourceItem
from service.chain import events_from_items, last_time, pipeline_for


@dataclass
class SetOfReps:
    """One set: its reps in order (a set with no ``set_ended`` yet ends with the session)."""

    exercise: str
    number: int  # 1, 2, ... per exercise
    reps: list[RepEvent] = field(default_factory=list)

    @property
    def t_start(self) -> float:
        return self.reps[0].t_start if self.reps else 0.0

    @property
    def t_end(self) -> float:
        return max(r.t for r in self.reps) if self.reps else 0.0


@dataclass
class Session:
    """Everything the report draws, from one replay."""

    name: str
    sensor: str
    t: np.ndarray
    flexion_deg: np.ndarray  # NaN where not known yet
    lateral_deg: np.ndarray
    reps: list[RepEvent] = field(default_factory=list)
    sets: list[SetOfReps] = field(default_factory=list)
    holds: list[HoldEndedEvent] = field(default_factory=list)
    bends: list[FlexionEvent] = field(default_factory=list)
    alerts: list[FlexionAlertEvent] = field(default_factory=list)
    postures: list[PostureEvent] = field(default_factory=list)
    summary: SessionSummaryEvent | None = None
    settings: PipelineSettings = field(default_factory=PipelineSettings)


def collect(
    path: Path,
    *,
    exercise: str = "auto",
    mounting: tuple[str, str] | None = None,
    settings: PipelineSettings | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Session:
    """Run ``path`` through the chain (as ``holdfast replay`` does) and keep its events."""
    settings = settings or PipelineSettings()
    recording = Recording(path)
    pipeline = pipeline_for(recording, settings, mounting)
    pipeline.set_exercise(exercise)
    rows: list[tuple[float, float, float]] = []
    s = Session(path.name, recording.info.sensor, np.empty(0), np.empty(0), np.empty(0))
    s.settings = settings

    def items() -> Iterator[SourceItem]:
        for item in recording.items():
            if on_progress is not None:
                on_progress(last_time(item))
            yield item

    open_sets: dict[str, SetOfReps] = {}
    numbers: dict[str, int] = {}
    for event in events_from_items(pipeline, items()):
        match event:
            case AngleEvent():
                rows.append(
                    (
                        event.t,
                        np.nan if event.flexion_deg is None else event.flexion_deg,
                        np.nan if event.lateral_deg is None else event.lateral_deg,
                    )
                )
            case RepEvent():
                s.reps.append(event)
                current = open_sets.get(event.exercise)
                if current is None or event.index == 1:
                    numbers[event.exercise] = numbers.get(event.exercise, 0) + 1
                    current = SetOfReps(event.exercise, numbers[event.exercise])
                    open_sets[event.exercise] = current
                    s.sets.append(current)
                current.reps.append(event)
            case SetEndedEvent():
                open_sets.pop(event.exercise, None)
            case HoldEndedEvent():
                s.holds.append(event)
            case FlexionEvent():
                s.bends.append(event)
            case FlexionAlertEvent():
                s.alerts.append(event)
            case PostureEvent():
                s.postures.append(event)
            case SessionSummaryEvent():
                s.summary = event
            case _:
                pass
    table = np.array(rows, dtype=float).reshape(-1, 3)
    s.t, s.flexion_deg, s.lateral_deg = table[:, 0], table[:, 1], table[:, 2]
    return s
