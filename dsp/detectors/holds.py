"""The hold timer: ``hold_started``, ``hold_tick`` (1 Hz), ``hold_ended`` with steadiness.

When a hold starts and ends is decided by :class:`dsp.detectors.excursion.ExcursionTracker`
(still at the top of an excursion; lowered, moved, signal lost, session ended). This module
turns those decisions into events and measures the hold while it lasts:

- ``sway_deg``: RMS angle between the orientation and its mean over the hold (for unit
  vectors ``mean |u - mean(u)|^2 = 1 - |mean(u)|^2``; the chord is the angle for small ones).
  Only samples up to the estimated end count, not the lowering that confirmed it.
- ``tremor_power``: mean over the hold of the squared band-passed acceleration (3-12 Hz,
  summed over the three axes), (m/s^2)^2. The band-pass runs on every sample with its state
  carried, so it is settled when a hold starts and independent of the chunking.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from dsp.detectors.frame import Frame
from dsp.detectors.happenings import HoldEnd, HoldStart
from dsp.detectors.settings import HoldSettings
from dsp.events import Event, HoldEndedEvent, HoldStartedEvent, HoldTickEvent, Side
from firmware_protocol.samples import FloatArray

Found = list[tuple[int, Event]]


@dataclass
class _Hold:
    exercise: str
    side: Side | None
    t_start: float
    target_s: float
    ticks: int = 0
    t: list[FloatArray] = field(default_factory=list)
    u: list[FloatArray] = field(default_factory=list)
    power: list[FloatArray] = field(default_factory=list)


class HoldTimer:
    def __init__(self, settings: HoldSettings, sensor: str) -> None:
        self.settings = settings
        self.sensor = sensor
        self.active: _Hold | None = None
        self._sos: FloatArray | None = None
        self._zi: FloatArray | None = None
        self._dt_s: float | None = None

    def reset_filter(self) -> None:
        self._zi = None

    def set_interval(self, dt_s: float | None) -> None:
        """The sample interval (learnt once by the tracker): designs the tremor band-pass."""
        if dt_s is None or self._dt_s is not None or dt_s <= 0:
            return
        self._dt_s = dt_s
        rate = 1.0 / dt_s
        lo, hi = self.settings.tremor_band_hz
        hi = min(hi, 0.45 * rate)
        if lo < hi:
            self._sos = signal.butter(2, [lo, hi], btype="bandpass", fs=rate, output="sos")

    def _tremor(self, acc: FloatArray) -> FloatArray:
        """Squared band-passed acceleration per sample (zeros when no band fits the rate)."""
        if self._sos is None or acc.shape[0] == 0:
            return np.zeros(acc.shape[0])
        if self._zi is None:
            self._zi = signal.sosfilt_zi(self._sos)[:, :, None] * acc[0][None, None, :]
        y, self._zi = signal.sosfilt(self._sos, acc, axis=0, zi=self._zi)
        return np.asarray(np.sum(y * y, axis=1), dtype=np.float64)

    def update(
        self,
        frame: Frame,
        decisions: list[HoldStart | HoldEnd],
        name: Callable[[HoldStart], tuple[str, Side | None]],
        target_s: Callable[[str], float],
    ) -> Found:
        """``name(start)``: exercise and side of a hold that starts so (its posture, its turn);
        ``target_s(exercise)``: its target."""
        found: Found = []
        power = self._tremor(frame.acc_mps2)
        i = 0
        for d in decisions:
            self._accumulate(frame, power, i, d.index, found)
            i = d.index
            if isinstance(d, HoldStart):
                ex, side = name(d)
                target = target_s(ex)
                self.active = _Hold(ex, side, d.t_start, target)
                found.append(
                    (
                        d.index,
                        HoldStartedEvent(
                            t=float(frame.t_s[d.index]),
                            sensor=self.sensor,
                            exercise=ex,
                            side=side,
                            target_s=target,
                            t_start=round(d.t_start, 4),
                        ),
                    )
                )
            elif self.active is not None:
                found.append((d.index, self._ended(float(frame.t_s[d.index]), d.t_end, d.reason)))
        self._accumulate(frame, power, i, len(frame), found)
        return found

    def _accumulate(self, frame: Frame, power: FloatArray, lo: int, hi: int, found: Found) -> None:
        hold = self.active
        if hold is None or hi <= lo:
            return
        t = frame.t_s[lo:hi]
        hold.t.append(t)
        hold.u.append(frame.u_body[lo:hi])
        hold.power.append(power[lo:hi])
        k = np.floor((t - hold.t_start) / self.settings.tick_s).astype(np.int64)
        prev = np.concatenate([[hold.ticks], k[:-1]])
        for j in np.flatnonzero((k > prev) & (k > hold.ticks)):
            hold.ticks = int(k[j])
            found.append(
                (
                    lo + int(j),
                    HoldTickEvent(
                        t=float(t[j]),
                        sensor=self.sensor,
                        exercise=hold.exercise,
                        side=hold.side,
                        elapsed_s=round(hold.ticks * self.settings.tick_s, 3),
                        target_s=hold.target_s,
                    ),
                )
            )

    def _ended(self, t: float, t_end: float, reason: str) -> HoldEndedEvent:
        hold = self.active
        assert hold is not None
        self.active = None
        duration = max(0.0, t_end - hold.t_start)
        sway = 0.0
        tremor = 0.0
        if hold.t:
            keep = np.concatenate(hold.t) <= t_end
            if keep.any():
                mean = np.concatenate(hold.u)[keep].mean(axis=0)
                sway = float(np.degrees(np.sqrt(max(0.0, 1.0 - float(mean @ mean)))))
                tremor = float(np.concatenate(hold.power)[keep].mean())
        return HoldEndedEvent.model_validate(
            {
                "t": t,
                "sensor": self.sensor,
                "exercise": hold.exercise,
                "side": hold.side,
                "t_start": round(hold.t_start, 4),
                "duration_s": round(duration, 3),
                "target_s": hold.target_s,
                "completed": duration >= hold.target_s,
                "reason": reason,
                "sway_deg": round(sway, 3),
                "tremor_power": round(tremor, 6),
            }
        )

    def close(self, t_s: float, reason: str) -> list[Event]:
        """Signal lost or session ended: the hold ends at the last sample seen."""
        if self.active is None:
            return []
        return [self._ended(t_s, t_s, reason)]
