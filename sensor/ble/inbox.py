"""The hand-off between the BLE callbacks and the decoding iterator.

Notification callbacks only timestamp and append here (never decode, never await); link
events from the connection task go through the same queue so their order with the packets
is kept. Packets are bounded: beyond the limit they are dropped and counted, link events
never are.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass

from firmware_protocol.samples import Packet
from sensor.source import LinkStatus


@dataclass(frozen=True, slots=True)
class LinkFailed:
    """The connection task ended for good (the sensor was never found, a config error)."""

    error: BaseException


@dataclass(frozen=True, slots=True)
class StreamEnded:
    """The stream was stopped on purpose and everything that arrived before it was handed out."""


InboxItem = Packet | LinkStatus | LinkFailed | StreamEnded


class Inbox:
    def __init__(self, max_packets: int) -> None:
        self._items: deque[InboxItem] = deque()
        self._packets = 0
        self._max_packets = max_packets
        self._ready = asyncio.Event()
        self.dropped_packets = 0

    def put_packet(self, packet: Packet) -> None:
        """From the notification callback: O(1), never blocks."""
        if self._packets >= self._max_packets:
            self.dropped_packets += 1
            return
        self._packets += 1
        self._items.append(packet)
        self._ready.set()

    def put(self, item: Packet | LinkStatus | LinkFailed | StreamEnded) -> None:
        """A link event, or a value read from a characteristic (as a packet): never dropped."""
        self._items.append(item)
        self._ready.set()

    async def take_all(self) -> list[InboxItem]:
        """Everything queued so far, waiting until there is something."""
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        items = list(self._items)
        self._items.clear()
        self._packets = 0
        return items
