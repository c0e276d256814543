"""The one interface every sample source offers (BLE, replay, simulator).

A source is an async iterator of :data:`SourceItem`: sample batches, plus link status items
(connected, disconnected, battery, dropped payloads) that the service turns into
``sensor_status`` events and gap handling. A source may also offer a tap of raw packets so the
recorder can write exactly what arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from firmware_protocol.samples import Packet, SampleBatch

LinkKind = Literal[
    "connected", "disconnected", "battery", "decode_errors", "data_lost", "device_message"
]


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """Something about the link rather than the samples.

    ``t_s``: seconds since session start. ``kind``: what happened. ``battery_pct`` for
    ``battery``; ``malformed_total`` (payload runs dropped so far) for ``decode_errors``;
    ``lost_count`` (how many, where known; ``detail`` says of what) for ``data_lost``; the
    device's words in ``detail`` for ``device_message``.
    """

    sensor: str
    t_s: float
    kind: LinkKind
    detail: str = ""
    battery_pct: int | None = None
    malformed_total: int | None = None
    lost_count: int | None = None


SourceItem = SampleBatch | LinkStatus

PacketTap = Callable[[Packet], None]


class SampleSource(Protocol):
    """``async for item in source`` yields sample batches and link status until the end."""

    @property
    def sensor_id(self) -> str:
        """The id events from this source carry."""
        ...

    def __aiter__(self) -> AsyncIterator[SourceItem]: ...
