"""`holdfast scan` on a machine without D-Bus or BlueZ says which is missing and how to get it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bleak.exc import BleakDBusError

from sensor.ble.errors import missing_service_hint


def test_scan_without_a_system_bus_names_dbus_and_the_install(tmp_path: Path) -> None:
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"}
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "scan", "--timeout", "1"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert "the system D-Bus is not running" in line
    assert "sudo apt install dbus bluez" in line


def test_bluez_missing_on_a_running_bus_and_no_adapter() -> None:
    not_there = BleakDBusError(
        "org.freedesktop.DBus.Error.ServiceUnknown",
        ["The name org.bluez was not provided by any .service files"],
    )
    hint = missing_service_hint(not_there)
    assert hint is not None
    assert "BlueZ (bluetoothd) is not running" in hint
    assert "systemctl start bluetooth" in hint
    no_adapter = missing_service_hint(Exception("No Bluetooth adapters found."))
    assert no_adapter is not None
    assert "adapter" in no_adapter
    assert missing_service_hint(TimeoutError()) is None
