"""MbientLab MetaWear / MetaMotion boards with a Bosch BMI160 (R, RL, C) or BMI270 (S).

Wire format (see ``shared/protocols/metawear.md``, from MbientLab's C++ SDK and its unit
tests): every command and every notification is ``[module, register, payload...]``; reading
a register sets bit 7 of the register id. Commands go to 326A9001 (without response), all
replies and data come back on 326A9006.

Streaming here: accelerometer (module 0x03) and gyroscope (module 0x13) in PACKED mode, three
samples of x, y, z int16 LE per notification, oldest first; single-sample notifications are
decoded too. The packets carry neither timestamps nor counters, and the SDK gives all three
samples of a packet the same host time: ``t_device_s`` is ``None`` and the host sample clock
(``dsp.clock``) spreads them at 1/ODR. The range is not in the packets either: the decoder
scales with the range the start commands wrote, so both come from one :class:`MetaWearSettings`.

Accelerometer and gyro packets arrive separately; the decoder pairs the k-th acc sample with
the k-th gyro sample (same ODR) and only hands out pairs. If the gyro stream stalls for more
than ``MAX_UNPAIRED_SAMPLES`` the acc samples go out alone (``gyro_dps=None``) and a reply
says so, so a dead gyro never holds the accelerometer back.

The two chips use different config bytes and register ids, so there are two profiles. The
start sequence reads the module info first (``03 80`` / ``13 80``); the decoder passes the
reply on as a ``ModuleInfo`` message and each profile's ``wrong_profile`` check names the
other profile when the board's accelerometer is the other chip, so a live source reconnects
with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from firmware_protocol import battery
from firmware_protocol.errors import ConfigError, MalformedError
from firmware_protocol.fixed_point import check_rate, int16_xyz, nothing, to_int16
from firmware_protocol.messages import (
    Battery,
    DeviceMessage,
    DroppedData,
    ModuleInfo,
    Unhandled,
    UnpairedSamples,
)
from firmware_protocol.profile import (
    Command,
    DecodedRun,
    DecodeResult,
    DeviceProfile,
    SampleEncoder,
)
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"

MODULE_ACC = 0x03
MODULE_GYRO = 0x13
MODULE_SETTINGS = 0x11
REG_INFO = 0x00
READ_BIT = 0x80
REG_POWER = 0x01
REG_INTERRUPT = 0x02
REG_CONFIG = 0x03
REG_ACC_DATA = 0x04
REG_SETTINGS_BATTERY = 0x0C

SAMPLE_BYTES = 6
PACKED_SAMPLES = 3
MAX_UNPAIRED_SAMPLES = 30  # ten packed packets: the other stream has stopped, not lagged

#: Output data rates both sensors share, with the SDK's odr field (enum index + 1).
ODR_CODES: dict[float, int] = {25.0: 6, 50.0: 7, 100.0: 8, 200.0: 9}
RATES_HZ = tuple(ODR_CODES)
DEFAULT_RATE_HZ = 50.0
ACC_LSB_PER_G: dict[int, float] = {2: 16384.0, 4: 8192.0, 8: 4096.0, 16: 2048.0}
GYRO_RANGE_CODES: dict[int, int] = {2000: 0, 1000: 1, 500: 2, 250: 3, 125: 4}
GYRO_LSB_PER_DPS: dict[int, float] = {2000: 16.4, 1000: 32.8, 500: 65.6, 250: 131.2, 125: 262.4}
GYRO_CONFIG_FLAGS = 0x20  # bwp = 2, as the SDK sends
#: MbientLab's high-throughput connection request: 7.5 ms interval, latency 0, 6 s timeout.
FAST_CONNECTION_PARAMS = bytes.fromhex("11 09 06 00 06 00 00 00 58 02")


@dataclass(frozen=True, slots=True)
class Chip:
    """What differs between the two Bosch IMUs, as the SDK source has it."""

    name: str
    acc_implementation: int  # byte 2 of the 03 80 reply
    gyro_implementation: int  # byte 2 of the 13 80 reply
    acc_packed_register: int
    gyro_data_register: int
    gyro_packed_register: int
    acc_range_codes: dict[int, int]
    acc_config_flags: int  # bits 4-7 of the acc config byte at >= 12.5 Hz (bwp=2, perf bit)


BMI160 = Chip("bmi160", 0x01, 0x00, 0x1C, 0x05, 0x07, {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C}, 0x20)
BMI270 = Chip("bmi270", 0x04, 0x01, 0x05, 0x04, 0x05, {2: 0x00, 4: 0x01, 8: 0x02, 16: 0x03}, 0xA0)


@dataclass(frozen=True, slots=True)
class MetaWearSettings:
    """Ranges written at start and used to scale. Defaults: +-8 g (the BMI160 SDK default
    +-2 g saturates on a jump), +-2000 deg/s (never clips), gyro on."""

    acc_range_g: int = 8
    gyro_range_dps: int = 2000
    with_gyro: bool = True

    def __post_init__(self) -> None:
        if self.acc_range_g not in ACC_LSB_PER_G:
            allowed = [str(r) for r in ACC_LSB_PER_G]
            raise ConfigError("acc_range_g", f"unsupported {self.acc_range_g}", allowed)
        if self.gyro_range_dps not in GYRO_LSB_PER_DPS:
            allowed = [str(r) for r in GYRO_LSB_PER_DPS]
            raise ConfigError("gyro_range_dps", f"unsupported {self.gyro_range_dps}", allowed)


# --- commands --------------------------------------------------------------------------------


def acc_config(chip: Chip, rate_hz: float, range_g: int) -> bytes:
    """``03 03 <odr|flags> <range>`` (e.g. BMI160 200 Hz +-8 g: ``03 03 29 08``)."""
    odr = ODR_CODES[check_rate("rate_hz", rate_hz, RATES_HZ)]
    config = odr | chip.acc_config_flags
    return bytes([MODULE_ACC, REG_CONFIG, config, chip.acc_range_codes[range_g]])


def gyro_config(rate_hz: float, range_dps: int) -> bytes:
    """``13 03 <odr|0x20> <range>`` (e.g. 100 Hz +-2000 deg/s: ``13 03 28 00``)."""
    odr = ODR_CODES[check_rate("rate_hz", rate_hz, RATES_HZ)]
    return bytes([MODULE_GYRO, REG_CONFIG, odr | GYRO_CONFIG_FLAGS, GYRO_RANGE_CODES[range_dps]])


def read_module_info(module: int) -> bytes:
    return bytes([module, READ_BIT | REG_INFO])


def read_battery() -> bytes:
    """``11 8C``: the settings module answers ``11 8C <pct> <mV LE>``."""
    return bytes([MODULE_SETTINGS, READ_BIT | REG_SETTINGS_BATTERY])


def start_commands_for(
    chip: Chip, settings: MetaWearSettings, rate_hz: float
) -> tuple[Command, ...]:
    """Module info first, then config, subscribe (packed), enable, power on; battery last."""

    def cmd(payload: bytes, delay_s: float = 0.0) -> Command:
        return Command(COMMAND_UUID, payload, delay_s)

    commands = [
        cmd(read_module_info(MODULE_ACC), 0.1),
        cmd(read_module_info(MODULE_GYRO), 0.1),
    ]
    if rate_hz >= 100.0:
        commands.append(cmd(FAST_CONNECTION_PARAMS, 0.1))
    commands += [
        cmd(acc_config(chip, rate_hz, settings.acc_range_g)),
        cmd(bytes([MODULE_ACC, chip.acc_packed_register, 0x01])),
        cmd(bytes([MODULE_ACC, REG_INTERRUPT, 0x01, 0x00])),
    ]
    if settings.with_gyro:
        commands += [
            cmd(gyro_config(rate_hz, settings.gyro_range_dps)),
            cmd(bytes([MODULE_GYRO, chip.gyro_packed_register, 0x01])),
            cmd(bytes([MODULE_GYRO, REG_INTERRUPT, 0x01, 0x00])),
            cmd(bytes([MODULE_GYRO, REG_POWER, 0x01])),
        ]
    commands += [cmd(bytes([MODULE_ACC, REG_POWER, 0x01])), cmd(read_battery())]
    return tuple(commands)


def stop_commands_for(chip: Chip, settings: MetaWearSettings) -> tuple[Command, ...]:
    """Disable sampling, power off, unsubscribe: the board may keep sampling otherwise."""
    payloads = [
        bytes([MODULE_ACC, REG_INTERRUPT, 0x00, 0x01]),
        bytes([MODULE_ACC, REG_POWER, 0x00]),
        bytes([MODULE_ACC, chip.acc_packed_register, 0x00]),
    ]
    if settings.with_gyro:
        payloads += [
            bytes([MODULE_GYRO, REG_INTERRUPT, 0x00, 0x01]),
            bytes([MODULE_GYRO, REG_POWER, 0x00]),
            bytes([MODULE_GYRO, chip.gyro_packed_register, 0x00]),
        ]
    return tuple(Command(COMMAND_UUID, p) for p in payloads)


# --- decoding --------------------------------------------------------------------------------


class MetaWearDecoder:
    """Decodes 326A9006 notifications for one chip and one settings object; pairs acc/gyro.

    Every notification is a whole message: one of the wrong length for its register is
    counted as malformed and dropped. Unknown messages come back as ``("unhandled", hex)``.
    """

    def __init__(self, chip: Chip = BMI160, settings: MetaWearSettings | None = None) -> None:
        self.chip = chip
        self.settings = settings or MetaWearSettings()
        self._acc_scale = STANDARD_GRAVITY_MPS2 / ACC_LSB_PER_G[self.settings.acc_range_g]
        self._gyro_scale = 1.0 / GYRO_LSB_PER_DPS[self.settings.gyro_range_dps]
        self._acc: list[FloatArray] = []
        self._gyro: list[FloatArray] = []

    def reset(self) -> None:
        self._acc, self._gyro = [], []

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        """A run of plain data packets at once, paired exactly as one by one would pair them.

        Sample ``k`` of the pairs goes out with the payload that completed it: after payload
        ``i`` the samples paired so far are ``min(acc so far, gyro so far)``. ``None`` (and no
        state touched) when a payload is anything but whole acc or gyro data, or when one by
        one would have said something (a stream dead long enough to pass samples unpaired).
        """
        n = len(payloads)
        if n == 0:
            return None
        chip = self.chip
        acc_count = {chip.acc_packed_register: PACKED_SAMPLES, REG_ACC_DATA: 1}
        gyro_count = {chip.gyro_packed_register: PACKED_SAMPLES, chip.gyro_data_register: 1}
        is_acc = np.zeros(n, dtype=bool)
        counts = np.zeros(n, dtype=np.int64)
        for i, p in enumerate(payloads):
            if len(p) < 2 or p[1] == READ_BIT | REG_INFO:
                return None
            table = acc_count if p[0] == MODULE_ACC else gyro_count if p[0] == MODULE_GYRO else {}
            count = table.get(p[1])
            if count is None or len(p) != 2 + count * SAMPLE_BYTES:
                return None
            is_acc[i] = p[0] == MODULE_ACC
            counts[i] = count
        acc_new = self._scaled(payloads, is_acc, self._acc_scale)
        if not self.settings.with_gyro:
            if self._acc or not is_acc.all():
                return None  # (never so after a feed) keep one by one's state exactly
            return DecodedRun(DecodedSamples(acc_new), counts)
        held_acc = sum(len(a) for a in self._acc)
        held_gyro = sum(len(g) for g in self._gyro)
        acc_total = held_acc + np.cumsum(np.where(is_acc, counts, 0))
        gyro_total = held_gyro + np.cumsum(np.where(is_acc, 0, counts))
        paired = np.minimum(acc_total, gyro_total)
        before = np.concatenate(([0], paired[:-1]))
        per_payload = paired - before
        unpaired = np.maximum(acc_total, gyro_total) - before
        if np.any((per_payload == 0) & (unpaired > MAX_UNPAIRED_SAMPLES)):
            return None  # one by one reports the dead stream
        acc = np.vstack([*self._acc, acc_new])
        gyro = np.vstack([*self._gyro, self._scaled(payloads, ~is_acc, self._gyro_scale)])
        k = int(paired[-1])
        self._acc = [acc[k:]] if len(acc) > k else []
        self._gyro = [gyro[k:]] if len(gyro) > k else []
        return DecodedRun(DecodedSamples(acc[:k], gyro[:k]), per_payload)

    @staticmethod
    def _scaled(
        payloads: Sequence[bytes], chosen: npt.NDArray[np.bool_], scale: float
    ) -> FloatArray:
        """The samples of the chosen payloads (header dropped), in order, scaled: one frombuffer."""
        data = b"".join(p[2:] for p, take in zip(payloads, chosen.tolist(), strict=True) if take)
        raw = np.frombuffer(data, dtype="<i2").reshape(-1, 3).astype(np.float64)
        return raw * scale

    def feed(self, payload: bytes) -> DecodeResult:
        replies: list[DeviceMessage] = []
        try:
            self._dispatch(payload, replies)
        except MalformedError:
            return nothing(self.settings.with_gyro, 1, replies)
        return DecodeResult(self._take_samples(replies), 0, tuple(replies))

    def _dispatch(self, payload: bytes, replies: list[DeviceMessage]) -> None:
        if len(payload) < 2:
            raise MalformedError("metawear", "shorter than module + register", payload)
        module, register = payload[0], payload[1]
        chip = self.chip
        if register == READ_BIT | REG_INFO and module in (MODULE_ACC, MODULE_GYRO):
            replies.append(decode_module_info(payload))
        elif module == MODULE_ACC and register == chip.acc_packed_register:
            self._acc.append(_xyz(payload, PACKED_SAMPLES) * self._acc_scale)
        elif module == MODULE_ACC and register == REG_ACC_DATA:
            self._acc.append(_xyz(payload, 1) * self._acc_scale)
        elif module == MODULE_GYRO and register == chip.gyro_packed_register:
            self._gyro.append(_xyz(payload, PACKED_SAMPLES) * self._gyro_scale)
        elif module == MODULE_GYRO and register == chip.gyro_data_register:
            self._gyro.append(_xyz(payload, 1) * self._gyro_scale)
        elif module == MODULE_SETTINGS and register == READ_BIT | REG_SETTINGS_BATTERY:
            pct, millivolts = decode_battery(payload)
            replies.append(Battery(pct, millivolts))
        else:
            replies.append(Unhandled("message", payload.hex(" ")))

    def _take_samples(self, replies: list[DeviceMessage]) -> DecodedSamples:
        acc = np.vstack(self._acc) if self._acc else np.empty((0, 3))
        if not self.settings.with_gyro:
            self._acc = []
            return DecodedSamples(acc)
        gyro = np.vstack(self._gyro) if self._gyro else np.empty((0, 3))
        n = min(len(acc), len(gyro))
        if n == 0 and len(acc) > MAX_UNPAIRED_SAMPLES:
            # The gyro stream is dead: let the accelerometer through on its own.
            self._acc = []
            replies.append(UnpairedSamples(len(acc)))
            return DecodedSamples(acc)
        if n == 0 and len(gyro) > MAX_UNPAIRED_SAMPLES:
            drop = len(gyro) - MAX_UNPAIRED_SAMPLES
            replies.append(DroppedData("gyro samples without accelerometer", drop))
            gyro = gyro[drop:]
        self._acc = [acc[n:]] if len(acc) > n else []
        self._gyro = [gyro[n:]] if len(gyro) > n else []
        return DecodedSamples(acc[:n], gyro[:n])


def _xyz(payload: bytes, count: int) -> FloatArray:
    need = 2 + count * SAMPLE_BYTES
    if len(payload) != need:
        what = "packed" if count > 1 else "single"
        reason = f"{what} data has {len(payload)} bytes, not {need}"
        raise MalformedError("metawear", reason, payload)
    return int16_xyz(payload, 2, count)


def decode_module_info(payload: bytes) -> ModuleInfo:
    """``[module, 0x80, impl, rev, ...]``; a bare ``[module, 0x80]`` means no such module."""
    if len(payload) == 2:
        return ModuleInfo(payload[0], present=False)
    if len(payload) < 4:
        raise MalformedError("metawear", "module info reply of 3 bytes", payload)
    return ModuleInfo(payload[0], True, payload[2], payload[3])


def decode_battery(payload: bytes) -> tuple[int, int]:
    """``11 8C <pct> <mV uint16 LE>`` -> (percent, millivolts)."""
    if len(payload) != 5:
        raise MalformedError("metawear", f"battery reply has {len(payload)} bytes, not 5", payload)
    return payload[2], int.from_bytes(payload[3:5], "little")


# --- encoding (simulator and BLE emulator) ---------------------------------------------------


def encode_module_info(module: int, implementation: int, revision: int) -> bytes:
    return bytes([module, READ_BIT | REG_INFO, implementation, revision])


def encode_battery(pct: int, millivolts: int) -> bytes:
    head = bytes([MODULE_SETTINGS, READ_BIT | REG_SETTINGS_BATTERY, pct])
    return head + millivolts.to_bytes(2, "little")


def encode_samples(
    acc_mps2: FloatArray,
    gyro_dps: FloatArray | None,
    chip: Chip = BMI160,
    settings: MetaWearSettings | None = None,
) -> list[bytes]:
    """Notifications for ``n`` samples as a board sends them: packed triples (acc packet, then
    gyro packet), then the last ``n % 3`` samples as single-sample packets."""
    settings = settings or MetaWearSettings()
    acc_g = np.asarray(acc_mps2, dtype=np.float64) / STANDARD_GRAVITY_MPS2
    acc = to_int16(acc_g, ACC_LSB_PER_G[settings.acc_range_g])
    gyro = None
    if gyro_dps is not None:
        gyro = to_int16(np.asarray(gyro_dps), GYRO_LSB_PER_DPS[settings.gyro_range_dps])
    n = acc.shape[0]
    whole = n - n % PACKED_SAMPLES
    packets = [(slice(k, k + PACKED_SAMPLES), True) for k in range(0, whole, PACKED_SAMPLES)]
    packets += [(slice(k, k + 1), False) for k in range(whole, n)]
    out: list[bytes] = []
    for rows, packed in packets:
        acc_reg = chip.acc_packed_register if packed else REG_ACC_DATA
        out.append(bytes([MODULE_ACC, acc_reg]) + acc[rows].tobytes())
        if gyro is not None:
            gyro_reg = chip.gyro_packed_register if packed else chip.gyro_data_register
            out.append(bytes([MODULE_GYRO, gyro_reg]) + gyro[rows].tobytes())
    return out


def decode_acc_config(chip: Chip, payload: bytes) -> tuple[float, int]:
    """``(rate_hz, range_g)`` of an ``03 03 <b0> <b1>`` write (the emulator's side)."""
    if len(payload) != 4 or payload[:2] != bytes([MODULE_ACC, REG_CONFIG]):
        raise MalformedError("metawear", "not a 4-byte accelerometer config write", payload)
    rate = _rate_of_odr(payload[2] & 0x0F, payload)
    ranges = {code: g for g, code in chip.acc_range_codes.items()}
    if payload[3] not in ranges:
        raise MalformedError("metawear", f"acc range code 0x{payload[3]:02x}", payload)
    return rate, ranges[payload[3]]


def decode_gyro_config(payload: bytes) -> tuple[float, int]:
    """``(rate_hz, range_dps)`` of a ``13 03 <b0> <b1>`` write (the emulator's side)."""
    if len(payload) != 4 or payload[:2] != bytes([MODULE_GYRO, REG_CONFIG]):
        raise MalformedError("metawear", "not a 4-byte gyro config write", payload)
    rate = _rate_of_odr(payload[2] & 0x0F, payload)
    ranges = {code: dps for dps, code in GYRO_RANGE_CODES.items()}
    if payload[3] not in ranges:
        raise MalformedError("metawear", f"gyro range code 0x{payload[3]:02x}", payload)
    return rate, ranges[payload[3]]


def _rate_of_odr(odr: int, payload: bytes) -> float:
    for rate, code in ODR_CODES.items():
        if code == odr:
            return rate
    raise MalformedError("metawear", f"odr code {odr} is not one holdfast uses", payload)


# --- profiles --------------------------------------------------------------------------------

_SETTINGS = MetaWearSettings()


def _profile(chip: Chip, boards: str) -> DeviceProfile:
    return DeviceProfile(
        model=f"metawear-{chip.name}",
        display_name=f"MbientLab {boards} ({chip.name.upper()})",
        name_pattern=r"^MetaWear",
        service_uuid=SERVICE_UUID,
        notify_uuids=(NOTIFY_UUID,),
        write_uuid=COMMAND_UUID,
        make_decoder=lambda: MetaWearDecoder(chip, _SETTINGS),
        rates_hz=RATES_HZ,
        default_rate_hz=DEFAULT_RATE_HZ,
        has_gyro=True,
        device_timestamps=False,
        start_commands=lambda rate_hz: start_commands_for(chip, _SETTINGS, rate_hz),
        stop_commands=lambda: stop_commands_for(chip, _SETTINGS),
        notes=(
            "Packed acc+gyro, 3 samples per notification, no timestamps: host sample clock. "
            "The advertised name is user-settable: filter scans on the service UUID. "
            "The module info picks the other MetaWear model when the chip differs."
        ),
        extra_read_uuids=(battery.LEVEL_UUID,),
        read_replies=battery.read_replies,
        battery_uuid=battery.LEVEL_UUID,
        wrong_profile=_chip_check(chip),
        encoder=SampleEncoder(
            lambda acc, gyro, _euler: encode_samples(acc, gyro, chip, _SETTINGS),
            samples_per_notification=PACKED_SAMPLES,
        ),
    )


def _chip_check(chip: Chip) -> Callable[[DeviceMessage], DeviceProfile | None]:
    def wrong_profile(message: DeviceMessage) -> DeviceProfile | None:
        # MetaWear boards all advertise "MetaWear"; the accelerometer's module info says
        # which IMU the board has, and the two need different commands.
        if not isinstance(message, ModuleInfo) or message.module != MODULE_ACC:
            return None
        if message.implementation is None or message.implementation == chip.acc_implementation:
            return None
        return profile_for_acc_implementation(message.implementation)

    return wrong_profile


PROFILE_BMI160 = _profile(BMI160, "MetaMotion R / RL / C")
PROFILE_BMI270 = _profile(BMI270, "MetaMotion S")
PROFILES = (PROFILE_BMI160, PROFILE_BMI270)


def profile_for_acc_implementation(implementation: int) -> DeviceProfile | None:
    """The profile for the chip a ``03 80`` reply names (1 = BMI160, 4 = BMI270), else None."""
    by_impl = {BMI160.acc_implementation: PROFILE_BMI160, BMI270.acc_implementation: PROFILE_BMI270}
    return by_impl.get(implementation)
