"""``holdfast serve``: run sources through the chain and publish every event over MQTT."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from dsp.routines import RoutineSpec
from firmware_protocol.errors import ConfigError
from service.app import App, EventSink, SourceSpec
from service.cmd_replay import add_exercise_arg, add_mounting_args, mounting_from_args
from service.config import HoldfastSettings, default_config_file, load_settings
from service.serve_displays import Display, Endpoints, ServeNotes, own_broker, start_web
from service.sources import ble_sensors, simulated

# flag dest -> dotted setting; only flags the user gave become overrides (flags win).
_FLAG_SETTINGS: dict[str, str] = {
    "broker_host": "broker.host",
    "broker_port": "broker.port",
    "transport": "broker.transport",
    "tls_ca": "broker.tls.ca_file",
    "tls_cert": "broker.tls.cert_file",
    "tls_key": "broker.tls.key_file",
    "username": "broker.username",
    "client_id": "broker.client_id",
    "topic_prefix": "mqtt.topic_prefix",
    "gateway_id": "gateway_id",
    "qos": "mqtt.event_qos",
    "journal_dir": "journal.directory",
    "embedded_port": "embedded.tcp_port",
    "embedded_ws_port": "embedded.ws_port",
    "web_bind": "web.bind",
    "web_port": "web.port",
}


_NOT_ON_THE_COMMAND_LINE = frozenset({"broker.password"})
"""Secrets: docs/config.md promises there is no flag for them, --set included."""


def add_settings_args(p: argparse.ArgumentParser) -> None:
    """Flags shared by ``serve`` and ``demo``; none of them carries a default of its own."""
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML settings file (default: $HOLDFAST_CONFIG, else "
        "~/.config/holdfast/config.toml if present)",
    )
    g = p.add_argument_group("broker (the password: TOML or HOLDFAST_BROKER__PASSWORD only)")
    g.add_argument(
        "--broker-host",
        metavar="HOST",
        help="MQTT broker; unset = start an embedded broker on localhost",
    )
    g.add_argument("--broker-port", type=int, metavar="PORT")
    g.add_argument("--transport", choices=("tcp", "websockets"))
    g.add_argument("--tls-ca", type=Path, metavar="PEM", help="CA to trust (turns TLS on)")
    g.add_argument("--tls-cert", type=Path, metavar="PEM", help="client certificate")
    g.add_argument("--tls-key", type=Path, metavar="PEM", help="client key")
    g.add_argument("--username")
    g.add_argument("--client-id")
    g.add_argument(
        "--embedded-port",
        type=int,
        metavar="PORT",
        help="embedded broker TCP port (0 = any free port; default 1883)",
    )
    g.add_argument(
        "--embedded-ws-port",
        type=int,
        metavar="PORT",
        help="embedded broker WebSocket port (default 9001)",
    )
    m = p.add_argument_group("topics")
    m.add_argument("--topic-prefix", metavar="PREFIX", help="first topic level (holdfast)")
    m.add_argument(
        "--gateway-id",
        metavar="NAME",
        help="this gateway's name when several share a broker: topics become "
        "<prefix>/<NAME>/<sensor>/... (docs/deployment.md)",
    )
    m.add_argument("--qos", type=int, help="QoS of event messages (1)")
    m.add_argument(
        "--no-discovery",
        action="store_true",
        help="no Home Assistant discovery (removes announced entities)",
    )
    w = p.add_argument_group("web display")
    w.add_argument("--web-port", type=int, metavar="PORT", help="HTTP port (8321; 0 = any free)")
    w.add_argument(
        "--web-bind",
        metavar="ADDRESS",
        help="listen address (127.0.0.1: this machine only; 0.0.0.0: your whole network)",
    )
    w.add_argument("--no-web", action="store_true", help="no web display")
    p.add_argument(
        "--journal-dir", type=Path, metavar="DIR", help="where undelivered events wait on disk"
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any setting by its dotted name, e.g. pipeline.angle_rate_hz=5 "
        "(VALUE is JSON where it parses, else a string); see docs/config.md",
    )
    p.add_argument(
        "--flush-timeout",
        type=float,
        default=10.0,
        metavar="S",
        help="on stop, how long to try to deliver queued events (10)",
    )
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")


def settings_from_args(args: argparse.Namespace) -> HoldfastSettings:
    overrides: dict[str, Any] = {}
    for item in args.set:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError("--set", f"expected KEY=VALUE, got {item!r}")
        if key.strip() in _NOT_ON_THE_COMMAND_LINE:
            raise ConfigError(
                f"--set {key.strip()}",
                "is not taken from the command line (it would show in ps and shell history)",
                "the TOML file or HOLDFAST_BROKER__PASSWORD",
            )
        try:
            overrides[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            overrides[key.strip()] = raw
    for dest, key in _FLAG_SETTINGS.items():
        value = getattr(args, dest, None)
        if value is not None:
            overrides[key] = str(value) if isinstance(value, Path) else value
    if getattr(args, "no_discovery", False):
        overrides["mqtt.discovery"] = False
    if getattr(args, "record_history", False):
        overrides["history.record"] = True
    if getattr(args, "no_web", False):
        overrides["web.enabled"] = False
    return load_settings(args.config or default_config_file(), overrides)


QUIET_LIBRARIES = ("amqtt", "transitions")
"""Loggers of the embedded broker (amqtt and its state-machine library)."""


def setup_logging(verbose: int) -> None:
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if verbose < 3:
        # paho logs a lost connection as an ERROR; the publisher already reports it (with
        # what is queued) as a warning and reconnects, so paho's own lines are only noise.
        logging.getLogger("holdfast.mqtt.paho").setLevel(logging.CRITICAL)
    # The embedded broker's own bookkeeping (amqtt's "PUBACK waiter ... already done" and
    # the like) is not the user's business: its warnings show from -v, its chatter from -vvv.
    broker_level = (
        logging.ERROR if verbose == 0 else logging.WARNING if verbose < 3 else logging.DEBUG
    )
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(broker_level)


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve",
        help="publish every event of one or more sources over MQTT",
        description="Run sources through the chain and publish every event over MQTT "
        "(topics: docs/mqtt.md; settings: docs/config.md). Without a broker host an "
        "embedded broker is started on localhost. Stops on SIGINT/SIGTERM or when every "
        "source has ended.",
    )
    add_source_args(p)
    add_mounting_args(p)
    add_exercise_arg(p)
    p.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="stop gracefully after S seconds even if the sources go on",
    )
    p.add_argument(
        "--history",
        dest="record_history",
        action="store_true",
        help="also run the history recorder on the same broker (history.record; "
        "holdfast history shows what it stored)",
    )
    add_settings_args(p)
    p.set_defaults(func=run)


def add_source_args(p: argparse.ArgumentParser) -> None:
    """--replay, --simulate, --sensor and what goes with them (serve, routine)."""
    src = p.add_argument_group("sources (any mix, at least one)")
    src.add_argument(
        "--replay",
        action="append",
        default=[],
        type=Path,
        metavar="RECORDING",
        help="replay a recording in real time (repeat for several sensors)",
    )
    src.add_argument(
        "--simulate",
        action="append",
        default=[],
        metavar="SCRIPT",
        help="run the simulator on a session script: a built-in name (demo, bridge, ...) "
        "or a TOML file",
    )
    src.add_argument(
        "--sensor",
        action="append",
        default=[],
        metavar="ADDRESS|auto",
        help="a BLE sensor (repeat for several)",
    )
    src.add_argument(
        "--sensor-id",
        action="append",
        default=[],
        metavar="NAME",
        help="sensor id of each --sensor, in order (default: back for a single sensor)",
    )
    src.add_argument("--model", help="BLE device model when the advertised name is unknown")
    src.add_argument("--rate", type=float, metavar="HZ", help="BLE output rate (per model)")
    src.add_argument("--speed", type=float, default=1.0, help="replay/simulation speed factor (1)")
    src.add_argument("--seed", type=int, default=1, help="simulation seed (1)")


def specs_from_args(args: argparse.Namespace, workdir: Path) -> list[SourceSpec]:
    """Every source the flags name; simulated sessions are rendered into ``workdir``."""
    if args.speed <= 0:
        raise ConfigError("--speed", "must be > 0")
    mounting = mounting_from_args(args)
    specs = [SourceSpec.replay(path, speed=args.speed) for path in args.replay]
    specs += [simulated(s, workdir, speed=args.speed, seed=args.seed) for s in args.simulate]
    if mounting is not None:
        specs = [SourceSpec(s.source, s.session_id, mounting) for s in specs]
    specs += ble_sensors(
        args.sensor, args.sensor_id, model=args.model, rate_hz=args.rate, mounting=mounting
    )
    if not specs:
        raise ConfigError(
            "sources", "nothing to serve", "--replay RECORDING, --simulate SCRIPT, --sensor ADDRESS"
        )
    return specs


def run(args: argparse.Namespace) -> int:
    setup_logging(args.verbose)
    settings = settings_from_args(args)
    exercise = None if args.exercise == "auto" else args.exercise
    out = sys.stdout

    def announce(where: Endpoints) -> None:
        broker = f"embedded broker {where.mqtt}" if where.embedded else f"broker {where.mqtt}"
        out.write(f"holdfast serve: publishing on {broker} under {settings.mqtt.topic_prefix}/\n")
        if where.web_url:
            out.write(f"holdfast serve: web display at {where.web_url}\n")
        out.flush()

    with tempfile.TemporaryDirectory(prefix="holdfast-serve-") as workdir:
        specs = specs_from_args(args, Path(workdir))
        return asyncio.run(
            serve(
                settings,
                specs,
                sinks=[ServeNotes(out)],
                flush_timeout_s=args.flush_timeout,
                duration_s=args.duration,
                exercise=exercise,
                announce=announce,
            )
        )


async def serve(
    settings: HoldfastSettings,
    specs: Sequence[SourceSpec],
    *,
    sinks: Sequence[EventSink] = (),
    flush_timeout_s: float = 10.0,
    duration_s: float | None = None,
    on_started: Callable[[App], None] | None = None,
    exercise: str | None = None,
    displays: Sequence[Callable[[HoldfastSettings], Display]] = (),
    routine: RoutineSpec | None = None,
    pain_before: int | None = None,
    announce: Callable[[Endpoints], None] | None = None,
) -> int:
    """Run the app with SIGINT/SIGTERM as graceful stop; 0 when every event was delivered
    (else :class:`UndeliveredError`: how many wait in the journal, and where).

    ``duration_s``: stop gracefully after this many seconds even if the sources go on.
    ``on_started``: called with the app before it runs (e.g. to stop it from a sink).
    ``announce``: called with where it publishes (broker, web page) before the sources start.
    ``displays``: makers of MQTT subscribers run beside the app, called with settings that
    point at the broker (the web display is added per ``settings.web``); each gets the
    broker's last messages before the broker stops.
    """
    async with contextlib.AsyncExitStack() as stack:
        settings, embedded = await own_broker(settings, stack)
        app = App(
            settings,
            specs,
            sinks=sinks,
            flush_timeout_s=flush_timeout_s,
            exercise=exercise,
            routine=routine,
            pain_before=pain_before,
        )
        web = await start_web(settings, stack)
        running = [make(settings) for make in displays]
        if settings.history.record:
            from service.cmd_history import InProcessRecorder

            running.append(InProcessRecorder(settings))
        for display in running:
            await stack.enter_async_context(display)
        if on_started is not None:
            on_started(app)
        if announce is not None:
            b = settings.broker
            announce(
                Endpoints(
                    b.host or "127.0.0.1",
                    b.port,
                    embedded is not None,
                    embedded.ws_port if embedded is not None else None,
                    web.url if web is not None else None,
                )
            )
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, app.stop)
        timer = loop.call_later(duration_s, app.stop) if duration_s is not None else None
        try:
            await app.run()
        finally:
            if timer is not None:
                timer.cancel()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        for display in running:
            await display.finish()
    undelivered = app.undelivered()
    if undelivered is not None:
        raise undelivered  # not a clean end: say how many and where they wait (exit 2)
    return 0
