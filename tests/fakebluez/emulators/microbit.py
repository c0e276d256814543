"""BBC micro:bit accelerometer service: 6-byte milli-g samples, a read/write period."""

from __future__ import annotations

from fakebluez.emulators.base import CharSpec, Emulator, Notification, ServiceSpec
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import microbit as mb


class MicrobitEmulator(Emulator):
    model = mb.MODEL
    default_rate_hz = mb.DEFAULT_RATE_HZ

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.period_ms = mb.DEFAULT_PERIOD_MS

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                mb.SERVICE_UUID,
                (
                    CharSpec(mb.DATA_UUID, ("read", "notify")),
                    CharSpec(mb.PERIOD_UUID, ("read", "write"), mb.encode_period(self.period_ms)),
                ),
            ),
        )

    @property
    def streaming(self) -> bool:
        return mb.DATA_UUID in self.enabled

    def on_read(self, uuid: str, current: bytes) -> bytes:
        if uuid == mb.PERIOD_UUID:
            return mb.encode_period(self.period_ms)
        return current

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid == mb.PERIOD_UUID and len(data) == 2:
            # The board snaps to the periods its accelerometer supports; read-back shows it.
            self.period_ms = mb.snap_period_ms(int.from_bytes(data, "little"))
            self.rate_hz = 1000.0 / self.period_ms
            self.config_writes += 1
            self.restart_run(now_s)
        return []

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        return [(mb.DATA_UUID, p) for p in mb.encode_samples(acc_mps2)]

    def garbage_uuid(self) -> str:
        return mb.DATA_UUID
