"""Undelivered events: on disk before they count, kept for their own broker, reported.

Issue 14 findings 5 (kill -9 during an outage lost every queued event) and 6 (a mistyped
host or wrong CA ended in exit 0, and the next run sent the events to another broker).
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

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

pytestmark = pytest.mark.mosquitto

EVENTS = "holdfast/+/event/#"


def _serve_cmd(recording: Path, host: str, port: int, journal: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "service.cli", "serve", "--replay", str(recording),
        "--broker-host", host, "--broker-port", str(port), "--journal-dir", str(journal),
        "--client-id", "undelivered-test", "--flush-timeout", "0.3", *extra,
    ]  # fmt: skip


def _journal_event_ids(journal_root: Path) -> list[str]:
    ids: list[str] = []
    for path in sorted(journal_root.glob("*/journal.jsonl")):
        for line in path.read_text().splitlines():
            message = json.loads(line)
            if "/event/" in message["topic"]:
                ids.append(json.loads(message["payload"])["id"])
    return ids


def test_finding6_a_mistyped_broker_host_is_a_clear_error(tmp_path: Path) -> None:
    try:
        socket.getaddrinfo("no-such-broker.invalid", 1883)
    except socket.gaierror as exc:
        if exc.errno != socket.EAI_NONAME:
            pytest.skip(f"this machine cannot tell a missing name from no DNS: {exc}")
    recording = write_bends_recording(tmp_path / "r.jsonl", bends=2)
    done = subprocess.run(
        _serve_cmd(recording, "no-such-broker.invalid", 1883, tmp_path / "j", "--speed", "5"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("holdfast: error:")]
    assert len(errors) == 1, done.stderr
    assert "no-such-broker.invalid:1883" in errors[0]
    assert "does not resolve" in errors[0]


def test_serve_ending_with_events_undelivered_says_how_many_and_where(tmp_path: Path) -> None:
    recording = write_bends_recording(tmp_path / "r.jsonl", bends=2)
    port = free_port()  # nothing listens: a broker that is down for the whole run
    journal = tmp_path / "j"
    done = subprocess.run(
        _serve_cmd(recording, "127.0.0.1", port, journal, "--speed", "100"),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    (error,) = [line for line in done.stderr.splitlines() if line.startswith("holdfast: error:")]
    waiting = len(_journal_event_ids(journal))
    assert waiting == len(expected_events(recording))
    (directory,) = [p for p in journal.iterdir() if p.is_dir()]
    assert f"{directory}:" in error
    assert f"events not delivered to MQTT broker 127.0.0.1:{port}" in error
    count = int(error.split(f"{directory}: ")[1].split()[0])
    assert count >= waiting  # events, plus the command replies and the like if any


async def test_finding6_events_for_one_broker_are_never_sent_to_another(
    mosquitto_factory: list[Mosquitto], tmp_path: Path
) -> None:
    port_a = free_port()
    first_rec = write_bends_recording(tmp_path / "first.jsonl", bends=2, session_id="first")
    first = App(
        settings_for(port_a, tmp_path), [SourceSpec.replay(first_rec, speed=100.0)],
        flush_timeout_s=0.3,
    )  # fmt: skip
    await first.run()
    undelivered = first.undelivered()
    assert undelivered is not None
    assert undelivered.waiting >= len(expected_events(first_rec))

    broker_b = start_broker(mosquitto_factory, tmp_path / "b")
    on_b = Subscriber(broker_b.port, [EVENTS], client_id="on-b")
    task_b = start(on_b)
    await on_b.subscribed.wait()
    second_rec = write_bends_recording(tmp_path / "second.jsonl", bends=1, session_id="second")
    second = App(
        settings_for(broker_b.port, tmp_path), [SourceSpec.replay(second_rec, speed=100.0)]
    )
    await second.run()
    assert second.undelivered() is None
    await on_b.wait_for(lambda: len(on_b.events()) >= len(expected_events(second_rec)))
    await asyncio.sleep(0.5)  # anything else would have arrived by now
    task_b.cancel()
    assert on_b.events() == expected_events(second_rec)  # none of the first run's

    broker_a = start_broker(mosquitto_factory, tmp_path / "a", port=port_a)
    on_a = Subscriber(broker_a.port, [EVENTS], client_id="on-a")
    task_a = start(on_a)
    await on_a.subscribed.wait()
    third_rec = write_bends_recording(tmp_path / "third.jsonl", bends=1, session_id="third")
    third = App(settings_for(port_a, tmp_path), [SourceSpec.replay(third_rec, speed=100.0)])
    await third.run()
    want = expected_events(first_rec) + expected_events(third_rec)
    await on_a.wait_for(lambda: len(on_a.events()) >= len(want))
    task_a.cancel()
    assert on_a.events() == want  # the first run's events reach their own broker, in order


async def test_finding5_kill_9_during_an_outage_loses_no_event(
    mosquitto_factory: list[Mosquitto], tmp_path: Path
) -> None:
    port = free_port()
    journal = tmp_path / "journal"
    long_rec = write_bends_recording(tmp_path / "long.jsonl", bends=20, session_id="killed")
    proc = subprocess.Popen(
        _serve_cmd(long_rec, "127.0.0.1", port, journal, "--speed", "20"),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(_journal_event_ids(journal)) < 100 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    produced = _journal_event_ids(journal)
    assert len(produced) >= 100
    full = [e["id"] for e in expected_events(long_rec)]
    assert produced == full[: len(produced)]  # in order, none missing before the kill

    broker = start_broker(mosquitto_factory, tmp_path / "broker", port=port)
    sub = Subscriber(broker.port, [EVENTS])
    task = start(sub)
    await sub.subscribed.wait()
    short = write_bends_recording(tmp_path / "short.jsonl", bends=1, session_id="after")
    after = App(
        settings_for(port, tmp_path, **{"broker.client_id": "undelivered-test"}),
        [SourceSpec.replay(short, speed=100.0)],
    )
    await after.run()
    await sub.wait_for(lambda: len(sub.events()) >= len(produced))
    task.cancel()
    got = [e["id"] for e in sub.events()]
    assert got[: len(produced)] == produced  # every event of the killed run, first
