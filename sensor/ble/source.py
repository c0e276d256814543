"""``BleSource``: one BLE sensor as a :class:`sensor.source.SampleSource`.

The connection task (:mod:`sensor.ble.link`) fills an inbox with timestamped packets and
link events; iterating the source drains the inbox, decodes off the callbacks and yields
``SampleBatch`` and ``LinkStatus`` items in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

from firmware_protocol import metawear
from firmware_protocol.errors import DecodeError
from firmware_protocol.profile import DeviceProfile, StreamDecoder
from firmware_protocol.samples import DecodedSamples, Packet
from sensor.batching import BatchBuilder
from sensor.ble.discovery import AUTO
from sensor.ble.inbox import Inbox, InboxItem, LinkFailed, Replies, StreamEnded
from sensor.ble.link import Link, resolve_rate
from sensor.ble.settings import BleSettings
from sensor.recording import Marker
from sensor.source import LinkStatus, PacketTap, SourceItem

MarkerTap = Callable[[Marker], None]

_Out = SourceItem | LinkFailed | StreamEnded
"""What decoding the inbox gives: items for the consumer, or how the stream ended."""

#: Decoder replies that mean samples are missing before this packet's samples.
GAP_REPLIES = frozenset({"lost_packets", "stream_restart"})


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
        self._decoder: StreamDecoder | None = None
        self._decoder_profile: DeviceProfile | None = None
        self._nominal_rate_hz: float | None = None
        self._t_device0_s: float | None = None
        self._gap_next = False
        self._dropped_reported = 0
        self.malformed_total = 0
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
        return self._nominal_rate_hz or self._link.rate_hz

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
        out: list[_Out] = []
        batch = BatchBuilder()
        for item in items:
            if isinstance(item, Packet):
                self._on_packet(item, batch, out)
                continue
            self._flush(batch, out)
            if isinstance(item, LinkStatus):
                if self._stopping and item.kind == "disconnected":
                    continue  # our own stop closed the link: not a gap to report
                self._on_status(item, out)
            elif isinstance(item, Replies):
                self._on_replies(item.t_s, item.replies, item.malformed, out)
            else:
                out.append(item)
                break
        self._flush(batch, out)
        dropped = self._inbox.dropped_packets
        if dropped > self._dropped_reported:
            self._dropped_reported = dropped
            self._gap_next = True
            out.append(
                LinkStatus(
                    self._sensor_id,
                    self.clock_s(),
                    "decode_errors",
                    f"{dropped} notifications dropped in total: the consumer fell behind",
                    malformed_total=self.malformed_total,
                )
            )
        return out

    def _on_packet(self, packet: Packet, batch: BatchBuilder, out: list[_Out]) -> None:
        self.packets_received += 1
        if self.packet_tap is not None:
            self.packet_tap(packet)
        profile = self._link.profile
        if profile is None or packet.char_uuid not in profile.notify_uuids:
            return
        if self._decoder is None or self._decoder_profile is not profile:
            self._decoder = profile.make_decoder()
            self._decoder_profile = profile
        try:
            result = self._decoder.feed(packet.payload)
        except DecodeError:
            # Decoders count malformed runs themselves; one that raises loses this payload.
            self._decoder.reset()
            self._flush(batch, out)
            out.extend(self._statuses(packet.t_s, (), 1))
            return
        if any(kind in GAP_REPLIES for kind, _ in result.replies):
            self._flush(batch, out)  # the samples before the loss end their batch
            self._gap_next = True
        self._apply_settings(result.replies)
        batch.add(packet.t_s, self._device_times(result.samples))
        statuses = self._statuses(packet.t_s, result.replies, result.malformed)
        if statuses:
            self._flush(batch, out)
            out.extend(statuses)

    def _device_times(self, samples: DecodedSamples) -> DecodedSamples:
        """Device timestamps as seconds since the first device timestamp of the session."""
        if samples.t_device_s is None or len(samples) == 0:
            return samples
        if self._t_device0_s is None:
            self._t_device0_s = float(samples.t_device_s[0])
        return DecodedSamples(
            samples.acc_mps2, samples.gyro_dps, samples.t_device_s - self._t_device0_s
        )

    def _on_status(self, status: LinkStatus, out: list[_Out]) -> None:
        if status.kind == "connected":
            if self._decoder is not None:
                self._decoder.reset()
            self._mark(Marker(status.t_s, "connect", status.detail))
        elif status.kind == "disconnected":
            if self._decoder is not None:
                self._decoder.reset()
            self._gap_next = True
            self._mark(Marker(status.t_s, "disconnect", status.detail))
        out.append(status)

    def _mark(self, marker: Marker) -> None:
        if self.marker_tap is not None:
            self.marker_tap(marker)

    def _on_replies(
        self,
        t_s: float,
        replies: tuple[tuple[str, object], ...],
        malformed: int,
        out: list[_Out],
    ) -> None:
        self._apply_settings(replies)
        out.extend(self._statuses(t_s, replies, malformed))

    def _statuses(
        self, t_s: float, replies: tuple[tuple[str, object], ...], malformed: int
    ) -> list[_Out]:
        """Link status items for decode errors and battery readings."""
        out: list[_Out] = []
        if malformed:
            self.malformed_total += malformed
            out.append(
                LinkStatus(
                    self._sensor_id, t_s, "decode_errors", malformed_total=self.malformed_total
                )
            )
        for kind, value in replies:
            if kind == "battery_pct" and isinstance(value, int):
                out.append(LinkStatus(self._sensor_id, t_s, "battery", battery_pct=value))
        return out

    def _apply_settings(self, replies: tuple[tuple[str, object], ...]) -> None:
        """What the device says about its own configuration: real rate, chip."""
        for kind, value in replies:
            if kind == "rate_hz" and isinstance(value, float | int) and value > 0:
                self._nominal_rate_hz = float(value)
            elif kind == "period_ms" and isinstance(value, int) and value > 0:
                self._nominal_rate_hz = 1000.0 / value
            elif kind == "module_info" and isinstance(value, metawear.ModuleInfo):
                self._check_metawear_chip(value)

    def _check_metawear_chip(self, info: metawear.ModuleInfo) -> None:
        # MetaWear boards all advertise "MetaWear"; the accelerometer module info says which
        # IMU the board has, and the two need different commands: switch and reconnect.
        if info.module != metawear.MODULE_ACC or info.implementation is None:
            return
        right = metawear.profile_for_acc_implementation(info.implementation)
        if right is not None and right is not self._link.profile:
            self._link.switch_profile(right)

    def _flush(self, batch: BatchBuilder, out: list[_Out]) -> None:
        rate = self.nominal_rate_hz
        if rate is None:
            return
        made = batch.flush(self._sensor_id, rate, self._gap_next)
        if made is not None:
            out.append(made)
            self._gap_next = False
