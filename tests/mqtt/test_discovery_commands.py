"""Home Assistant discovery (checked against the discovery schema) and display commands."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import aiomqtt
import pytest
from mqtt_helpers import (
    Mosquitto,
    Subscriber,
    settings_for,
    start,
    start_broker,
    wait_until,
    write_bends_recording,
)

from dsp.events import parse_event
from service.app import App, SourceSpec

pytestmark = pytest.mark.mosquitto

# The fields Home Assistant's MQTT integration accepts, per platform (its voluptuous schemas:
# MQTT_ENTITY_COMMON_SCHEMA + availability + the platform's own), and its device classes.
COMMON = {
    "availability",
    "availability_mode",
    "availability_template",
    "availability_topic",
    "payload_available",
    "payload_not_available",
    "device",
    "enabled_by_default",
    "entity_category",
    "entity_picture",
    "icon",
    "json_attributes_topic",
    "json_attributes_template",
    "name",
    "object_id",
    "default_entity_id",
    "unique_id",
    "encoding",
    "qos",
    "origin",
    "platform",
}
PLATFORM_FIELDS = {
    "sensor": {
        "state_topic",
        "device_class",
        "unit_of_measurement",
        "state_class",
        "value_template",
        "expire_after",
        "force_update",
        "last_reset_value_template",
        "options",
        "suggested_display_precision",
    },
    "binary_sensor": {
        "state_topic",
        "device_class",
        "expire_after",
        "force_update",
        "off_delay",
        "payload_on",
        "payload_off",
        "value_template",
    },
    "event": {"state_topic", "event_types", "device_class", "value_template"},
}
REQUIRED = {
    "sensor": {"state_topic"},
    "binary_sensor": {"state_topic"},
    "event": {"state_topic", "event_types"},
}
DEVICE_CLASSES = {
    "sensor": {"enum", "duration", "battery", "distance", "speed", "temperature", "timestamp"},
    "binary_sensor": {"connectivity", "running", "problem", "moving", "battery", "occupancy"},
    "event": {"button", "doorbell", "motion"},
}
UNITS = {"duration": {"d", "h", "min", "s", "ms", "µs"}, "battery": {"%"}}
STATE_CLASSES = {"measurement", "total", "total_increasing"}
DEVICE_FIELDS = {
    "identifiers",
    "connections",
    "manufacturer",
    "model",
    "model_id",
    "name",
    "serial_number",
    "suggested_area",
    "sw_version",
    "hw_version",
    "via_device",
    "configuration_url",
}
ORIGIN_FIELDS = {"name", "sw_version", "support_url"}
TOPIC = re.compile(
    r"^homeassistant/(sensor|binary_sensor|event)/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+/config$"
)


def check_discovery(topic: str, config: dict[str, Any]) -> str:
    """Raise AssertionError where ``config`` breaks Home Assistant's schema; the platform."""
    m = TOPIC.match(topic)
    assert m, topic
    platform = m.group(1)
    unknown = set(config) - COMMON - PLATFORM_FIELDS[platform]
    assert not unknown, f"{topic}: unknown fields {unknown}"
    assert REQUIRED[platform] <= set(config), topic
    dc = config.get("device_class")
    if dc is not None:
        assert dc in DEVICE_CLASSES[platform], f"{topic}: device_class {dc}"
    if dc in UNITS:
        assert config.get("unit_of_measurement") in UNITS[dc], topic
    if dc == "enum":
        assert config["options"], topic
        assert "state_class" not in config, topic
        assert "unit_of_measurement" not in config, topic
    if "state_class" in config:
        assert config["state_class"] in STATE_CLASSES, topic
    if platform == "event":
        assert config["event_types"], topic
        assert all(isinstance(t, str) for t in config["event_types"]), topic
    assert config.get("entity_category", "diagnostic") in ("config", "diagnostic"), topic
    assert set(config["device"]) <= DEVICE_FIELDS, topic
    assert config["device"]["identifiers"], topic
    assert set(config["origin"]) <= ORIGIN_FIELDS, topic
    assert "name" in config["origin"], topic
    assert config.get("availability_mode", "latest") in ("all", "any", "latest"), topic
    for a in config.get("availability", []):
        assert set(a) <= {
            "topic",
            "payload_available",
            "payload_not_available",
            "value_template",
        }, topic
        assert "topic" in a, topic
    return platform


async def test_discovery_is_valid_and_comes_back_with_a_fresh_broker(
    mosquitto_factory: list[Mosquitto], bends_recording: Path, tmp_path: Path
) -> None:
    # No persistence: a restarted broker has forgotten every retained message.
    broker = start_broker(mosquitto_factory, tmp_path / "broker", persistence=False)
    app = App(settings_for(broker.port, tmp_path), [SourceSpec.replay(bends_recording, speed=4.0)])
    serving = asyncio.create_task(app.run())
    ha = Subscriber(broker.port, ["homeassistant/#"], client_id="ha", clean_session=True)
    task = start(ha)
    await wait_until(lambda: len(ha.by_topic) >= 11)
    configs = {t: json.loads(p[-1]) for t, p in ha.by_topic.items()}
    platforms = {check_discovery(t, c) for t, c in configs.items()}
    assert platforms == {"sensor", "binary_sensor", "event"}
    assert len({c["unique_id"] for c in configs.values()}) == len(configs)
    # Every topic an entity reads is one the service publishes.
    reads = {c["state_topic"] for c in configs.values()}
    assert reads == {
        "holdfast/back/state",
        "holdfast/back/angle",
        "holdfast/back/event/flexion_alert",
        "holdfast/back/event/rep",
        "holdfast/back/event/hold_ended",
    }
    task.cancel()
    broker.stop()
    broker.start()
    again = Subscriber(broker.port, ["homeassistant/#"], client_id="ha2", clean_session=True)
    task = start(again)
    await wait_until(lambda: len(again.by_topic) >= len(configs))
    assert {t: json.loads(p[-1]) for t, p in again.by_topic.items()} == configs
    # Home Assistant restarted and says so on its birth topic: discovery is sent again.
    async with aiomqtt.Client("127.0.0.1", broker.port, identifier="home-assistant") as ha_app:
        await ha_app.publish("homeassistant/status", b"online", qos=1)
    await wait_until(lambda: all(len(again.by_topic[t]) >= 2 for t in configs))
    task.cancel()
    app.stop()
    await serving


