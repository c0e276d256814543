"""Decoded packets gathered into one :class:`SampleBatch` (arrays concatenated once).

Used by :class:`sensor.decode_loop.DecodeLoop`, so a recording and the live run it was made
from cut their samples into batches the same way.
"""

from __future__ import annotations

import numpy as np

from firmware_protocol.samples import DecodedSamples, FloatArray, SampleBatch


class BatchBuilder:
    """Collect ``add(t_host_s, samples)`` per packet; ``flush`` makes the batch."""

    def __init__(self) -> None:
        self._t: list[FloatArray] = []
        self._acc: list[FloatArray] = []
        self._gyro: list[FloatArray] = []
        self._tdev: list[FloatArray] = []
        self.packets = 0
        """Packets added since the last flush, including those that carried no samples."""

    def add(self, t_host_s: float, samples: DecodedSamples) -> None:
        self.packets += 1
        n = len(samples)
        if n == 0:
            return
        self._t.append(np.full(n, t_host_s))
        self._acc.append(samples.acc_mps2)
        if samples.gyro_dps is not None:
            self._gyro.append(samples.gyro_dps)
        if samples.t_device_s is not None:
            self._tdev.append(samples.t_device_s)

    def add_many(self, t_host_s: FloatArray, samples: DecodedSamples, packets: int) -> None:
        """Samples of ``packets`` notifications decoded at once, each with its arrival time."""
        self.packets += packets
        if len(samples) == 0:
            return
        self._t.append(t_host_s)
        self._acc.append(samples.acc_mps2)
        if samples.gyro_dps is not None:
            self._gyro.append(samples.gyro_dps)
        if samples.t_device_s is not None:
            self._tdev.append(samples.t_device_s)

    def flush(self, sensor: str, rate_hz: float, gap_before: bool) -> SampleBatch | None:
        """The samples added since the last flush, or ``None`` when there were none.

        Gyro and device times are kept only when every packet carried them.
        """
        self.packets = 0
        if not self._t:
            return None
        parts = len(self._t)
        batch = SampleBatch(
            sensor=sensor,
            t_host_s=np.concatenate(self._t),
            acc_mps2=np.concatenate(self._acc).reshape(-1, 3),
            gyro_dps=np.concatenate(self._gyro) if len(self._gyro) == parts else None,
            t_device_s=np.concatenate(self._tdev) if len(self._tdev) == parts else None,
            nominal_rate_hz=rate_hz,
            gap_before=gap_before,
        )
        self._t, self._acc, self._gyro, self._tdev = [], [], [], []
        return batch
