"""The one MQTT connection of the service: reconnects, drains the outbox, answers commands.

aiomqtt does not reconnect by itself, so :meth:`Publisher.run` is a loop: connect, run a
session (a sender task and a listener task), and on any :class:`aiomqtt.MqttError` wait with
exponential backoff and connect again with a *fresh* client. A fresh client matters: paho
re-sends unacknowledged QoS 1 messages itself when the same client object reconnects, and our
outbox re-sends them too, which would double them. Here only the outbox re-sends.

Delivery is at-least-once. A message leaves the outbox only after its PUBACK; if the broker
dies first, it is published again after the reconnect with the same event id, and subscribers
drop duplicates by ``id``. A broker kill surfaces in two ways: the listener's message iterator
raises as soon as paho sees the socket close, and a publish waiting for a PUBACK gives up after
``publish_timeout_s``; either ends the session.

Three kinds of traffic:

- queued (the outbox): events and command replies, in order, never dropped;
- retained latest values (status, state, discovery, schema): only the newest per topic
  matters, so they are kept in a dict and all re-sent on every (re)connect;
- live (the angle stream, QoS 0): sent while connected, dropped while not, by design.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import socket
from collections import deque
from collections.abc import Callable, Iterable

import aiomqtt
from aiomqtt.exceptions import MqttConnectError

from service.config import BrokerSettings
from service.errors import BrokerError
from service.mqtt.journal import Outbox, OutMessage
from service.mqtt.tls import tls_parameters
from service.mqtt.topics import OFFLINE, ONLINE, Topics

log = logging.getLogger(__name__)

IN_FLIGHT = 32
"""Publishes awaited together: enough to hide the round trip, far below broker limits."""
LIVE_BACKLOG = 20
"""Angle messages kept while the sender is busy (2 s at 10 Hz); older ones are stale."""
STABLE_SESSION_S = 10.0
"""A session that lasted this long resets the backoff even if it had nothing to deliver."""
_PERMANENT = {
    "Name or service not known": "the broker host name does not resolve (mistyped?)",
    "nodename nor servname": "the broker host name does not resolve (mistyped?)",
    "No address associated with hostname": "the broker host name has no address (mistyped?)",
    "CERTIFICATE_VERIFY_FAILED": "the broker's TLS certificate is not signed by the CA given",
    "WRONG_VERSION_NUMBER": "the broker does not speak TLS on this port",
}
"""Connect failures that retrying will not fix (aiomqtt keeps only the message text)."""
_AUTH_CODES = {4, 5, 134, 135}  # MQTT 3.1.1 CONNACK 4/5 and their MQTT 5 reason codes

CommandHandler = Callable[[str, bytes], Iterable[OutMessage]]
"""Called with (topic, payload) of a command; returns the replies to publish."""


class Publisher:
    """Owns the broker connection; the app hands it messages, it delivers them."""

    def __init__(
        self,
        broker: BrokerSettings,
        topics: Topics,
        outbox: Outbox,
        *,
        on_command: CommandHandler | None = None,
    ) -> None:
        self.broker = broker
        self.topics = topics
        self.outbox = outbox
        self.on_command = on_command
        self.connected = asyncio.Event()
        self.connections = 0
        self.delivered_in_session = 0
        self.last_problem: str | None = None
        """Why the last connection attempt or session failed (None once connected)."""
        self._auth_failures = 0
        self._permanent_failures = 0
        self._retained: dict[str, OutMessage] = {}
        self._dirty: set[str] = set()
        self._live: deque[OutMessage] = deque(maxlen=LIVE_BACKLOG)
        self._wake = asyncio.Event()
        self._closing = False
        self._close_requested = asyncio.Event()
        self._close_deadline = 0.0
        self.set_retained(topics.service_status, ONLINE)

    # --- what the app calls ----------------------------------------------------------------

    def put(self, message: OutMessage) -> None:
        """Queue ``message`` for at-least-once delivery, in order."""
        self.outbox.put(message)
        self._wake.set()

    def set_retained(self, topic: str, payload: str) -> None:
        """Make ``payload`` the retained value of ``topic`` (sent now and on every reconnect)."""
        old = self._retained.get(topic)
        if old is not None and old.payload == payload:
            return
        self._retained[topic] = OutMessage(topic, payload, qos=1, retain=True)
        self._dirty.add(topic)
        self._wake.set()

    def send_live(self, message: OutMessage) -> None:
        """Send ``message`` if connected; while disconnected it is dropped (live data)."""
        if self.connected.is_set():
            self._live.append(message)
            self._wake.set()

    def close(self, flush_timeout_s: float) -> None:
        """Finish: deliver what is queued (up to ``flush_timeout_s``), then go offline."""
        loop = asyncio.get_running_loop()
        self._closing = True
        self._close_deadline = loop.time() + flush_timeout_s
        self._retained[self.topics.service_status] = OutMessage(
            self.topics.service_status, OFFLINE, qos=1, retain=True
        )
        self._dirty.add(self.topics.service_status)
        self._close_requested.set()
        self._wake.set()

    # --- connection loop -------------------------------------------------------------------

    def _client(self) -> aiomqtt.Client:
        b = self.broker
        tls_params = tls_parameters(b)
        client = aiomqtt.Client(
            b.host or "127.0.0.1",
            b.port,
            username=b.username,
            password=b.password.get_secret_value() if b.password else None,
            identifier=b.client_id,
            clean_session=True,
            transport=b.transport,
            keepalive=b.keepalive_s,
            timeout=b.publish_timeout_s,
            will=aiomqtt.Will(self.topics.service_status, OFFLINE, qos=1, retain=True),
            tls_params=tls_params,
            tls_insecure=b.tls.insecure if b.tls.active else None,
            logger=logging.getLogger("holdfast.mqtt.paho"),
        )
        # We keep IN_FLIGHT publishes pending on purpose; aiomqtt warns above 10.
        client.pending_calls_threshold = IN_FLIGHT + LIVE_BACKLOG + 8
        return client

    async def run(self) -> None:
        """Connect, deliver, reconnect with backoff, until :meth:`close` and drained.

        Raises :class:`BrokerError` when the broker refuses our login more than
        ``auth_retries`` times in a row (a wrong password does not fix itself).
        """
        b = self.broker
        host = b.host or "127.0.0.1"
        attempt = 0
        self._auth_failures = self._permanent_failures = 0
        loop = asyncio.get_running_loop()
        while True:
            connected_at: float | None = None
            self.delivered_in_session = 0
            try:
                async with self._client() as client:
                    connected_at = loop.time()
                    self.last_problem = None
                    self._auth_failures = 0
                    self.connections += 1
                    _no_delay(client)
                    self.connected.set()
                    log.info("connected to MQTT broker %s:%d", host, b.port)
                    if await self._session(client):
                        return
            except MqttConnectError as exc:
                self._refused(host, exc)
            except aiomqtt.MqttError as exc:
                self._failed(host, exc)
            finally:
                self.connected.clear()
                self._live.clear()
            if connected_at is not None and (
                self.delivered_in_session or loop.time() - connected_at >= STABLE_SESSION_S
            ):
                # A session that delivered (or lasted) starts the backoff afresh: a broker
                # that keeps restarting is back quickly each time. One that accepts and drops
                # us at once without taking anything (a client-id clash) still backs off.
                attempt = 0
            delay = backoff_delay(attempt, b.reconnect_min_s, b.reconnect_max_s)
            attempt += 1
            if self._closing:
                remaining = self._close_deadline - loop.time()
                if remaining <= 0:
                    log.warning("stopping with %d messages undelivered", len(self.outbox))
                    return
                delay = min(delay, remaining)
            log.info("reconnecting in %.1f s", delay)
            await self._sleep_or_close(delay)

    def _refused(self, host: str, exc: MqttConnectError) -> None:
        """A CONNACK refusal; a refused login more than ``auth_retries`` times is final."""
        b = self.broker
        self.last_problem = f"connection refused: {exc}"
        if _is_auth_refusal(exc):
            self._auth_failures += 1
            if self._auth_failures > b.auth_retries:
                raise BrokerError(
                    host,
                    b.port,
                    f"login refused ({exc}); gave up after {self._auth_failures} attempts",
                ) from exc
        log.warning("MQTT broker %s:%d refused the connection: %s", host, b.port, exc)

    def _failed(self, host: str, exc: aiomqtt.MqttError) -> None:
        """A failed connect or a lost session; a mistyped host or wrong CA is final."""
        b = self.broker
        why = _permanent_reason(exc)
        self.last_problem = f"{why} ({exc})" if why else str(exc)
        if why is not None and self.connections == 0:
            # Never reached this broker in this run: a mistyped host or the wrong CA does
            # not fix itself; after the retries, say so instead of waiting.
            self._permanent_failures += 1
            if self._permanent_failures > b.auth_retries:
                raise BrokerError(
                    host,
                    b.port,
                    f"{why} ({exc}); gave up after {self._permanent_failures} attempts",
                ) from exc
        log.warning(
            "MQTT broker %s:%d: %s (%d queued, %d on disk)",
            host,
            b.port,
            exc,
            len(self.outbox),
            self.outbox.on_disk,
        )

    async def _sleep_or_close(self, delay_s: float) -> None:
        """Back off for ``delay_s``, cut short once when :meth:`close` is called."""
        if self._closing:
            await asyncio.sleep(delay_s)
            return
        try:
            async with asyncio.timeout(delay_s):
                await self._close_requested.wait()
        except TimeoutError:
            pass

    async def _session(self, client: aiomqtt.Client) -> bool:
        """One connected session; ``True`` when closed cleanly, raises MqttError otherwise."""
        self._dirty = set(self._retained)  # everything retained again: the broker may be new
        await client.subscribe(self.topics.command_filter, qos=1)
        await client.subscribe(self.topics.ha_birth, qos=0)
        try:
            async with asyncio.TaskGroup() as tg:
                listener = tg.create_task(self._listen(client), name="mqtt-listen")
                await self._send(client)
                listener.cancel()
        except BaseExceptionGroup as group:
            mqtt_errors = group.subgroup(aiomqtt.MqttError)
            if mqtt_errors is None:
                raise
            first = mqtt_errors.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            raise first from group
        return True

    async def _send(self, client: aiomqtt.Client) -> None:
        timeout = self.broker.publish_timeout_s
        while True:
            _raise_if_cancel_was_swallowed()
            self._wake.clear()
            for topic in [t for t in self._retained if t in self._dirty]:
                self._dirty.discard(topic)
                m = self._retained[topic]
                try:
                    await client.publish(
                        m.topic, m.payload, qos=m.qos, retain=True, timeout=timeout
                    )
                except BaseException:
                    self._dirty.add(topic)
                    raise
            while self._live:
                m = self._live.popleft()
                await client.publish(m.topic, m.payload, qos=m.qos, timeout=timeout)
            batch = self.outbox.peek(IN_FLIGHT)
            if batch:
                async with asyncio.TaskGroup() as tg:
                    for m in batch:
                        tg.create_task(
                            client.publish(
                                m.topic, m.payload, qos=m.qos, retain=m.retain, timeout=timeout
                            )
                        )
                self.outbox.ack(len(batch))
                self.delivered_in_session += len(batch)
                continue
            if self._closing:
                if not self._dirty and not self._live:
                    return
                continue
            if not self._dirty and not self._live:
                await self._wake.wait()

    async def _listen(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            topic = str(message.topic)
            payload = (
                message.payload
                if isinstance(message.payload, bytes)
                else str(message.payload or "").encode()
            )
            if topic == self.topics.ha_birth:
                if payload == b"online":
                    prefix = f"{self.topics.discovery_prefix}/"
                    self._dirty.update(t for t in self._retained if t.startswith(prefix))
                    self._wake.set()
                continue
            if self.on_command is not None:
                for reply in self.on_command(topic, payload):
                    self.put(reply)


def _raise_if_cancel_was_swallowed() -> None:
    """Stop a task that was told to stop but is still running.

    Python 3.11's ``asyncio.wait_for`` (which aiomqtt's publish awaits) returns the result
    instead of raising when the cancellation arrives as the publish is acknowledged; the
    sender then went on and waited for work forever, and ``serve`` hung after a bad input
    had already ended the session (seen in about one run in three on a loaded machine).
    The task's own count of cancel requests still says it was asked to stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


def _no_delay(client: aiomqtt.Client) -> None:
    """TCP_NODELAY on the broker socket: with Nagle's algorithm a small publish waits for the
    previous one's acknowledgement, about 40 ms a hop (paho does not set it; asyncio does on
    its own sockets). Not every transport has it (a WebSocket wrapper): then nothing."""
    sock = client._client.socket()
    with contextlib.suppress(AttributeError, OSError):
        getattr(sock, "setsockopt")(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # noqa: B009


def backoff_delay(attempt: int, low_s: float, high_s: float) -> float:
    """Exponential from ``low_s``, capped at ``high_s``, with +-20 % jitter so that many
    gateways that lost one broker do not all come back in the same instant."""
    delay = min(high_s, low_s * 2.0 ** min(attempt, 30))
    return float(min(high_s, delay * random.uniform(0.8, 1.2)))


def _permanent_reason(exc: aiomqtt.MqttError) -> str | None:
    text = str(exc)
    return next((why for marker, why in _PERMANENT.items() if marker in text), None)


def _is_auth_refusal(exc: MqttConnectError) -> bool:
    rc = exc.rc
    value = rc if isinstance(rc, int) else getattr(rc, "value", None)
    return value in _AUTH_CODES
