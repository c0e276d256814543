"""``BleSource``: one BLE sensor as a :class:`sensor.source.SampleSource`.

The connection task (:mod:`sensor.ble.link`) fills an inbox with timestamped packets (and
the values it read) and link events; iterating the source drains the inbox and hands it to
the shared :class:`sensor.decode_loop.DecodeLoop` (the one a replay uses), off the callbacks,
yielding ``SampleBatch`` and ``LinkStatus`` items in arrival order. This module keeps only
the link side: pacing, taps for the recorder, stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from firmware_protocol.profile import DeviceProfile
from firmware_protocol.samples import Packet
from sensor.ble.discovery import AUTO
from sensor.ble.inbox import Inbox, InboxItem, LinkFailed, StreamEnded
from sensor.ble.link import Link, resolve_rate
from sensor.ble.settings import BleSettings
from sensor.decode_loop import DecodeLoop
from sensor.recording import Marker
from sensor.source import LinkStatus, PacketTap, SourceItem

MarkerTap = Callable[[Marker], None]

_Out = SourceItem | LinkFailed | StreamEnded
"""What decoding the inbox gives: items for the consumer, or how the stream ended."""


class BleSource:
    """Stream one sensor by address, or the first supported one found (``"auto"``).

    ``session_start_s``: the ``time.monotonic()`` value that is t = 0 for every timestamp
    (share one value between the sensors of a session); default: when constructed.
    ``packet_tap`` receives every notification exactly as it arrived and ``marker_tap`` the
    connect/disconnect marks, both in order and from the iterator (for the raw recorder).
    Iterate once; the connection is closed when iteration ends or on :meth:`close`.
    """

    def __init__(
        self,
        target: str,
        *,
        sensor_id: str | None = None,
        settings: BleSettings | None = None,
        session_start_s: float | None = None,
        packet_tap: PacketTap | None = None,
        marker_tap: MarkerTap | None = None,
    ) -> None:
        self.target = target if target.lower() == AUTO else target.upper()
        self.settings = settings or BleSettings()
        self._sensor_id = sensor_id or self.target
        self._t0_s = time.monotonic() if session_start_s is None else session_start_s
        self.packet_tap = packet_tap
        self.marker_tap = marker_tap
        self._inbox = Inbox(self.settings.queue_max_packets)
        self._link = Link(self.target, self._sensor_id, self.settings, self._inbox, self.clock_s)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._loop = DecodeLoop(self._sensor_id, on_wrong_profile=self._link.switch_profile)
        self._dropped_reported = 0
        self.packets_received = 0
        if self.settings.model is not None and self.settings.rate_hz is not None:
            from firmware_protocol.registry import profile_for

            resolve_rate(profile_for(self.settings.model), self.settings.rate_hz)

    # --- what is known once the sensor was found ------------------------------------------

    @property
    def sensor_id(self) -> str:
        return self._sensor_id

    @property
    def address(self) -> str | None:
        return self._link.found.address if self._link.found is not None else None

    @property
    def profile(self) -> DeviceProfile | None:
        return self._link.profile

    @property
    def nominal_rate_hz(self) -> float | None:
        """The rate the sensor reports it uses (read-back), else the rate asked for."""
        return self._loop.rate_hz or self._link.rate_hz

    @property
    def malformed_total(self) -> int:
        return self._loop.malformed_total

    @property
    def dropped_packets(self) -> int:
        return self._inbox.dropped_packets

    def clock_s(self) -> float:
        """Seconds since the session start, to the microsecond.

        Raw recordings store times to the microsecond, so rounding here makes a replay of a
        recording feed the chain exactly the times the live run saw.
        """
        return round(time.monotonic() - self._t0_s, 6)

    # --- iteration --------------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[SourceItem]:
        if self._task is not None:
            raise RuntimeError("a BleSource can be iterated only once")
        self._task = asyncio.get_running_loop().create_task(
            self._link.run(), name=f"ble-link-{self._sensor_id}"
        )
        return self._items()

    async def _items(self) -> AsyncIterator[SourceItem]:
        try:
            taken_s = -float("inf")
            while True:
                wait_s = self.settings.batch_interval_s - (time.monotonic() - taken_s)
                if wait_s > 0:
                    await asyncio.sleep(wait_s)  # let notifications gather into one batch
                items = await self._inbox.take_all()
                taken_s = time.monotonic()
                failure: LinkFailed | None = None
                for out in self._process(items):
                    if isinstance(out, StreamEnded):
                        return
                    if isinstance(out, LinkFailed):
                        failure = out
                        break
                    yield out
                if failure is not None:
                    raise failure.error
        finally:
            await self.close()

    async def stop(self) -> None:
        """End the stream on purpose, losing nothing that arrived.

        Disconnects first; the iterator then hands out every packet that reached the inbox
        before the link closed (so the recorder writes them) and ends normally. A stop is
        not a link loss: it gives no ``disconnected`` status and no disconnect mark.
        """
        self._stopping = True
        await self.close()
        self._inbox.put(StreamEnded())

    async def close(self) -> None:
        """Stop the connection task (disconnects the sensor)."""
        task = self._task
        if task is None or task.done():
            return
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # --- decoding (off the callbacks) -------------------------------------------------------

    def _process(self, items: list[InboxItem]) -> list[_Out]:
        """One hand-out of the inbox through the shared decode loop, in arrival order."""
        loop = self._loop
        out: list[_Out] = []
        run: list[Packet] = []
        for item in items:
            if isinstance(item, Packet):
                self.packets_received += 1
                if self.packet_tap is not None:
                    self.packet_tap(item)
                run.append(item)
                continue
            out.extend(self._decode(run))
            run = []
            if isinstance(item, LinkStatus):
                if self._stopping and item.kind == "disconnected":
                    continue  # our own stop closed the link: not a gap to report
                self._on_status(item)
                out.extend(loop.status(item))
            else:
                out.extend(loop.flush())
                out.append(item)
                break
        out.extend(self._decode(run))
        dropped = self._inbox.dropped_packets
        if dropped > self._dropped_reported:
            out.extend(loop.dropped(self.clock_s(), dropped - self._dropped_reported, dropped))
            self._dropped_reported = dropped
        out.extend(loop.flush())
        return out

    def _decode(self, run: list[Packet]) -> list[SourceItem]:
        if not run:
            return []
        profile = self._link.profile
        if profile is not None:
            self._loop.use(profile, self._link.rate_hz)
        return self._loop.packets(run)

    def _on_status(self, status: LinkStatus) -> None:
        if status.kind == "connected":
            profile = self._link.profile
            if profile is not None:
                self._loop.use(profile, self._link.rate_hz)
            self._mark(Marker(status.t_s, "connect", status.detail))
        elif status.kind == "disconnected":
            self._mark(Marker(status.t_s, "disconnect", status.detail))

    def _mark(self, marker: Marker) -> None:
        if self.marker_tap is not None:
            self.marker_tap(marker)
