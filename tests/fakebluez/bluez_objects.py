"""The org.bluez D-Bus interfaces the fake exports, as thin dbus-fast ServiceInterfaces.

They hold property values and forward method calls to the :class:`~fakebluez.world.World`
that owns them; behaviour lives there. Property sets follow what bleak 3.1's BlueZ backend
reads (see its ``manager.py`` / ``client.py``).
"""

# D-Bus member names are fixed by the BlueZ API, hence CamelCase methods. Methods that return
# nothing carry no return annotation: dbus-fast reads every annotation as a D-Bus signature.
# ruff: noqa: N802

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from dbus_fast import DBusError
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusInt16,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
)
from dbus_fast.constants import PropertyAccess
from dbus_fast.service import ServiceInterface, dbus_method, dbus_property

if TYPE_CHECKING:
    from fakebluez.world import World

StrList = Annotated[list[str], DBusSignature("as")]

R = PropertyAccess.READ


class Adapter(ServiceInterface):
    def __init__(self, world: World, address: str) -> None:
        super().__init__("org.bluez.Adapter1")
        self.world = world
        self.address = address
        self.discovering = False

    @dbus_property(access=R)
    def Address(self) -> DBusStr:
        return self.address

    @dbus_property(access=R)
    def Name(self) -> DBusStr:
        return "fakebluez"

    @dbus_property(access=R)
    def Alias(self) -> DBusStr:
        return "fakebluez"

    @dbus_property(access=R)
    def Powered(self) -> DBusBool:
        return True

    @dbus_property(access=R)
    def Discovering(self) -> DBusBool:
        return self.discovering

    @dbus_property(access=R)
    def Roles(self) -> StrList:
        return ["central", "peripheral"]

    @dbus_method()
    def SetDiscoveryFilter(self, filters: DBusDict):
        return None

    @dbus_method()
    def GetDiscoveryFilters(self) -> StrList:
        return ["UUIDs", "RSSI", "Pathloss", "Transport", "DuplicateData", "Discoverable"]

    @dbus_method()
    def StartDiscovery(self):
        self.world.start_discovery()

    @dbus_method()
    def StopDiscovery(self):
        self.world.stop_discovery()

    @dbus_method()
    def RemoveDevice(self, device: DBusObjectPath):
        self.world.remove_device_path(device)


class Device(ServiceInterface):
    def __init__(self, world: World, address: str, name: str, uuids: list[str]) -> None:
        super().__init__("org.bluez.Device1")
        self.world = world
        self.address = address
        self.local_name = name  # not self.name: ServiceInterface keeps its interface name there
        self.uuids = uuids
        self.connected = False
        self.services_resolved = False
        self.rssi = -60

    @dbus_property(access=R)
    def Address(self) -> DBusStr:
        return self.address

    @dbus_property(access=R)
    def AddressType(self) -> DBusStr:
        return "public"

    @dbus_property(access=R)
    def Name(self) -> DBusStr:
        return self.local_name

    @dbus_property(access=R)
    def Alias(self) -> DBusStr:
        return self.local_name

    @dbus_property(access=R)
    def Adapter(self) -> DBusObjectPath:
        return self.world.adapter_path

    @dbus_property(access=R)
    def Connected(self) -> DBusBool:
        return self.connected

    @dbus_property(access=R)
    def ServicesResolved(self) -> DBusBool:
        return self.services_resolved

    @dbus_property(access=R)
    def Paired(self) -> DBusBool:
        return False

    @dbus_property(access=R)
    def Bonded(self) -> DBusBool:
        return False

    @dbus_property(access=R)
    def Trusted(self) -> DBusBool:
        return False

    @dbus_property(access=R)
    def Blocked(self) -> DBusBool:
        return False

    @dbus_property(access=R)
    def LegacyPairing(self) -> DBusBool:
        return False

    @dbus_property(access=R)
    def RSSI(self) -> DBusInt16:
        return self.rssi

    @dbus_property(access=R)
    def UUIDs(self) -> StrList:
        return self.uuids

    @dbus_method()
    async def Connect(self):
        await self.world.connect(self.address)

    @dbus_method()
    def Disconnect(self):
        self.world.disconnect(self.address, "host")

    @dbus_method()
    def Pair(self):
        raise DBusError("org.bluez.Error.NotSupported", "the fake does not pair")


class GattService(ServiceInterface):
    def __init__(self, uuid: str, device_path: str) -> None:
        super().__init__("org.bluez.GattService1")
        self.uuid = uuid
        self.device_path = device_path

    @dbus_property(access=R)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=R)
    def Primary(self) -> DBusBool:
        return True

    @dbus_property(access=R)
    def Device(self) -> DBusObjectPath:
        return self.device_path


class GattCharacteristic(ServiceInterface):
    def __init__(
        self,
        world: World,
        address: str,
        uuid: str,
        *,
        service_path: str,
        flags: tuple[str, ...],
        value: bytes,
        mtu: int = 23,
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self.world = world
        self.address = address
        self.uuid = uuid
        self.service_path = service_path
        self.flags = list(flags)
        self.value = value
        self.mtu = mtu
        self.notifying = False

    @dbus_property(access=R)
    def UUID(self) -> DBusStr:
        return self.uuid

    @dbus_property(access=R)
    def Service(self) -> DBusObjectPath:
        return self.service_path

    @dbus_property(access=R)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=R)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @dbus_property(access=R)
    def Flags(self) -> StrList:
        return self.flags

    @dbus_property(access=R)
    def MTU(self) -> DBusUInt16:
        return self.mtu

    @dbus_method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        if "read" not in self.flags:
            raise DBusError("org.bluez.Error.NotPermitted", "Read not permitted")
        self.value = self.world.read(self.address, self)
        return self.value

    @dbus_method()
    def WriteValue(self, value: DBusBytes, options: DBusDict):
        if not {"write", "write-without-response"} & set(self.flags):
            raise DBusError("org.bluez.Error.NotPermitted", "Write not permitted")
        self.world.write(self.address, self, bytes(value))

    @dbus_method()
    def StartNotify(self):
        if not {"notify", "indicate"} & set(self.flags):
            raise DBusError("org.bluez.Error.NotSupported", "Operation is not supported")
        self.world.set_notify(self.address, self, True)

    @dbus_method()
    def StopNotify(self):
        self.world.set_notify(self.address, self, False)

    def notify(self, payload: bytes) -> None:
        """A notification: BlueZ reports it as PropertiesChanged on ``Value``."""
        self.value = payload
        self.emit_properties_changed({"Value": payload})
