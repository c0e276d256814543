"""The standard Bluetooth Battery Service (BAS): one uint8 percentage, read (sometimes notified).

See ``shared/protocols/battery_service.md``. Service ``0x180F``, Battery Level ``0x2A19`` on
the Bluetooth SIG base; bleak wants the full 128-bit strings below. Thingy:52, MetaWear,
Polar and the holdfast DIY stream have it; WitMotion reports its battery in-stream and the
micro:bit has none.

Not a sensor family, so there is no ``PROFILE`` here: device profiles name
``battery.LEVEL_UUID`` in ``battery_uuid`` / ``extra_read_uuids`` and route the value read
through :func:`read_replies`.
"""

from __future__ import annotations

from firmware_protocol.errors import IncompleteError, MalformedError
from firmware_protocol.messages import Battery, DeviceMessage

MODEL = "battery"

SERVICE_UUID = "0000180f-0000-1000-8000-00805f9b34fb"
LEVEL_UUID = "00002a19-0000-1000-8000-00805f9b34fb"

MAX_PCT = 100


def decode_level(value: bytes) -> int:
    """The battery level in percent from the characteristic value (exactly one byte, 0-100).

    ``IncompleteError`` for an empty value, ``MalformedError`` for extra bytes or a level
    above 100 (the SIG spec reserves 101-255).
    """
    if len(value) == 0:
        raise IncompleteError(MODEL, 0, 1)
    if len(value) > 1:
        raise MalformedError(MODEL, f"{len(value)} bytes, the level is one byte", value)
    if value[0] > MAX_PCT:
        raise MalformedError(MODEL, f"level {value[0]} is above 100 %", value)
    return value[0]


def encode_level(pct: int) -> bytes:
    """The characteristic value for ``pct`` percent (the emulator's side); clipped to 0-100."""
    return bytes([min(max(int(pct), 0), MAX_PCT)])


def read_replies(char_uuid: str, value: bytes) -> tuple[DeviceMessage, ...]:
    """``(Battery(n),)`` for a Battery Level value; ``()`` for any other characteristic.

    A malformed or empty value raises (``MalformedError`` / ``IncompleteError``): the caller
    counts it like any other decode error.
    """
    if char_uuid.lower() != LEVEL_UUID:
        return ()
    return (Battery(decode_level(value)),)
