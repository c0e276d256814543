"""What ``serve`` and ``demo`` run beside the app: the broker they own, the displays, notes.

The embedded broker is started here, not inside the app, so that it outlives the app by as
long as the displays need: a display (an MQTT subscriber like any other) reads the last
events and the service's ``offline`` before the broker goes away. The displays get the
broker's address and nothing else (see :mod:`service.displays`).
"""

from __future__ import annotations

import contextlib
import sys
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from dsp.events import AngleEvent, Event, SensorStatusEvent
from service.config import HoldfastSettings
from service.mqtt.broker_embedded import EmbeddedBroker, port_free
from service.mqtt.topics import gateway_prefix

if TYPE_CHECKING:
    from service.displays.feed import BrokerFeed
    from service.displays.web import PageConfig, WebDisplay
    from service.displays.web_trend import TrendPlot


class Display(Protocol):
    """An async context manager that shows what the broker carries while entered."""

    async def __aenter__(self) -> Any: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def finish(self, timeout_s: float = 3.0) -> None:
        """Return once the display has seen the service's last messages (or timed out)."""


@dataclass(frozen=True)
class Endpoints:
    """Where the service publishes and where its web page is, as printed on start."""

    host: str
    port: int
    embedded: bool
    ws_port: int | None = None
    web_url: str | None = None

    @property
    def mqtt(self) -> str:
        return f"mqtt://{self.host}:{self.port}"


async def own_broker(
    settings: HoldfastSettings, stack: contextlib.AsyncExitStack
) -> tuple[HoldfastSettings, EmbeddedBroker | None]:
    """Start the embedded broker when no broker host is set; settings that point at it."""
    if settings.broker.host is not None:
        return settings, None
    e = settings.embedded
    embedded = EmbeddedBroker(e.bind, e.tcp_port, e.ws_port)
    await stack.enter_async_context(embedded)
    broker = settings.broker.model_copy(
        update={"host": e.bind, "port": embedded.tcp_port, "transport": "tcp"}
    )
    return settings.model_copy(update={"broker": broker}), embedded


def display_feed(settings: HoldfastSettings, name: str) -> BrokerFeed:
    from service.displays.feed import BrokerFeed

    prefix = gateway_prefix(settings.mqtt.topic_prefix, settings.gateway_id)
    return BrokerFeed(settings.broker, prefix, name=name)


def page_config(settings: HoldfastSettings) -> PageConfig:
    from dsp.detectors.exercises import EXERCISES
    from service.displays.web import PageConfig

    zones = settings.pipeline.detectors.zones
    return PageConfig(zones.neutral_max_deg, zones.moderate_max_deg, tuple(EXERCISES))


def trend_plot(settings: HoldfastSettings) -> TrendPlot | None:
    """The web page's trend from ``history.database`` when there is a history: the recorder
    runs (``history.record``), or the database is PostgreSQL or an existing SQLite file."""
    from service.displays.web_trend import TrendPlot, history_exists

    database = settings.history.database
    if settings.history.record or history_exists(database):
        return TrendPlot(database)
    return None


async def start_web(
    settings: HoldfastSettings, stack: contextlib.AsyncExitStack
) -> WebDisplay | None:
    """The web display on ``web.bind:web.port`` (any free port when that one is busy)."""
    if not settings.web.enabled:
        return None
    from service.displays.web import WebDisplay

    w = settings.web
    port = w.port if w.port == 0 or port_free(w.bind, w.port) else 0
    web = WebDisplay(
        display_feed(settings, "web"),
        page_config(settings),
        bind=w.bind,
        port=port,
        trend=trend_plot(settings),
    )
    await stack.enter_async_context(web)
    return web


UPSIDE_DOWN_TILT_DEG = 150.0


class ServeNotes:
    """An event sink that tells, once, each sensor's connection: the service's own log for
    the person who started it (not a display: displays are MQTT subscribers)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stderr
        self._seen: set[str] = set()
        self._upside_down: set[str] = set()

    def __call__(self, event: Event) -> None:
        if event.sensor not in self._seen:
            self._seen.add(event.sensor)
            self._say(f"{event.sensor}: receiving data")
        if (
            isinstance(event, AngleEvent)
            and event.tilt_deg > UPSIDE_DOWN_TILT_DEG
            and event.sensor not in self._upside_down
        ):
            # Nobody rests head down: the up axis given (or in the header) has the wrong sign.
            self._upside_down.add(event.sensor)
            self._say(
                f"{event.sensor}: warning: the sensor reads upside down (tilt "
                f"{event.tilt_deg:.0f}°): is the sign of --up wrong?"
            )
        if isinstance(event, SensorStatusEvent) and event.status in ("connected", "disconnected"):
            detail = f" ({event.detail})" if event.detail else ""
            self._say(f"{event.sensor}: {event.status}{detail}")
        elif event.type == "session_summary":
            self._say(f"{event.sensor}: session ended")

    def _say(self, text: str) -> None:
        self.out.write(f"holdfast serve: {text}\n")
        self.out.flush()
