"""``holdfast score RECORDING TRUTH`` or ``holdfast score FOLDER``: the chain against truth."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError
from service.scoring.metrics import Score
from service.scoring.report import format_table, summary
from service.scoring.run import pair_folder, score_pair


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "score",
        help="score the chain's events against simulator truth (one file or a folder)",
        description="Run recordings through the same chain as `holdfast replay` and compare "
        "the events with their .truth.json: reps, holds, flexion episodes, alerts, angle "
        "error, false events in negative activities.",
    )
    p.add_argument("path", type=Path, help="a recording, or a folder of recordings with truth")
    p.add_argument("truth", type=Path, nargs="?", help="truth file (default: beside the recording)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--context",
        action="store_true",
        help="tell the chain each exercise as it starts (else: auto)",
    )
    p.add_argument("--per-file", action="store_true", help="also score each file on its own")
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


def run(args: argparse.Namespace) -> int:
    path: Path = args.path
    if path.is_dir():
        if args.truth is not None:
            raise ConfigError("score", "give a TRUTH file only with a single recording")
        pairs = pair_folder(path)
    else:
        from service.scoring.run import truth_for

        pairs = [(path, args.truth or truth_for(path))]
    total, per_file = score_paths(pairs, args.context)
    if args.json:
        doc: dict[str, Any] = {"files": len(pairs), "context": args.context, **summary(total)}
        if args.per_file:
            doc["per_file"] = {k: summary(v) for k, v in per_file.items()}
        print(json.dumps(doc, indent=2))
        return 0
    if args.per_file:
        for name, s in per_file.items():
            print(format_table(summary(s), title=name) + "\n")
    mode = "context" if args.context else "auto"
    print(format_table(summary(total), title=f"holdfast score: {len(pairs)} file(s), {mode}"))
    return 0
