"""A guided routine over MQTT against a real Mosquitto: start_routine, steps advance, next,
a pain report ends a step, the summary arrives and the session is in the history database
(the history recorder, an MQTT subscriber, on SQLite); bad routine commands are error
replies."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
import sqlalchemy as sa
from mqtt_helpers import Mosquitto, Subscriber, settings_for, start, wait_until

from dsp.events import parse_event
from service.app import App, SourceSpec
from service.history import schema
from service.history.store import HistoryStore
from service.mqtt.state import SensorState

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "history"))
from history_helpers import recording

BEGINNER = Path(__file__).resolve().parents[2] / "recordings" / "beginner.jsonl.gz"

# The beginner recording: pelvic tilts from 14 s, isometric hip flexion (right) from 87 s.
ROUTINE = {
    "routine": {"name": "mqtt_test", "rest_s": 0},
    "step": [
        {"exercise": "pelvic_tilt", "reps": 2, "hold_s": 3},
        {"exercise": "isometric_hip_flexion", "side": "both", "reps": 10, "hold_s": 3},
        {"exercise": "bridge", "reps": 10},
    ],
}


def of_type(sub: Subscriber, kind: str) -> list[dict[str, Any]]:
    return [e for e in sub.events() if e["type"] == kind]


def replies(sub: Subscriber) -> list[dict[str, Any]]:
    return [json.loads(p) for t, p, _ in sub.messages if t.endswith("/reply")]


class Display:
    """Sends commands and waits for each one's reply."""

    def __init__(self, client: aiomqtt.Client, sub: Subscriber) -> None:
        self.client, self.sub = client, sub

    async def send(self, command: str, payload: dict[str, Any]) -> dict[str, Any]:
        before = len(replies(self.sub))
        await self.client.publish(f"holdfast/back/cmd/{command}", json.dumps(payload), qos=1)
        await wait_until(lambda: len(replies(self.sub)) > before, 30)
        reply = replies(self.sub)[before]
        assert reply["command"] == command
        return reply


async def steps_seen(sub: Subscriber, n: int) -> list[dict[str, Any]]:
    await wait_until(lambda: len(of_type(sub, "routine_step")) >= n, 60)
    return of_type(sub, "routine_step")


async def drive(display: Display, sub: Subscriber) -> None:
    refused = await display.send("next", {"request_id": "early"})
    assert not refused["ok"]
    assert "no routine is running" in refused["error"]
    bad = await display.send("start_routine", {"routine": "nope"})
    assert not bad["ok"]
    assert "no built-in routine 'nope'" in bad["error"]
    started = await display.send("start_routine", {"routine": ROUTINE, "pain": 2})
    assert started["ok"], started
    assert started["detail"]["steps"] == 4
    # two pelvic tilts done: the routine moves on by itself, telling the chain
    step2 = (await steps_seen(sub, 2))[1]
    assert (step2["exercise"], step2["side"]) == ("isometric_hip_flexion", "right")
    tilts = [p for p in of_type(sub, "routine_progress") if p["step"] == 1]
    assert [p["done"] for p in tilts] == [1, 2]
    assert (await display.send("next", {}))["ok"]  # the right side ends as it is
    assert (await steps_seen(sub, 3))[2]["side"] == "left"
    hurt = await display.send("pain", {"score": 7, "request_id": "ouch"})
    assert hurt["ok"]
    assert hurt["request_id"] == "ouch"
    assert (await steps_seen(sub, 4))[3]["exercise"] == "bridge"
    assert (await display.send("stop_routine", {}))["ok"]
    await wait_until(lambda: bool(of_type(sub, "routine_ended")), 30)


