"""Command-line flags for routines (``replay``, ``routine``, ``score``) and their meaning."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from dsp.detectors.exercises import check_exercise
from dsp.events import Event
from dsp.pipeline import Pipeline
from dsp.routines import RoutineSettings, builtin_names, load
from dsp.routines.runner import Context
from dsp.routines.settings import Progression
from sensor.replay import Recording
from service.routine_replay import routine_events

PROGRESSIONS: tuple[Progression, ...] = ("next_routine", "more_sets", "more_reps", "off")


def pain_score(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number 0-10, got {text!r}") from None
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"expected 0-10, got {value}")
    return value


def add_routine_args(p: argparse.ArgumentParser, *, required: bool = False) -> None:
    names = ", ".join(builtin_names())
    if required:
        p.add_argument("routine", metavar="ROUTINE", help=f"{names}, or a routine TOML file")
    else:
        p.add_argument(
            "--routine",
            metavar="NAME|FILE",
            help=f"run a guided routine as the chain's context: {names}, or a TOML file "
            "(docs/routines.md)",
        )
    p.add_argument("--pain-before", type=pain_score, metavar="0-10", help="pain before starting")
    p.add_argument(
        "--progression",
        choices=PROGRESSIONS,
        help="what a well-done routine proposes next (default next_routine)",
    )


def settings_from_args(args: argparse.Namespace, base: RoutineSettings) -> RoutineSettings:
    if getattr(args, "progression", None) is None:
        return base
    return base.model_copy(update={"progression": args.progression})


def replay_with_routine(
    recording: Recording, pipeline: Pipeline, args: argparse.Namespace
) -> Iterator[Event]:
    spec = load(args.routine)
    after = Context(check_exercise(getattr(args, "exercise", None)))
    settings = settings_from_args(args, RoutineSettings())
    yield from routine_events(
        recording, pipeline, spec, settings, pain_before=args.pain_before, after=after
    )
