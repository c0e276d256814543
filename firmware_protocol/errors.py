"""The one exception tree of holdfast.

Every error holdfast raises on purpose is a :class:`HoldfastError`. The subclasses carry the
data a user needs to act (which file and line, which field and which values are allowed, which
sensor, which broker). Errors from foreign libraries (bleak, aiomqtt, json, OS) are converted
at the edge with ``raise ... from`` so the original cause stays attached.

The root, the decoding errors and ``ConfigError`` (a bad value: a device setting, a rate, an
axis) live in ``firmware_protocol`` because it is the lowest layer: every package may import
them without importing "upward". Errors that belong to one upper layer live there:
``sensor.errors`` (``RecordingError``, ``SensorError``), ``service.errors`` (``BrokerError``).
"""

from __future__ import annotations

from collections.abc import Sequence


class HoldfastError(Exception):
    """Root of every error holdfast raises on purpose."""


# --- decoding -------------------------------------------------------------------------------


class DecodeError(HoldfastError):
    """A payload could not be turned into samples."""

    def __init__(self, device: str, message: str) -> None:
        super().__init__(f"{device}: {message}")
        self.device = device


class IncompleteError(DecodeError):
    """Not enough bytes yet: keep them and wait for more. Not a fault."""

    def __init__(self, device: str, have: int, need: int) -> None:
        super().__init__(device, f"incomplete frame: have {have} bytes, need {need}")
        self.have = have
        self.need = need


class MalformedError(DecodeError):
    """Bytes that can never decode: drop them, count them, go on."""

    def __init__(self, device: str, reason: str, payload: bytes = b"") -> None:
        shown = payload[:24].hex(" ")
        suffix = f" (payload {shown}{' ...' if len(payload) > 24 else ''})" if payload else ""
        super().__init__(device, f"malformed: {reason}{suffix}")
        self.reason = reason
        self.payload = payload


# --- configuration ---------------------------------------------------------------------------


class ConfigError(HoldfastError):
    """A configuration value is wrong; names the field and, where known, what is allowed."""

    def __init__(self, field: str, reason: str, allowed: Sequence[str] | str | None = None) -> None:
        if allowed is None:
            allowed_text = ""
        elif isinstance(allowed, str):
            allowed_text = f" (allowed: {allowed})"
        else:
            allowed_text = f" (allowed: {', '.join(allowed)})"
        super().__init__(f"{field}: {reason}{allowed_text}")
        self.field = field
        self.reason = reason
        self.allowed = allowed
