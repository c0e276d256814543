"""The numeric data that flows between the layers.

``firmware_protocol`` is the lowest layer, so the plain data types that ``sensor`` produces
and ``dsp`` consumes live here (they hold numpy arrays and nothing else; no I/O).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

STANDARD_GRAVITY_MPS2 = 9.80665
"""Conversion from g to m/s^2 used everywhere (the protocol notes all use it)."""


@dataclass(frozen=True, slots=True)
class DecodedSamples:
    """What a decoder makes of one payload: samples in SI units, no host timing yet.

    ``acc_mps2`` is specific force including gravity, shape ``(n, 3)``, in the sensor frame.
    ``gyro_dps`` is angular rate in deg/s, shape ``(n, 3)``, or ``None`` for sensors without a
    gyroscope. ``t_device_s`` holds per-sample device times in seconds where the device sends
    timestamps (``None`` otherwise: the host sample clock in ``dsp.clock`` applies).
    """

    acc_mps2: FloatArray
    gyro_dps: FloatArray | None = None
    t_device_s: FloatArray | None = None

    def __len__(self) -> int:
        return int(self.acc_mps2.shape[0])

    @staticmethod
    def empty(with_gyro: bool) -> DecodedSamples:
        return DecodedSamples(
            acc_mps2=np.empty((0, 3)), gyro_dps=np.empty((0, 3)) if with_gyro else None
        )


@dataclass(frozen=True, slots=True)
class SampleBatch:
    """A run of consecutive samples from one sensor, as handed to ``dsp.Pipeline``.

    ``t_host_s``: host arrival time of the packet each sample came in, seconds since the start
    of the session (samples of one packet share it). ``t_device_s``: sample times given by the
    device or by a samples CSV, seconds since session start, or ``None`` when the pipeline has
    to reconstruct them from arrival times and ``nominal_rate_hz``.
    ``gap_before``: the source knows samples are missing before this batch (a disconnect).
    """

    sensor: str
    t_host_s: FloatArray
    acc_mps2: FloatArray
    gyro_dps: FloatArray | None
    t_device_s: FloatArray | None
    nominal_rate_hz: float
    gap_before: bool = False

    def __len__(self) -> int:
        return int(self.acc_mps2.shape[0])

    def __post_init__(self) -> None:
        n = self.acc_mps2.shape[0]
        if self.acc_mps2.shape != (n, 3):
            raise ValueError(f"acc_mps2 must be (n, 3), got {self.acc_mps2.shape}")
        if self.t_host_s.shape != (n,):
            raise ValueError(f"t_host_s must be ({n},), got {self.t_host_s.shape}")
        if self.gyro_dps is not None and self.gyro_dps.shape != (n, 3):
            raise ValueError(f"gyro_dps must be ({n}, 3), got {self.gyro_dps.shape}")
        if self.t_device_s is not None and self.t_device_s.shape != (n,):
            raise ValueError(f"t_device_s must be ({n},), got {self.t_device_s.shape}")

    @property
    def has_gyro(self) -> bool:
        return self.gyro_dps is not None


@dataclass(frozen=True, slots=True)
class Packet:
    """One BLE notification as a raw recording holds it.

    ``t_s``: host arrival time, seconds since session start. ``char_uuid``: full 128-bit UUID,
    lower case. ``payload``: the bytes exactly as received.
    """

    t_s: float
    char_uuid: str
    payload: bytes
