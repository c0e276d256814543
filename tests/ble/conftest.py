"""Fixtures for BLE tests: a private dbus-daemon and the fake BlueZ on it.

bleak's BlueZ backend connects to the system bus named by ``DBUS_SYSTEM_BUS_ADDRESS``; the
session fixture points it at our own ``dbus-daemon`` (config written here, policy allowing
everything, unix socket in a temporary directory), so these tests run the real backend code
path with no Bluetooth hardware and no system bus.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

# The fake lives in tests/fakebluez (test infrastructure, not shipped).
_TESTS_DIR = str(Path(__file__).resolve().parents[1])
if _TESTS_DIR not in sys.path:
    sys.path.insert(0, _TESTS_DIR)

from fakebluez.harness import (  # noqa: E402 - needs the path above
    DBUS_DAEMON,
    DeviceSpec,
    FakeBlueZ,
    FakeControl,
    PrivateBus,
)


@pytest.fixture(scope="session")
def private_bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateBus]:
    if shutil.which(DBUS_DAEMON) is None:
        pytest.fail(f"{DBUS_DAEMON} is missing: install the Debian package dbus-daemon")
    bus = PrivateBus(tmp_path_factory.mktemp("dbus"))
    saved = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = bus.address
    try:
        yield bus
    finally:
        if saved is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = saved
        bus.close()


StartFake = Callable[[list[DeviceSpec]], FakeBlueZ]


@pytest.fixture
def start_fake(private_bus: PrivateBus, tmp_path: Path) -> Iterator[StartFake]:
    """Start the fake BlueZ with the given devices; it is killed after the test."""
    started: list[FakeBlueZ] = []

    def start(devices: list[DeviceSpec]) -> FakeBlueZ:
        fake = FakeBlueZ(private_bus.address, devices, tmp_path / "fakebluez.log")
        fake.start()
        started.append(fake)
        return fake

    yield start
    for fake in started:
        fake.kill()


@pytest.fixture
async def control(private_bus: PrivateBus) -> AsyncIterator[FakeControl]:
    ctl = FakeControl(private_bus.address)
    yield ctl
    ctl.close()
