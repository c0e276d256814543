"""Device profiles: what the BLE layer needs to know about a sensor family, as plain data.

A profile names the GATT service and characteristics, how to recognise the device in a scan,
how to make a fresh stream decoder, the rates it supports and the command sequences that start
and stop streaming. ``sensor.ble`` reads these; nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from firmware_protocol.samples import DecodedSamples


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """What one ``feed`` produced.

    ``samples``: whole samples decoded (possibly none). ``malformed``: how many runs of bytes
    were dropped because they can never decode (counted, reported in a status event).
    ``replies``: non-sample messages the device sent (register read-backs, battery, module
    info), as ``(kind, value)`` pairs the sensor layer may use.
    """

    samples: DecodedSamples
    malformed: int = 0
    replies: tuple[tuple[str, object], ...] = ()


class StreamDecoder(Protocol):
    """Stateful wrapper around a pure decode function: keeps incomplete bytes between feeds."""

    def feed(self, payload: bytes) -> DecodeResult:
        """Decode one notification payload; keep an incomplete tail for the next call."""
        ...

    def reset(self) -> None:
        """Forget buffered bytes (after a disconnect)."""
        ...


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
    ``read_replies(char_uuid, value)``, which returns ``(kind, value)`` pairs like the
    decoder's ``replies`` (``("period_ms", 20)``, ``("battery_pct", 87)``).
    ``battery_uuid``: the standard Battery Level characteristic when the device has one (poll
    it and pass the value to ``read_replies``); ``None`` when the battery comes in the stream.
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
    read_replies: Callable[[str, bytes], tuple[tuple[str, object], ...]] = field(
        default=lambda _uuid, _value: ()  # devices without extra reads have nothing to say
    )
    battery_uuid: str | None = None

    def matches_name(self, name: str | None) -> bool:
        return name is not None and re.search(self.name_pattern, name) is not None
