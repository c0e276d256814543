"""``holdfast serve --sensor ADDRESS``: a BLE sensor (the fake BlueZ) published via Mosquitto.

The service runs as a user would run it, as a process; the only difference from hardware is
``DBUS_SYSTEM_BUS_ADDRESS`` pointing at a private dbus-daemon with the fake BlueZ on it.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_helpers import Mosquitto, Subscriber, start

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from fakebluez.harness import DBUS_DAEMON, DeviceSpec, FakeBlueZ, PrivateBus  # noqa: E402

pytestmark = [pytest.mark.mosquitto, pytest.mark.dbus]

WIT = DeviceSpec("witmotion", "C0:FF:EE:00:05:01", "WT901BLE68")


@pytest.fixture
def fake_bluez(tmp_path: Path) -> Iterator[PrivateBus]:
    if shutil.which(DBUS_DAEMON) is None:
        pytest.fail(f"{DBUS_DAEMON} is missing: install the Debian package dbus-daemon")
    bus = PrivateBus(tmp_path)
    fake = FakeBlueZ(bus.address, [WIT], tmp_path / "fakebluez.log")
    try:
        fake.start()
        yield bus
    finally:
        fake.kill()
        bus.close()


async def test_serve_publishes_a_ble_sensor(
    mosquitto: Mosquitto, fake_bluez: PrivateBus, tmp_path: Path
) -> None:
    sub = Subscriber(mosquitto.port, ["holdfast/+/event/+", "holdfast/+/status"])
    task = start(sub)
    await sub.subscribed.wait()
    env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": fake_bluez.address}
    with (tmp_path / "serve.log").open("w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--sensor",
                WIT.address,
                "--rate",
                "50",
                "--broker-host",
                "127.0.0.1",
                "--broker-port",
                str(mosquitto.port),
                "--journal-dir",
                str(tmp_path / "journal"),
                "--client-id",
                "serve-ble",
            ],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env=env,
        )
    try:
        await sub.wait_for(
            lambda: len([e for e in sub.events() if e["type"] == "angle"]) >= 20, timeout_s=90
        )
        assert sub.by_topic["holdfast/back/status"][-1] == b"online"
        proc.send_signal(2)  # SIGINT, like Ctrl-C
        assert await asyncio.to_thread(proc.wait, 30) == 0, (tmp_path / "serve.log").read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    await sub.wait_for(lambda: sub.by_topic["holdfast/back/status"][-1] == b"offline")
    task.cancel()
    events = sub.events()
    assert {e["sensor"] for e in events} == {"back"}
    assert events[0]["seq"] == 1
    assert any(e["type"] == "sensor_status" and e["status"] == "connected" for e in events)
