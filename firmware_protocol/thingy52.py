"""Nordic Thingy:52, Thingy Motion Service raw data (advertises ``Thingy`` by default).

Wire format (see ``shared/protocols/thingy52.md``, derived from Nordic's firmware source):
every notification on Raw data is exactly 18 bytes, one sample, int16 LE fixed point:
acc x y z in Q6.10 g (/1024), gyro x y z in Q11.5 deg/s (/32), compass x y z in Q12.4 uT
(/16). No timestamp, no counter; the firmware silently drops samples when its TX queue is
full, so gaps show only in arrival timing.

Quirks: Nordic's own Thingy.js divides by 64/2048/4096 - wrong against the firmware and real
data, not used here. The accelerometer is fixed at +-2 g (saturates on impacts) and the gyro
encoding clips at +-1024 deg/s although the chip runs at +-2000. The rate is the "motion
processing frequency" field of the 9-byte motion config; the firmware rejects the whole write
if the length or any field is out of range.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from firmware_protocol import battery
from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.fixed_point import check_rate, int16_xyz, nothing, to_int16
from firmware_protocol.messages import DeviceInfo, DeviceMessage, RateConfirmed
from firmware_protocol.profile import (
    Command,
    DecodedRun,
    DecodeResult,
    DeviceProfile,
    SampleEncoder,
    one_sample_each,
)
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

MODEL = "thingy52"

_BASE = "-9b35-4933-9b10-52ffa9740042"
CONFIGURATION_SERVICE_UUID = "ef680100" + _BASE  # advertised; filter scans on it
MOTION_SERVICE_UUID = "ef680400" + _BASE
MOTION_CONFIG_UUID = "ef680401" + _BASE
RAW_DATA_UUID = "ef680406" + _BASE

RAW_LEN = 18
ACC_LSB_PER_G = 1024.0  # Q6.10
GYRO_LSB_PER_DPS = 32.0  # Q11.5
COMPASS_LSB_PER_UT = 16.0  # Q12.4

CONFIG_LEN = 9
MIN_FREQ_HZ, MAX_FREQ_HZ = 5, 200
RATES_HZ = (5.0, 10.0, 20.0, 25.0, 50.0, 100.0, 200.0)
DEFAULT_RATE_HZ = 50.0  # firmware default is 10 Hz, too slow to see a rep's shape


@dataclass(frozen=True, slots=True)
class ThingyRaw:
    """One raw-data notification: the sample, plus the compass in microtesla (shape (1, 3))."""

    samples: DecodedSamples
    compass_ut: FloatArray


def decode_raw(payload: bytes) -> ThingyRaw:
    """One 18-byte notification -> acc m/s^2, gyro deg/s, compass uT."""
    if len(payload) < RAW_LEN:
        raise IncompleteError(MODEL, len(payload), RAW_LEN)
    if len(payload) > RAW_LEN:
        raise MalformedError(MODEL, f"{len(payload)} bytes, raw data has {RAW_LEN}", payload)
    acc = int16_xyz(payload, 0, 1) * (STANDARD_GRAVITY_MPS2 / ACC_LSB_PER_G)
    gyro = int16_xyz(payload, 6, 1) / GYRO_LSB_PER_DPS
    compass = int16_xyz(payload, 12, 1) / COMPASS_LSB_PER_UT
    return ThingyRaw(DecodedSamples(acc, gyro), compass)


class Thingy52Decoder:
    """Notifications are whole samples; a wrong-length one is counted as malformed."""

    def feed(self, payload: bytes) -> DecodeResult:
        try:
            return DecodeResult(decode_raw(payload).samples)
        except (IncompleteError, MalformedError):
            return nothing(with_gyro=True, malformed=1)

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        return one_sample_each(payloads, RAW_LEN, _decode_joined)

    def reset(self) -> None:
        """Nothing is buffered between notifications."""


def _decode_joined(buf: bytes, n: int) -> DecodedSamples:
    acc = int16_xyz(buf, 0, n, RAW_LEN) * (STANDARD_GRAVITY_MPS2 / ACC_LSB_PER_G)
    return DecodedSamples(acc, int16_xyz(buf, 6, n, RAW_LEN) / GYRO_LSB_PER_DPS)


# --- motion configuration --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MotionConfig:
    """The 9-byte Motion Config characteristic; defaults are the firmware's (10 Hz)."""

    step_interval_ms: int = 1000  # 100..5000
    temp_comp_interval_ms: int = 500  # 100..5000
    mag_comp_interval_ms: int = 500  # 100..1000
    motion_freq_hz: int = 10  # 5..200: the raw-data rate
    wake_on_motion: bool = True


