"""Keeping one sensor connected: find it, connect, configure, watch the link, reconnect.

Runs as one task per sensor. Everything that arrives is put in the :class:`Inbox`, which
the source's iterator drains and decodes; this module never decodes a sample.

Recovery rules (each one seen in the field, see issue 6):
- link lost -> after a backoff (doubling, capped), scan for the same address and connect
  with a new client; this also covers a device BlueZ has forgotten (the scan brings it back);
- streaming configuration (notifications, rate commands) is re-applied on every connect;
- no data for ``stall_timeout_s`` while "connected" -> treat as lost (bluetoothd crashed,
  or the device stopped streaming without dropping the link).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from firmware_protocol.errors import ConfigError, HoldfastError
from firmware_protocol.profile import Command, DeviceProfile
from firmware_protocol.samples import Packet
from sensor.ble.discovery import FoundSensor, find_sensor
from sensor.ble.errors import BLE_ERRORS, sensor_error
from sensor.ble.inbox import Inbox, LinkFailed
from sensor.ble.settings import BleSettings
from sensor.errors import SensorError
from sensor.source import LinkStatus

log = logging.getLogger(__name__)

#: Addresses held by a source in this process, so two ``auto`` sources pick two sensors.
CLAIMED: set[str] = set()


def resolve_rate(profile: DeviceProfile, requested_hz: float | None) -> float:
    rate = profile.default_rate_hz if requested_hz is None else requested_hz
    if not any(abs(rate - allowed) < 1e-6 for allowed in profile.rates_hz):
        raise ConfigError(
            "rate_hz",
            f"{profile.display_name} cannot stream at {rate:g} Hz",
            [f"{r:g}" for r in profile.rates_hz],
        )
    return rate


class Link:
    """The connection side of one BLE source. ``run()`` until cancelled."""

    def __init__(
        self,
        target: str,
        sensor_id: str,
        settings: BleSettings,
        inbox: Inbox,
        clock_s: Callable[[], float],
    ) -> None:
        self.target = target
        self.sensor_id = sensor_id
        self.settings = settings
        self.inbox = inbox
        self.clock_s = clock_s
        self.found: FoundSensor | None = None
        self.rate_hz: float | None = None
        self.connects = 0
        self._disconnected = asyncio.Event()
        self._end_reason: str | None = None
        self._profile_override: DeviceProfile | None = None
        self._last_arrival_s = 0.0

    @property
    def profile(self) -> DeviceProfile | None:
        return self.found.profile if self.found is not None else None

    async def run(self) -> None:
        try:
            await self._keep_connected()
        except HoldfastError as exc:
            self.inbox.put(LinkFailed(exc))
        finally:
            if self.found is not None:
                CLAIMED.discard(self.found.address.upper())

    async def _keep_connected(self) -> None:
        settings = self.settings
        started_s = time.monotonic()
        attempt = 0
        while True:
            try:
                # Every attempt scans first and builds a new client: after a link loss the
                # device advertises again and the scan refreshes BlueZ's object for it; when
                # BlueZ has forgotten the device, the scan is what brings it back. (Reusing a
                # client whose device object is gone leaks its D-Bus socket in bleak 3.1.)
                client = await self._new_client()
                if await self._session(client):
                    attempt = 0
            except ConfigError:
                raise
            except SensorError as exc:
                never = self.connects == 0
                limit = settings.first_connect_timeout_s
                if never and limit is not None and time.monotonic() - started_s > limit:
                    raise SensorError(
                        exc.address, f"no connection within {limit:g} s; last: {exc.reason}"
                    ) from exc
                log.warning("%s: %s", self.sensor_id, exc)
            await asyncio.sleep(settings.backoff_s(attempt))
            attempt += 1

    async def _new_client(self) -> BleakClient:
        # Once a sensor was found, stay with it: an ``auto`` rescan must not switch sensors.
        target = self.found.address if self.found is not None else self.target
        found = await find_sensor(
            target, self.settings.scan_timeout_s, model=self.settings.model, claimed=CLAIMED
        )
        CLAIMED.add(found.address.upper())  # an ``auto`` source elsewhere must not take it
        if self._profile_override is not None:
            found = dataclasses.replace(found, profile=self._profile_override)
        self.rate_hz = resolve_rate(found.profile, self.settings.rate_hz)
        self.found = found
        return BleakClient(
            found.device,
            disconnected_callback=self._on_disconnected,
            timeout=self.settings.connect_timeout_s,
        )

    def _on_disconnected(self, _client: BleakClient) -> None:
        self._disconnected.set()

    def switch_profile(self, profile: DeviceProfile) -> None:
        """The device turned out to need another profile: reconnect and configure with it."""
        self._profile_override = profile
        self._end_reason = f"reconnecting as {profile.display_name}"
        self._disconnected.set()

    async def _session(self, client: BleakClient) -> bool:
        """One connection: returns ``True`` after streaming until the link was lost.

        Raises ``SensorError`` when connecting or configuring failed (nothing streamed).
        """
        assert self.found is not None
        address = self.found.address
        self._disconnected = asyncio.Event()
        self._end_reason = None
        try:
            await client.connect()
        except BLE_ERRORS as exc:
            raise sensor_error(address, "connecting", exc) from exc
        # Reported before notifications are enabled, so the connect mark precedes every
        # packet of this connection in the inbox (and in a raw recording).
        self.connects += 1
        self.inbox.put(
            LinkStatus(
                self.sensor_id,
                self.clock_s(),
                "connected",
                f"{self.found.profile.model} {address} at {self.rate_hz:g} Hz",
            )
        )
        reason = "closed"
        try:
            try:
                await self._configure(client)
            except BLE_ERRORS as exc:
                reason = "configuring the stream failed"
                raise sensor_error(address, "configuring the stream", exc) from exc
            try:
                reason = await self._watch(client)
            except BLE_ERRORS as exc:
                reason = f"link error: {exc or exc.__class__.__name__}"
            return True
        finally:
            # Released first so no packet of this connection lands after the disconnect mark.
            await self._release(client, address)
            self.inbox.put(LinkStatus(self.sensor_id, self.clock_s(), "disconnected", reason))

    async def _configure(self, client: BleakClient) -> None:
        profile = self.profile
        assert profile is not None
        assert self.rate_hz is not None
        self._last_arrival_s = self.clock_s()
        for uuid in profile.notify_uuids:
            await client.start_notify(uuid, self._callback_for(uuid))
        for command in profile.start_commands(self.rate_hz):
            await self._write(client, command)
        for uuid in profile.extra_read_uuids:
            if uuid != profile.battery_uuid:  # read just below, not twice
                self._put_read(uuid, bytes(await client.read_gatt_char(uuid)))
        if profile.battery_uuid is not None:
            await self._read_battery(client)

    def _callback_for(self, uuid: str) -> Callable[[BleakGATTCharacteristic, bytearray], None]:
        inbox = self.inbox
        clock_s = self.clock_s

        def on_notification(_char: BleakGATTCharacteristic, data: bytearray) -> None:
            # Only timestamp and enqueue: decoding happens in the source's iterator.
            t_s = clock_s()
            self._last_arrival_s = t_s
            inbox.put_packet(Packet(t_s, uuid, bytes(data)))

        return on_notification

    @staticmethod
    async def _write(client: BleakClient, command: Command) -> None:
        await client.write_gatt_char(
            command.char_uuid, command.payload, response=command.with_response
        )
        if command.delay_after_s > 0:
            await asyncio.sleep(command.delay_after_s)

    def _put_read(self, uuid: str, value: bytes) -> None:
        # A read value goes through the inbox like a notification (and so into a raw
        # recording): the decode loop parses it, live and in a replay alike.
        self.inbox.put(Packet(self.clock_s(), uuid, value))

    async def _read_battery(self, client: BleakClient) -> None:
        profile = self.profile
        assert profile is not None
        if profile.battery_uuid is not None:
            value = bytes(await client.read_gatt_char(profile.battery_uuid))
            self._put_read(profile.battery_uuid, value)
        elif profile.battery_poll is not None:
            await self._write(client, profile.battery_poll)

    async def _watch(self, client: BleakClient) -> str:
        """Wait for the link to go; poll the battery meanwhile. Returns why it ended."""
        assert self.rate_hz is not None
        stall_s = max(self.settings.stall_timeout_s, 10.0 / self.rate_hz)
        check_s = min(0.5, stall_s / 4.0)
        next_battery_s = self.clock_s() + self.settings.battery_interval_s
        while True:
            with contextlib.suppress(TimeoutError):  # a check interval passed
                async with asyncio.timeout(check_s):
                    await self._disconnected.wait()
            if self._disconnected.is_set():
                return self._end_reason or "link lost"
            now_s = self.clock_s()
            if now_s - self._last_arrival_s > stall_s:
                return f"no data for {stall_s:g} s"
            if now_s >= next_battery_s:
                next_battery_s = now_s + self.settings.battery_interval_s
                await self._read_battery(client)

    async def _release(self, client: BleakClient, address: str) -> None:
        # Always, even when the device dropped the link: in bleak 3.1 only disconnect()
        # closes the client's own D-Bus connection.
        try:
            await client.disconnect()
        except BLE_ERRORS as exc:
            # The link is going anyway (often the reason we are here); say so and go on.
            log.warning("%s: disconnect from %s failed: %s", self.sensor_id, address, exc)
