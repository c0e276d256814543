"""Detectors on top of the chain: holds, reps and sets, flexion alerts, the session summary.

:class:`Detectors` is what the pipeline calls; each detector inside is a small class with its
own state. They all see :class:`dsp.detectors.frame.Frame` s and return ``(index, event)``.
"""

from __future__ import annotations

from dsp.detectors.alerts import FlexionAlerts
from dsp.detectors.excursion import SIDE_CODES, ExcursionTracker
from dsp.detectors.exercises import (
    DEFAULT_HOLD_TARGET_S,
    EXERCISE_POSTURES,
    HOLD_TARGET_S,
    PRESCRIBED_FLEXION,
    check_exercise,
)
from dsp.detectors.frame import POSTURE_CODE, POSTURES, Frame
from dsp.detectors.happenings import HoldEnd, HoldStart, PostureChanged, Returned
from dsp.detectors.holds import HoldTimer
from dsp.detectors.reps import RepCounter
from dsp.detectors.settings import DetectorSettings
from dsp.detectors.sides import hold_side
from dsp.detectors.summary import SessionTotals
from dsp.events import Event, SessionSummaryEvent, Side
from firmware_protocol.samples import FloatArray

__all__ = ["DetectorSettings", "Detectors", "Frame"]

Found = list[tuple[int, Event]]


class Detectors:
    def __init__(self, settings: DetectorSettings, sensor: str) -> None:
        self.settings = settings
        self.sensor = sensor
        self.exercise: str | None = None
        self.hold_target_s: float | None = None
        self._alerts = FlexionAlerts(settings.alerts)
        self._tracker = ExcursionTracker(settings.reps, settings.holds)
        self._holds = HoldTimer(settings.holds, sensor)
        self._reps = RepCounter(settings.reps, sensor)
        self.totals = SessionTotals(settings.zones)
        self._last_t: float | None = None

    def set_exercise(self, name: str | None) -> None:
        """What the person says they are doing (``None``/``"auto"``: recognise it)."""
        exercise = check_exercise(name)
        if exercise != self.exercise:
            self._reps.pending_close = True  # a new exercise starts a new set
        self.exercise = exercise
        self._alerts.suppress_sustained = self.exercise in PRESCRIBED_FLEXION

    def set_hold_target(self, seconds: float | None) -> None:
        self.hold_target_s = seconds

    def new_set(self) -> None:
        """The next rep starts a new set (a routine moved to the other side)."""
        self._reps.pending_close = True

    def set_calibration_bend(self, span_s: tuple[float, float] | None) -> None:
        """The bend auto-calibration learnt forward from (``t`` from, to): the person was
        asked for it, so it is no rep and never counts toward a repeated-flexion warning."""
        self._reps.ignore_span_s = span_s
        self._alerts.ignore_span_s = span_s

    # --- which holds are timed ------------------------------------------------------------------

    def _hold_min_deg(self, code: int) -> float | None:
        """Auto: only the side plank (lying on a side, hips up, still) is recognised without
        being told. A known exercise with a prescribed hold is timed in any other posture."""
        s = self.settings.holds
        if code in SIDE_CODES:
            return s.side_plank_min_tip_deg if self.exercise in (None, "side_plank") else None
        if (
            self.exercise in HOLD_TARGET_S
            and self.exercise != "side_plank"
            and self._in_place(code)
        ):
            return s.min_excursion_deg
        return None

    def _in_place(self, code: int, rest_up: FloatArray | None = None) -> bool:
        """In the posture the known exercise is done in (the way there is not the exercise).

        Judged from the posture, or from the rest orientation itself when the posture tracker
        has not (yet) resolved it: face down is prone or hands and knees only by height."""
        if self.exercise is None:
            return True
        places = EXERCISE_POSTURES.get(self.exercise)
        if places is None or POSTURES[code] in places:
            return True
        up = self._tracker.ref if rest_up is None else rest_up
        if up is None:
            return False
        lying = self.settings.reps.lying_min_component
        if up[0] >= lying:
            return "supine" in places
        if up[0] <= -lying:
            return "prone" in places or "quadruped" in places
        return False

    def _hold_name(self, start: HoldStart) -> tuple[str, Side | None]:
        """The hold that starts so: in posture ``start.posture_code`` (its decision's, not the
        frame's last), turned ``start.rotation_deg`` from rest (a one-sided hold's side)."""
        code = start.posture_code
        if code in SIDE_CODES and self.exercise in (None, "side_plank"):
            side: Side = "left" if code == POSTURE_CODE["side_left"] else "right"
            return "side_plank", side
        if self.exercise is None:
            return "unknown", None
        return self.exercise, hold_side(self.exercise, start.rotation_deg, self.settings.holds)

    def _target_s(self, exercise: str) -> float:
        if self.hold_target_s is not None:
            return self.hold_target_s
        return HOLD_TARGET_S.get(exercise, DEFAULT_HOLD_TARGET_S)

    # --- the chain's calls ----------------------------------------------------------------------

    def update(self, frame: Frame) -> Found:
        found: Found = []
        found += self._alerts.update(frame, self.sensor)
        if len(frame):
            happenings = self._tracker.update(
                frame.t_s, frame.u_body, frame.posture_code, self._hold_min_deg
            )
            self._holds.set_interval(self._tracker.dt_s)
            hold_decisions = [h for h in happenings if isinstance(h, HoldStart | HoldEnd)]
            found += self._holds.update(frame, hold_decisions, self._hold_name, self._target_s)
            rep_decisions = [h for h in happenings if isinstance(h, Returned | PostureChanged)]
            found += self._reps.update(frame, rep_decisions, self.exercise, self._in_place)
            self._last_t = float(frame.t_s[-1])
        self.totals.add_frame(frame)
        found.sort(key=lambda item: item[0])
        for _, event in found:
            self.totals.add_event(event)
        return found

    def on_gap(self, t_s: float) -> list[Event]:
        """Signal lost: close what is open; nothing is bridged across the gap."""
        self._alerts.reset()
        out = self._holds.close(t_s, "signal_lost")
        out += self._reps.close(t_s)
        self._tracker.reset()
        self._holds.reset_filter()
        for event in out:
            self.totals.add_event(event)
        return out

    def finish(self, t_start: float, t_end: float, malformed_total: int) -> list[Event]:
        end = self._last_t if self._last_t is not None else t_end
        out = self._holds.close(end, "session_ended")
        out += self._reps.close(end)
        for event in out:
            self.totals.add_event(event)
        summary: SessionSummaryEvent = self.totals.summary(
            t_start, t_end, self.sensor, malformed_total
        )
        return [*out, summary]
