"""Foreign errors of the BLE stack, converted at the edge to ``SensorError``."""

from __future__ import annotations

import asyncio

from bleak.exc import BleakError

from sensor.errors import SensorError

#: What bleak and dbus-fast raise when a scan, connect, read or write fails: bleak's own
#: errors, timeouts, a D-Bus connection that went away (EOFError, OSError).
BLE_ERRORS: tuple[type[BaseException], ...] = (BleakError, asyncio.TimeoutError, EOFError, OSError)


def sensor_error(address: str, doing: str, exc: BaseException) -> SensorError:
    """``SensorError`` saying what we were doing and what bleak said; raise it ``from exc``."""
    detail = str(exc) or exc.__class__.__name__
    return SensorError(address, f"{doing} failed: {detail}")
