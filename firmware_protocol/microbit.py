"""BBC micro:bit Bluetooth Accelerometer Service (v1 and v2; advertises ``BBC micro:bit [...]``).

Wire format (see ``shared/protocols/microbit.md``): every notification on Accelerometer Data
is exactly 6 bytes, x, y, z int16 LE in milli-g (approximate, steps of ~16 mg), one sample,
no timestamp, no counter. No gyroscope, no Battery Service.

Rate: write a uint16 LE period in milliseconds to Accelerometer Period; the runtime snaps it
to a period the chip supports and writes the ACTUAL period back into the characteristic, so
the profile reads it back after the start commands (``("period_ms", n)`` from
:func:`read_replies`) and the host sample clock should use that, not the request.

Quirks: the service exists only if the running program enables it; timing is bursty
(gaps of 1-48 ms at a 20 ms period) and samples may repeat; writing period 0 crashes the
board and 1 ms is reported to crash v1, so neither is ever sent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.fixed_point import check_rate, int16_xyz, nothing, to_int16
from firmware_protocol.messages import DeviceMessage, RateConfirmed
from firmware_protocol.profile import (
    Command,
    DecodedRun,
    DecodeResult,
    DeviceProfile,
    SampleEncoder,
    one_sample_each,
)
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, DecodedSamples, FloatArray

MODEL = "microbit"

SERVICE_UUID = "e95d0753-251d-470a-a062-fa1922dfa9a8"
DATA_UUID = "e95dca4b-251d-470a-a062-fa1922dfa9a8"
PERIOD_UUID = "e95dfb24-251d-470a-a062-fa1922dfa9a8"

PAYLOAD_LEN = 6
MILLI_G_PER_G = 1000.0

#: Periods the profile documents (ms); 1 ms is left out on purpose (reported v1 crash).
DOCUMENTED_PERIODS_MS = (2, 5, 10, 20, 80, 160, 640)
DEFAULT_PERIOD_MS = 20  # runtime default: 50 Hz, +-2 g
#: Offered rates: periods of 10 ms and more. Shorter ones are documented but users measured
#: ~8 ms average gaps at a 2 ms period, so the rate would be a fiction.
RATES_HZ = tuple(1000.0 / p for p in sorted(DOCUMENTED_PERIODS_MS, reverse=True) if p >= 10)
DEFAULT_RATE_HZ = 1000.0 / DEFAULT_PERIOD_MS
MIN_SAFE_PERIOD_MS = 2


def decode_sample(payload: bytes) -> DecodedSamples:
    """One notification -> one sample in m/s^2 (``IncompleteError`` if short, else malformed)."""
    if len(payload) < PAYLOAD_LEN:
        raise IncompleteError(MODEL, len(payload), PAYLOAD_LEN)
    if len(payload) > PAYLOAD_LEN:
        raise MalformedError(MODEL, f"{len(payload)} bytes, a sample has {PAYLOAD_LEN}", payload)
    acc = int16_xyz(payload, 0, 1) * (STANDARD_GRAVITY_MPS2 / MILLI_G_PER_G)
    return DecodedSamples(acc)


class MicrobitDecoder:
    """Notifications are whole samples: a short or long one can never complete, so it is
    counted as malformed and dropped (nothing is buffered)."""

    def feed(self, payload: bytes) -> DecodeResult:
        try:
            return DecodeResult(decode_sample(payload))
        except (IncompleteError, MalformedError):
            return nothing(with_gyro=False, malformed=1)

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        return one_sample_each(payloads, PAYLOAD_LEN, _decode_joined)

    def reset(self) -> None:
        """Nothing is buffered between notifications."""


def _decode_joined(buf: bytes, n: int) -> DecodedSamples:
    return DecodedSamples(int16_xyz(buf, 0, n) * (STANDARD_GRAVITY_MPS2 / MILLI_G_PER_G))


# --- encoding (simulator and BLE emulator) ---------------------------------------------------


def encode_samples(acc_mps2: FloatArray) -> list[bytes]:
    """One 6-byte notification per sample (milli-g, rounded, clipped to int16)."""
    raw = to_int16(np.asarray(acc_mps2) / STANDARD_GRAVITY_MPS2, MILLI_G_PER_G)
    return [row.tobytes() for row in raw.reshape(-1, 3)]


def encode_period(period_ms: int) -> bytes:
    """The Accelerometer Period value: uint16 LE ms. Refuses 0 and 1 ms (they crash boards)."""
    if not MIN_SAFE_PERIOD_MS <= period_ms <= 0xFFFF:
        raise ValueError(f"micro:bit period {period_ms} ms is outside 2..65535 ms")
    return period_ms.to_bytes(2, "little")


def decode_period(value: bytes) -> int:
    """The period in ms read back from Accelerometer Period (exactly 2 bytes)."""
    if len(value) < 2:
        raise IncompleteError(MODEL, len(value), 2)
    if len(value) > 2:
        raise MalformedError(MODEL, f"period value has {len(value)} bytes, expected 2", value)
    return int.from_bytes(value, "little")


def snap_period_ms(requested_ms: int, steps_ms: tuple[int, ...] = DOCUMENTED_PERIODS_MS) -> int:
    """The period a board would really use: the nearest step (what the emulator writes back).

    Real boards differ (a v1.5 LSM303 board snaps 160 ms to 1000 ms); pass its table.
    """
    return min(steps_ms, key=lambda step: (abs(step - requested_ms), step))


def read_replies(char_uuid: str, value: bytes) -> tuple[DeviceMessage, ...]:
    """The rate the board snapped the period to, from the period read-back; ``()`` for
    anything else. (A period of 0 reads as no rate at all: a malformed value.)"""
    if char_uuid.lower() != PERIOD_UUID:
        return ()
    period_ms = decode_period(value)
    if period_ms == 0:
        raise MalformedError(MODEL, "period read back as 0 ms", value)
    return (RateConfirmed(1000.0 / period_ms),)


# --- commands --------------------------------------------------------------------------------


def start_commands(rate_hz: float) -> tuple[Command, ...]:
    """Write the period (with response: the characteristic is read/write); read it back after."""
    rate = check_rate("rate_hz", rate_hz, RATES_HZ)
    period_ms = round(1000.0 / rate)
    return (Command(PERIOD_UUID, encode_period(period_ms), 0.05, with_response=True),)


def stop_commands() -> tuple[Command, ...]:
    return ()  # stop_notify is the way; there is no stop command


PROFILE = DeviceProfile(
    model=MODEL,
    display_name="BBC micro:bit (accelerometer service)",
    name_pattern=r"^BBC micro:bit",
    service_uuid=SERVICE_UUID,
    notify_uuids=(DATA_UUID,),
    write_uuid=PERIOD_UUID,
    make_decoder=MicrobitDecoder,
    rates_hz=RATES_HZ,
    default_rate_hz=DEFAULT_RATE_HZ,
    has_gyro=False,
    device_timestamps=False,
    start_commands=start_commands,
    stop_commands=stop_commands,
    notes=(
        "Acc only, +-2 g, milli-g. Period snapped by the board: read back period_ms. "
        "Bursty timing: host sample clock. No battery service."
    ),
    extra_read_uuids=(PERIOD_UUID,),
    read_replies=read_replies,
    encoder=SampleEncoder(lambda acc, _gyro, _euler: encode_samples(acc)),
)
