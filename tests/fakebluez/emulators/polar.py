"""Polar H10 / Verity Sense PMD: start requests on the control point, timestamped frames."""

from __future__ import annotations

from fakebluez.emulators.base import (
    CharSpec,
    Emulator,
    Notification,
    ServiceSpec,
    battery_service,
)
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import polar_pmd as pmd
from firmware_protocol import polar_pmd_control as cp
from firmware_protocol.errors import DecodeError

DEVICE_CLOCK_START_UNIX_S = 1_767_225_600.0  # 2026-01-01: where the device clock stands at t=0
STATUS_INVALID_SAMPLE_RATE = 8


class PolarH10Emulator(Emulator):
    model = "polar-h10"
    default_rate_hz = 50.0
    rates_hz: tuple[float, ...] = pmd.H10_RATES_HZ
    samples_per_notification = 10
    mtu = 232
    battery_pct = 88

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.acc_started = False
        self._clock0_ns = pmd.unix_to_device_ns(DEVICE_CLOCK_START_UNIX_S)

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                pmd.SERVICE_UUID,
                (
                    CharSpec(
                        pmd.CONTROL_POINT_UUID,
                        ("read", "write", "indicate"),
                        cp.encode_features({cp.MEAS_ECG, cp.MEAS_ACC}),
                    ),
                    CharSpec(pmd.DATA_UUID, ("notify",)),
                ),
            ),
            battery_service(self.battery_pct),
        )

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self.acc_started = False

    @property
    def streaming(self) -> bool:
        return self.acc_started and pmd.DATA_UUID in self.enabled

    def start_response_settings(self) -> dict[int, tuple[cp.SettingValue, ...]]:
        return {}

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid != pmd.CONTROL_POINT_UUID:
            return []
        try:
            opcode, meas, settings = cp.parse_request(data)
        except DecodeError:
            return [(uuid, cp.encode_cp_response(data[0] if data else 0, 0, status=4))]
        if opcode == cp.OP_STOP:
            self.acc_started = False
            return [(uuid, cp.encode_cp_response(opcode, meas))]
        if opcode != cp.OP_START or meas != cp.MEAS_ACC:
            return [(uuid, cp.encode_cp_response(opcode, meas, status=3))]
        rate = float(settings.get(cp.SET_SAMPLE_RATE, (0,))[0])
        if rate not in self.rates_hz:
            return [(uuid, cp.encode_cp_response(opcode, meas, STATUS_INVALID_SAMPLE_RATE))]
        self.rate_hz = rate
        self.acc_started = True
        self.config_writes += 1
        self.restart_run(now_s)
        return [(uuid, cp.encode_cp_response(opcode, meas, 0, self.start_response_settings()))]

    def timestamp_ns(self, t_last_s: float) -> int:
        return self._clock0_ns + round(t_last_s * 1e9)

    def frame(self, acc_mps2: FloatArray, t_last_s: float) -> bytes:
        return pmd.encode_raw_frame(acc_mps2, self.timestamp_ns(t_last_s))

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        per = self.samples_per_notification
        return [
            (pmd.DATA_UUID, self.frame(acc_mps2[k : k + per], float(t_s[k + per - 1])))
            for k in range(0, len(t_s), per)
        ]

    def garbage_uuid(self) -> str:
        return pmd.DATA_UUID


class PolarVerityEmulator(PolarH10Emulator):
    """Delta-compressed frames in bursts, scaled by the factor of the start response."""

    model = "polar-verity"
    default_rate_hz = 52.0
    rates_hz = pmd.VERITY_RATES_HZ
    samples_per_notification = 26
    factor = 0.5

    def start_response_settings(self) -> dict[int, tuple[cp.SettingValue, ...]]:
        return {cp.SET_FACTOR: (self.factor,)}

    def frame(self, acc_mps2: FloatArray, t_last_s: float) -> bytes:
        return pmd.encode_delta_frame(acc_mps2, self.timestamp_ns(t_last_s), self.factor)