_CONFIG_LIMITS = (
    ("step_interval_ms", 100, 5000),
    ("temp_comp_interval_ms", 100, 5000),
    ("mag_comp_interval_ms", 100, 1000),
    ("motion_freq_hz", MIN_FREQ_HZ, MAX_FREQ_HZ),
)


def _config_problem(config: MotionConfig) -> str | None:
    for name, low, high in _CONFIG_LIMITS:
        value = getattr(config, name)
        if not low <= value <= high:
            return f"{name}={value} outside {low}..{high}"
    return None


def encode_motion_config(config: MotionConfig) -> bytes:
    """Four uint16 LE + one uint8, as the firmware expects; ``ValueError`` if out of range."""
    problem = _config_problem(config)
    if problem is not None:
        raise ValueError(f"Thingy:52 motion config: {problem}")
    fields = (
        config.step_interval_ms,
        config.temp_comp_interval_ms,
        config.mag_comp_interval_ms,
        config.motion_freq_hz,
    )
    return b"".join(v.to_bytes(2, "little") for v in fields) + bytes([int(config.wake_on_motion)])


def decode_motion_config(value: bytes) -> MotionConfig:
    """Parse a config value; ``MalformedError`` for what the firmware would reject.

    The BLE emulator uses this to refuse bad writes the way the firmware does.
    """
    if len(value) != CONFIG_LEN:
        raise MalformedError(MODEL, f"motion config has {len(value)} bytes, needs 9", value)
    if value[8] > 1:
        raise MalformedError(MODEL, f"wake-on-motion {value[8]} is not 0 or 1", value)
    words = [int.from_bytes(value[i : i + 2], "little") for i in range(0, 8, 2)]
    config = MotionConfig(words[0], words[1], words[2], words[3], bool(value[8]))
    problem = _config_problem(config)
    if problem is not None:
        raise MalformedError(MODEL, problem, value)
    return config


def read_replies(char_uuid: str, value: bytes) -> tuple[DeviceMessage, ...]:
    """Read-backs: the motion config (the rate it sets, confirmed) and the battery level."""
    if char_uuid.lower() == MOTION_CONFIG_UUID:
        config = decode_motion_config(value)
        return (DeviceInfo("motion_config", repr(config)), RateConfirmed(config.motion_freq_hz))
    return battery.read_replies(char_uuid, value)


# --- encoding (simulator and BLE emulator) ---------------------------------------------------


def encode_samples(
    acc_mps2: FloatArray, gyro_dps: FloatArray | None = None, compass_ut: FloatArray | None = None
) -> list[bytes]:
    """One 18-byte notification per sample; values beyond the fixed-point range are clipped."""
    acc = np.asarray(acc_mps2, dtype=np.float64).reshape(-1, 3)
    n = acc.shape[0]
    gyro = np.zeros((n, 3)) if gyro_dps is None else np.asarray(gyro_dps).reshape(n, 3)
    compass = np.zeros((n, 3)) if compass_ut is None else np.asarray(compass_ut).reshape(n, 3)
    raw = np.hstack(
        [
            to_int16(acc / STANDARD_GRAVITY_MPS2, ACC_LSB_PER_G),
            to_int16(gyro, GYRO_LSB_PER_DPS),
            to_int16(compass, COMPASS_LSB_PER_UT),
        ]
    )
    return [row.tobytes() for row in raw]


# --- commands --------------------------------------------------------------------------------


def start_commands(rate_hz: float) -> tuple[Command, ...]:
    """Write the whole motion config (defaults + our rate); the firmware authorises the write."""
    rate = check_rate("rate_hz", rate_hz, RATES_HZ)
    config = MotionConfig(motion_freq_hz=round(rate))
    return (Command(MOTION_CONFIG_UUID, encode_motion_config(config), 0.05, with_response=True),)


def stop_commands() -> tuple[Command, ...]:
    return ()  # disabling raw-data notifications turns the raw feature off in the firmware


PROFILE = DeviceProfile(
    model=MODEL,
    display_name="Nordic Thingy:52 (motion raw data)",
    name_pattern=r"^Thingy",
    service_uuid=MOTION_SERVICE_UUID,
    notify_uuids=(RAW_DATA_UUID,),
    write_uuid=MOTION_CONFIG_UUID,
    make_decoder=Thingy52Decoder,
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_gyro=True,
    device_timestamps=False,
    start_commands=start_commands,
    stop_commands=stop_commands,
    notes=(
        "Acc fixed +-2 g (saturates on impacts), gyro clips at +-1024 deg/s. No timestamps: "
        "host sample clock; dropped samples show only in arrival timing. Battery: BAS."
    ),
    extra_read_uuids=(MOTION_CONFIG_UUID, battery.LEVEL_UUID),
    read_replies=read_replies,
    battery_uuid=battery.LEVEL_UUID,
    encoder=SampleEncoder(lambda acc, gyro, _euler: encode_samples(acc, gyro)),
)
