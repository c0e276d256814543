"""``holdfast score RECORDING TRUTH`` or ``holdfast score FOLDER``: the chain against truth.

``--people`` and ``--heldout`` generate the people-like scenario sets (docs/accuracy.md) and
score them; the held-out set's seeds are never to be tuned on.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError
from service.scoring.figures import done_when, format_columns
from service.scoring.groups import GROUPS
from service.scoring.metrics import Score
from service.scoring.report import format_table, summary
from service.scoring.run import pair_folder, score_pair


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "score",
        help="score the chain's events against simulator truth (one file or a folder)",
        description="Run recordings through the same chain as `holdfast replay` and compare "
        "the events with their .truth.json: sets (count, exercise name, side, boundaries), "
        "naming per exercise, holds, flexion episodes, alerts, angle error, false events in "
        "negative activities; split by kind of session (with or without the stand-and-bend "
        "ritual, starting lying down).",
    )
    p.add_argument(
        "path",
        type=Path,
        nargs="?",
        help="a recording, or a folder of recordings with truth (not with --people/--heldout)",
    )
    p.add_argument("truth", type=Path, nargs="?", help="truth file (default: beside the recording)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--context",
        action="store_true",
        help="tell the chain each exercise as it starts (else: auto)",
    )
    p.add_argument("--per-file", action="store_true", help="also score each file on its own")
    p.add_argument(
        "--routine",
        metavar="NAME|FILE",
        help="replay with this guided routine as the chain's context and say whether every "
        "set is named and every hold timed (docs/routines.md)",
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--people",
        action="store_true",
        help="generate and score the tuned-on set of people-like sessions (fixed seeds)",
    )
    which.add_argument(
        "--heldout",
        action="store_true",
        help="generate and score the HELD-OUT set of people-like sessions (never tune on it)",
    )
    p.add_argument(
        "--sessions", type=int, default=None, help="with --people/--heldout: how many sessions"
    )
    p.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="with --people/--heldout: write the generated sessions into this folder",
    )
    p.set_defaults(func=run)


def score_paths(pairs: list[tuple[Path, Path]], context: bool) -> tuple[Score, dict[str, Score]]:
    from service.progress import progress

    total = Score()
    per_file: dict[str, Score] = {}
    with progress("scoring", total=len(pairs)) as bar:
        for done, (rec, truth) in enumerate(pairs):
            bar.update(done, rec.name)
            s = score_pair(rec, truth, context=context)
            per_file[rec.name] = s
            total.add(s)
    return total, per_file


def group_scores(per_file: dict[str, Score]) -> dict[str, Score]:
    """The files' scores summed per kind of session (groups with no file are left out)."""
    out: dict[str, Score] = {}
    for s in per_file.values():
        for g in s.groups:
            out.setdefault(g, Score()).add(s)
    return {g: out[g] for g in GROUPS if g in out}


def figures_by_group(total: Score, per_file: dict[str, Score]) -> dict[str, dict[str, Any]]:
    """``done_when`` figures for all files and for each kind of session."""
    cols = {"all": done_when(summary(total))}
    cols.update({g: done_when(summary(s)) for g, s in group_scores(per_file).items()})
    return cols


def generated_pairs(args: argparse.Namespace, folder: Path) -> list[tuple[Path, Path]]:
    from sensor.simulator.people import HELDOUT, TUNED_ON, write_people_set

    which = HELDOUT if args.heldout else TUNED_ON
    write_people_set(folder, which, args.sessions)
    return pair_folder(folder)


def run(args: argparse.Namespace) -> int:
    generated = args.people or args.heldout
    if generated:
        if args.path is not None:
            raise ConfigError("score", "give no PATH with --people/--heldout")
        if args.keep is not None:
            args.keep.mkdir(parents=True, exist_ok=True)
            return _run_pairs(args, generated_pairs(args, args.keep))
        with tempfile.TemporaryDirectory(prefix="holdfast-people-") as tmp:
            return _run_pairs(args, generated_pairs(args, Path(tmp)))
    path: Path | None = args.path
    if path is None:
        raise ConfigError("score", "give a recording or a folder (or --people / --heldout)")
    if path.is_dir():
        if args.truth is not None:
            raise ConfigError("score", "give a TRUTH file only with a single recording")
        pairs = pair_folder(path)
    else:
        from service.scoring.run import truth_for

        pairs = [(path, args.truth or truth_for(path))]
    return _run_pairs(args, pairs)


def _run_pairs(args: argparse.Namespace, pairs: list[tuple[Path, Path]]) -> int:
    if getattr(args, "routine", None) is not None:
        from service.scoring.routine_cli import run_routine_pairs

        return run_routine_pairs(args, pairs)
    total, per_file = score_paths(pairs, args.context)
    cols = figures_by_group(total, per_file)
    if args.json:
        doc: dict[str, Any] = {"files": len(pairs), "context": args.context, **summary(total)}
        doc["by_group"] = {g: summary(s) for g, s in group_scores(per_file).items()}
        doc["done_when"] = cols
        if args.per_file:
            doc["per_file"] = {k: summary(v) for k, v in per_file.items()}
        print(json.dumps(doc, indent=2))
        return 0
    if args.per_file:
        for name, s in per_file.items():
            print(format_table(summary(s), title=name) + "\n")
    mode = "context" if args.context else "auto"
    print(format_table(summary(total), title=f"holdfast score: {len(pairs)} file(s), {mode}"))
    print()
    print(format_columns(cols, "by kind of session"))
    return 0
