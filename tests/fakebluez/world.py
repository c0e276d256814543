"""The fake BlueZ's state and behaviour: one adapter, emulated devices, discovery, streaming.

Timing rules that matter to bleak 3.1 (found the hard way, see issue 6):
- a device appears (InterfacesAdded) only after ``StartDiscovery`` has returned, never inside
  it, and later adverts are ``PropertiesChanged`` on ``RSSI``;
- ``Connect`` sets ``Connected``, exports the GATT objects, then sets ``ServicesResolved``;
- notifications are ``PropertiesChanged`` on the characteristic's ``Value``; replies to a
  write are sent after the write's method return, as a device would.
Streaming is paced by one ticker: every ``TICK_S`` each streaming device sends the samples
that fell due, one signal per notification.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from dataclasses import dataclass, field

from dbus_fast import DBusError
from dbus_fast.aio import MessageBus

from fakebluez.bluez_objects import Adapter, Device, GattCharacteristic, GattService
from fakebluez.emulators import make_emulator
from fakebluez.emulators.base import Emulator, Notification
from fakebluez.motion import motion_for
from fakebluez.playback import attach, is_playback

ADAPTER_PATH = "/org/bluez/hci0"
TICK_S = 0.01
ADVERT_INTERVAL_S = 0.2
FIRST_ADVERT_DELAY_S = 0.05


@dataclass
class SimDevice:
    emulator: Emulator
    path: str
    iface: Device | None = None  # None while BlueZ does not know the device
    gatt: list[tuple[str, GattService | GattCharacteristic]] = field(default_factory=list)
    chars: dict[str, GattCharacteristic] = field(default_factory=dict)
    in_range: bool = True
    connects: int = 0
    notifications_sent: int = 0
    garbage_sent: int = 0

    @property
    def connected(self) -> bool:
        return self.iface is not None and self.iface.connected


def device_path(address: str) -> str:
    return f"{ADAPTER_PATH}/dev_{address.upper().replace(':', '_')}"


class World:
    def __init__(self, bus: MessageBus) -> None:
        self.bus = bus
        self.adapter_path = ADAPTER_PATH
        self.adapter = Adapter(self, "00:1A:7D:DA:71:13")
        self.devices: dict[str, SimDevice] = {}
        self.streaming_enabled = True
        self._discovery_sessions = 0
        self._advertiser: asyncio.Task[None] | None = None
        self._ticker: asyncio.Task[None] | None = None
        self._rssi_wobble = itertools.cycle((0, -1, -2, -1))
        self._t0 = time.monotonic()

    def now_s(self) -> float:
        return time.monotonic() - self._t0

    def start(self) -> None:
        self.bus.export(self.adapter_path, self.adapter)
        self._ticker = asyncio.get_running_loop().create_task(self._tick_forever())

    def add_device(self, model: str, address: str, name: str, script: str = "") -> None:
        """A device in range; ``script``: a simulator script it streams (default: synthetic)."""
        address = address.upper()
        if address in self.devices:
            raise DBusError("org.bluez.Error.AlreadyExists", address)
        if is_playback(script):
            emulator = make_emulator(model, address, name, None)
            notify = {
                c.uuid for svc in emulator.services() for c in svc.chars if "notify" in c.flags
            }
            attach(emulator, script, notify)
        else:
            emulator = make_emulator(model, address, name, motion_for(script or None))
        self.devices[address] = SimDevice(emulator, device_path(address))

    def _dev(self, address: str) -> SimDevice:
        try:
            return self.devices[address.upper()]
        except KeyError:
            raise DBusError("org.bluez.Error.DoesNotExist", address) from None

    # --- discovery ------------------------------------------------------------------------

    def start_discovery(self) -> None:
        self._discovery_sessions += 1
        if self._discovery_sessions == 1:
            self.adapter.discovering = True
            self.adapter.emit_properties_changed({"Discovering": True})
            self._advertiser = asyncio.get_running_loop().create_task(self._advertise())

    def stop_discovery(self) -> None:
        if self._discovery_sessions == 0:
            raise DBusError("org.bluez.Error.Failed", "No discovery started")
        self._discovery_sessions -= 1
        if self._discovery_sessions == 0:
            if self._advertiser is not None:
                self._advertiser.cancel()
                self._advertiser = None
            self.adapter.discovering = False
            self.adapter.emit_properties_changed({"Discovering": False})

    async def _advertise(self) -> None:
        # The first advert comes after StartDiscovery's reply has gone out (bleak registers
        # its callbacks before calling StartDiscovery but must see the reply first).
        await asyncio.sleep(FIRST_ADVERT_DELAY_S)
        while True:
            for dev in list(self.devices.values()):
                if not dev.in_range or dev.connected:
                    continue
                if dev.iface is None:
                    dev.iface = Device(
                        self,
                        dev.emulator.address,
                        dev.emulator.name,
                        list(dev.emulator.advertised_uuids()),
                    )
                    self.bus.export(dev.path, dev.iface)
                else:
                    dev.iface.rssi = -60 + next(self._rssi_wobble)
                    dev.iface.emit_properties_changed({"RSSI": dev.iface.rssi})
            await asyncio.sleep(ADVERT_INTERVAL_S)

    def remove_device_path(self, path: str) -> None:
        for dev in self.devices.values():
            if dev.path == path and dev.iface is not None:
                self.forget(dev.emulator.address)
                return
        raise DBusError("org.bluez.Error.DoesNotExist", "Does Not Exist")

    def forget(self, address: str) -> None:
        """BlueZ drops the device: link down if up, then the object goes (InterfacesRemoved)."""
        dev = self._dev(address)
        self.disconnect(address, "forgotten")
        if dev.iface is not None:
            self.bus.unexport(dev.path)
            dev.iface = None

    # --- connections ----------------------------------------------------------------------

    async def connect(self, address: str) -> None:
        dev = self._dev(address)
        if dev.iface is None:
            raise DBusError("org.freedesktop.DBus.Error.UnknownObject", dev.path)
        if dev.connected:
            return
        if not dev.in_range:
            await asyncio.sleep(0.2)
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-local")
        await asyncio.sleep(0.02)
        if dev.connected or dev.iface is None:
            return  # another client's Connect won the race (or BlueZ forgot the device)
        iface = dev.iface
        iface.connected = True
        iface.emit_properties_changed({"Connected": True})
        dev.emulator.on_connect()
        self._export_gatt(dev)
        iface.services_resolved = True
        iface.emit_properties_changed({"ServicesResolved": True})
        dev.connects += 1

    def _export_gatt(self, dev: SimDevice) -> None:
        handle = 0x000A
        for service in dev.emulator.services():
            service_path = f"{dev.path}/service{handle:04x}"
            service_iface = GattService(service.uuid, dev.path)
            self.bus.export(service_path, service_iface)
            dev.gatt.append((service_path, service_iface))
            handle += 1
            for char in service.chars:
                char_path = f"{service_path}/char{handle:04x}"
                char_iface = GattCharacteristic(
                    self,
                    dev.emulator.address,
                    char.uuid,
                    service_path=service_path,
                    flags=char.flags,
                    value=char.value,
                    mtu=dev.emulator.mtu,
                )
                self.bus.export(char_path, char_iface)
                dev.gatt.append((char_path, char_iface))
                dev.chars[char.uuid] = char_iface
                handle += 2  # declaration + value, as a real ATT table numbers them

    def disconnect(self, address: str, reason: str) -> None:
        dev = self._dev(address)
        if not dev.connected or dev.iface is None:
            return
        dev.emulator.on_disconnect()
        iface = dev.iface
        iface.services_resolved = False
        iface.emit_properties_changed({"ServicesResolved": False})
        iface.connected = False
        iface.emit_properties_changed({"Connected": False})
        for path, _ in reversed(dev.gatt):
            self.bus.unexport(path)
        dev.gatt.clear()
        dev.chars.clear()

    # --- GATT -----------------------------------------------------------------------------

    def read(self, address: str, char: GattCharacteristic) -> bytes:
        return self._dev(address).emulator.on_read(char.uuid, char.value)

    def write(self, address: str, char: GattCharacteristic, data: bytes) -> None:
        dev = self._dev(address)
        self._send_later(dev, dev.emulator.on_write(char.uuid, data, self.now_s()))

    def set_notify(self, address: str, char: GattCharacteristic, enabled: bool) -> None:
        dev = self._dev(address)
        if char.notifying != enabled:
            char.notifying = enabled
            char.emit_properties_changed({"Notifying": enabled})
        self._send_later(dev, dev.emulator.on_notify(char.uuid, enabled, self.now_s()))

    def _send_later(self, dev: SimDevice, notes: list[Notification]) -> None:
        if notes:
            asyncio.get_running_loop().call_soon(self._send, dev, notes)

    def _send(self, dev: SimDevice, notes: list[Notification]) -> int:
        sent = 0
        for uuid, payload in notes:
            char = dev.chars.get(uuid)
            if char is not None and char.notifying:
                char.notify(payload)
                sent += 1
        return sent

    def inject_garbage(self, address: str, payload: bytes) -> None:
        dev = self._dev(address)
        dev.garbage_sent += self._send(dev, [(dev.emulator.garbage_uuid(), payload)])

    def set_streaming(self, enabled: bool) -> None:
        self.streaming_enabled = enabled
        if enabled:
            for dev in self.devices.values():
                dev.emulator.restart_run(self.now_s())

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            if not self.streaming_enabled:
                continue
            now = self.now_s()
            for dev in self.devices.values():
                if dev.connected:
                    dev.notifications_sent += self._send(dev, dev.emulator.due(now))

    def stats(self, address: str) -> dict[str, int | float | bool]:
        dev = self._dev(address)
        return {
            "notifications": dev.notifications_sent,
            "samples": dev.emulator.samples_sent,
            "garbage": dev.garbage_sent,
            "connects": dev.connects,
            "config_writes": dev.emulator.config_writes,
            "rate_hz": float(dev.emulator.rate_hz),
            "connected": dev.connected,
            "known": dev.iface is not None,
        }

    def shutdown(self) -> None:
        """A graceful bluetoothd stop: links drop, objects go."""
        for task in (self._advertiser, self._ticker):
            if task is not None:
                task.cancel()
        for dev in self.devices.values():
            with contextlib.suppress(DBusError):
                self.forget(dev.emulator.address)
        self.bus.unexport(self.adapter_path)
