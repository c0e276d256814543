"""What a display knows about one sensor, folded from the MQTT messages it received.

The retained ``state`` message gives everything at once (a display that starts mid-session);
events move it on between state messages; angles feed the gauge. Events are de-duplicated by
``id`` (delivery is at least once). Routine events, when the service publishes them, are kept
as they come so the display can show now / next / done.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from dsp.events import (
    AngleEvent,
    CalibratedEvent,
    Event,
    FlexionAlertEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    HoldTickEvent,
    PostureEvent,
    RepEvent,
    SensorStatusEvent,
    SessionSummaryEvent,
    SetEndedEvent,
    parse_event,
)
from service.displays.feed import DisplayMessage
from service.displays.routine_view import RoutineView

SEEN_IDS = 5000


@dataclass
class HoldView:
    exercise: str
    side: str | None
    elapsed_s: float
    target_s: float
    ended: bool = False
    completed: bool = False


@dataclass
class SensorView:
    sensor: str
    link: str = "unknown"
    posture: str = "unknown"
    calibrated: bool = False
    battery_pct: int | None = None
    hold: HoldView | None = None
    rep_exercise: str | None = None
    rep_side: str | None = None
    rep_count: int = 0
    sets_done: dict[str, int] = field(default_factory=dict)
    set_ended: bool = False
    flexion_deg: float | None = None
    lateral_deg: float | None = None
    t: float = 0.0
    last_alert: FlexionAlertEvent | None = None
    summary: SessionSummaryEvent | None = None
    routine: RoutineView | None = None

    @property
    def set_number(self) -> int:
        done = self.sets_done.get(self.rep_exercise or "", 0)
        return done if self.set_ended else done + 1

    def fold_state(self, state: dict[str, Any]) -> None:
        self.posture = str(state.get("posture", self.posture))
        self.calibrated = bool(state.get("calibrated", self.calibrated))
        self.battery_pct = state.get("battery_pct", self.battery_pct)
        self.t = max(self.t, float(state.get("t", 0.0)))
        hold = state.get("hold")
        if isinstance(hold, dict):
            self.hold = HoldView(
                str(hold["exercise"]), hold.get("side"), hold["elapsed_s"], hold["target_s"]
            )
        current = state.get("set")
        if isinstance(current, dict) and int(current.get("count", 0)) >= self.rep_count:
            self.rep_exercise, self.rep_count = str(current["exercise"]), int(current["count"])
            self.set_ended = False

    def fold_event(self, event: Event) -> None:
        self.t = max(self.t, event.t)
        match event:
            case AngleEvent():
                self.flexion_deg, self.lateral_deg = event.flexion_deg, event.lateral_deg
            case PostureEvent():
                self.posture = event.posture
            case CalibratedEvent():
                self.calibrated = event.stage == "complete"
            case HoldStartedEvent():
                self.hold = HoldView(event.exercise, event.side, 0.0, event.target_s)
            case HoldTickEvent():
                self.hold = HoldView(event.exercise, event.side, event.elapsed_s, event.target_s)
            case HoldEndedEvent():
                self.hold = HoldView(
                    event.exercise,
                    event.side,
                    event.duration_s,
                    event.target_s,
                    ended=True,
                    completed=event.completed,
                )
            case RepEvent():
                self.rep_exercise, self.rep_side = event.exercise, event.side
                self.rep_count, self.set_ended = event.index, False
            case SetEndedEvent():
                self.sets_done[event.exercise] = self.sets_done.get(event.exercise, 0) + 1
                self.rep_exercise, self.rep_count, self.set_ended = (
                    event.exercise,
                    event.count,
                    True,
                )
            case FlexionAlertEvent():
                self.last_alert = event
            case SensorStatusEvent():
                if event.status in ("connected", "disconnected"):
                    self.link = "online" if event.status == "connected" else "offline"
                if event.status == "battery" and event.battery_pct is not None:
                    self.battery_pct = event.battery_pct
            case SessionSummaryEvent():
                self.summary = event
            case _ if event.type.startswith("routine_"):
                self.routine = self.routine or RoutineView()
                self.routine.fold(event)
            case _:
                pass


class DisplayModel:
    """Every sensor's :class:`SensorView`; ``apply(message)`` returns the event it carried
    (parsed, new) or ``None``."""

    def __init__(self) -> None:
        self.sensors: dict[str, SensorView] = {}
        self.service: str = "unknown"
        self.replies: deque[dict[str, Any]] = deque(maxlen=10)
        self._seen: deque[str] = deque(maxlen=SEEN_IDS)
        self._seen_set: set[str] = set()

    def view(self, sensor: str) -> SensorView:
        if sensor not in self.sensors:
            self.sensors[sensor] = SensorView(sensor)
        return self.sensors[sensor]

    def apply(self, m: DisplayMessage) -> Event | None:
        if m.kind == "service_status":
            self.service = str(m.payload)
            return None
        if m.sensor is None:
            return None
        view = self.view(m.sensor)
        if m.kind == "status":
            view.link = str(m.payload)
        elif m.kind == "state":
            view.fold_state(m.payload)
        elif m.kind == "reply":
            self.replies.append(m.payload)
        elif m.kind in ("angle", "event"):
            return self._event(view, m.payload)
        return None

    def _event(self, view: SensorView, payload: dict[str, Any]) -> Event | None:
        try:
            event = parse_event(json.dumps(payload))
        except ValidationError:
            return None  # a newer event type or a message that is not ours: not drawn
        if event.id and not isinstance(event, AngleEvent):
            if event.id in self._seen_set:
                return None
            if len(self._seen) == self._seen.maxlen:
                self._seen_set.discard(self._seen[0])
            self._seen.append(event.id)
            self._seen_set.add(event.id)
        view.fold_event(event)
        return event
