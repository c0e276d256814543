"""Errors of the service layer: the MQTT broker, the history database."""

from __future__ import annotations

from firmware_protocol.errors import HoldfastError


class BrokerError(HoldfastError):
    """The MQTT broker refused us or could not be reached."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"MQTT broker {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason


class HistoryError(HoldfastError):
    """The history database cannot be opened, migrated, read or written."""

    def __init__(self, database: str, reason: str) -> None:
        super().__init__(f"history database {database}: {reason}")
        self.database = database
        self.reason = reason
