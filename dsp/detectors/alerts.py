"""Repeated and sustained forward-flexion alerts (thresholds in :class:`AlertSettings`)."""

from __future__ import annotations

from collections import deque

import numpy as np

from dsp.detectors.frame import Frame
from dsp.detectors.settings import AlertSettings
from dsp.events import FlexionAlertEvent, FlexionEpisodeRef
from dsp.flexion import FlexionEpisode

Found = list[tuple[int, FlexionAlertEvent]]
#: |forward component| of world-up from which the trunk is face down (dsp.posture's default
#: ``lying_min_component``).
FACE_DOWN_MIN_COMPONENT = 0.7


class FlexionAlerts:
    """``update(frame, sensor)`` -> alerts with their index in the frame.

    ``suppress_sustained``: the current exercise prescribes sustained flexion (the "L"
    stretch); a prescribed exercise never raises an alert for what it prescribes.
    """

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings
        self._recent: deque[FlexionEpisode] = deque()
        self._above_since: float | None = None  # sustained: time the arm angle was passed
        self._alerted = False  # sustained alert raised for the current excursion
        self.suppress_sustained = False
        self.suppress_repeated = False
        self.counts: dict[str, int] = {"repeated": 0, "sustained": 0}
        self.ignore_span_s: tuple[float, float] | None = None  # the calibration bend

    def reset(self) -> None:
        """After a gap: a bend may not be stitched together across it."""
        self._above_since = None
        self._alerted = False

    def update(self, frame: Frame, sensor: str) -> Found:
        found: Found = []
        span = self.ignore_span_s
        for ep in () if frame.calibration_bend else frame.episodes:
            if span is not None and ep.t_start <= span[1] and ep.t_end >= span[0]:
                continue  # the bend auto-calibration asked for
            alert = self._repeated(frame, ep, sensor)
            if alert is not None:
                found.append((ep.index, alert))
        found += self._sustained(frame, sensor)
        found.sort(key=lambda item: item[0])
        return found

    def _repeated(self, frame: Frame, ep: FlexionEpisode, sensor: str) -> FlexionAlertEvent | None:
        s = self.settings
        if ep.peak_deg - ep.baseline_deg < s.repeated_depth_deg or self.suppress_repeated:
            return None
        self._recent.append(ep)
        while self._recent and ep.t_end - self._recent[0].t_end > s.repeated_window_s:
            self._recent.popleft()
        if len(self._recent) < s.repeated_count:
            return None
        episodes = tuple(
            FlexionEpisodeRef(
                t_start=round(e.t_start, 4), t_end=round(e.t_end, 4), peak_deg=round(e.peak_deg, 2)
            )
            for e in self._recent
        )
        self._recent.clear()  # re-arm: the next alert needs a full new run of bends
        self.counts["repeated"] += 1
        return FlexionAlertEvent(
            t=float(frame.t_s[ep.index]),
            sensor=sensor,
            reason="repeated",
            count=len(episodes),
            window_s=s.repeated_window_s,
            threshold_deg=s.repeated_depth_deg,
            episodes=episodes,
        )

    def _sustained(self, frame: Frame, sensor: str) -> Found:
        s = self.settings
        base = frame.baseline_deg()
        # Trunk near horizontal, belly down, with the lumbar height unknown: a bend held
        # standing and hands and knees look the same to gravity (dsp.posture), and the
        # posture stays upright only for want of a height. No warning on a guess.
        unsure = (frame.u_body[:, 0] <= -FACE_DOWN_MIN_COMPONENT) & np.isnan(frame.heights_m)
        rel = np.where(np.isnan(base) | unsure, -np.inf, frame.flexion_deg - base)
        t = frame.t_s
        found: Found = []
        i, n = 0, len(frame)
        while i < n:
            if self._above_since is None:
                hits = np.flatnonzero(rel[i:] > s.sustained_arm_deg)
                if hits.size == 0:
                    break
                i += int(hits[0])
                self._above_since = float(t[i])
                self._alerted = False
                continue
            ends = np.flatnonzero(rel[i:] < s.sustained_rearm_deg)
            j = i + int(ends[0]) if ends.size else n
            if not self._alerted and not self.suppress_sustained:
                due = np.flatnonzero(t[i:j] - self._above_since > s.sustained_s)
                if due.size:
                    k = i + int(due[0])
                    self._alerted = True
                    self.counts["sustained"] += 1
                    found.append(
                        (
                            k,
                            FlexionAlertEvent(
                                t=float(t[k]),
                                sensor=sensor,
                                reason="sustained",
                                count=1,
                                window_s=round(float(t[k]) - self._above_since, 3),
                                threshold_deg=s.sustained_arm_deg,
                            ),
                        )
                    )
            if j == n:
                break
            self._above_since = None
            i = j
        return found
