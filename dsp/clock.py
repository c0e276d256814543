"""Sample clock: a time for every sample, gaps found and reported, never bridged.

Devices without timestamps (WitMotion, micro:bit, Thingy:52, MetaWear) only give us the host
arrival time of each notification. Arrivals are late by a variable BLE latency and come in
bursts, so a sample can never be later than its arrival. We take the *lower envelope*:

    t_j = min over i <= j of (a_i + (j - i) * P')

with P' the nominal period stretched by ``rate_slack`` (so a sensor running slightly slow is
followed too: the estimate drifts late by at most ``rate_slack`` per sample until an early
arrival pulls it back). This equals ``j * P' + cummin(a_i - i * P')``: a running minimum, so the
state is one number and any chunking gives exactly the same times.

A gap (arrival spacing beyond ``max(gap_min_s, gap_periods / rate)``, device time going
backwards, or a disconnect) starts a new segment anchored at the next arrival.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from firmware_protocol.samples import FloatArray


class ClockSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    gap_min_s: float = Field(
        default=0.3, gt=0, description="arrival spacing that is always a gap, seconds"
    )
    gap_periods: float = Field(
        default=5.0, gt=1, description="arrival spacing in nominal periods that is a gap"
    )
    rate_slack: float = Field(
        default=0.02,
        ge=0,
        lt=0.5,
        description="how much slower than nominal the device may run and still be followed",
    )


@dataclass(frozen=True, slots=True)
class ClockOutput:
    """``t_s``: one time per sample. ``segment_starts``: indices where a new segment begins
    after a gap, with the gap length in seconds (``None`` for the very first sample)."""

    t_s: FloatArray
    segment_starts: tuple[tuple[int, float | None], ...]


class SampleClock:
    def __init__(self, settings: ClockSettings | None = None) -> None:
        self.settings = settings or ClockSettings()
        self._started = False
        self._force_gap = False
        self._last_arrival = 0.0
        self._last_t = 0.0
        self._j = 0  # index of the next sample in the current segment
        self._envelope = np.inf  # running min of a_i - i * P'

    def reset(self) -> None:
        """The link was lost: the next sample starts a new segment."""
        self._force_gap = True

    def gap_threshold_s(self, rate_hz: float) -> float:
        return max(self.settings.gap_min_s, self.settings.gap_periods / rate_hz)

    def update(
        self, t_host_s: FloatArray, rate_hz: float, t_device_s: FloatArray | None = None
    ) -> ClockOutput:
        n = t_host_s.shape[0]
        if n == 0:
            return ClockOutput(np.empty(0), ())
        ref = t_device_s if t_device_s is not None else t_host_s
        step = np.empty(n)  # from the sample before (the last one of the previous batch)
        step[0] = ref[0] - (self._last_arrival if t_device_s is None else self._last_t)
        np.subtract(ref[1:], ref[:-1], out=step[1:])
        breaks = step > self.gap_threshold_s(rate_hz)
        if t_device_s is not None:
            breaks |= step <= 0
        if self._force_gap or not self._started:
            breaks[0] = True
        starts = np.flatnonzero(breaks)

        segment_starts: list[tuple[int, float | None]] = []
        for k in starts:
            # Time from the last sample before the gap to the first after it.
            gap = None if not self._started else float(step[k])
            segment_starts.append((int(k), gap))
            self._started = True

        if t_device_s is not None:
            t = np.array(t_device_s, dtype=np.float64)
        else:
            t = self._host_times(t_host_s, rate_hz, starts)
        self._force_gap = False
        self._last_arrival = float(t_host_s[-1])
        self._last_t = float(t[-1])
        return ClockOutput(t, tuple(segment_starts))

    def _host_times(self, a: FloatArray, rate_hz: float, starts: np.ndarray) -> FloatArray:
        period = (1.0 + self.settings.rate_slack) / rate_hz
        n = a.shape[0]
        if starts.size == 0 or (starts.size == 1 and starts[0] == 0):
            # One segment (the usual batch): the loop below without its bookkeeping.
            if starts.size:
                self._j, self._envelope = 0, np.inf
            jp = (self._j + np.arange(n)) * period
            env = np.minimum.accumulate(a - jp)
            np.minimum(env, self._envelope, out=env)
            self._j += n
            self._envelope = float(env[-1])
            return np.asarray(env + jp, dtype=np.float64)
        t = np.empty(n)
        bounds = [0, *[int(s) for s in starts if s > 0], n]
        for lo, hi in itertools.pairwise(bounds):
            if lo == hi:
                continue
            if lo in starts:
                self._j, self._envelope = 0, np.inf
            j = self._j + np.arange(hi - lo)
            env = np.minimum.accumulate(a[lo:hi] - j * period)
            env = np.minimum(env, self._envelope)
            t[lo:hi] = env + j * period
            self._j += hi - lo
            self._envelope = float(env[-1])
        return t
