"""Butterworth low-pass in second-order sections with its state carried between chunks."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import signal

from firmware_protocol.samples import FloatArray


class LowPassSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cutoff_hz: float = Field(default=2.0, gt=0, description="-3 dB corner, Hz")
    order: int = Field(default=2, ge=1, le=8, description="Butterworth order")


class LowPass:
    """``update(x)`` filters ``x`` of shape ``(n, channels)``; ``reset()`` after a gap.

    The state starts at the steady state of the first sample (no start-up transient), and
    ``scipy.signal.sosfilt``'s ``zi`` is carried, so chunking never changes the output.
    """

    def __init__(self, settings: LowPassSettings, rate_hz: float) -> None:
        self.settings = settings
        self.rate_hz = rate_hz
        # Keep the corner below Nyquist even for slow sensors (a 10 Hz WitMotion).
        cutoff = min(settings.cutoff_hz, 0.45 * rate_hz)
        self._sos = signal.butter(settings.order, cutoff, fs=rate_hz, output="sos")
        self._zi_unit = signal.sosfilt_zi(self._sos)  # (sections, 2)
        self._zi: FloatArray | None = None

    def reset(self) -> None:
        self._zi = None

    def update(self, x: FloatArray) -> FloatArray:
        if x.shape[0] == 0:
            return x.copy()
        if self._zi is None:
            self._zi = self._zi_unit[:, :, None] * x[0][None, None, :]
        y, self._zi = signal.sosfilt(self._sos, x, axis=0, zi=self._zi)
        return np.asarray(y, dtype=np.float64)
