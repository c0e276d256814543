"""Errors of the service layer: the MQTT broker."""

from __future__ import annotations

from firmware_protocol.errors import HoldfastError


class BrokerError(HoldfastError):
    """The MQTT broker refused us or could not be reached."""

    def __init__(self, host: str, port: int, reason: str) -> None:
        super().__init__(f"MQTT broker {host}:{port}: {reason}")
        self.host = host
        self.port = port
        self.reason = reason
