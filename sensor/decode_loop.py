"""The one decode loop: packets (with host time) and link marks in, sample batches and status out.

Used by the live BLE source (:mod:`sensor.ble.source`), the replay of raw recordings
(:mod:`sensor.replay`) and so by the simulator's output (``serve --simulate`` replays what the
simulator wrote), so a recording replays exactly as the live session went: the same batches
cut at the same places wherever it matters, the same status items at the same places between
them, hence the same events and ids.

What it does with each packet, by characteristic:
- a notification (``profile.notify_uuids``) goes to the device's stream decoder; runs of plain
  sample notifications are decoded at once (``StreamDecoder.feed_many``: one ``frombuffer`` per
  run), anything else one by one;
- a read value (``profile.battery_uuid``, ``profile.extra_read_uuids``; the live source records
  them as packets too) goes to the profile's read-back parser.

Every typed message (:mod:`firmware_protocol.messages`) is matched exhaustively: acted on
(battery, confirmed rate, lost packets and restarts start a gap, a module info is checked
against the profile) or reported in a status item (dropped data, device replies, messages not
for us). Device timestamps become seconds since the first device timestamp of the session.

A batch is cut (flushed) before every status item, before a gap, when the rate changes, and
when the samples change shape (gyro or device times present or not), so those cuts do not
depend on how the packets were gathered; between them the chain is chunk-size invariant.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import assert_never

import numpy as np

from firmware_protocol import battery
from firmware_protocol.errors import DecodeError
from firmware_protocol.messages import (
    Battery,
    DeviceInfo,
    DeviceMessage,
    DroppedData,
    LostPackets,
    ModuleInfo,
    RateConfirmed,
    StreamRestart,
    Unhandled,
    UnpairedSamples,
)
from firmware_protocol.profile import DecodedRun, DeviceProfile, StreamDecoder
from firmware_protocol.samples import DecodedSamples, Packet
from sensor.batching import BatchBuilder
from sensor.source import LinkStatus, SourceItem

log = logging.getLogger(__name__)

ProfileSwitch = Callable[[DeviceProfile], None]
"""Called when the device turned out to need another profile (live: reconnect with it)."""


class DecodeLoop:
    """One sensor's packets to source items. Not thread-safe; one per source.

    ``profile`` and ``rate_hz``: what the stream is decoded with and the nominal rate batches
    carry until the device confirms another; a live source sets them with :meth:`use` once the
    sensor is found. ``packets_per_batch``: cut a batch after this many packets (replay);
    ``None``: only where the input ends (live: every hand-out of the inbox).
    """

    def __init__(
        self,
        sensor_id: str,
        profile: DeviceProfile | None = None,
        rate_hz: float | None = None,
        *,
        packets_per_batch: int | None = None,
        on_wrong_profile: ProfileSwitch | None = None,
    ) -> None:
        self.sensor_id = sensor_id
        self.packets_per_batch = packets_per_batch
        self.on_wrong_profile = on_wrong_profile
        self.profile: DeviceProfile | None = None
        self._decoder: StreamDecoder | None = None
        self.rate_hz: float | None = rate_hz
        """The nominal rate: the device's confirmation, else the rate asked for."""
        self.malformed_total = 0
        self._builder = BatchBuilder()
        self._gap_next = False
        self._t_device0_s: float | None = None
        self._shape: tuple[bool, bool] | None = None  # (gyro, device times) of the open batch
        self._out: list[SourceItem] = []
        if profile is not None:
            self.use(profile, rate_hz)

    def use(self, profile: DeviceProfile, rate_hz: float | None) -> None:
        """Decode with ``profile`` from now on (a fresh decoder when it changes)."""
        if profile is not self.profile:
            self.profile = profile
            self._decoder = profile.make_decoder()
        if rate_hz is not None and self.rate_hz is None:
            self.rate_hz = rate_hz

    # --- input ------------------------------------------------------------------------------

    def packets(self, packets: Sequence[Packet]) -> list[SourceItem]:
        """Decode packets that arrived in this order; returns the items they complete."""
        profile = self.profile
        if profile is None:
            return self._take()
        notify = profile.notify_uuids
        i, n = 0, len(packets)
        while i < n:
            if packets[i].char_uuid not in notify:
                self._read_value(packets[i])
                i += 1
                continue
            j = i + 1
            while j < n and packets[j].char_uuid in notify:
                j += 1
            self._notifications(packets[i:j])
            i = j
        return self._take()

    def status(self, status: LinkStatus) -> list[SourceItem]:
        """A link mark (connected, disconnected) in its place among the packets."""
        self.flush_batch()
        if status.kind in ("connected", "disconnected") and self._decoder is not None:
            self._decoder.reset()  # bytes of the old connection never complete
        if status.kind == "disconnected":
            self._gap_next = True
        self._out.append(status)
        return self._take()

    def dropped(self, t_s: float, count: int, total: int) -> list[SourceItem]:
        """``count`` notifications were dropped before decoding (the consumer fell behind)."""
        self.flush_batch()
        self._gap_next = True
        self._out.append(
            LinkStatus(
                self.sensor_id,
                t_s,
                "data_lost",
                f"{total} notifications dropped in total: the consumer fell behind",
                lost_count=count,
            )
        )
        return self._take()

    def flush(self) -> list[SourceItem]:
        """Everything decoded so far, the open batch included."""
        self.flush_batch()
        return self._take()

    # --- decoding ---------------------------------------------------------------------------

    def _notifications(self, run: Sequence[Packet]) -> None:
        decoder = self._decoder
        assert decoder is not None
        limit = self.packets_per_batch
        start = 0
        while start < len(run):
            # Cut at the batch limit exactly where the one-by-one path would.
            room = len(run) - start if limit is None else limit - self._builder.packets
            part = run[start : start + max(1, room)]
            decoded = decoder.feed_many([p.payload for p in part])
            if decoded is not None:
                self._add_run(part, decoded)
            else:
                for packet in part:
                    self._notification(decoder, packet)
            start += len(part)

    def _add_run(self, part: Sequence[Packet], decoded: DecodedRun) -> None:
        times = np.fromiter((p.t_s for p in part), np.float64, len(part))
        samples = self._device_times(decoded.samples)
        packets = len(part)
        if len(samples):
            shape = (samples.gyro_dps is not None, samples.t_device_s is not None)
            if self._shape is not None and shape != self._shape:
                # One by one, the payloads before the first sample (a MetaWear acc packet
                # waiting for its gyro) join the open batch, then the first sample cuts it.
                lead = int(np.argmax(decoded.per_payload > 0))
                self._builder.packets += lead
                packets -= lead
                self.flush_batch()
            self._shape = shape
        self._builder.add_many(np.repeat(times, decoded.per_payload), samples, packets)
        self._check_limit()

    def _notification(self, decoder: StreamDecoder, packet: Packet) -> None:
        try:
            result = decoder.feed(packet.payload)
        except DecodeError:
            # Decoders count malformed runs themselves; one that raises loses this payload.
            decoder.reset()
            self._malformed(packet.t_s, 1)
            return
        messages = result.messages
        if any(isinstance(m, LostPackets | StreamRestart) for m in messages):
            self.flush_batch()  # the samples before the loss end their batch
            self._gap_next = True
        for m in messages:
            if isinstance(m, RateConfirmed) and m.rate_hz > 0 and m.rate_hz != self.rate_hz:
                self.flush_batch()  # batches carry one rate: cut where it changes
                self.rate_hz = float(m.rate_hz)
        samples = self._device_times(result.samples)
        if len(samples):
            self._reshape(samples)
        self._builder.add(packet.t_s, samples)
        statuses: list[SourceItem] = []
        if result.malformed:
            statuses.append(self._malformed_status(packet.t_s, result.malformed))
        for m in messages:
            statuses.extend(self._act(packet.t_s, m))
        if statuses:
            self.flush_batch()
            self._out.extend(statuses)
        self._check_limit()

    def _read_value(self, packet: Packet) -> None:
        """A characteristic read (battery, a setting read back), recorded beside the stream."""
        profile = self.profile
        assert profile is not None
        uuid = packet.char_uuid
        try:
            if uuid == profile.battery_uuid:
                messages = battery.read_replies(uuid, packet.payload)
            elif uuid in profile.extra_read_uuids:
                messages = profile.read_replies(uuid, packet.payload)
            else:
                return  # a characteristic this profile does not use
        except DecodeError as exc:
            log.warning("%s: unreadable value of %s: %s", self.sensor_id, uuid, exc)
            self._malformed(packet.t_s, 1)
            return
        for m in messages:
            if isinstance(m, RateConfirmed) and m.rate_hz > 0 and m.rate_hz != self.rate_hz:
                self.flush_batch()
                self.rate_hz = float(m.rate_hz)
        statuses = [s for m in messages for s in self._act(packet.t_s, m)]
        if statuses:
            self.flush_batch()
            self._out.extend(statuses)

    def _act(self, t_s: float, message: DeviceMessage) -> list[SourceItem]:
        """What a message does: the status items it gives (the rate and gaps are set above)."""
        sensor = self.sensor_id
        match message:
            case Battery(pct=pct):
                return [LinkStatus(sensor, t_s, "battery", battery_pct=pct)]
            case RateConfirmed():
                return []  # applied before the packet's samples
            case LostPackets(count=count):
                detail = f"{count} packets lost (the sequence number jumped)"
                return [LinkStatus(sensor, t_s, "data_lost", detail, lost_count=count)]
            case StreamRestart(sequence=seq):
                detail = f"the device restarted its stream (sequence {seq})"
                return [LinkStatus(sensor, t_s, "data_lost", detail)]
            case DroppedData(what=what, count=count):
                return [LinkStatus(sensor, t_s, "data_lost", f"dropped {what}", lost_count=count)]
            case UnpairedSamples(count=count):
                detail = f"{count} accelerometer samples passed on without gyro"
                return [LinkStatus(sensor, t_s, "device_message", detail)]
            case ModuleInfo():
                return self._check_profile(t_s, message)
            case DeviceInfo(what=what, text=text) | Unhandled(what=what, text=text):
                return [LinkStatus(sensor, t_s, "device_message", f"{what}: {text}")]
            case _:
                assert_never(message)

    def _check_profile(self, t_s: float, message: DeviceMessage) -> list[SourceItem]:
        profile = self.profile
        assert profile is not None
        right = profile.wrong_profile(message)
        if right is None:
            return []  # the board is what the profile expects
        if self.on_wrong_profile is not None:
            self.on_wrong_profile(right)  # live: reconnect and configure as the right device
            return []
        detail = f"the device is a {right.display_name}, decoded as {profile.display_name}"
        return [LinkStatus(self.sensor_id, t_s, "device_message", detail)]

    def _malformed(self, t_s: float, count: int) -> None:
        self.flush_batch()
        self._out.append(self._malformed_status(t_s, count))

    def _malformed_status(self, t_s: float, count: int) -> LinkStatus:
        self.malformed_total += count
        return LinkStatus(
            self.sensor_id, t_s, "decode_errors", malformed_total=self.malformed_total
        )

    # --- batches ----------------------------------------------------------------------------

    def _device_times(self, samples: DecodedSamples) -> DecodedSamples:
        """Device timestamps as seconds since the first device timestamp of the session."""
        if samples.t_device_s is None or len(samples) == 0:
            return samples
        if self._t_device0_s is None:
            self._t_device0_s = float(samples.t_device_s[0])
        return DecodedSamples(
            samples.acc_mps2, samples.gyro_dps, samples.t_device_s - self._t_device0_s
        )

    def _reshape(self, samples: DecodedSamples) -> None:
        """Cut the batch where the samples change shape (gyro, device times)."""
        shape = (samples.gyro_dps is not None, samples.t_device_s is not None)
        if self._shape is not None and shape != self._shape:
            self.flush_batch()
        self._shape = shape

    def _check_limit(self) -> None:
        if self.packets_per_batch is not None and self._builder.packets >= self.packets_per_batch:
            self.flush_batch()

    def flush_batch(self) -> None:
        """Close the open batch (if it holds samples) and queue it."""
        rate = self.rate_hz
        if rate is None:
            if self._builder.packets:
                self._builder = BatchBuilder()  # no rate yet: nothing to time them with
            return
        batch = self._builder.flush(self.sensor_id, rate, self._gap_next)
        self._shape = None
        if batch is not None:
            self._out.append(batch)
            self._gap_next = False

    def _take(self) -> list[SourceItem]:
        out, self._out = self._out, []
        return out
