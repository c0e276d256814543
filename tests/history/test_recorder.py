"""The recorder against a real Mosquitto: every event of a served session ends up stored."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from history_helpers import kept, recording, stored_events, wait_stored
from mqtt_helpers import (
    Mosquitto,
    expected_events,
    settings_for,
    start_broker,
    wait_until,
    write_bends_recording,
)

from service.app import App, SourceSpec
from service.history.recorder import gateway_of
from service.history.store import HistoryStore

pytestmark = pytest.mark.mosquitto


@pytest.fixture
def broker(tmp_path: Path) -> object:
    brokers: list[Mosquitto] = []
    yield start_broker(brokers, tmp_path / "broker")
    for b in brokers:
        b.stop(signal.SIGKILL)


@pytest.fixture(scope="module")
def bends(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bends_recording(tmp_path_factory.mktemp("rec") / "bends.jsonl", bends=6)


def test_topics_name_the_gateway() -> None:
    assert gateway_of("holdfast", "holdfast/back/event/rep") == ""
    assert gateway_of("holdfast", "holdfast/room2/back/event/rep") == "room2"
    assert gateway_of("holdfast", "holdfast/back/state") is None
    assert gateway_of("holdfast", "holdfast/schema/events") is None
    assert gateway_of("holdfast", "other/back/event/rep") is None


async def test_a_served_session_is_recorded_exactly(
    broker: Mosquitto, bends: Path, tmp_path: Path, history_url: str
) -> None:
    expected = kept(expected_events(bends))
    with recording(history_url, broker.port) as rec:
        app = App(settings_for(broker.port, tmp_path), [SourceSpec.replay(bends, speed=40.0)])
        await app.run()
        await asyncio.to_thread(wait_stored, rec, len(expected))
        assert rec.rejected == 0
    assert stored_events(history_url) == {("", "back"): expected}


async def test_a_recorder_killed_mid_session_loses_nothing(
    broker: Mosquitto, bends: Path, tmp_path: Path, history_url: str
) -> None:
    """``holdfast history record`` is SIGKILLed while the session is published and started
    again: its persistent session and acknowledge-after-commit keep every event."""
    expected = kept(expected_events(bends))
    cmd = [
        sys.executable,
        "-m",
        "service.cli",
        "history",
        "record",
        "--broker-host",
        "127.0.0.1",
        "--broker-port",
        str(broker.port),
        "--client-id",
        "clinic-recorder",
        "--database",
        history_url,
    ]
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}

    logs: list[Path] = []

    def start() -> subprocess.Popen[bytes]:
        logs.append(tmp_path / f"recorder-{len(logs)}.log")
        with logs[-1].open("wb") as err:
            return subprocess.Popen(cmd, env=env, stdout=err, stderr=err)

    def subscribed() -> bool:
        return "history: subscribed" in logs[-1].read_text()

    recorder = start()
    try:
        await wait_until(subscribed, 20)
        app = App(settings_for(broker.port, tmp_path), [SourceSpec.replay(bends, speed=8.0)])
        serving = asyncio.create_task(app.run())
        await asyncio.sleep(1.5)
        recorder.kill()
        recorder.wait(10)
        await asyncio.sleep(1.0)  # events keep coming while nobody records
        recorder = start()
        await wait_until(subscribed, 20)
        await serving
        with HistoryStore(history_url) as store:

            def complete() -> bool:
                rows = store.sessions()
                return bool(rows) and rows[0].events == len(expected)

            await wait_until(complete, 30)
    except TimeoutError:
        print("".join(p.read_text() for p in logs))
        raise
    finally:
        recorder.send_signal(signal.SIGTERM)
        recorder.wait(10)
    assert stored_events(history_url) == {("", "back"): expected}
    # The work was really split: the second recorder stored what came while none ran.
    second = re.search(r"(\d+) events stored", logs[-1].read_text())
    assert second is not None
    assert 0 < int(second.group(1)) < len(expected)
