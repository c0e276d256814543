"""An MQTT broker inside the service (amqtt), for when no broker is configured.

It listens on localhost only, over TCP and WebSocket, so a display (a browser page, a
terminal, Home Assistant on the same machine) connects with nothing else installed. It is a
convenience, not a production broker: amqtt keeps no sessions across restarts and sends
retained messages to clients that did not subscribe to them, so displays must filter by topic.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from types import TracebackType
from typing import Any

from amqtt.broker import Broker

from service.errors import BrokerError

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_S = 3.0
"""How long amqtt may take to shut down. It can hang for good (a session waiting for the
PUBACK of a message it no longer knows, seen with 8-32 sensors in 3 of 10 runs); after
this the listeners are closed by hand and the rest is left to the event loop's end."""


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now (for port 0 in the settings and for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_free(host: str, port: int) -> bool:
    """Whether a TCP listener could bind ``host:port`` now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class EmbeddedBroker:
    """``async with EmbeddedBroker(...) as broker:`` runs amqtt until the block ends.

    A port of 0 picks a free port; the chosen ports are in ``tcp_port`` and ``ws_port``.
    """

    def __init__(
        self,
        bind: str = "127.0.0.1",
        tcp_port: int = 1883,
        ws_port: int = 9001,
        *,
        shutdown_timeout_s: float = SHUTDOWN_TIMEOUT_S,
    ):
        self.bind = bind
        self.shutdown_timeout_s = shutdown_timeout_s
        self.tcp_port = tcp_port or free_port(bind)
        self.ws_port = ws_port or free_port(bind)
        self._broker: Any = None

    def _config(self) -> dict[str, Any]:
        return {
            "listeners": {
                "default": {"type": "tcp", "bind": f"{self.bind}:{self.tcp_port}"},
                "ws": {"type": "ws", "bind": f"{self.bind}:{self.ws_port}"},
            },
            # Only what we need: no $SYS ticker, no per-packet logging.
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
            },
        }

    async def start(self) -> None:
        for name in ("amqtt", "transitions"):
            # Its INFO lines are per packet; the CLI's setup_logging may have chosen already.
            if logging.getLogger(name).level == logging.NOTSET:
                logging.getLogger(name).setLevel(logging.WARNING)
        for port in (self.tcp_port, self.ws_port):
            # Checked here for a clear message (amqtt logs a traceback and a vague error).
            if not port_free(self.bind, port):
                raise BrokerError(
                    self.bind,
                    port,
                    "port in use; is another MQTT broker running? Use it with --broker-host "
                    f"{self.bind} --broker-port {port}, or pick other ports with "
                    "--embedded-port / --embedded-ws-port (0 = any free port)",
                )
        try:
            self._broker = Broker(self._config(), loop=asyncio.get_running_loop())
            await self._broker.start()
        except Exception as exc:
            # amqtt raises its own BrokerError or plain OSError for a busy port.
            raise BrokerError(self.bind, self.tcp_port, f"embedded broker failed: {exc}") from exc
        log.info(
            "embedded MQTT broker on mqtt://%s:%d and ws://%s:%d",
            self.bind,
            self.tcp_port,
            self.bind,
            self.ws_port,
        )

    async def stop(self) -> None:
        """Shut amqtt down; always returns within about ``2 * shutdown_timeout_s``."""
        if self._broker is None:
            return
        broker, self._broker = self._broker, None
        try:
            async with asyncio.timeout(self.shutdown_timeout_s):
                await broker.shutdown()
        except TimeoutError:
            log.warning(
                "embedded MQTT broker did not shut down within %.0f s; closing its listeners",
                self.shutdown_timeout_s,
            )
            await self._close_listeners(broker)

    async def _close_listeners(self, broker: Any) -> None:
        """Best effort: stop accepting connections so the ports are free again."""
        for server in list(getattr(broker, "_servers", {}).values()):
            try:
                async with asyncio.timeout(self.shutdown_timeout_s):
                    await server.close_instance()
            except (TimeoutError, OSError, RuntimeError) as exc:
                log.warning("embedded MQTT broker listener did not close: %s", exc)

    async def __aenter__(self) -> EmbeddedBroker:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()
