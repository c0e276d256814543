"""Session totals for the summary event: exposure by zone, bends, reps, holds, alerts."""

from __future__ import annotations

import numpy as np

from dsp.detectors.frame import POSTURE_CODE, Frame
from dsp.detectors.settings import FlexionZoneSettings
from dsp.events import (
    Event,
    FlexionAlertEvent,
    HoldEndedEvent,
    SessionSummaryEvent,
    SetEndedEvent,
)


class SessionTotals:
    """Accumulates over the whole session; ``summary(t_end)`` makes the event."""

    def __init__(self, zones: FlexionZoneSettings) -> None:
        self.zones = zones
        self.time_in_zone_s = {"neutral": 0.0, "moderate": 0.0, "severe": 0.0}
        self.bends = 0
        self.deepest_bend_deg: float | None = None
        self.reps: dict[str, list[int]] = {}
        self.holds: list[dict[str, float | str | bool | None]] = []
        self.alerts: dict[str, int] = {"repeated": 0, "sustained": 0}
        self._t_prev: float | None = None

    def add_frame(self, frame: Frame) -> None:
        t = frame.t_s
        if len(frame) == 0:
            return
        # Each sample stands for the time since the previous one (bounded: no gap time).
        dt = np.diff(t, prepend=t[0] if self._t_prev is None else self._t_prev)
        dt = np.clip(dt, 0.0, 0.5)
        self._t_prev = float(t[-1])
        upright = frame.posture_code == POSTURE_CODE["upright"]
        flex = frame.flexion_deg
        z = self.zones
        self.time_in_zone_s["neutral"] += float(dt[upright & (flex < z.neutral_max_deg)].sum())
        self.time_in_zone_s["moderate"] += float(
            dt[upright & (flex >= z.neutral_max_deg) & (flex <= z.moderate_max_deg)].sum()
        )
        self.time_in_zone_s["severe"] += float(dt[upright & (flex > z.moderate_max_deg)].sum())
        for ep in frame.episodes:
            self.bends += 1
            depth = ep.peak_deg - ep.baseline_deg
            if self.deepest_bend_deg is None or depth > self.deepest_bend_deg:
                self.deepest_bend_deg = round(depth, 2)

    def add_event(self, event: Event) -> None:
        match event:
            case SetEndedEvent():
                self.reps.setdefault(event.exercise, []).append(event.count)
            case HoldEndedEvent():
                self.holds.append(
                    {
                        "exercise": event.exercise,
                        "side": event.side,
                        "t_start": event.t_start,
                        "duration_s": event.duration_s,
                        "target_s": event.target_s,
                        "completed": event.completed,
                    }
                )
            case FlexionAlertEvent():
                self.alerts[event.reason] = self.alerts.get(event.reason, 0) + 1
            case _:
                pass

    def summary(
        self, t_start: float, t_end: float, sensor: str, malformed_total: int
    ) -> SessionSummaryEvent:
        duration = max(0.0, t_end - t_start)
        return SessionSummaryEvent(
            t=t_end,
            sensor=sensor,
            duration_s=round(duration, 3),
            reps=self.reps,
            holds=self.holds,
            time_in_zone_s={k: round(v, 2) for k, v in self.time_in_zone_s.items()},
            bends=self.bends,
            bends_per_hour=round(self.bends * 3600.0 / duration, 2) if duration > 0 else 0.0,
            deepest_bend_deg=self.deepest_bend_deg,
            alerts=dict(self.alerts),
            malformed_total=malformed_total,
        )
