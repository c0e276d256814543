"""The history recorder: an MQTT subscriber that stores every event of every gateway.

It is only a subscriber: it learns gateways and sensors from the topics
(``<prefix>/<sensor>/event/<type>`` for a gateway without an id, and
``<prefix>/<gateway>/<sensor>/event/<type>``), so one recorder next to a clinic's broker
records every gateway, local or bridged, and nothing in a gateway knows it exists.

At least once, end to end: it subscribes with QoS 1 on a persistent session (fixed client id,
``clean_session=False``) and acknowledges a message only after its transaction committed
(paho's manual acks). A recorder killed between receiving and committing gets the message
again from the broker; a message it stored twice (that redelivery, a gateway's journal replay,
a QoS 1 duplicate) is dropped by its event id. While the database is unreachable nothing is
acknowledged and the write is retried; the broker keeps the rest of the session.

paho-mqtt directly (aiomqtt, which the service uses, acknowledges on receipt): its network
thread receives, one writer thread stores and acknowledges in order, so a slow database never
stalls the MQTT keepalive. A thread also lets ``holdfast serve`` run the recorder in-process
without touching its event loop.
"""

from __future__ import annotations

import logging
import queue
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from service.errors import BrokerError, HistoryError
from service.history.store import HistoryStore, PayloadError

log = logging.getLogger(__name__)

RETRY_MIN_S = 0.5
RECONNECT_MIN_S = 1  # paho's reconnect delays are whole seconds
RETRY_MAX_S = 30.0
_AUTH_CODES = {4, 5, 134, 135}


@dataclass(frozen=True, slots=True)
class BrokerAddress:
    """Where the recorder subscribes; the same fields as the service's broker settings."""

    host: str
    port: int = 1883
    client_id: str = "holdfast-history"
    username: str | None = None
    password: str | None = None
    transport: str = "tcp"
    tls: bool = False
    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    tls_insecure: bool = False
    keepalive_s: int = 15


def topic_filters(prefix: str) -> tuple[str, str]:
    """What the recorder subscribes to: events of gateways without and with an id."""
    return f"{prefix}/+/event/+", f"{prefix}/+/+/event/+"


def gateway_of(prefix: str, topic: str) -> str | None:
    """The gateway id of an event topic (``""`` when it has none), ``None`` if not one."""
    head = f"{prefix}/"
    if not topic.startswith(head):
        return None
    parts = topic[len(head) :].split("/")
    if len(parts) == 3 and parts[1] == "event":
        return ""
    if len(parts) == 4 and parts[2] == "event":
        return parts[0]
    return None


@dataclass(frozen=True, slots=True)
class _Received:
    topic: str
    payload: bytes
    mid: int
    qos: int
    connection: int