@pytest.mark.mosquitto
async def test_a_routine_runs_over_mqtt(mosquitto: Mosquitto, tmp_path: Path) -> None:
    sub = Subscriber(
        mosquitto.port,
        ["holdfast/+/event/#", "holdfast/+/reply", "holdfast/+/state"],
        client_id="routine-display",
        clean_session=True,
    )
    task = start(sub)
    await sub.subscribed.wait()
    url = f"sqlite:///{tmp_path / 'history.sqlite3'}"
    with recording(url, mosquitto.port) as recorder:
        app = App(settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(BEGINNER, speed=8.0)])
        serving = asyncio.create_task(app.run())
        try:
            await wait_until(lambda: app.runtimes["back"].state.connected, 60)
            async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="display") as client:
                await drive(Display(client, sub), sub)
        finally:
            app.stop()
            await serving
            task.cancel()
        await asyncio.to_thread(recorder.wait_idle, 30)
    for event in sub.events():
        parse_event(json.dumps(event))  # every payload is a valid event of the contract
    (pain,) = [p for p in of_type(sub, "routine_pain") if p["phase"] == "during"]
    assert (pain["exercise"], pain["side"], pain["score"]) == ("isometric_hip_flexion", "left", 7)
    (end,) = of_type(sub, "routine_ended")
    assert end["reason"] == "stopped"
    assert end["pain_before"] == 2
    assert end["pain_during"] == [7]
    statuses = [(s["exercise"], s["side"], s["status"]) for s in end["steps"]]
    assert statuses[:3] == [
        ("pelvic_tilt", None, "done"),
        ("isometric_hip_flexion", "right", "short"),
        ("isometric_hip_flexion", "left", "pain"),
    ]
    assert end["proposal"]["action"] == "repeat"
    # one stream: routine events are in the sensor's seq, no holes, no duplicates
    seqs = sorted({e["seq"] for e in sub.events()})
    assert seqs == list(range(seqs[0], seqs[-1] + 1))
    # the retained state followed the routine to its end
    last_state = SensorState.model_validate_json(sub.by_topic["holdfast/back/state"][-1])
    assert last_state.routine is not None
    assert last_state.routine.phase == "ended"
    in_history(url, end)


def in_history(url: str, end: dict[str, Any]) -> None:
    """The history recorder stored the session with its routine, steps and pain scores."""
    with HistoryStore(url) as store:
        (session,) = store.sessions()
        assert session.routines == ("mqtt_test",)
        with store.engine.connect() as conn:
            (routine,) = conn.execute(sa.select(schema.routines)).mappings().all()
            steps = conn.execute(
                sa.select(schema.routine_steps).order_by(schema.routine_steps.c.step)
            ).mappings()
            statuses = [s["status"] for s in steps]
            pains = conn.execute(sa.select(schema.pain_scores)).mappings().all()
    assert routine["routine_id"] == end["routine_id"]
    assert routine["ended"]
    assert routine["reason"] == "stopped"
    assert routine["pain_before"] == 2
    assert statuses == [s["status"] for s in end["steps"]]
    assert sorted((p["phase"], p["score"]) for p in pains) == [("before", 2), ("during", 7)]


@pytest.mark.mosquitto
def test_holdfast_routine_runs_a_routine_and_ends_with_it(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    import subprocess
    import sys

    spec = tmp_path / "bridges.toml"
    spec.write_text('[routine]\nname = "bridges"\n\n[[step]]\nexercise = "bridge"\nreps = 3\n')
    bridge = BEGINNER.with_name("bridge.jsonl.gz")
    done = subprocess.run(
        [sys.executable, "-m", "service.cli", "routine", str(spec), "--replay", str(bridge),
         "--speed", "10", "--pain-before", "1", "--broker-host", "127.0.0.1",
         "--broker-port", str(mosquitto.port), "--journal-dir", str(tmp_path / "journal"),
         "--client-id", "routine-cli"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("routine_step" in line and "bridge, 3 reps" in line for line in lines)
    assert sum("routine_progress" in line for line in lines) == 3
    assert "routine_ended" in lines[-1]
    assert "completed" in lines[-1]
    assert "pain 1 ->" in lines[-1]
