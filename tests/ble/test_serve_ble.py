"""``holdfast serve --sensor`` against the fake BlueZ, events read back over MQTT.

The same command as with a real adapter; only ``DBUS_SYSTEM_BUS_ADDRESS`` differs. The
service starts its embedded broker; a subscriber reads the events it publishes.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiomqtt
import pytest
from fakebluez.harness import DeviceSpec, FakeControl

from service.mqtt.broker_embedded import free_port

from .conftest import StartFake

pytestmark = pytest.mark.dbus

SENSORS = [
    DeviceSpec("witmotion", "C0:FF:EE:00:05:01", "WT901BLE68"),
    DeviceSpec("thingy52", "C0:FF:EE:00:05:02", "Thingy"),
]


async def test_serve_streams_two_ble_sensors_over_mqtt(
    start_fake: StartFake, control: FakeControl, tmp_path: Path
) -> None:
    start_fake(SENSORS)
    port = free_port()
    log = tmp_path / "serve.out"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve",
             "--sensor", SENSORS[0].address, "--sensor-id", "back",
             "--sensor", SENSORS[1].address, "--sensor-id", "hip",
             "--rate", "50", "--embedded-port", str(port), "--embedded-ws-port", "0",
             "--duration", "20"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    back_status: list[str] = []
    hip_status: list[bytes] = []
    try:
        async with asyncio.timeout(40):
            client = await _connect(port, serve, log)
            async with client:
                await client.subscribe("holdfast/#", qos=1)
                # Both streaming (whatever was published before we subscribed), then cut one.
                while min([(await control.stats(d.address))["samples"] for d in SENSORS]) < 10:
                    await asyncio.sleep(0.1)
                await control.drop_link(SENSORS[0].address)
                async for m in client.messages:
                    topic = str(m.topic)
                    if topic == "holdfast/hip/status" and isinstance(m.payload, bytes):
                        hip_status.append(m.payload)
                    if topic == "holdfast/back/event/sensor_status":
                        assert isinstance(m.payload, bytes)
                        back_status.append(json.loads(m.payload)["status"])
                    if _came_back(back_status):
                        break
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    assert back_status.count("disconnected") == 1
    assert hip_status[-1:] == [b"online"]  # the other sensor stayed connected meanwhile


def _came_back(statuses: list[str]) -> bool:
    """A disconnect, then a connect: the sensor whose link dropped is streaming again."""
    return "disconnected" in statuses and "connected" in statuses[statuses.index("disconnected") :]


async def _connect(port: int, proc: subprocess.Popen[bytes], log: Path) -> aiomqtt.Client:
    """A subscriber once the service's embedded broker listens."""
    while True:
        assert proc.poll() is None, log.read_text()
        client = aiomqtt.Client("127.0.0.1", port, identifier="ble-test")
        try:
            await client.__aenter__()
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)
            continue
        await client.__aexit__(None, None, None)
        return aiomqtt.Client("127.0.0.1", port, identifier="ble-test")