async def test_commands_are_answered_and_bad_ones_never_crash(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    # Long enough (about 30 s at this speed) that the session is still running when the last
    # command arrives on a loaded machine; the test stops it once done.
    bends_recording = write_bends_recording(tmp_path / "long.jsonl", bends=40)
    replies = Subscriber(
        mosquitto.port, ["holdfast/+/reply"], client_id="replies", clean_session=True
    )
    task = start(replies)
    await replies.subscribed.wait()
    app = App(
        settings_for(mosquitto.port, tmp_path), [SourceSpec.replay(bends_recording, speed=6.0)]
    )
    serving = asyncio.create_task(app.run())
    # Commands act on a running session: wait for the first samples to be through.
    await wait_until(lambda: app.runtimes["back"].state.calibrated)
    sends = [
        ("back/cmd/hold_target", b'{"seconds": -3, "request_id": "neg"}'),
        ("back/cmd/hold_target", b"thirty"),
        ("back/cmd/teleport", b'{"request_id": "tp"}'),
        ("nobody/cmd/calibrate", b"{}"),
        ("back/cmd/calibrate", b'["a list"]'),
        ("back/cmd/exercise", b'{"exercise": "side_plank", "request_id": "ex"}'),
        ("back/cmd/recording", b'{"action": "start", "request_id": "rec"}'),
        ("back/cmd/calibrate", b""),
    ]
    async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="display") as display:
        for topic, payload in sends:
            await display.publish(f"holdfast/{topic}", payload, qos=1)
        await wait_until(lambda: len(replies.messages) >= len(sends))
        got = [json.loads(p) for _, p, _ in replies.messages]
        assert [r["command"] for r in got] == [t.rsplit("/", 1)[1] for t, _ in sends]
        neg, words, teleport, nobody, a_list, exercise, rec, calibrate = got
        assert not neg["ok"]
        assert neg["request_id"] == "neg"
        assert "seconds" in neg["error"]
        assert not words["ok"]
        assert "not JSON" in words["error"]
        assert not teleport["ok"]
        assert "unknown command" in teleport["error"]
        assert not nobody["ok"]
        assert "unknown sensor" in nobody["error"]
        assert not a_list["ok"]
        assert "JSON object" in a_list["error"]
        assert exercise["request_id"] == "ex"  # ok or a clear refusal, never silence
        assert exercise["ok"] or exercise["error"]
        assert rec["ok"]
        assert calibrate["ok"]
        seq_at_start = app.runtimes["back"].state.seq
        await wait_until(lambda: app.runtimes["back"].state.seq > seq_at_start)
        await display.publish("holdfast/back/cmd/recording", b'{"action": "stop"}', qos=1)
        await wait_until(lambda: len(replies.messages) > len(sends))
    stop = json.loads(replies.messages[-1][1])
    assert stop["ok"]
    recorded = Path(stop["detail"]["path"])
    assert recorded == Path(rec["detail"]["path"])
    lines = recorded.read_text().splitlines()
    assert lines
    assert all(parse_event(line).sensor == "back" for line in lines)
    app.stop()
    await serving  # the session still ends normally
    task.cancel()


async def test_a_custom_topic_prefix_moves_every_topic(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    sub = Subscriber(mosquitto.port, ["#"], client_id="everything", clean_session=True)
    task = start(sub)
    await sub.subscribed.wait()
    settings = settings_for(mosquitto.port, tmp_path, **{"mqtt.topic_prefix": "clinic/room2"})
    app = App(settings, [SourceSpec.replay(bends_recording, speed=8.0)])
    serving = asyncio.create_task(app.run())
    await wait_until(lambda: app.runtimes["back"].state.calibrated)
    async with aiomqtt.Client("127.0.0.1", mosquitto.port, identifier="display") as display:
        await display.publish("clinic/room2/back/cmd/calibrate", b"{}", qos=1)
        await wait_until(lambda: "clinic/room2/back/reply" in sub.by_topic)
    await serving
    # The broker forwards the service's last publish after run() returns: wait for it.
    await sub.wait_for(lambda: sub.by_topic.get("clinic/room2/status", [b""])[-1] == b"offline")
    task.cancel()
    ours = [t for t in sub.by_topic if not t.startswith("homeassistant/")]
    assert ours
    assert all(t.startswith("clinic/room2/") for t in ours), ours
    assert json.loads(sub.by_topic["clinic/room2/back/reply"][0])["ok"]
    assert sub.by_topic["clinic/room2/status"][-1] == b"offline"
    # Its own Home Assistant device, apart from a service under another prefix.
    config = json.loads(sub.by_topic["homeassistant/sensor/clinic_room2_back/posture/config"][-1])
    assert config["state_topic"] == "clinic/room2/back/state"
    assert config["unique_id"] == "clinic_room2_back_posture"
