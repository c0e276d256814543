"""Several gateways, one history: two ``holdfast serve`` on the central broker and one behind
a real Mosquitto bridge (the configuration of ``examples/mosquitto/gateway-bridge.conf``)
whose link is cut for a while in the middle of its session. Every session of every gateway
must be in the history, event for event."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import aiomqtt
import pytest
from history_helpers import kept, recording, stored_events
from mqtt_helpers import (
    Mosquitto,
    Subscriber,
    TcpLink,
    expected_events,
    start,
    start_broker,
    wait_until,
    write_bends_recording,
)

from service.history.store import HistoryStore

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "mosquitto" / "gateway-bridge.conf"


@pytest.fixture
def brokers() -> Iterator[list[Mosquitto]]:
    started: list[Mosquitto] = []
    yield started
    for b in started:
        b.stop(signal.SIGKILL)


def bridge_section(gateway: str, central_port: int) -> list[str]:
    """The example's bridge section for ``gateway``, pointed at ``central_port``; quicker
    retries than the example's for a test."""
    text = EXAMPLE.read_text()
    section = text[text.index("connection ") :].replace("room2", gateway)
    replaced = {
        "address ": f"address 127.0.0.1:{central_port}",
        "restart_timeout": "restart_timeout 1",
        "keepalive_interval": "keepalive_interval 5",
    }
    lines = []
    for line in section.splitlines():
        head = next((h for h in replaced if line.startswith(h)), None)
        lines.append(replaced[head] if head else line)
    return lines


def serve(
    recording_path: Path, port: int, gateway: str, tmp: Path, speed: float = 6.0
) -> subprocess.Popen[bytes]:
    """A ``holdfast serve`` process of one gateway: its own id, hence (by default) its own
    client id and journal under the state directory."""
    with (tmp / f"serve-{gateway}.log").open("wb") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "serve",
                "--replay",
                str(recording_path),
                "--speed",
                str(speed),
                "--broker-host",
                "127.0.0.1",
                "--broker-port",
                str(port),
                "--gateway-id",
                gateway,
                "--no-discovery",
                "--set",
                "broker.reconnect_max_s=1",
            ],
            env={**os.environ, "XDG_STATE_HOME": str(tmp / "state")},
            stdout=log,
            stderr=log,
        )


def room3_events(url: str) -> int:
    with HistoryStore(url) as store:
        return sum(r.events for r in store.sessions(gateway="room3"))


async def test_every_session_of_every_gateway_reaches_the_history(
    brokers: list[Mosquitto], tmp_path: Path, history_url: str
) -> None:
    bends = write_bends_recording(tmp_path / "bends.jsonl", bends=6)
    expected = kept(expected_events(bends))
    central = start_broker(brokers, tmp_path / "central")
    link = TcpLink(central.port)
    await link.open()
    edge = start_broker(brokers, tmp_path / "edge", extra_config=bridge_section("room3", link.port))
    gateways = {"room1": central.port, "room2": central.port, "room3": edge.port}
    with recording(history_url, central.port) as rec:
        procs = {g: serve(bends, port, g, tmp_path) for g, port in gateways.items()}
        try:
            await asyncio.sleep(1.5)  # the sessions are under way (about 5 s each)
            await link.cut()
            await asyncio.sleep(0.5)  # what was in flight has landed
            during_cut = room3_events(history_url)
            await asyncio.sleep(3.0)  # room3 keeps publishing into its own broker
            # Nothing of room3 got through while the link was down, and its session was
            # not over when the link was cut.
            assert room3_events(history_url) == during_cut < len(expected)
            await link.open()
            for g, p in procs.items():
                assert await asyncio.to_thread(p.wait, 60) == 0, (
                    tmp_path / f"serve-{g}.log"
                ).read_text()
            with HistoryStore(history_url) as store:

                def complete() -> bool:
                    rows = store.sessions()
                    return len(rows) == 3 and all(r.events == len(expected) for r in rows)

                await wait_until(complete, 60)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.kill()
                    p.wait(10)
        await link.close()
        assert rec.stored == 3 * len(expected)
    assert stored_events(history_url) == {(g, "back"): expected for g in gateways}
    # Distinct client ids and journals came from the gateway ids alone.
    journals = tmp_path / "state" / "holdfast" / "journal"
    assert sorted(p.name for p in journals.iterdir()) == sorted(gateways)


async def test_commands_reach_a_bridged_gateway_once(
    brokers: list[Mosquitto], tmp_path: Path
) -> None:
    """The example's ``in`` topic: a command sent at the centre reaches the gateway behind the
    bridge, and its one reply comes back (no loop between the two brokers)."""
    central = start_broker(brokers, tmp_path / "central")
    edge = start_broker(
        brokers, tmp_path / "edge", extra_config=bridge_section("room3", central.port)
    )
    bends = write_bends_recording(tmp_path / "bends.jsonl", bends=6)
    replies = Subscriber(central.port, ["holdfast/room3/back/reply"], "clinic-display")
    listening = start(replies)
    proc = serve(bends, edge.port, "room3", tmp_path, speed=1.0)
    try:
        await replies.subscribed.wait()
        # The gateway is up once its retained status has crossed the bridge.
        status = Subscriber(central.port, ["holdfast/room3/status"], "status-watch")
        watching = start(status)
        await wait_until(lambda: b"online" in status.by_topic["holdfast/room3/status"], 30)
        watching.cancel()
        async with aiomqtt.Client("127.0.0.1", central.port, identifier="clinic-cmd") as client:
            await client.publish(
                "holdfast/room3/back/cmd/hold_target",
                json.dumps({"seconds": 45, "request_id": "r1"}),
                qos=1,
            )
        await wait_until(lambda: len(replies.messages) >= 1, 20)
        await asyncio.sleep(1.0)  # a looping bridge would deliver more copies by now
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)
        listening.cancel()
    [(topic, payload, _)] = replies.messages
    assert topic == "holdfast/room3/back/reply"
    reply = json.loads(payload)
    assert (reply["command"], reply["ok"], reply["request_id"]) == ("hold_target", True, "r1")
