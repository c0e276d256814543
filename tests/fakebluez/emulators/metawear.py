"""MbientLab MetaMotion (BMI160 or BMI270): ``[module, register, ...]`` commands and packets."""

from __future__ import annotations

from fakebluez.emulators.base import (
    CharSpec,
    Emulator,
    Notification,
    ServiceSpec,
    battery_service,
)
from fakebluez.motion import FloatArray, Motion
from firmware_protocol import metawear as mw

BATTERY_MV = 4012


class MetaWearEmulator(Emulator):
    """A board with ``chip``; it streams only when configured for that chip (packed register
    subscribed, accelerometer powered), as a real board stays silent otherwise."""

    chip: mw.Chip = mw.BMI160
    default_rate_hz = 100.0  # the SDK default ODR; the host sets its own
    samples_per_notification = mw.PACKED_SAMPLES
    battery_pct = 57

    def __init__(self, address: str, name: str, motion: Motion | None = None) -> None:
        super().__init__(address, name, motion)
        self.model = f"metawear-{self.chip.name}"
        self._reset_modules()
        self._odr_rates = {code: rate for rate, code in mw.ODR_CODES.items()}

    def _reset_modules(self) -> None:
        self.acc_on = False
        self.acc_packed = False
        self.gyro_on = False
        self.gyro_packed = False
        self.acc_range_g = 2
        self.gyro_range_dps = 2000

    def services(self) -> tuple[ServiceSpec, ...]:
        return (
            ServiceSpec(
                mw.SERVICE_UUID,
                (
                    CharSpec(mw.COMMAND_UUID, ("write-without-response", "write")),
                    CharSpec(mw.NOTIFY_UUID, ("notify",)),
                ),
            ),
            battery_service(self.battery_pct),
        )

    def advertised_uuids(self) -> tuple[str, ...]:
        return (mw.SERVICE_UUID,)

    def on_disconnect(self) -> None:
        super().on_disconnect()
        self._reset_modules()

    @property
    def streaming(self) -> bool:
        return self.acc_on and self.acc_packed and mw.NOTIFY_UUID in self.enabled

    def on_write(self, uuid: str, data: bytes, now_s: float) -> list[Notification]:
        if uuid != mw.COMMAND_UUID or len(data) < 2:
            return []
        module, register, args = data[0], data[1], data[2:]
        chip = self.chip
        if register == mw.READ_BIT | mw.REG_INFO and module == mw.MODULE_ACC:
            return [(mw.NOTIFY_UUID, mw.encode_module_info(module, chip.acc_implementation, 1))]
        if register == mw.READ_BIT | mw.REG_INFO and module == mw.MODULE_GYRO:
            return [(mw.NOTIFY_UUID, mw.encode_module_info(module, chip.gyro_implementation, 1))]
        if module == mw.MODULE_SETTINGS and register == mw.READ_BIT | mw.REG_SETTINGS_BATTERY:
            return [(mw.NOTIFY_UUID, mw.encode_battery(self.battery_pct, BATTERY_MV))]
        on = bool(args[:1]) and args[0] == 0x01
        if module == mw.MODULE_ACC:
            self._acc_command(register, args, on, now_s)
        elif module == mw.MODULE_GYRO:
            self._gyro_command(register, args, on)
        return []

    def _acc_command(self, register: int, args: bytes, on: bool, now_s: float) -> None:
        if register == mw.REG_CONFIG and len(args) == 2:
            self.rate_hz = self._odr_rates.get(args[0] & 0x0F, self.rate_hz)
            ranges = {code: g for g, code in self.chip.acc_range_codes.items()}
            self.acc_range_g = ranges.get(args[1], self.acc_range_g)
            self.config_writes += 1
        elif register == self.chip.acc_packed_register:
            self.acc_packed = on
        elif register == mw.REG_POWER:
            self.acc_on = on
            if on:
                self.restart_run(now_s)

    def _gyro_command(self, register: int, args: bytes, on: bool) -> None:
        if register == mw.REG_CONFIG and len(args) == 2:
            ranges = {code: dps for dps, code in mw.GYRO_RANGE_CODES.items()}
            self.gyro_range_dps = ranges.get(args[1], self.gyro_range_dps)
        elif register == self.chip.gyro_packed_register:
            self.gyro_packed = on
        elif register == mw.REG_POWER:
            self.gyro_on = on

    def encode(
        self, acc_mps2: FloatArray, gyro_dps: FloatArray, t_s: FloatArray
    ) -> list[Notification]:
        settings = mw.MetaWearSettings(self.acc_range_g, self.gyro_range_dps)
        gyro = gyro_dps if self.gyro_on and self.gyro_packed else None
        return [(mw.NOTIFY_UUID, p) for p in mw.encode_samples(acc_mps2, gyro, self.chip, settings)]

    def garbage_uuid(self) -> str:
        return mw.NOTIFY_UUID


class MetaWearBmi270Emulator(MetaWearEmulator):
    chip = mw.BMI270
