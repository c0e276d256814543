"""Nordic Thingy:52: 18-byte raw motion samples, a 9-byte motion config, Battery Service."""

from __future__ import annotations

from fakebluez.emulators.base import (
    CharSpec,
    Emulator,
    Notification,
    ServiceSpec,
    battery_service,
)
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import thingy52 as th
from firmware_protocol.errors import MalformedError

DEFAULT_FIRMWARE_RATE_HZ = 10.0  # the firmware's own default motion frequency


class Thingy52Emulator(Emulator):
    model = th.MODEL
    default_rate_hz = DEFAULT_FIRMWARE_RATE_HZ
    battery_pct = 64

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.config = th.MotionConfig(motion_freq_hz=round(DEFAULT_FIRMWARE_RATE_HZ))

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(th.CONFIGURATION_SERVICE_UUID),
            ServiceSpec(
                th.MOTION_SERVICE_UUID,
                (
                    CharSpec(
                        th.MOTION_CONFIG_UUID,
                        ("read", "write"),
                        th.encode_motion_config(self.config),
                    ),
                    CharSpec(th.RAW_DATA_UUID, ("notify",)),
                ),
            ),
            battery_service(self.battery_pct),
        )

    def advertised_uuids(self) -> tuple[str, ...]:
        return (th.CONFIGURATION_SERVICE_UUID,)

    @property
    def streaming(self) -> bool:
        return th.RAW_DATA_UUID in self.enabled

    def on_read(self, uuid: str, current: bytes) -> bytes:
        if uuid == th.MOTION_CONFIG_UUID:
            return th.encode_motion_config(self.config)
        return current

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid != th.MOTION_CONFIG_UUID:
            return []
        try:
            self.config = th.decode_motion_config(data)
        except MalformedError:
            return []  # the firmware rejects the whole write
        self.rate_hz = float(self.config.motion_freq_hz)
        self.config_writes += 1
        self.restart_run(now_s)
        return []

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        return [(th.RAW_DATA_UUID, p) for p in th.encode_samples(acc_mps2, gyro_dps)]

    def garbage_uuid(self) -> str:
        return th.RAW_DATA_UUID
