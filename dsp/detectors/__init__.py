"""Detectors on top of the chain: holds, reps and sets, flexion alerts, the session summary.

:class:`Detectors` is what the pipeline calls; each detector inside is a small class with its
own state. They all see :class:`dsp.detectors.frame.Frame` s and return ``(index, event)``.
"""

from __future__ import annotations

from dsp.detectors.alerts import FlexionAlerts
from dsp.detectors.exercises import PRESCRIBED_FLEXION, check_exercise
from dsp.detectors.frame import Frame
from dsp.detectors.settings import DetectorSettings
from dsp.detectors.summary import SessionTotals
from dsp.events import Event, SessionSummaryEvent

__all__ = ["DetectorSettings", "Detectors", "Frame"]

Found = list[tuple[int, Event]]


class Detectors:
    def __init__(self, settings: DetectorSettings, sensor: str) -> None:
        self.settings = settings
        self.sensor = sensor
        self.exercise: str | None = None
        self.hold_target_s: float | None = None
        self._alerts = FlexionAlerts(settings.alerts)
        self.totals = SessionTotals(settings.zones)

    def set_exercise(self, name: str | None) -> None:
        """What the person says they are doing (``None``/``"auto"``: recognise it)."""
        self.exercise = check_exercise(name)
        self._alerts.suppress_sustained = self.exercise in PRESCRIBED_FLEXION

    def set_hold_target(self, seconds: float | None) -> None:
        self.hold_target_s = seconds

    def update(self, frame: Frame) -> Found:
        found: Found = []
        found += self._alerts.update(frame, self.sensor)
        self.totals.add_frame(frame)
        found.sort(key=lambda item: item[0])
        for _, event in found:
            self.totals.add_event(event)
        return found

    def on_gap(self, t_s: float) -> list[Event]:
        """Signal lost: close what is open; nothing is bridged across the gap."""
        self._alerts.reset()
        return []

    def finish(self, t_start: float, t_end: float, malformed_total: int) -> list[Event]:
        summary: SessionSummaryEvent = self.totals.summary(
            t_start, t_end, self.sensor, malformed_total
        )
        return [summary]
