"""``holdfast display [terminal|web] --broker HOST[:PORT]``: show what a service publishes.

Either display is only an MQTT subscriber (and, for the buttons, a command publisher): it
works against any broker any holdfast service publishes to, on this machine or another (a
Raspberry Pi next to the mat over SSH, a phone on the web page).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError
from service.config import HoldfastSettings, default_config_file, load_settings


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "display",
        help="show a running service live: in the terminal, or as a web page",
        description="Subscribe to the broker a holdfast service publishes to and show its "
        "sensors live: in this terminal (default), or as a web page for a browser or a phone "
        "(`holdfast display web`). Ctrl-C stops.",
    )
    p.add_argument("kind", nargs="?", choices=("terminal", "web"), default="terminal")
    p.add_argument(
        "--broker",
        metavar="HOST[:PORT]",
        help="the broker (default: broker.host from the settings, else 127.0.0.1:1883)",
    )
    p.add_argument("--topic-prefix", metavar="PREFIX", help="first topic level (holdfast)")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file")
    p.add_argument("--web-port", type=int, metavar="PORT", help="web page port (8321; 0 = any)")
    p.add_argument("--web-bind", metavar="ADDRESS", help="web page address (127.0.0.1)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    p.set_defaults(func=run)


def parse_broker(text: str) -> tuple[str, int | None]:
    """``host``, ``host:port`` or ``[v6]:port`` -> (host, port or None)."""
    host, port = text, None
    if text.startswith("["):
        end = text.find("]")
        host, rest = text[1:end], text[end + 1 :]
        if rest.startswith(":"):
            port = rest[1:]
    elif text.count(":") == 1:
        host, port = text.split(":")
    if not host:
        raise ConfigError("--broker", f"no host in {text!r}", "HOST or HOST:PORT")
    if port is None:
        return host, None
    try:
        number = int(port)
    except ValueError as exc:
        raise ConfigError("--broker", f"port {port!r} is not a number", "HOST:PORT") from exc
    if not 1 <= number <= 65535:
        raise ConfigError("--broker", f"port {number} is out of range", "1-65535")
    return host, number


def settings_from_args(args: argparse.Namespace) -> HoldfastSettings:
    overrides: dict[str, Any] = {}
    if args.broker:
        host, port = parse_broker(args.broker)
        overrides["broker.host"] = host
        if port is not None:
            overrides["broker.port"] = port
    if args.topic_prefix:
        overrides["mqtt.topic_prefix"] = args.topic_prefix
    if args.web_port is not None:
        overrides["web.port"] = args.web_port
    if args.web_bind:
        overrides["web.bind"] = args.web_bind
    settings = load_settings(args.config or default_config_file(), overrides)
    if settings.broker.host is None:
        broker = settings.broker.model_copy(update={"host": "127.0.0.1"})
        settings = settings.model_copy(update={"broker": broker})
    return settings


def run(args: argparse.Namespace) -> int:
    from service.cmd_serve import setup_logging

    setup_logging(args.verbose)
    settings = settings_from_args(args)
    return asyncio.run(_show(args.kind, settings))


async def _show(kind: str, settings: HoldfastSettings) -> int:
    from service.serve_displays import display_feed, page_config, trend_plot

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    feed = display_feed(settings, kind)
    if kind == "web":
        from service.displays.web import WebDisplay

        w = settings.web
        page = page_config(settings)
        trend = trend_plot(settings)
        async with WebDisplay(feed, page, bind=w.bind, port=w.port, trend=trend) as web:
            print(
                f"holdfast display: web page at {web.url} showing broker {feed.where} "
                "(Ctrl-C stops)",
                flush=True,
            )
            await stop.wait()
        return 0
    from service.displays.terminal import TerminalDisplay

    zones = settings.pipeline.detectors.zones
    async with TerminalDisplay(
        feed,
        sys.stdout,
        neutral_max_deg=zones.neutral_max_deg,
        moderate_max_deg=zones.moderate_max_deg,
    ):
        await stop.wait()
    return 0
