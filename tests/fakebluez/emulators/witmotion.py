"""WitMotion WT901BLE: 20-byte 0x61 frames on ffe4, ``FF AA`` register writes on ffe9."""

from __future__ import annotations

from fakebluez.emulators.base import CharSpec, Emulator, Notification, ServiceSpec
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import witmotion as wm

BATTERY_CENTIVOLTS = 390  # 3.90 V: 75 % in the vendor table


class WitMotionEmulator(Emulator):
    model = wm.MODEL
    default_rate_hz = wm.DEFAULT_RATE_HZ

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.unlocked = False
        self._rates_by_code = {code: rate for rate, code in wm.RATE_CODES.items()}

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                wm.SERVICE_UUID,
                (
                    CharSpec(wm.NOTIFY_UUID, ("read", "notify")),
                    CharSpec(wm.WRITE_UUID, ("read", "write-without-response", "write")),
                ),
            ),
        )

    @property
    def streaming(self) -> bool:
        return wm.NOTIFY_UUID in self.enabled

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid != wm.WRITE_UUID or len(data) != 5 or data[:2] != b"\xff\xaa":
            return []
        register, value = data[2], data[3] | (data[4] << 8)
        if register == wm.REG_KEY:
            self.unlocked = value == wm.UNLOCK_KEY
        elif register == wm.REG_RRATE and self.unlocked and value in self._rates_by_code:
            self.rate_hz = self._rates_by_code[value]
            self.config_writes += 1
            self.restart_run(now_s)
        elif register == wm.REG_READ:
            values = (BATTERY_CENTIVOLTS,) if value == wm.REG_BATTERY else (0,)
            return [(wm.NOTIFY_UUID, wm.encode_register_reply(value, values))]
        return []

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        raw = wm.encode_samples(acc_mps2, gyro_dps)
        # One frame per notification, as the sensor does with the default 23-byte MTU.
        return [
            (wm.NOTIFY_UUID, raw[i : i + wm.FRAME_LEN]) for i in range(0, len(raw), wm.FRAME_LEN)
        ]

    def garbage_uuid(self) -> str:
        return wm.NOTIFY_UUID
