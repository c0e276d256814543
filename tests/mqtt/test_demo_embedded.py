"""``holdfast demo``: the README's first command, with its embedded broker (no Mosquitto)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from mqtt_helpers import Subscriber, start

from service.mqtt.broker_embedded import free_port


async def test_demo_runs_the_session_live_and_over_mqtt_websocket(tmp_path: Path) -> None:
    tcp_port, ws_port = free_port(), free_port()
    log = tmp_path / "demo.out"
    with log.open("w") as out:
        demo = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "service.cli",
                "demo",
                "--speed",
                "25",
                "--embedded-port",
                str(tcp_port),
                "--embedded-ws-port",
                str(ws_port),
                "--web-port",
                "0",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    # A display over WebSocket, as a browser page would connect; it retries until the
    # embedded broker listens.
    display = Subscriber(
        ws_port,
        ["holdfast/+/event/+"],
        client_id="ws-display",
        clean_session=True,
        transport="websockets",
    )
    task = start(display)
    try:
        await display.wait_for(
            lambda: any(e["type"] == "session_summary" for e in display.events()), 90
        )
        task.cancel()  # disconnect first: amqtt's shutdown waits for connected clients
        await asyncio.wait([task])
        assert await asyncio.to_thread(demo.wait, 60) == 0
    finally:
        task.cancel()
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    # amqtt also sends retained messages nobody subscribed to; Subscriber.events() keeps
    # only event topics.
    events = display.events()
    text = log.read_text()
    # The terminal display (an MQTT subscriber itself) showed the session as it happened:
    # bends, a hold, reps, the summary, in sentences; and the web page's address was given.
    for expected in (
        "Forward bend to",
        "Side plank (right) hold started",
        "Bridge rep 5",
        "Session ended after",
        "web display: http://127.0.0.1:",
        "holdfast demo: done",
    ):
        assert expected in text, text
    # The embedded broker's own warnings are not the user's business (they show with -v).
    assert "amqtt" not in text, text
    types = {e["type"] for e in events}
    assert {"hold_started", "hold_ended", "rep", "session_summary"} <= types
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
