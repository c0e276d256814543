"""What every emulated sensor offers the fake BlueZ: a GATT table, reads, writes, a stream."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from fakebluez.motion import FloatArray, Motion

Notification = tuple[str, bytes]
"""(characteristic UUID, payload) to send as a notification."""


@dataclass
class CharSpec:
    uuid: str
    flags: tuple[str, ...]
    value: bytes = b""


@dataclass
class ServiceSpec:
    uuid: str
    chars: tuple[CharSpec, ...] = field(default_factory=tuple)


BATTERY_SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"


def battery_service(level_pct: int) -> ServiceSpec:
    """The standard Battery Service (read + notify, one uint8 percent)."""
    return ServiceSpec(
        BATTERY_SERVICE_UUID,
        (CharSpec(BATTERY_LEVEL_UUID, ("read", "notify"), bytes([level_pct])),),
    )


class Emulator(ABC):
    """One sensor. The fake calls ``services`` once, then ``on_*`` and ``due`` as things happen.

    Streaming: while ``streaming`` is true, ``due(now_s)`` returns the notifications whose
    samples fall due up to ``now_s`` at ``rate_hz`` (sample ``k`` of a run is due at
    ``k / rate_hz`` after the run started; a rate change starts a new run).
    """

    model: str = ""
    default_rate_hz: float = 10.0
    samples_per_notification: int = 1  # whole notifications only: the rest waits for the next
    mtu: int = 23  # ATT MTU the device negotiates (BlueZ reports it on each characteristic)
    battery_pct: int = 80

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        self.address = address
        self.name = name
        self.motion = motion or Motion()
        self.rate_hz = self.default_rate_hz
        self.enabled: set[str] = set()  # characteristics with notifications on
        self.samples_sent = 0
        self.config_writes = 0  # rate settings the host wrote (re-applied on every connect?)
        self._run_t0_s: float | None = None
        self._run_sent = 0
        self._motion_t_s = 0.0  # time along the motion script of the next sample

    # --- GATT table ---------------------------------------------------------------------

    @abstractmethod
    def services(self) -> tuple[ServiceSpec, ...]: ...

    def advertised_uuids(self) -> tuple[str, ...]:
        return ()

    # --- host requests ------------------------------------------------------------------

    def on_connect(self) -> None:
        self.enabled.clear()
        self._run_t0_s = None

    def on_disconnect(self) -> None:
        self.enabled.clear()
        self._run_t0_s = None

    def on_read(self, uuid: str, current: bytes) -> bytes:
        return current

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        return []

    def on_notify(self, uuid: str, enabled: bool, now_s: float) -> list[Notification]:
        if enabled:
            self.enabled.add(uuid)
        else:
            self.enabled.discard(uuid)
        return []

    # --- streaming ----------------------------------------------------------------------

    @property
    @abstractmethod
    def streaming(self) -> bool: ...

    def restart_run(self, now_s: float) -> None:
        """Start a new run of samples at the current rate (after a rate change or start)."""
        self._run_t0_s = now_s
        self._run_sent = 0

    def due(self, now_s: float) -> list[Notification]:
        if not self.streaming or self.rate_hz <= 0:
            return []
        if self._run_t0_s is None:
            self.restart_run(now_s)
            return []
        assert self._run_t0_s is not None
        target = math.floor((now_s - self._run_t0_s) * self.rate_hz)
        per = self.samples_per_notification
        n = (target - self._run_sent) // per * per
        if n <= 0:
            return []
        t = self._motion_t_s + np.arange(n) / self.rate_hz
        self._motion_t_s += n / self.rate_hz
        self._run_sent += n
        self.samples_sent += n
        acc, gyro = self.motion.imu_at(t)
        return self.encode(acc, gyro, t)

    @abstractmethod
    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        """The notifications that carry these samples, in the device's wire format."""

    def garbage_uuid(self) -> str:
        """Where injected garbage goes: the first stream characteristic."""
        raise NotImplementedError
