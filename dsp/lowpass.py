"""Butterworth low-pass in second-order sections with its state carried between chunks."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import signal

from dsp.iir import lfilter_state
from firmware_protocol.samples import FloatArray


class LowPassSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cutoff_hz: float = Field(default=2.0, gt=0, description="-3 dB corner, Hz")
    order: int = Field(default=2, ge=1, le=8, description="Butterworth order")


class SectionFilter:
    """Any filter in second-order sections (``sos`` from ``scipy.signal.butter(...,
    output="sos")``) over ``(n, channels)`` arrays, state carried between chunks.

    The state starts at the steady state of the first sample (no start-up transient), so
    chunking never changes the output. Each section runs as its own ``lfilter``: for the few
    samples of a live chunk, ``sosfilt``'s Python wrapper costs about 25 us a call against
    5 us for ``lfilter`` (1.5 us for its kernel, see :mod:`dsp.iir`), and an order-2 low-pass
    is a single section. (The two round differently in the last bit; the library's events are
    the same, see docs/performance.md.)
    """

    def __init__(self, sos: FloatArray) -> None:
        self._sections = [(np.array(s[:3]), np.array(s[3:])) for s in sos]
        self._zi_unit = signal.sosfilt_zi(sos)  # (sections, 2): state per unit step input
        self._zi: list[FloatArray] | None = None

    def reset(self) -> None:
        self._zi = None

    def update(self, x: FloatArray) -> FloatArray:
        if x.shape[0] == 0:
            return x.copy()
        if self._zi is None:
            self._zi = [z[:, None] * x[0][None, :] for z in self._zi_unit]
        y = x
        for k, (b, a) in enumerate(self._sections):
            y, self._zi[k] = lfilter_state(b, a, y, self._zi[k])
        return np.asarray(y, dtype=np.float64)


class LowPass(SectionFilter):
    """Butterworth low-pass: ``update(x)`` filters ``x`` of shape ``(n, channels)``;
    ``reset()`` after a gap (see :class:`SectionFilter`)."""

    def __init__(self, settings: LowPassSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        # Keep the corner below Nyquist even for slow sensors (a 10 Hz WitMotion).
        cutoff = min(settings.cutoff_hz, 0.45 * rate_hz)
        super().__init__(signal.butter(settings.order, cutoff, fs=rate_hz, output="sos"))
