"""Errors of the sensor layer: recordings that cannot be read, sensors that cannot be used."""

from __future__ import annotations

from pathlib import Path

from firmware_protocol.errors import HoldfastError


class RecordingError(HoldfastError):
    """A recording file is unreadable, truncated, or has a bad line or header."""

    def __init__(self, path: Path | str, line: int | None, reason: str) -> None:
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = Path(path)
        self.line = line
        self.reason = reason


class SensorError(HoldfastError):
    """A sensor could not be found, connected or configured."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"sensor {address}: {reason}")
        self.address = address
        self.reason = reason
