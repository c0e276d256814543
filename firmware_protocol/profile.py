"""Device profiles: what the BLE layer needs to know about a sensor family, as plain data.

A profile names the GATT service and characteristics, how to recognise the device in a scan,
how to make a fresh stream decoder, the rates it supports and the command sequences that start
and stop streaming. ``sensor.ble`` reads these; nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from firmware_protocol.messages import DeviceMessage
from firmware_protocol.samples import DecodedSamples, FloatArray

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What one ``feed`` produced.

    ``samples``: whole samples decoded (possibly none). ``malformed``: how many runs of bytes
    were dropped because they can never decode (counted, reported in a status event).
    ``messages``: what else the device said (battery, rate, losses, module info ...), typed.
    """

    samples: DecodedSamples
    malformed: int = 0
    messages: tuple[DeviceMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class DecodedRun:
    """What ``feed_many`` made of a run of notifications that were all plain samples.

    ``samples``: every sample of the run, in order; ``per_payload[i]``: how many came from
    payload ``i`` (so each sample gets the arrival time of its own notification).
    """

    samples: DecodedSamples
    per_payload: IntArray


class StreamDecoder(Protocol):
    """Stateful wrapper around a pure decode function: keeps incomplete bytes between feeds.

    ``feed_many(payloads)`` decodes a whole run of notifications at once (one ``frombuffer``
    for the run, not three numpy calls per notification) when every payload is a plain,
    whole sample notification, and returns ``None`` otherwise, touching no state; the caller
    then feeds them one by one. The result is the same either way.
    """

    def feed(self, payload: bytes) -> DecodeResult:
        """Decode one notification payload; keep an incomplete tail for the next call."""
        ...

    def feed_many(self, payloads: Sequence[bytes]) -> DecodedRun | None:
        """The run decoded at once, or ``None`` when it needs the one-by-one path."""
        ...

    def reset(self) -> None:
        """Forget buffered bytes (after a disconnect)."""
        ...


def one_sample_each(
    payloads: Sequence[bytes], size: int, decode: Callable[[bytes, int], DecodedSamples]
) -> DecodedRun | None:
    """``feed_many`` for devices whose every notification is one sample of ``size`` bytes:
    ``decode(joined, n)`` turns ``n`` such payloads joined together into their samples."""
    if not payloads or any(len(p) != size for p in payloads):
        return None
    n = len(payloads)
    return DecodedRun(decode(b"".join(payloads), n), np.ones(n, dtype=np.int64))


@dataclass(frozen=True, slots=True)
class SampleEncoder:
    """How the simulator and the BLE emulator turn samples into this device's notifications.

    ``encode(acc_mps2, gyro_dps, euler_deg)`` gives the payloads for a run of samples: with
    ``samples_per_notification`` 1, exactly one payload per sample; otherwise the payloads of
    one notification group (all arriving together). ``gyro_dps`` is ``None`` for a device
    without a gyro.
    """

    encode: Callable[[FloatArray, FloatArray | None, FloatArray], list[bytes]]
    samples_per_notification: int = 1


@dataclass(frozen=True, slots=True)
class Command:
    """One GATT write: ``payload`` to ``char_uuid``, then wait ``delay_after_s``."""

    char_uuid: str
    payload: bytes
    delay_after_s: float = 0.0
    with_response: bool = False


@dataclass(frozen=True, slots=True)
class DeviceProfile:
    """Everything about one sensor family that is data, not I/O.

    ``model``: the short id used on the CLI and in recordings (``witmotion``).
    ``name_pattern``: regular expression matched against the advertised local name.
    ``notify_uuids``: characteristics whose notifications carry samples (full 128-bit, lower
    case). ``start_commands(rate_hz)`` / ``stop_commands()``: writes that configure and start or
    stop streaming (empty when enabling notifications is enough).

    Every payload that arrives on any of ``notify_uuids`` goes to ONE decoder from
    ``make_decoder``: where a device answers commands on a second characteristic (Polar's PMD
    control point indications) that characteristic is listed too and the decoder tells the two
    apart by content. ``extra_read_uuids``: characteristics to read once after the start
    commands (a read-back of a setting, the battery); hand each value to
    ``read_replies(char_uuid, value)``, which returns typed messages like the decoder's
    (``RateConfirmed(50.0)``, ``Battery(87)``).

    Battery policy: ``battery_uuid``, the standard Battery Level characteristic when the
    device has one (read it now and then and pass the value to ``read_replies``); else
    ``battery_poll``, the write that makes the device report its battery inside the stream
    (the reply is decoded with the samples); neither: the battery is never known.

    ``wrong_profile(message)``: a device check. Given a message from the device, the profile
    this device really needs when it is not this one (MetaWear boards all advertise
    "MetaWear"; the module info names the IMU), else ``None``; a live source reconnects with
    it. ``encoder``: how the simulator and the BLE emulator speak this device (``None``: the
    device cannot be simulated).
    """

    model: str
    display_name: str
    name_pattern: str
    service_uuid: str
    notify_uuids: tuple[str, ...]
    write_uuid: str | None
    make_decoder: Callable[[], StreamDecoder]
    rates_hz: tuple[float, ...]
    default_rate_hz: float
    has_gyro: bool
    device_timestamps: bool
    start_commands: Callable[[float], tuple[Command, ...]]
    stop_commands: Callable[[], tuple[Command, ...]]
    notes: str = ""
    extra_read_uuids: tuple[str, ...] = field(default=())
    read_replies: Callable[[str, bytes], tuple[DeviceMessage, ...]] = field(
        default=lambda _uuid, _value: ()  # devices without extra reads have nothing to say
    )
    battery_uuid: str | None = None
    battery_poll: Command | None = None
    wrong_profile: Callable[[DeviceMessage], DeviceProfile | None] = field(
        default=lambda _message: None  # one profile fits every device of the family
    )
    encoder: SampleEncoder | None = None

    def matches_name(self, name: str | None) -> bool:
        return name is not None and re.search(self.name_pattern, name) is not None
