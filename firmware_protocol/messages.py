"""What a device says besides samples: a small closed set of typed messages.

Decoders and read-back parsers return these (in ``DecodeResult.messages``); the sensor layer's
decode loop (``sensor.decode_loop``) matches them exhaustively (``assert_never``, checked by
mypy), so every kind is either acted on (battery, confirmed rate, losses, a wrong profile) or
reported in a status event. Adding a kind means adding it to :data:`DeviceMessage` and mypy
then points at every ``match`` that must handle it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Battery:
    """The battery level (and voltage where the device says it)."""

    pct: int
    millivolts: int | None = None


@dataclass(frozen=True, slots=True)
class RateConfirmed:
    """The output rate the device really uses (a read-back, or the rate in its packets)."""

    rate_hz: float


@dataclass(frozen=True, slots=True)
class LostPackets:
    """A jump in the device's packet sequence: ``count`` packets never arrived."""

    count: int


@dataclass(frozen=True, slots=True)
class StreamRestart:
    """The device restarted its stream (its counter and clock jumped back to ``sequence``)."""

    sequence: int


@dataclass(frozen=True, slots=True)
class DroppedData:
    """The decoder threw data away on purpose; ``what`` says which, ``count`` how much.

    e.g. ``"duplicate packet"`` (1), ``"gyro samples without accelerometer"`` (n).
    """

    what: str
    count: int


@dataclass(frozen=True, slots=True)
class UnpairedSamples:
    """Accelerometer samples let through without their gyro (the gyro stream went quiet)."""

    count: int


@dataclass(frozen=True, slots=True)
class ModuleInfo:
    """A board reported which chip implements one of its modules (MetaWear).

    ``implementation`` is ``None`` when the module is absent.
    """

    module: int
    present: bool
    implementation: int | None = None
    revision: int | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A reply to one of our own commands or reads that needs no action (a register
    read-back, a control point response, a feature list); ``what`` names it and ``text``
    shows it."""

    what: str
    text: str


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A message the decoder recognised as not for it (unknown register, other measurement)."""

    what: str
    text: str


DeviceMessage = (
    Battery
    | RateConfirmed
    | LostPackets
    | StreamRestart
    | DroppedData
    | UnpairedSamples
    | ModuleInfo
    | DeviceInfo
    | Unhandled
)
"""Every kind of non-sample message a decoder or read-back parser may return."""
