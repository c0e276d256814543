"""The holdfast stream v1 DIY sensor: numbered, timestamped packets; start/stop control."""

from __future__ import annotations

from fakebluez.emulators.base import (
    CharSpec,
    Emulator,
    Notification,
    ServiceSpec,
    battery_service,
)
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import holdfast_stream as hs
from firmware_protocol.errors import MalformedError


class HoldfastEmulator(Emulator):
    model = hs.MODEL
    default_rate_hz = hs.DEFAULT_RATE_HZ
    samples_per_notification = 5
    mtu = 247  # an ESP32 / nRF52 board negotiates a large MTU
    battery_pct = 91

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.started = False
        self.sequence = 0
        self.acc_range_g = 8
        self.gyro_range_dps: int | None = 2000

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                hs.SERVICE_UUID,
                (
                    CharSpec(hs.DATA_UUID, ("notify",)),
                    CharSpec(hs.CONTROL_UUID, ("write",)),
                ),
            ),
            battery_service(self.battery_pct),
        )

    def advertised_uuids(self) -> tuple[str, ...]:
        return (hs.SERVICE_UUID,)

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.started = False

    @property
    def streaming(self) -> bool:
        return self.started and hs.DATA_UUID in self.enabled

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid != hs.CONTROL_UUID:
            return []
        try:
            request = hs.parse_control(data)
        except MalformedError:
            return []
        if request.opcode == hs.OP_STOP:
            self.started = False
            return []
        assert request.rate_hz is not None
        assert request.acc_range_g is not None
        self.rate_hz = request.rate_hz
        self.acc_range_g = request.acc_range_g
        self.gyro_range_dps = request.gyro_range_dps
        self.started = True
        self.config_writes += 1
        self.restart_run(now_s)
        return []

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        out: list[Notification] = []
        per = self.samples_per_notification
        for k in range(0, len(t_s), per):
            rows = slice(k, k + per)
            packet = hs.encode_packet(
                self.sequence,
                round(float(t_s[k]) * 1e6),
                self.rate_hz,
                acc_mps2[rows],
                gyro_dps[rows] if self.gyro_range_dps is not None else None,
                acc_range_g=self.acc_range_g,
                gyro_range_dps=self.gyro_range_dps or 2000,
            )
            self.sequence += 1
            out.append((hs.DATA_UUID, packet))
        return out

    def garbage_uuid(self) -> str:
        return hs.DATA_UUID
