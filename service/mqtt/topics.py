"""Every MQTT topic holdfast uses, built in one place (documented in ``docs/mqtt.md``).

``<prefix>`` defaults to ``holdfast``; ``<sensor>`` is the sensor id events carry. Sensor ids
are made topic-safe (``/``, ``+``, ``#`` and spaces become ``_``) so an address like
``AA:BB:..`` or a name with a slash cannot create extra topic levels or wildcards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UNSAFE = re.compile(r"[/+#\s\x00]")
_NODE_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")  # Home Assistant node and object ids
ONLINE = "online"
OFFLINE = "offline"

COMMANDS: tuple[str, ...] = (
    "calibrate",
    "exercise",
    "hold_target",
    "recording",
    # guided routines (service/mqtt/routine_commands.py)
    "start_routine",
    "next",
    "skip",
    "pain",
    "stop_routine",
)
"""Command names accepted on ``<prefix>/<sensor>/cmd/<name>``."""


def topic_safe(name: str) -> str:
    """``name`` with characters that would break a topic level replaced by ``_``."""
    return _UNSAFE.sub("_", name) or "_"


def gateway_prefix(prefix: str, gateway: str | None) -> str:
    """The topic prefix one gateway publishes under: ``<prefix>/<gateway>`` when it has an
    id (several gateways on one broker), else ``<prefix>`` as before."""
    return f"{prefix}/{topic_safe(gateway)}" if gateway else prefix


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names under one prefix (``prefix`` has no trailing slash)."""

    prefix: str = "holdfast"
    discovery_prefix: str = "homeassistant"

    # --- service level ---------------------------------------------------------------------

    @property
    def service_status(self) -> str:
        """Retained ``online``/``offline``; the last will sets ``offline``."""
        return f"{self.prefix}/status"

    @property
    def schema(self) -> str:
        """Retained JSON Schema of the event models.

        Deliberately not ``.../event``: ``<prefix>/+/event/#`` must match events only.
        """
        return f"{self.prefix}/schema/events"

    @property
    def command_filter(self) -> str:
        """What the service subscribes to for commands of every sensor."""
        return f"{self.prefix}/+/cmd/+"

    # --- per sensor ------------------------------------------------------------------------

    def base(self, sensor: str) -> str:
        return f"{self.prefix}/{topic_safe(sensor)}"

    def event(self, sensor: str, event_type: str) -> str:
        """Every event, QoS 1, not retained."""
        return f"{self.base(sensor)}/event/{event_type}"

    def angle(self, sensor: str) -> str:
        """The angle stream, QoS 0, 10 Hz, not retained."""
        return f"{self.base(sensor)}/angle"

    def state(self, sensor: str) -> str:
        """Retained current state (:class:`service.mqtt.state.SensorState`)."""
        return f"{self.base(sensor)}/state"

    def status(self, sensor: str) -> str:
        """Retained ``online`` while the sensor's link is up, ``offline`` otherwise."""
        return f"{self.base(sensor)}/status"

    def command(self, sensor: str, name: str) -> str:
        return f"{self.base(sensor)}/cmd/{name}"

    def reply(self, sensor: str) -> str:
        """Answers to commands (ok or an error), QoS 1, not retained."""
        return f"{self.base(sensor)}/reply"

    def node_id(self, sensor: str) -> str:
        """Home Assistant node / device id of ``sensor``: ``holdfast_<sensor>`` under the
        default prefix, else the prefix is part of it, so two services with different
        prefixes do not claim the same Home Assistant entities."""
        head = "holdfast" if self.prefix == "holdfast" else _NODE_UNSAFE.sub("_", self.prefix)
        return f"{head}_{_NODE_UNSAFE.sub('_', sensor)}"

    def discovery(self, component: str, sensor: str, object_id: str) -> str:
        """Home Assistant discovery config topic of one entity."""
        return f"{self.discovery_prefix}/{component}/{self.node_id(sensor)}/{object_id}/config"

    @property
    def ha_birth(self) -> str:
        """Home Assistant announces ``online`` here when it (re)starts: re-send discovery."""
        return f"{self.discovery_prefix}/status"

    def parse_command(self, topic: str) -> tuple[str, str] | None:
        """``(sensor, command)`` of a command topic, or ``None`` when it is not one."""
        head = f"{self.prefix}/"
        if not topic.startswith(head):
            return None
        parts = topic[len(head) :].split("/")
        if len(parts) != 3 or parts[1] != "cmd":
            return None
        return parts[0], parts[2]
