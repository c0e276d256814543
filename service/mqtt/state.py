"""The retained ``<prefix>/<sensor>/state`` message: the current state, folded from events.

A display that connects in the middle of a session reads this one retained message and knows
the posture, the hold in progress (elapsed and target), the rep count of the current set, the
last alert, the battery and whether the sensor is connected, without replaying history.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from dsp.events import (
    AngleEvent,
    CalibratedEvent,
    Event,
    FlexionAlertEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    Posture,
    PostureEvent,
    RepEvent,
    SensorStatusEvent,
    SessionSummaryEvent,
    SetEndedEvent,
    Side,
)
from service.mqtt.routine_state import RoutineState, fold_routine


class HoldState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    exercise: str
    side: Side | None = None
    t_start: float = Field(description="seconds since session start")
    elapsed_s: float
    target_s: float


class SetState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    exercise: str
    count: int = Field(description="reps so far in the current set")


class AlertState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    t: float
    reason: str
    count: int
    id: str


class SensorState(BaseModel):
    """What ``<prefix>/<sensor>/state`` holds (retained, republished on every change)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    sensor: str
    t: float = Field(default=0.0, description="time of the last event that changed the state, s")
    seq: int = Field(default=0, description="seq of the last event that changed the state")
    connected: bool = False
    calibrated: bool = False
    posture: Posture = "unknown"
    hold: HoldState | None = None
    set: SetState | None = None
    last_alert: AlertState | None = None
    battery_pct: int | None = None
    session_ended: bool = False
    routine: RoutineState | None = Field(
        default=None, description="the guided routine, if one runs or ran (docs/routines.md)"
    )


def fold(state: SensorState, event: Event) -> SensorState:
    """``state`` after ``event``; the same object when nothing a display shows changed.

    Angle events do not change the state (they have their own topic at 10 Hz); everything a
    display needs to redraw does.
    """
    if isinstance(event, AngleEvent):
        return state
    changes: dict[str, object] = {"t": event.t, "seq": event.seq}
    match event:
        case PostureEvent():
            changes["posture"] = event.posture
        case CalibratedEvent():
            changes["calibrated"] = event.stage == "complete"
        case HoldStartedEvent():
            t_start = event.t_start if event.t_start is not None else event.t
            changes["hold"] = HoldState(
                exercise=event.exercise,
                side=event.side,
                t_start=t_start,
                elapsed_s=round(event.t - t_start, 3),
                target_s=event.target_s,
            )
        case HoldTickEvent():
            t_start = state.hold.t_start if state.hold else event.t - event.elapsed_s
            changes["hold"] = HoldState(
                exercise=event.exercise,
                side=event.side,
                t_start=t_start,
                elapsed_s=event.elapsed_s,
                target_s=event.target_s,
            )
        case HoldEndedEvent():
            changes["hold"] = None
        case RepEvent():
            changes["set"] = SetState(exercise=event.exercise, count=event.index)
        case SetEndedEvent():
            changes["set"] = None
        case FlexionAlertEvent():
            changes["last_alert"] = AlertState(
                t=event.t, reason=event.reason, count=event.count, id=event.id
            )
        case SensorStatusEvent():
            if event.status == "connected":
                changes["connected"] = True
            elif event.status == "disconnected":
                changes["connected"] = False
                changes["hold"] = None
            elif event.status == "battery" and event.battery_pct is not None:
                changes["battery_pct"] = event.battery_pct
        case SessionSummaryEvent():
            changes.update(session_ended=True, hold=None, set=None)
        case _ if event.type.startswith("routine_"):
            changes["routine"] = fold_routine(state.routine, event)
        case _:
            pass
    if all(getattr(state, k) == v for k, v in changes.items() if k not in _STAMP):
        return state  # nothing a display shows changed: no republish of the retained message
    return state.model_copy(update=changes)


_STAMP = frozenset({"t", "seq"})
"""Fields saying which event was folded in last; a change of these alone is no change."""
