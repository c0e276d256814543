"""Fixtures that start a real Mosquitto per test (see ``mqtt_helpers.Mosquitto``)."""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # for mqtt_helpers

from mqtt_helpers import Mosquitto, start_broker, write_bends_recording


@pytest.fixture
def mosquitto_factory(tmp_path: Path) -> Iterator[list[Mosquitto]]:
    """Call ``make(...)`` (below) through this list to get started brokers, all stopped after."""
    brokers: list[Mosquitto] = []
    yield brokers
    for b in brokers:
        b.stop(signal.SIGKILL)


@pytest.fixture
def mosquitto(mosquitto_factory: list[Mosquitto], tmp_path: Path) -> Mosquitto:
    return start_broker(mosquitto_factory, tmp_path / "broker")


@pytest.fixture(scope="session")
def bends_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bends_recording(tmp_path_factory.mktemp("rec") / "bends.jsonl", bends=6)
