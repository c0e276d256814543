"""One display's broker connection: subscribe, sort messages by kind, publish commands.

:class:`BrokerFeed` subscribes to exactly the topics a display draws (docs/mqtt.md) and hands
each message on as a :class:`DisplayMessage` with its kind and sensor. Topics it did not ask
for are dropped here: the embedded broker (amqtt) also sends retained messages nobody
subscribed to (discovery configs, the schema). It reconnects by itself (a display outlives a
broker restart) and uses its own random client id, so it can never take over the service's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import aiomqtt

from service.config import BrokerSettings
from service.errors import BrokerError
from service.mqtt.tls import tls_parameters
from service.mqtt.topics import COMMANDS, Topics, topic_safe

log = logging.getLogger(__name__)

Kind = Literal["service_status", "status", "state", "angle", "event", "reply"]
RECONNECT_MIN_S = 0.3
RECONNECT_MAX_S = 5.0
STOP_TIMEOUT_S = 5.0
"""How long stopping a display waits for its connection to close before leaving it."""


async def stop_task(task: asyncio.Task[None] | None) -> None:
    """Cancel a display's feed task and wait for it, at most ``STOP_TIMEOUT_S``."""
    if task is None or task.done():
        return
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=STOP_TIMEOUT_S)
    if not done:
        log.warning("display: the broker connection did not close in %.0f s", STOP_TIMEOUT_S)


@dataclass(frozen=True, slots=True)
class DisplayMessage:
    """One message a display draws: ``payload`` is the parsed JSON, or the text of a status."""

    kind: Kind
    sensor: str | None  # None for the service status
    topic: str
    payload: Any
    retained: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "sensor": self.sensor,
            "topic": self.topic,
            "payload": self.payload,
            "retained": self.retained,
        }


def classify(prefix: str, topic: str, raw: bytes, retained: bool = False) -> DisplayMessage | None:
    """The :class:`DisplayMessage` of ``topic``, or ``None`` for anything a display ignores
    (other topics, a payload that is not what the contract says)."""
    head = f"{prefix}/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head) :].split("/")
    text = raw.decode("utf-8", errors="replace")
    if parts == ["status"]:
        return DisplayMessage("service_status", None, topic, text, retained)
    if len(parts) < 2 or parts[0] == "schema":
        return None
    sensor, rest = parts[0], parts[1:]
    kind: Kind
    if rest == ["status"]:
        return DisplayMessage("status", sensor, topic, text, retained)
    if rest == ["state"]:
        kind = "state"
    elif rest == ["angle"]:
        kind = "angle"
    elif rest == ["reply"]:
        kind = "reply"
    elif len(rest) == 2 and rest[0] == "event":
        kind = "event"
    else:
        return None
    try:
        payload = json.loads(text)
    except json.JSONDecodeError:
        log.warning("ignored a message on %s that is not JSON", topic)
        return None
    if not isinstance(payload, dict):
        return None
    return DisplayMessage(kind, sensor, topic, payload, retained)


class BrokerFeed:
    """``await feed.run(on_message)`` until cancelled; ``await feed.command(...)`` meanwhile."""

    def __init__(self, broker: BrokerSettings, prefix: str = "holdfast", *, name: str = "display"):
        self.broker = broker
        self.topics = Topics(prefix)
        self.client_id = f"holdfast-{name}-{uuid.uuid4().hex[:8]}"
        self.connected = asyncio.Event()
        self._client: aiomqtt.Client | None = None

    @property
    def where(self) -> str:
        return f"{self.broker.host or '127.0.0.1'}:{self.broker.port}"

    def subscriptions(self) -> list[str]:
        p = self.topics.prefix
        return [
            f"{p}/status",
            f"{p}/+/status",
            f"{p}/+/state",
            f"{p}/+/angle",
            f"{p}/+/event/+",
            f"{p}/+/reply",
        ]

    def _make_client(self) -> aiomqtt.Client:
        b = self.broker
        tls_params = tls_parameters(b)
        return aiomqtt.Client(
            b.host or "127.0.0.1",
            b.port,
            username=b.username,
            password=b.password.get_secret_value() if b.password else None,
            identifier=self.client_id,
            clean_session=True,
            transport=b.transport,
            keepalive=b.keepalive_s,
            tls_params=tls_params,
            tls_insecure=b.tls.insecure if b.tls.active else None,
            logger=logging.getLogger("holdfast.mqtt.paho"),
        )

    async def run(self, on_message: Callable[[DisplayMessage], None]) -> None:
        """Subscribe and deliver messages; reconnect with backoff; returns only on cancel.

        A cancel while connecting can reach us as an ``MqttError`` (paho's connect is
        interrupted); the loop then checks whether its task is being cancelled rather than
        retrying, so stopping a display never waits for a broker.
        """
        delay = RECONNECT_MIN_S
        task = asyncio.current_task()
        while True:
            try:
                async with self._make_client() as client:
                    # One SUBSCRIBE: once anything arrives, every topic is subscribed.
                    await client.subscribe([(topic, 1) for topic in self.subscriptions()])
                    self._client = client
                    self.connected.set()
                    delay = RECONNECT_MIN_S
                    log.info("display connected to %s", self.where)
                    async for m in client.messages:
                        raw = m.payload if isinstance(m.payload, bytes) else str(m.payload).encode()
                        message = classify(self.topics.prefix, str(m.topic), raw, bool(m.retain))
                        if message is not None:
                            on_message(message)
            except aiomqtt.MqttError as exc:
                if task is not None and task.cancelling():
                    raise asyncio.CancelledError from exc
                log.info("display: broker %s: %s; retrying in %.1f s", self.where, exc, delay)
            finally:
                self._client = None
                self.connected.clear()
            await asyncio.sleep(delay)
            delay = min(RECONNECT_MAX_S, delay * 2)

    async def command(self, sensor: str, name: str, payload: dict[str, Any]) -> str:
        """Publish command ``name`` for ``sensor``; returns its topic.

        Raises :class:`BrokerError` when not connected and ``ValueError`` for a command name
        that the service does not know.
        """
        if name not in COMMANDS:
            raise ValueError(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")
        client = self._client
        if client is None:
            raise BrokerError(self.broker.host or "127.0.0.1", self.broker.port, "not connected")
        topic = self.topics.command(topic_safe(sensor), name)
        try:
            await client.publish(topic, json.dumps(payload), qos=1)
        except aiomqtt.MqttError as exc:
            raise BrokerError(self.broker.host or "127.0.0.1", self.broker.port, str(exc)) from exc
        return topic
