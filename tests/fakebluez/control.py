"""The fake's control interface, so a test can change the world under bleak's feet."""

# D-Bus member names are fixed by the BlueZ API, hence CamelCase methods. Methods that return
# nothing carry no return annotation: dbus-fast reads every annotation as a D-Bus signature.
# ruff: noqa: N802

from __future__ import annotations

from dbus_fast import Variant
from dbus_fast.annotations import DBusBool, DBusBytes, DBusDict, DBusStr
from dbus_fast.service import ServiceInterface, dbus_method

from fakebluez.world import World

CONTROL_PATH = "/org/holdfast/fakebluez"
CONTROL_INTERFACE = "org.holdfast.FakeBlueZ1"


class Control(ServiceInterface):
    def __init__(self, world: World) -> None:
        super().__init__(CONTROL_INTERFACE)
        self.world = world

    @dbus_method()
    def AddDevice(self, model: DBusStr, address: DBusStr, name: DBusStr, script: DBusStr):
        self.world.add_device(model, address, name, script)

    @dbus_method()
    def Forget(self, address: DBusStr):
        """BlueZ forgets the device (as after ``bluetoothctl remove`` or a cache flush)."""
        self.world.forget(address)

    @dbus_method()
    def DropLink(self, address: DBusStr):
        """The radio link is lost (supervision timeout); the device advertises again."""
        self.world.disconnect(address, "link lost")

    @dbus_method()
    def SetInRange(self, address: DBusStr, in_range: DBusBool):
        dev = self.world._dev(address)
        dev.in_range = in_range
        if not in_range:
            self.world.disconnect(address, "out of range")

    @dbus_method()
    def InjectGarbage(self, address: DBusStr, payload: DBusBytes):
        self.world.inject_garbage(address, bytes(payload))

    @dbus_method()
    def SetStreaming(self, enabled: DBusBool):
        self.world.set_streaming(enabled)

    @dbus_method()
    def Stats(self, address: DBusStr) -> DBusDict:
        out: dict[str, Variant] = {}
        for key, value in self.world.stats(address).items():
            if isinstance(value, bool):
                out[key] = Variant("b", value)
            elif isinstance(value, int):
                out[key] = Variant("t", value)
            else:
                out[key] = Variant("d", value)
        return out
