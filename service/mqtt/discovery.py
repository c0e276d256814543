"""Home Assistant MQTT discovery: entities for one sensor, without any YAML.

For each sensor we announce one Home Assistant device with these entities (component, object):

- ``sensor/posture``: enum of postures, from the retained state;
- ``sensor/flexion_angle``: degrees, from the 10 Hz angle topic;
- ``sensor/hold_timer``: seconds elapsed in the hold in progress (0 when none), from the state;
- ``sensor/hold_target``: target of the hold in progress, from the state;
- ``sensor/rep_count``: reps in the current set, from the state;
- ``sensor/battery``: percent, from the state;
- ``binary_sensor/connected``: the sensor's link (connectivity);
- ``binary_sensor/holding``: a hold is in progress (running);
- ``event/alert``: repeated / sustained flexion alerts;
- ``event/rep``: one event per counted rep;
- ``event/hold``: a hold ended, ``completed`` or ``stopped``.

Templates render ``None`` (Home Assistant's "no value") where there is nothing to show, e.g.
no flexion angle before the forward direction is known, no battery reading yet.

Every entity is available only while both the service status and the sensor status topics say
``online`` (``availability_mode: all``), so a crash shows as unavailable through the last will.
The configs are retained and re-published on every (re)connect and whenever Home Assistant
announces ``online`` on its birth topic.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from typing import Any, get_args

from dsp.events import Posture
from service.mqtt.journal import OutMessage
from service.mqtt.topics import OFFLINE, ONLINE, Topics


def _origin() -> dict[str, str]:
    try:
        return {"name": "holdfast", "sw_version": version("holdfast")}
    except PackageNotFoundError:  # running from a source tree that was never installed
        return {"name": "holdfast"}


def _device(topics: Topics, sensor: str) -> dict[str, Any]:
    return {
        "identifiers": [topics.node_id(sensor)],
        "name": f"holdfast {sensor}",
        "manufacturer": "holdfast",
        "model": "back IMU coach",
    }


def _entity(
    topics: Topics, sensor: str, object_id: str, name: str, **fields: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "unique_id": f"{topics.node_id(sensor)}_{object_id}",
        "device": _device(topics, sensor),
        "origin": _origin(),
        "availability": [
            {
                "topic": topics.service_status,
                "payload_available": ONLINE,
                "payload_not_available": OFFLINE,
            },
            {
                "topic": topics.status(sensor),
                "payload_available": ONLINE,
                "payload_not_available": OFFLINE,
            },
        ],
        "availability_mode": "all",
        **fields,
    }


def discovery_configs(topics: Topics, sensor: str) -> dict[tuple[str, str], dict[str, Any]]:
    """``{(component, object_id): config}`` of every entity of ``sensor``."""
    state = topics.state(sensor)
    cfg: dict[tuple[str, str], dict[str, Any]] = {}
    cfg["sensor", "posture"] = _entity(
        topics,
        sensor,
        "posture",
        "Posture",
        state_topic=state,
        device_class="enum",
        options=list(get_args(Posture)),
        value_template="{{ value_json.posture }}",
        icon="mdi:human-handsdown",
    )
    cfg["sensor", "flexion_angle"] = _entity(
        topics,
        sensor,
        "flexion_angle",
        "Flexion angle",
        state_topic=topics.angle(sensor),
        unit_of_measurement="°",
        state_class="measurement",
        suggested_display_precision=0,
        value_template="{{ value_json.flexion_deg }}",
        icon="mdi:angle-acute",
    )
    cfg["sensor", "hold_timer"] = _entity(
        topics,
        sensor,
        "hold_timer",
        "Hold timer",
        state_topic=state,
        device_class="duration",
        unit_of_measurement="s",
        state_class="measurement",
        value_template="{{ value_json.hold.elapsed_s if value_json.hold else 0 }}",
    )
    cfg["sensor", "hold_target"] = _entity(
        topics,
        sensor,
        "hold_target",
        "Hold target",
        state_topic=state,
        device_class="duration",
        unit_of_measurement="s",
        value_template="{{ value_json.hold.target_s if value_json.hold else None }}",
    )
    cfg["sensor", "rep_count"] = _entity(
        topics,
        sensor,
        "rep_count",
        "Rep count",
        state_topic=state,
        state_class="measurement",
        value_template="{{ value_json.set.count if value_json.set else 0 }}",
        icon="mdi:counter",
    )
    cfg["sensor", "battery"] = _entity(
        topics,
        sensor,
        "battery",
        "Battery",
        state_topic=state,
        device_class="battery",
        unit_of_measurement="%",
        state_class="measurement",
        entity_category="diagnostic",
        value_template="{{ value_json.battery_pct }}",
    )
    cfg["binary_sensor", "connected"] = _entity(
        topics,
        sensor,
        "connected",
        "Connected",
        state_topic=state,
        device_class="connectivity",
        payload_on="ON",
        payload_off="OFF",
        value_template="{{ 'ON' if value_json.connected else 'OFF' }}",
        entity_category="diagnostic",
    )
    cfg["binary_sensor", "holding"] = _entity(
        topics,
        sensor,
        "holding",
        "Holding",
        state_topic=state,
        device_class="running",
        payload_on="ON",
        payload_off="OFF",
        value_template="{{ 'ON' if value_json.hold else 'OFF' }}",
    )
    cfg["event", "alert"] = _entity(
        topics,
        sensor,
        "alert",
        "Flexion alert",
        state_topic=topics.event(sensor, "flexion_alert"),
        event_types=["repeated", "sustained"],
        value_template='{ "event_type": "{{ value_json.reason }}", '
        '"count": {{ value_json.count }} }',
        icon="mdi:alert",
    )
    cfg["event", "rep"] = _entity(
        topics,
        sensor,
        "rep",
        "Rep",
        state_topic=topics.event(sensor, "rep"),
        event_types=["rep"],
        value_template='{ "event_type": "rep", "exercise": "{{ value_json.exercise }}", '
        '"index": {{ value_json.index }} }',
    )
    cfg["event", "hold"] = _entity(
        topics,
        sensor,
        "hold",
        "Hold ended",
        state_topic=topics.event(sensor, "hold_ended"),
        event_types=["completed", "stopped"],
        value_template='{ "event_type": "{{ \'completed\' if value_json.completed '
        'else \'stopped\' }}", "duration_s": {{ value_json.duration_s }} }',
    )
    return cfg


def discovery_messages(topics: Topics, sensor: str) -> list[OutMessage]:
    """The retained discovery messages of ``sensor``, ready to publish."""
    return [
        OutMessage(
            topics.discovery(component, sensor, object_id), json.dumps(config), qos=1, retain=True
        )
        for (component, object_id), config in discovery_configs(topics, sensor).items()
    ]


def removal_messages(topics: Topics, sensor: str) -> list[OutMessage]:
    """Empty retained configs: Home Assistant removes the entities (when discovery is off)."""
    return [
        OutMessage(topics.discovery(component, sensor, object_id), "", qos=1, retain=True)
        for component, object_id in discovery_configs(topics, sensor)
    ]
