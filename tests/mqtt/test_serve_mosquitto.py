"""``holdfast serve`` against a real Mosquitto: events, restarts, retained state, last will."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mqtt_helpers import (
    Mosquitto,
    Subscriber,
    expected_events,
    settings_for,
    start,
    start_broker,
    write_bends_recording,
)

from service.app import App, SourceSpec
from service.mqtt.broker_embedded import free_port
from service.mqtt.state import SensorState

pytestmark = pytest.mark.mosquitto

EVENTS = "holdfast/+/event/#"


def _ids(events: list[dict[str, Any]]) -> list[str]:
    return [e["id"] for e in events]


def _dedupe(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for e in events:
        if e["id"] in seen:
            assert seen[e["id"]] == e, "a duplicate id must carry the same event"
        seen.setdefault(e["id"], e)
    return list(seen.values())


async def test_replayed_session_arrives_exactly_as_replay_prints_it(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    expected = expected_events(bends_recording)
    assert len({e["type"] for e in expected}) >= 3  # calibrated, posture, angle, flexion
    sub = Subscriber(mosquitto.port, [EVENTS])
    task = start(sub)
    await sub.subscribed.wait()
    app = App(
        settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(bends_recording, speed=40.0)]
    )
    await app.run()
    await sub.wait_for(lambda: len(sub.events()) >= len(expected))
    task.cancel()
    # Exactly the same events (whole JSON, not a count), in the same order, no duplicates.
    assert sub.events() == expected


async def test_no_event_lost_when_the_broker_restarts_three_times(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    expected = expected_events(bends_recording)
    sub = Subscriber(mosquitto.port, [EVENTS])
    task = start(sub)
    await sub.subscribed.wait()
    # The session lasts ~32 s of recording; at speed 6 about 5 s: three outages fit inside.
    app = App(
        settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(bends_recording, speed=6.0)]
    )
    serving = asyncio.create_task(app.run())
    for _ in range(3):
        await asyncio.sleep(0.8)
        # SIGTERM: Mosquitto saves its persistent sessions on the way down. (SIGKILL would
        # lose messages the broker itself had acknowledged; that is the broker's durability,
        # not ours: what we test is that the service re-sends everything it was not sure of.)
        mosquitto.stop(signal.SIGTERM)
        await asyncio.sleep(0.6)  # events pile up in the outbox meanwhile
        mosquitto.start()
    await serving
    assert len(app.outbox) == 0  # everything was acknowledged by the broker
    try:
        await sub.wait_for(lambda: set(_ids(expected)) <= set(_ids(sub.events())))
    except TimeoutError:
        missing = sorted(set(_ids(expected)) - set(_ids(sub.events())))
        pytest.fail(
            f"{len(missing)} events never arrived (first {missing[:5]}); subscriber "
            f"connections {sub.connections}, task {task}; broker log:\n"
            + mosquitto.log_text()[-3000:]
        )
    task.cancel()
    assert app.publisher.connections >= 4
    received = sub.events()
    unique = _dedupe(received)
    assert sorted(_ids(unique)) == sorted(_ids(expected))
    # Per sensor, the first arrival of every id keeps the session's order.
    assert [e["seq"] for e in unique] == sorted(e["seq"] for e in unique)


async def test_a_late_display_gets_retained_state_and_status(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    early = Subscriber(mosquitto.port, ["holdfast/+/event/flexion"], client_id="early")
    early_task = start(early)
    await early.subscribed.wait()
    app = App(
        settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(bends_recording, speed=4.0)]
    )
    serving = asyncio.create_task(app.run())
    await early.wait_for(lambda: len(early.events()) >= 2)
    late = Subscriber(
        mosquitto.port,
        ["holdfast/status", "holdfast/+/status", "holdfast/+/state"],
        client_id="late",
        clean_session=True,
    )
    late_task = start(late)
    await late.wait_for(
        lambda: (
            {"holdfast/status", "holdfast/back/status", "holdfast/back/state"} <= set(late.by_topic)
        )
    )
    retained = {t: p for t, p, r in late.messages if r}
    assert retained["holdfast/status"] == b"online"
    assert retained["holdfast/back/status"] == b"online"
    state = SensorState.model_validate_json(retained["holdfast/back/state"])
    assert state.connected
    assert state.calibrated
    assert state.posture == "upright"
    assert state.seq > 0  # the last event that changed the state (flexion events do not)
    app.stop()
    await serving
    await late.wait_for(lambda: late.by_topic["holdfast/status"][-1] == b"offline")
    assert late.by_topic["holdfast/back/status"][-1] == b"offline"
    # The last state agrees with the status: an offline sensor is not "connected".
    assert not SensorState.model_validate_json(late.by_topic["holdfast/back/state"][-1]).connected
    early_task.cancel()
    late_task.cancel()


def _serve_cmd(port: int, recording: Path, tmp: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "service.cli",
        "serve",
        "--replay",
        str(recording),
        "--broker-host",
        "127.0.0.1",
        "--broker-port",
        str(port),
        "--journal-dir",
        str(tmp / "journal"),
        "--client-id",
        "serve-subprocess",
        *extra,
    ]


async def _serve_subprocess_until_online(
    mosquitto: Mosquitto, recording: Path, tmp: Path
) -> tuple[subprocess.Popen[bytes], Subscriber, asyncio.Task[None]]:
    watcher = Subscriber(
        mosquitto.port,
        ["holdfast/status", "holdfast/+/status"],
        client_id="watcher",
        clean_session=True,
    )
    task = start(watcher)
    await watcher.subscribed.wait()
    env = {**os.environ, "HOLDFAST_RECORDINGS_DIR": str(tmp / "recordings")}
    with (tmp / "serve.log").open("wb") as log:
        proc = subprocess.Popen(
            _serve_cmd(mosquitto.port, recording, tmp),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    # A fresh interpreter imports numpy, scipy and pydantic before it connects: on a loaded
    # machine that alone has taken over 20 s, so this hang guard is generous.
    await watcher.wait_for(
        lambda: watcher.by_topic.get("holdfast/back/status", [b""])[-1] == b"online", 90
    )
    assert watcher.by_topic["holdfast/status"][-1] == b"online"
    return proc, watcher, task


async def test_last_will_marks_the_service_offline_on_sigkill(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    proc, watcher, task = await _serve_subprocess_until_online(mosquitto, bends_recording, tmp_path)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    await watcher.wait_for(lambda: watcher.by_topic["holdfast/status"][-1] == b"offline")
    task.cancel()


async def test_sigterm_stops_gracefully_and_goes_offline(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    proc, watcher, task = await _serve_subprocess_until_online(mosquitto, bends_recording, tmp_path)
    proc.send_signal(signal.SIGTERM)
    await asyncio.to_thread(proc.wait, timeout=20)
    assert proc.returncode == 0, (tmp_path / "serve.log").read_text()
    await watcher.wait_for(lambda: watcher.by_topic["holdfast/back/status"][-1] == b"offline")
    assert watcher.by_topic["holdfast/status"][-1] == b"offline"
    # Stopped by us, not by the will: the log says nothing about a lost connection.
    assert "exceeded timeout" not in mosquitto.log_text()
    task.cancel()


async def test_schema_is_published_retained(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    app = App(
        settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(bends_recording, speed=100.0)]
    )
    await app.run()
    sub = Subscriber(mosquitto.port, ["holdfast/schema/events"], clean_session=True)
    task = start(sub)
    await sub.wait_for(lambda: "holdfast/schema/events" in sub.by_topic)
    task.cancel()
    schema = json.loads(sub.by_topic["holdfast/schema/events"][0])
    assert {"flexion", "hold_ended", "rep"} <= set(schema["discriminator"]["mapping"])


async def test_undelivered_events_wait_in_the_journal_across_a_service_restart(
    mosquitto_factory: list[Mosquitto], bends_recording: Path, tmp_path: Path
) -> None:
    port = free_port()  # no broker yet: the first run cannot deliver anything
    first = App(
        settings_for(port, tmp_path),
        [SourceSpec.replay(bends_recording, speed=100.0)],
        flush_timeout_s=0.3,
    )
    await first.run()
    expected_first = expected_events(bends_recording)
    assert first.outbox.on_disk == len(expected_first)  # all of them, on disk

    broker = start_broker(mosquitto_factory, tmp_path / "broker", port=port)
    sub = Subscriber(broker.port, [EVENTS])
    task = start(sub)
    await sub.subscribed.wait()
    later = write_bends_recording(tmp_path / "later.jsonl", bends=1, session_id="later")
    expected_later = expected_events(later)
    second = App(settings_for(port, tmp_path), [SourceSpec.replay(later, speed=100.0)])
    await second.run()
    await sub.wait_for(lambda: len(sub.events()) >= len(expected_first) + len(expected_later))
    task.cancel()
    # The first session's events first, in order, then the new session's.
    assert sub.events() == expected_first + expected_later
    assert second.journal_dir == first.journal_dir  # the same broker: the same journal
    assert (second.journal_dir / "journal.jsonl").stat().st_size == 0  # all delivered


async def test_two_sensors_each_arrive_complete_and_in_order(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    other = write_bends_recording(tmp_path / "other.jsonl", bends=3, session_id="other")
    sub = Subscriber(mosquitto.port, [EVENTS])
    task = start(sub)
    await sub.subscribed.wait()
    specs = [
        SourceSpec.replay(bends_recording, speed=50.0, sensor="left"),
        SourceSpec.replay(other, speed=50.0, sensor="right"),
    ]
    app = App(settings_for(mosquitto.port, tmp_path), specs)
    await app.run()
    expected = {
        "left": [e["type"] for e in expected_events(bends_recording)],
        "right": [e["type"] for e in expected_events(other)],
    }
    await sub.wait_for(lambda: len(sub.events()) >= sum(map(len, expected.values())))
    task.cancel()
    for sensor, types in expected.items():
        mine = [e for e in sub.events() if e["sensor"] == sensor]
        assert [e["type"] for e in mine] == types
        assert [e["seq"] for e in mine] == list(range(1, len(types) + 1))
    assert set(sub.by_topic) >= {"holdfast/left/event/flexion", "holdfast/right/event/flexion"}


def test_angle_topic_carries_every_angle_event_and_state_only_changes(
    bends_recording: Path, tmp_path: Path
) -> None:
    from dsp.events import parse_event
    from service.mqtt.journal import OutMessage

    expected = [parse_event(json.dumps(e)) for e in expected_events(bends_recording)]
    angles = [e for e in expected if e.type == "angle"]
    app = App(settings_for(free_port(), tmp_path), [SourceSpec.replay(bends_recording)])
    rt = app.runtimes["back"]
    live: list[OutMessage] = []
    retained: list[tuple[str, str]] = []
    app.publisher.send_live = live.append  # type: ignore[method-assign]
    app.publisher.set_retained = lambda t, p: retained.append((t, p))  # type: ignore[method-assign]
    for event in expected:
        app._emit(rt, event)
    # One throttle: the pipeline's 10 Hz; the angle topic carries each angle event once.
    assert [json.loads(m.payload)["id"] for m in live] == [e.id for e in angles]
    # The retained state is published when it changes, not once per event.
    states = [SensorState.model_validate_json(p) for t, p in retained if t.endswith("/state")]
    shown = [s.model_dump(exclude={"t", "seq"}) for s in states]
    assert states
    assert all(a != b for a, b in itertools.pairwise(shown))
    assert len(states) < len(expected) - len(angles)
