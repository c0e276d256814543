"""One-off reads for ``holdfast scan``: connect, read the battery level, disconnect."""

from __future__ import annotations

import asyncio

from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic

from firmware_protocol import battery
from firmware_protocol.errors import DecodeError
from firmware_protocol.messages import Battery
from sensor.ble.discovery import FoundSensor
from sensor.ble.errors import BLE_ERRORS, sensor_error
from sensor.errors import SensorError


async def read_battery_pct(found: FoundSensor, timeout_s: float) -> int:
    """The battery level in percent: the Battery Service where the device has one, else the
    device's own request (its reply comes in the notification stream).

    ``SensorError`` when it cannot be read (no way to ask, no answer, a BLE failure).
    """
    profile = found.profile
    poll = profile.battery_poll
    if profile.battery_uuid is None and poll is None:
        raise SensorError(found.address, f"{profile.display_name} does not report its battery")
    try:
        async with asyncio.timeout(timeout_s), BleakClient(found.device) as client:
            if profile.battery_uuid is not None:
                value = bytes(await client.read_gatt_char(profile.battery_uuid))
                return battery.decode_level(value)
            assert poll is not None
            return await _in_stream(client, found, poll.char_uuid, poll.payload)
    except DecodeError as exc:
        raise SensorError(found.address, f"unreadable battery level: {exc}") from exc
    except BLE_ERRORS as exc:
        raise sensor_error(found.address, "reading the battery", exc) from exc


async def _in_stream(
    client: BleakClient, found: FoundSensor, char_uuid: str, request: bytes
) -> int:
    decoder = found.profile.make_decoder()
    answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_notification(_char: BleakGATTCharacteristic, data: bytearray) -> None:
        if answer.done():
            return
        for message in decoder.feed(bytes(data)).messages:
            if isinstance(message, Battery):
                answer.set_result(message.pct)
                return

    for uuid in found.profile.notify_uuids:
        await client.start_notify(uuid, on_notification)
    await client.write_gatt_char(char_uuid, request, response=False)
    return await answer
