"""Foreign errors of the BLE stack, converted at the edge to ``SensorError``."""

from __future__ import annotations

import asyncio

from bleak.exc import BleakError

from sensor.errors import SensorError

#: What bleak and dbus-fast raise when a scan, connect, read or write fails: bleak's own
#: errors, timeouts, a D-Bus connection that went away (EOFError, OSError).
BLE_ERRORS: tuple[type[BaseException], ...] = (BleakError, asyncio.TimeoutError, EOFError, OSError)


def sensor_error(address: str, doing: str, exc: BaseException) -> SensorError:
    """``SensorError`` saying what we were doing and what bleak said; raise it ``from exc``.

    When the Bluetooth service itself is missing, say that and how to get it: "[Errno 2] No
    such file or directory" means nothing to someone whose machine has no D-Bus.
    """
    detail = str(exc) or exc.__class__.__name__
    hint = missing_service_hint(exc)
    return SensorError(address, f"{doing} failed: {detail}" + (f"; {hint}" if hint else ""))


def missing_service_hint(exc: BaseException) -> str | None:
    """What to install or start when ``exc`` says D-Bus or BlueZ is not there."""
    text = str(exc)
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)) or (
        "system_bus_socket" in text
    ):
        return (
            "the system D-Bus is not running, and BlueZ needs it: on Debian/Ubuntu "
            "`sudo apt install dbus bluez && sudo systemctl start dbus bluetooth` "
            "(in a container: share the host's /run/dbus)"
        )
    if "org.bluez" in text and ("not provided" in text or "ServiceUnknown" in text):
        return (
            "BlueZ (bluetoothd) is not running: on Debian/Ubuntu "
            "`sudo apt install bluez && sudo systemctl start bluetooth`"
        )
    if "No Bluetooth adapters found" in text or "No powered Bluetooth adapters" in text:
        return "no Bluetooth adapter is available: plug one in, or check `bluetoothctl list`"
    return None
