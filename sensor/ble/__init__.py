"""BLE sensors through bleak: discovery, streaming and keeping the link up.

``BleSource(target)`` is a :class:`sensor.source.SampleSource` for one sensor (an address
or ``"auto"``); ``scan_sensors(timeout_s)`` lists the supported sensors nearby.
"""

from __future__ import annotations

from sensor.ble.discovery import AUTO, FoundSensor, find_sensor, scan_sensors
from sensor.ble.settings import BleSettings
from sensor.ble.source import BleSource, MarkerTap

__all__ = [
    "AUTO",
    "BleSettings",
    "BleSource",
    "FoundSensor",
    "MarkerTap",
    "find_sensor",
    "scan_sensors",
]