class Recorder:
    """``with Recorder(store, broker) as r: r.wait_subscribed()`` records until the block ends.

    Counters (``stored``, ``duplicates``, ``rejected``) tell what happened to the messages.
    """

    def __init__(self, store: HistoryStore, broker: BrokerAddress, prefix: str = "holdfast"):
        self.store = store
        self.broker = broker
        self.prefix = prefix
        self.stored = 0
        self.duplicates = 0
        self.rejected = 0
        self.last_message_s = 0.0
        self.failure: HistoryError | BrokerError | None = None
        self._inbox: queue.Queue[_Received | None] = queue.Queue()
        self._subscribed = threading.Event()
        self._stopping = threading.Event()
        self._connection = 0
        self._lock = threading.Lock()
        self._client = self._make_client()
        self._writer = threading.Thread(target=self._write_loop, name="history-writer", daemon=True)

    # --- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        self._writer.start()
        b = self.broker
        self._client.connect_async(b.host, b.port, keepalive=b.keepalive_s)
        self._client.loop_start()
        log.info(
            "history: recording %s:%d (%s) into %s", b.host, b.port, self.prefix, self.store.name
        )

    def stop(self, drain_s: float = 0.0) -> None:
        """Stop; first wait up to ``drain_s`` until messages stop arriving and all are stored."""
        if drain_s > 0:
            self.wait_idle(drain_s)
        self._stopping.set()
        self._inbox.put(None)
        self._writer.join(timeout=RETRY_MAX_S)
        self._client.disconnect()
        self._client.loop_stop()

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def wait_subscribed(self, timeout_s: float = 10.0) -> bool:
        return self._subscribed.wait(timeout_s)

    def wait_idle(self, timeout_s: float, quiet_s: float = 0.5) -> bool:
        """True once nothing arrived for ``quiet_s`` and everything received is stored."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            quiet = time.monotonic() - self.last_message_s >= quiet_s
            if quiet and self._inbox.unfinished_tasks == 0:
                return True
            time.sleep(0.05)
        return False

    # --- paho side (its network thread) ----------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        b = self.broker
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=b.client_id,
            clean_session=False,
            protocol=mqtt.MQTTv311,
            transport="websockets" if b.transport == "websockets" else "tcp",
            manual_ack=True,
        )
        client.enable_logger(logging.getLogger("holdfast.history.paho"))
        client.reconnect_delay_set(RECONNECT_MIN_S, int(RETRY_MAX_S))
        if b.username is not None:
            client.username_pw_set(b.username, b.password)
        if b.tls or b.ca_file is not None:
            client.tls_set(
                ca_certs=str(b.ca_file) if b.ca_file else None,
                certfile=str(b.cert_file) if b.cert_file else None,
                keyfile=str(b.key_file) if b.key_file else None,
                cert_reqs=ssl.CERT_REQUIRED,
            )
            client.tls_insecure_set(b.tls_insecure)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    def _on_connect(
        self, client: mqtt.Client, _u: Any, _flags: Any, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:
            b = self.broker
            log.warning("history: broker %s:%d refused the connection: %s", b.host, b.port, reason)
            if reason.value in _AUTH_CODES:
                self.failure = BrokerError(b.host, b.port, f"login refused ({reason})")
            return
        with self._lock:
            self._connection += 1
        client.subscribe([(f, 1) for f in topic_filters(self.prefix)])

    def _on_subscribe(self, *_args: Any) -> None:
        log.info("history: subscribed to %s", " and ".join(topic_filters(self.prefix)))
        self._subscribed.set()

    def _on_disconnect(self, *_args: Any) -> None:
        if not self._stopping.is_set():
            log.warning("history: lost the broker; reconnecting (the broker keeps our session)")

    def _on_message(self, _c: mqtt.Client, _u: Any, message: mqtt.MQTTMessage) -> None:
        self.last_message_s = time.monotonic()
        with self._lock:
            connection = self._connection
        self._inbox.put(
            _Received(message.topic, bytes(message.payload), message.mid, message.qos, connection)
        )

    # --- writer thread ---------------------------------------------------------------------

    def _write_loop(self) -> None:
        while (item := self._inbox.get()) is not None:
            try:
                if self._store(item):
                    self._ack(item)
            finally:
                self._inbox.task_done()
        self._inbox.task_done()

    def _store(self, item: _Received) -> bool:
        """Store ``item``; ``True`` when it may be acknowledged (stored, duplicate, rejected)."""
        gateway = gateway_of(self.prefix, item.topic)
        if gateway is None:
            return True
        delay = RETRY_MIN_S
        while True:
            try:
                new = self.store.record(gateway, item.payload)
            except PayloadError as exc:
                self.rejected += 1
                log.warning("history: dropped a message on %s: %s", item.topic, exc)
                return True
            except HistoryError as exc:
                if self._stopping.is_set():
                    return False  # not acknowledged: the broker keeps it for the next start
                # One line per failure, not a traceback each retry.
                log.error("history: %s; retrying in %.1f s (not acknowledged)", exc, delay)  # noqa: TRY400
                self._stopping.wait(delay)
                delay = min(delay * 2, RETRY_MAX_S)
            else:
                if new:
                    self.stored += 1
                else:
                    self.duplicates += 1
                return True

    def _ack(self, item: _Received) -> None:
        with self._lock:
            current = self._connection
        # A message of an earlier connection cannot be acknowledged on this one; the broker
        # sends it again (same event id, dropped as a duplicate).
        if item.qos > 0 and item.connection == current:
            self._client.ack(item.mid, item.qos)
