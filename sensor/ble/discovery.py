"""Finding supported sensors with bleak's scanner."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from bleak import BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from firmware_protocol.profile import DeviceProfile
from firmware_protocol.registry import profile_for, profile_for_name
from sensor.ble.errors import BLE_ERRORS, sensor_error
from sensor.errors import SensorError

AUTO = "auto"


@dataclass(frozen=True, slots=True)
class FoundSensor:
    """A supported sensor seen in a scan. ``rssi_dbm``: strongest advert seen."""

    address: str
    name: str | None
    profile: DeviceProfile
    rssi_dbm: int | None
    device: BLEDevice = field(repr=False, compare=False)

    @property
    def model(self) -> str:
        return self.profile.model


def _profile_of(name: str | None, model: str | None) -> DeviceProfile | None:
    return profile_for(model) if model is not None else profile_for_name(name)


async def scan_sensors(timeout_s: float, *, model: str | None = None) -> list[FoundSensor]:
    """Every supported sensor advertising during ``timeout_s`` seconds, strongest first."""
    seen: dict[str, FoundSensor] = {}

    def on_advert(device: BLEDevice, adv: AdvertisementData) -> None:
        name = adv.local_name or device.name
        profile = _profile_of(name, model)
        if profile is None:
            return
        previous = seen.get(device.address)
        rssi = (
            adv.rssi
            if previous is None or previous.rssi_dbm is None
            else max(adv.rssi, previous.rssi_dbm)
        )
        seen[device.address] = FoundSensor(device.address, name, profile, rssi, device)

    try:
        async with BleakScanner(detection_callback=on_advert):
            await asyncio.sleep(timeout_s)
    except BLE_ERRORS as exc:
        raise sensor_error("(scan)", "scanning", exc) from exc
    return sorted(seen.values(), key=lambda s: -(s.rssi_dbm or -999))


async def find_sensor(
    target: str,
    timeout_s: float,
    *,
    model: str | None = None,
    claimed: set[str] | None = None,
) -> FoundSensor:
    """The sensor at ``target`` (an address) or, for ``"auto"``, the first supported one.

    ``claimed``: for ``auto``, addresses taken by other sources of this process; the one
    found is added to it at once, so concurrent ``auto`` scans never pick the same sensor.
    Raises ``SensorError`` when nothing matches within ``timeout_s`` or the device at the
    address is not one we support.
    """
    auto = target.lower() == AUTO
    wanted = target.upper()
    taken = claimed if claimed is not None else set()

    def matches(device: BLEDevice, adv: AdvertisementData) -> bool:
        if not auto:
            return device.address.upper() == wanted
        address = device.address.upper()
        if address in taken or _profile_of(adv.local_name or device.name, model) is None:
            return False
        taken.add(address)  # in the event loop, so check-and-claim cannot interleave
        return True

    try:
        async with BleakScanner() as scanner:
            found = await _first_match(scanner, matches, timeout_s)
    except BLE_ERRORS as exc:
        raise sensor_error(target, "scanning", exc) from exc
    if found is None:
        what = "no supported sensor" if auto else "the sensor"
        raise SensorError(target, f"{what} was not found in a {timeout_s:g} s scan")
    device, adv = found
    name = adv.local_name or device.name
    profile = _profile_of(name, model)
    if profile is None:
        raise SensorError(
            device.address, f"{name!r} is not a supported sensor (name a model to force one)"
        )
    return FoundSensor(device.address, name, profile, adv.rssi, device)


async def _first_match(
    scanner: BleakScanner,
    matches: Callable[[BLEDevice, AdvertisementData], bool],
    timeout_s: float,
) -> tuple[BLEDevice, AdvertisementData] | None:
    try:
        async with asyncio.timeout(timeout_s):
            async for device, adv in scanner.advertisement_data():
                if matches(device, adv):
                    return device, adv
    except TimeoutError:
        return None
    return None
