"""``holdfast demo``: the README's first command, with its embedded broker (no Mosquitto)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import aiomqtt
from mqtt_helpers import wait_until

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
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    events: list[dict[str, object]] = []
    try:
        await wait_until(lambda: "publishing on embedded broker" in log.read_text())
        # A display over WebSocket, as a browser page would connect.
        async with aiomqtt.Client(
            "127.0.0.1", ws_port, transport="websockets", identifier="ws-display"
        ) as display:
            await display.subscribe("holdfast/+/event/+", qos=1)
            async with asyncio.timeout(60):
                async for m in display.messages:
                    # amqtt also sends retained messages nobody subscribed to: filter.
                    if m.topic.matches("holdfast/+/event/+") and isinstance(m.payload, bytes):
                        events.append(json.loads(m.payload))
                        if events[-1]["type"] == "session_summary":
                            break
        assert await asyncio.to_thread(demo.wait, 60) == 0
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    text = log.read_text()
    # The terminal view showed the session as it happened: bends, a hold, reps, the summary.
    for expected in (
        "flexion",
        "HOLD  side_plank",
        "REP   bridge",
        "session_summary",
        "holdfast demo: done",
    ):
        assert expected in text, text
    types = {e["type"] for e in events}
    assert {"hold_started", "hold_ended", "rep", "session_summary"} <= types
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(seqs)
