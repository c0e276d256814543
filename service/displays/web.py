"""The web display's server: a small bridge from the broker to browsers (aiohttp).

It is an MQTT subscriber like any other (:class:`~service.displays.feed.BrokerFeed`): every
message it passes to a page came through the broker. Pages get them as Server-Sent Events on
``/events`` (a new page first gets the latest value of everything: service status, each
sensor's status, state and angle, and the last event of each type, so it can draw at once),
and send commands with ``POST /api/sensors/<sensor>/cmd/<command>``, which the bridge
publishes on ``<prefix>/<sensor>/cmd/<command>``. The page itself is plain HTML, CSS and
JavaScript of our own in ``web_static/`` (no build step, nothing from elsewhere).

Why SSE and not a WebSocket: the page only listens, commands are rare, and SSE reconnects by
itself in every browser. A page that cannot keep up (its queue fills) is disconnected and
reconnects to a fresh snapshot rather than seeing an ever older stream.

Commands are accepted only as ``application/json``: a form on another site cannot send that
without the browser asking first, so a page elsewhere cannot press our buttons. The default
bind address is loopback; opening it to a network is the user's explicit choice.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from dataclasses import dataclass
from importlib import resources
from types import TracebackType
from typing import TYPE_CHECKING, Any

from aiohttp import web

from firmware_protocol.errors import ConfigError
from service.displays.feed import BrokerFeed, DisplayMessage, stop_task
from service.errors import BrokerError, HistoryError

if TYPE_CHECKING:
    from service.displays.web_trend import TrendPlot

log = logging.getLogger(__name__)

CLIENT_QUEUE = 1000
"""Messages waiting for one page (100 s of angles) before it is dropped and reconnects."""
KEEPALIVE_S = 15.0
HISTORY = 300
"""Recent events (not angles or ticks) a page that connects now is sent first."""
_Item = tuple[DisplayMessage, bool] | None
"""A message and whether it is from the snapshot; None ends the stream."""
STATIC = resources.files("service.displays") / "web_static"


@dataclass(frozen=True)
class PageConfig:
    """What the page needs to know that no MQTT message says: zone limits, exercise names."""

    neutral_max_deg: float = 20.0
    moderate_max_deg: float = 60.0
    exercises: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "zones": {
                "neutral_max_deg": self.neutral_max_deg,
                "moderate_max_deg": self.moderate_max_deg,
            },
            "exercises": list(self.exercises),
        }


class LatestValues:
    """What a page that connects now is sent: the newest status, state, angle and hold tick
    of each sensor, and the recent events in order (so it can count sets and show a log)."""

    def __init__(self, history: int = HISTORY) -> None:
        self._latest: dict[tuple[str, str | None], DisplayMessage] = {}
        self._history: deque[DisplayMessage] = deque(maxlen=history)

    def add(self, m: DisplayMessage) -> None:
        if m.kind == "event" and m.payload.get("type") not in ("angle", "hold_tick"):
            self._history.append(m)
        elif m.kind == "event":
            self._latest[(str(m.payload.get("type")), m.sensor)] = m
        elif m.kind != "reply":
            self._latest[(m.kind, m.sensor)] = m

    def snapshot(self) -> list[DisplayMessage]:
        order = {"service_status": 0, "status": 1, "state": 2, "hold_tick": 4, "angle": 5}
        first = sorted(
            (m for (k, _), m in self._latest.items() if order.get(k, 9) < 3),
            key=lambda m: order[m.kind],
        )
        last = [m for (k, _), m in self._latest.items() if order.get(k, 9) >= 3]
        return [*first, *self._history, *last]


class WebDisplay:
    """``async with WebDisplay(feed, ...) as web:`` serves pages at ``web.url`` until exit."""

    def __init__(
        self,
        feed: BrokerFeed,
        config: PageConfig | None = None,
        *,
        bind: str = "127.0.0.1",
        port: int = 8321,
        trend: TrendPlot | None = None,
    ) -> None:
        self.feed = feed
        self.trend = trend
        """The history's weekly trend on ``/trend.png`` (None: no history, no trend)."""
        self.config = config or PageConfig()
        self.bind = bind
        self.port = port
        self.latest = LatestValues()
        self._clients: set[asyncio.Queue[_Item]] = set()
        self._runner: web.AppRunner | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self.received = 0

    @property
    def url(self) -> str:
        host = f"[{self.bind}]" if ":" in self.bind else self.bind
        return f"http://{host}:{self.port}/"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self._page)
        app.router.add_get("/sensor/{sensor}", self._page)
        app.router.add_get("/static/{name}", self._static)
        app.router.add_get("/events", self._events)
        app.router.add_get("/api/config", self._config)
        app.router.add_get("/trend.png", self._trend)
        app.router.add_post("/api/sensors/{sensor}/cmd/{command}", self._command)
        return app

    async def __aenter__(self) -> WebDisplay:
        # shutdown_timeout: an open page (an endless SSE stream) must not hold up the stop.
        runner = web.AppRunner(
            self.app(), handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, self.bind, self.port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise ConfigError(
                "web.port",
                f"cannot listen on {self.bind}:{self.port}: {exc.strerror or exc}",
                "a free port (0 = any), or --no-web",
            ) from exc
        self._runner = runner
        if self.port == 0:
            self.port = int(runner.addresses[0][1])  # the port the system picked
        self._feed_task = asyncio.get_running_loop().create_task(
            self.feed.run(self._on_message), name="web-display-feed"
        )
        return self

    async def finish(self, timeout_s: float = 3.0) -> None:
        """Nothing to wait for: a page shows what arrives, there is no last line to print."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await stop_task(self._feed_task)
        for queue in list(self._clients):
            self._offer(queue, None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # --- from the broker ---------------------------------------------------------------------

    def _on_message(self, m: DisplayMessage) -> None:
        self.received += 1
        self.latest.add(m)
        for queue in list(self._clients):
            self._offer(queue, (m, False))

    def _offer(self, queue: asyncio.Queue[_Item], item: _Item) -> None:
        try:
            queue.put_nowait(item)
        except asyncio.QueueFull:
            # Too slow: end its stream; the browser reconnects and gets a fresh snapshot.
            self._clients.discard(queue)
            with contextlib.suppress(asyncio.QueueEmpty):
                queue.get_nowait()
            queue.put_nowait(None)

    # --- to the browsers ---------------------------------------------------------------------

    async def _page(self, request: web.Request) -> web.Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8")
        return web.Response(text=html, content_type="text/html", charset="utf-8")

    async def _static(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        types = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
        suffix = name[name.rfind(".") :] if "." in name else ""
        item = STATIC / name
        if "/" in name or suffix not in types or not item.is_file():
            raise web.HTTPNotFound()
        return web.Response(
            text=item.read_text(encoding="utf-8"), content_type=types[suffix], charset="utf-8"
        )

    async def _config(self, request: web.Request) -> web.Response:
        doc = {
            **self.config.as_json(),
            "prefix": self.feed.topics.prefix,
            "broker": self.feed.where,
            "trend": self.trend is not None,
        }
        return web.json_response(doc)

    async def _trend(self, request: web.Request) -> web.Response:
        if self.trend is None:
            raise web.HTTPNotFound(text="no history database is configured")
        try:
            png = await self.trend.png()
        except HistoryError as exc:
            return web.Response(text=str(exc), status=503)
        return web.Response(
            body=png, content_type="image/png", headers={"Cache-Control": "no-cache"}
        )

    async def _events(self, request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await resp.prepare(request)
        queue: asyncio.Queue[_Item] = asyncio.Queue(CLIENT_QUEUE)
        for m in self.latest.snapshot():
            queue.put_nowait((m, True))
        self._clients.add(queue)
        try:
            await resp.write(
                f"event: hello\ndata: {json.dumps({'broker': self.feed.where})}\n\n".encode()
            )
            while True:
                try:
                    async with asyncio.timeout(KEEPALIVE_S):
                        item = await queue.get()
                except TimeoutError:
                    await resp.write(b": keepalive\n\n")
                    continue
                if item is None:
                    break
                m, snapshot = item
                doc = {**m.as_json(), "snapshot": snapshot}
                await resp.write(f"data: {json.dumps(doc)}\n\n".encode())
        except (ConnectionResetError, ConnectionError):
            pass
        finally:
            self._clients.discard(queue)
        return resp

    async def _command(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return web.json_response(
                {"ok": False, "error": "send the command as application/json"}, status=415
            )
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"ok": False, "error": "body is not JSON"}, status=400)
        if not isinstance(body, dict):
            return web.json_response(
                {"ok": False, "error": "body must be a JSON object"}, status=400
            )
        sensor, command = request.match_info["sensor"], request.match_info["command"]
        try:
            topic = await self.feed.command(sensor, command, body)
        except ValueError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=404)
        except BrokerError as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=503)
        return web.json_response({"ok": True, "topic": topic}, status=202)
