"""The terminal display against a real Mosquitto: what it prints and what its panel shows."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from rich.console import Console

from service.config import BrokerSettings
from service.displays.feed import BrokerFeed
from service.displays.terminal import TerminalDisplay

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_web_browser import routine_events  # the same crafted routine

pytestmark = pytest.mark.mosquitto


def event(kind: str, seq: int, t: float, **fields: Any) -> str:
    return json.dumps(
        {"t": t, "sensor": "back", "seq": seq, "id": f"crafted-{seq}", "type": kind, **fields}
    )


async def wait_for(predicate: Any, timeout_s: float = 20.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_terminal_display_shows_what_the_broker_carries(mosquitto: Any) -> None:
    out = io.StringIO()
    feed = BrokerFeed(BrokerSettings(host="127.0.0.1", port=mosquitto.port), "holdfast")
    display = TerminalDisplay(feed, out, live=False)
    state = {
        "sensor": "back",
        "t": 70.0,
        "seq": 700,
        "connected": True,
        "calibrated": True,
        "posture": "side_right",
        "hold": None,
        "set": None,
        "last_alert": None,
        "battery_pct": 64,
        "session_ended": False,
    }
    async with display, aiomqtt.Client("127.0.0.1", mosquitto.port) as pub:
        await pub.publish("holdfast/status", "online", qos=1, retain=True)
        await pub.publish("holdfast/back/status", "online", qos=1, retain=True)
        await pub.publish("holdfast/back/state", json.dumps(state), qos=1, retain=True)
        await wait_for(lambda: display.model.sensors.get("back") is not None)
        await wait_for(feed.connected.is_set)
        side = {"exercise": "side_plank", "side": "right"}
        await pub.publish(
            "holdfast/back/event/hold_started",
            event("hold_started", 701, 71.0, target_s=10.0, t_start=70.9, **side),
            qos=1,
        )
        await pub.publish(
            "holdfast/back/event/hold_tick",
            event("hold_tick", 706, 76.0, elapsed_s=5.0, target_s=10.0, **side),
            qos=1,
        )
        await pub.publish(
            "holdfast/back/event/hold_tick",
            event("hold_tick", 707, 77.0, elapsed_s=6.0, target_s=10.0, **side),
            qos=1,
        )
        rep = event(
            "rep", 708, 78.0, index=3, exercise="bridge", side=None, rom_deg=25.0,
            duration_s=3.0, top_hold_s=1.0, t_start=75.0, flagged=False,
        )  # fmt: skip
        await pub.publish("holdfast/back/event/rep", rep, qos=1)
        await pub.publish("holdfast/back/event/rep", rep, qos=1)  # a duplicate: shown once
        alert = event(
            "flexion_alert", 709, 79.0, reason="repeated", count=3, window_s=60.0,
            threshold_deg=45.0, episodes=[],
        )  # fmt: skip
        await pub.publish("holdfast/back/event/flexion_alert", alert, qos=1)
        angle = {"t": 79.5, "sensor": "back", "seq": 0, "id": "", "type": "angle",
                 "flexion_deg": 33.0, "lateral_deg": 2.0, "tilt_deg": 33.0}  # fmt: skip
        await pub.publish("holdfast/back/angle", json.dumps(angle), qos=0)
        for kind, fields in routine_events():
            payload = json.dumps({**fields, "sensor": "back"})
            await pub.publish(f"holdfast/back/event/{kind}", payload, qos=1)
        await wait_for(lambda: display.model.sensors["back"].flexion_deg == 33.0)
        await pub.publish("holdfast/status", "offline", qos=1, retain=True)
        await display.finish(10)
        assert display.service_offline.is_set()

    printed = out.getvalue().splitlines()
    assert printed == [
        "   1:11  Side plank (right) hold started, target 10 s.",
        "   1:16  Side plank (right): 5 of 10 s.",
        "   1:18  Bridge rep 3 (range 25°).",
        "   1:19  WARNING: 3 forward bends deeper than 45° within 60 s. "
        "Stand up straight and take a break.",
        "   0:50  Routine Beginner: 2 steps.",
        "   1:30  Pelvic tilt set 1 done: 10 of 10.",
        "   2:00  Now Bridge, step 2 of 2, set 1 of 2: 10 reps. Then Bird dog (left).",
        "   2:20  Bridge: rep 4 of 10.",
    ]
    # The live panel, rendered as a terminal would show it.
    screen = Console(file=io.StringIO(), width=110, record=True, color_system=None)
    screen.print(display.render())
    panel = screen.export_text()
    rows = [" ".join(line.strip("│ ").split()) for line in panel.splitlines()]
    assert "back · link online · battery 64 % · lying on your right side · calibrated" in panel
    assert "Side plank (right)" in panel
    assert "6 / 10 s" in panel
    assert "3  Bridge, set 1" in panel
    assert "33°" in panel
    assert "moderate" in panel
    assert "3 forward bends deeper than 45°" in panel
    assert "NOW Bridge, set 1 of 2: 10 reps · rep 4 of 10" in rows
    assert "NEXT Bird dog (left)" in rows
    assert "DONE 1 set, last: Pelvic tilt set 1: 10/10" in rows


async def test_display_cli_prints_sentences_from_the_broker(mosquitto: Any) -> None:
    import subprocess
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service.cli", "display", "--broker", f"127.0.0.1:{mosquitto.port}",
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with aiomqtt.Client("127.0.0.1", mosquitto.port) as pub:
            ended = event("set_ended", 5, 30.0, exercise="pelvic_tilt", count=8, t_start=2.0)
            assert proc.stdout is not None
            async with asyncio.timeout(60):
                line = b""
                while b"Pelvic tilt: set of 8 reps done." not in line:
                    # Until the display has subscribed, a message is lost: send it again.
                    await pub.publish("holdfast/back/event/set_ended", ended, qos=1)
                    try:
                        async with asyncio.timeout(0.5):
                            line = await proc.stdout.readline()
                    except TimeoutError:
                        continue
        assert line.decode().strip() == "0:30  Pelvic tilt: set of 8 reps done."
    finally:
        proc.send_signal(2)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
