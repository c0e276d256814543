"""``holdfast routine NAME --sensor ...``: a guided routine, live (or on a replay or the
simulator), published over MQTT like ``serve`` and told step by step on the terminal.

The routine starts with the first sensor; ``next``, ``skip``, ``pain`` and ``stop_routine``
arrive over MQTT (docs/routines.md). The command ends when the routine has ended (or on
Ctrl-C, or when the sources end).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path
from typing import Any

from dsp.events import Event
from dsp.routines import load
from service.routine_args import add_routine_args
from service.routine_args import settings_from_args as routine_settings

_SHOWN = ("rep", "hold_ended", "posture", "calibrated", "flexion_alert", "sensor_status")


def register(sub: Any) -> None:
    from service.cmd_replay import add_exercise_arg, add_mounting_args
    from service.cmd_serve import add_settings_args, add_source_args

    p: argparse.ArgumentParser = sub.add_parser(
        "routine",
        help="run a guided routine (beginner, intermediate, ...) live, published over MQTT",
        description="Run a guided routine: the chain is told each exercise, counts toward "
        "the targets, times the rests and ends with a summary and what to do next time "
        "(docs/routines.md). Sources and broker as for serve; next/skip/pain over MQTT.",
    )
    add_routine_args(p, required=True)
    add_source_args(p)
    add_mounting_args(p)
    add_exercise_arg(p)
    p.add_argument("--duration", type=float, metavar="S", help="stop after S seconds anyway")
    p.add_argument("--quiet", action="store_true", help="print nothing while it runs")
    add_settings_args(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from service.cmd_serve import serve, settings_from_args, setup_logging, specs_from_args
    from service.formatting import event_text

    setup_logging(args.verbose)
    spec = load(args.routine)  # a bad routine is one line, before anything starts
    settings = settings_from_args(args)
    settings = settings.model_copy(update={"routine": routine_settings(args, settings.routine)})
    exercise = None if args.exercise == "auto" else args.exercise
    apps: list[Any] = []

    def show(event: Event) -> None:
        if event.type == "routine_ended" and apps:
            apps[0].stop()  # the routine is over: so is this command
        if not args.quiet and (event.type.startswith("routine_") or event.type in _SHOWN):
            print(event_text(event), file=sys.stdout, flush=True)

    with tempfile.TemporaryDirectory(prefix="holdfast-routine-") as workdir:
        specs = specs_from_args(args, Path(workdir))
        return asyncio.run(
            serve(
                settings,
                specs,
                sinks=[show],
                flush_timeout_s=args.flush_timeout,
                duration_s=args.duration,
                on_started=apps.append,
                exercise=exercise,
                routine=spec,
                pain_before=args.pain_before,
            )
        )
