"""``holdfast demo``: a simulated mixed session through the whole chain, live, no setup.

The simulator's built-in ``demo`` script (forward bends, bridges, a side plank) is rendered
as a raw WitMotion recording in a temporary directory, replayed in real time (``--speed``
times faster) through the decoder and the pipeline, published on an embedded MQTT broker (or
the configured one) and shown in the terminal. It ends by itself and exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_protocol.errors import ConfigError
from sensor.simulator.script import builtin_script
from service.cmd_serve import add_settings_args, serve, settings_from_args, setup_logging
from service.config import HoldfastSettings
from service.mqtt.broker_embedded import port_free
from service.mqtt.topics import gateway_prefix
from service.serve_displays import Endpoints, display_feed
from service.sources import simulated

if TYPE_CHECKING:
    from service.displays.terminal import TerminalDisplay

DEFAULT_SPEED = 3.0
"""The demo session is about 100 s long: at 3x it takes about half a minute."""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="a simulated session, live in the terminal and over MQTT (start here)",
        description="Simulate a mixed session (forward bends, bridges, a side plank), run it "
        "through the whole chain, publish it on an embedded MQTT broker and show it live. "
        "Needs no sensor and no broker; ends by itself.",
    )
    p.add_argument(
        "--speed",
        type=float,
        default=DEFAULT_SPEED,
        help=f"how many times faster than real time ({DEFAULT_SPEED:g})",
    )
    p.add_argument(
        "--duration",
        type=float,
        metavar="S",
        help="stop after S seconds of wall time even if the session goes on",
    )
    p.add_argument("--seed", type=int, default=1, help="simulation seed (1)")
    add_settings_args(p)
    p.set_defaults(func=run)


def _demo_settings(args: argparse.Namespace, workdir: Path) -> HoldfastSettings:
    """The user's settings, but the demo never touches the real journal, and a busy default
    port (another broker already running) falls back to a free one instead of failing."""
    settings = settings_from_args(args)
    e = settings.embedded
    embedded = e.model_copy(
        update={
            "tcp_port": e.tcp_port if port_free(e.bind, e.tcp_port) else 0,
            "ws_port": e.ws_port if port_free(e.bind, e.ws_port) else 0,
        }
    )
    journal = settings.journal.model_copy(update={"directory": workdir / "journal"})
    return settings.model_copy(update={"embedded": embedded, "journal": journal})


def run(args: argparse.Namespace) -> int:
    setup_logging(args.verbose)
    if args.speed <= 0:
        raise ConfigError("--speed", "must be > 0")
    out = sys.stdout
    shown: list[TerminalDisplay] = []

    def terminal(broker_settings: HoldfastSettings) -> TerminalDisplay:
        # An MQTT subscriber like any other, made once the broker's address is known.
        from service.displays.terminal import TerminalDisplay

        zones = broker_settings.pipeline.detectors.zones
        shown.append(
            TerminalDisplay(
                display_feed(broker_settings, "terminal"),
                out,
                neutral_max_deg=zones.neutral_max_deg,
                moderate_max_deg=zones.moderate_max_deg,
            )
        )
        return shown[-1]

    with tempfile.TemporaryDirectory(prefix="holdfast-demo-") as tmp:
        workdir = Path(tmp)
        settings = _demo_settings(args, workdir)
        spec = simulated("demo", workdir, speed=args.speed, seed=args.seed)
        description = builtin_script("demo").description

        def announce(where: Endpoints) -> None:
            ws = f" and ws://{where.host}:{where.ws_port}" if where.ws_port else ""
            kind = "embedded broker" if where.embedded else "broker"
            prefix = gateway_prefix(settings.mqtt.topic_prefix, settings.gateway_id)
            web = f"  web display: {where.web_url}\n" if where.web_url else ""
            out.write(
                f"holdfast demo: {description}\n"
                f"  {args.speed:g}x real time; publishing on {kind} {where.mqtt}{ws}\n"
                f"{web}"
                f"  watch it: mosquitto_sub -h {where.host} -p {where.port} -t '{prefix}/#' -v\n\n"
            )
            out.flush()

        code = asyncio.run(
            serve(
                settings, [spec], duration_s=args.duration, announce=announce, displays=[terminal]
            )
        )
    lines = sum(d.lines for d in shown)
    out.write(f"\nholdfast demo: done ({lines} events shown).\n")
    return code
