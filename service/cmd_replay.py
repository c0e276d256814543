"""``holdfast replay PATH``: run a recording through the chain and print the events."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import Any

from dsp.detectors.exercises import EXERCISES
from dsp.events import Event
from dsp.mounting import AXES
from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.errors import ConfigError
from sensor.replay import Recording, ReplaySource
from sensor.source import SourceItem
from service.chain import apply_item, events_from_items, last_time, pipeline_for
from service.formatting import event_json, people_line
from service.mounting_check import MountingCheck
from service.progress import ProgressBar, progress
from service.routine_args import add_routine_args, replay_with_routine


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "replay",
        help="replay a recording (raw .jsonl[.gz] or samples .csv) through the chain",
        description="Replay a recording through exactly the chain a live sensor uses and print "
        "every event. --format jsonl is the stable machine-readable contract.",
    )
    p.add_argument("path", help="raw recording (.jsonl, .jsonl.gz) or samples CSV (.csv)")
    p.add_argument(
        "--format",
        choices=("text", "jsonl"),
        default="text",
        help="text: what happened, in sentences (default); jsonl: every event as JSON",
    )
    p.add_argument(
        "--no-angles", action="store_true", help="leave out the 10 Hz angle events (jsonl)"
    )
    p.add_argument(
        "--angles", action="store_true", help="text: also print the angles (10 lines a second)"
    )
    add_mounting_args(p)
    p.add_argument("--realtime", action="store_true", help="pace like a live sensor")
    p.add_argument(
        "--skip-bad",
        action="store_true",
        help="skip bad lines (counted and reported) instead of stopping",
    )
    p.add_argument("--sensor", help="sensor id to put on events (default: from the recording)")
    add_exercise_arg(p)
    add_routine_args(p)
    p.set_defaults(func=run)


def add_exercise_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--exercise",
        default="auto",
        metavar="NAME",
        help="what the person is doing (default auto: recognised from the movement); one of "
        + ", ".join(EXERCISES),
    )


def add_mounting_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--up", choices=AXES, help="sensor axis pointing toward the head")
    p.add_argument("--forward", choices=AXES, help="sensor axis pointing toward the belly")


def mounting_from_args(args: argparse.Namespace) -> tuple[str, str] | None:
    if (args.up is None) != (args.forward is None):
        raise ConfigError("--up/--forward", "give both or neither", list(AXES))
    return (args.up, args.forward) if args.up is not None else None


def run(args: argparse.Namespace) -> int:
    recording = Recording(args.path, sensor=args.sensor, skip_bad=args.skip_bad)
    text = args.format == "text"
    angles = args.angles if text else not args.no_angles
    settings = PipelineSettings(emit_angles=angles)
    mounting = mounting_from_args(args) or header_mounting(recording)
    pipeline = pipeline_for(recording, settings, mounting)
    pipeline.set_exercise(args.exercise)
    check = MountingCheck(mounting)
    fmt: Callable[[Event], str | None] = partial(people_line, angles=angles) if text else event_json
    out = sys.stdout
    if args.routine is not None:
        if args.realtime:
            raise ConfigError("--routine", "not with --realtime (use holdfast routine --replay)")
        for event in replay_with_routine(recording, pipeline, args):
            line = fmt(event)
            if line is not None:
                out.write(line + "\n")
    elif args.realtime:
        asyncio.run(_realtime(recording, pipeline, fmt))
    else:
        # A bar on stderr only while the events go elsewhere (a file, a pipe): on the same
        # terminal it would tear the lines it shares the screen with.
        shown = sys.stderr.isatty() and not out.isatty()
        with progress(f"replaying {Path(args.path).name}", enabled=shown) as bar:
            items = tracked(recording.items(), bar, check)
            for event in events_from_items(pipeline, items):
                line = fmt(event)
                if line is not None:
                    out.write(line + "\n")
    if recording.skipped:
        print(f"holdfast: skipped {recording.skipped} bad line(s) in {args.path}", file=sys.stderr)
    return 0


def header_mounting(recording: Recording) -> tuple[str, str] | None:
    m = recording.info.mounting
    return (m.up, m.forward) if m is not None else None


def tracked(
    items: Iterable[SourceItem], bar: ProgressBar, check: MountingCheck
) -> Iterator[SourceItem]:
    """``items``, telling ``bar`` how far into the session each one is and ``check`` what
    the first still second looked like."""
    for item in items:
        t = last_time(item)
        bar.update(t, f"{t:.0f} s of the session")
        warning = check.feed(item)
        if warning is not None:
            print(f"holdfast: warning: {warning}", file=sys.stderr, flush=True)
        yield item


async def _realtime(
    recording: Recording, pipeline: Pipeline, fmt: Callable[[Event], str | None]
) -> None:
    def show(event: Event) -> None:
        line = fmt(event)
        if line is not None:
            print(line, flush=True)

    t_end = 0.0
    async for item in ReplaySource(recording, realtime=True):
        t_end = last_time(item)
        for event in apply_item(pipeline, item):
            show(event)
    for event in pipeline.finish(t_end):
        show(event)
