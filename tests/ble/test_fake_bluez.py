"""The fake BlueZ itself, seen through bleak's real BlueZ backend (no holdfast code)."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient, BleakScanner
from fakebluez.harness import DeviceSpec, FakeControl

from firmware_protocol import witmotion
from firmware_protocol.messages import Battery

from .conftest import StartFake

pytestmark = pytest.mark.dbus

WIT = DeviceSpec("witmotion", "C0:FF:EE:00:00:01", "WT901BLE68")


async def test_scanner_finds_the_device_and_client_gets_notifications(
    start_fake: StartFake, control: FakeControl
) -> None:
    start_fake([WIT])
    device = await BleakScanner.find_device_by_address(WIT.address, timeout=5.0)
    assert device is not None
    assert device.name == WIT.name

    payloads: list[bytes] = []
    async with BleakClient(device) as client:
        await client.start_notify(
            witmotion.NOTIFY_UUID, lambda _char, data: payloads.append(bytes(data))
        )
        for command in witmotion.start_commands(50.0):
            await client.write_gatt_char(command.char_uuid, command.payload, response=False)
        while len(payloads) < 20:
            await asyncio.sleep(0.05)
        await control.set_streaming(False)
        stats = await control.stats(WIT.address)
        while len(payloads) < stats["notifications"] + 1:  # + the battery register reply
            await asyncio.sleep(0.05)

    decoder = witmotion.WitMotionDecoder()
    results = [decoder.feed(p) for p in payloads]
    messages = [m for res in results for m in res.messages]
    assert Battery(75) in messages
    assert sum(len(res.samples) for res in results) == stats["samples"]
    assert stats["rate_hz"] == 50.0
    assert sum(res.malformed for res in results) == 0
