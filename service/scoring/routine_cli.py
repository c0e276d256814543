"""Printing ``holdfast score --routine``: the usual table, then the routine's own figures."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from service.scoring.metrics import Score
from service.scoring.report import format_table, summary
from service.scoring.routine_mode import RoutineScore, format_routine, score_routine


def run_routine_pairs(args: argparse.Namespace, pairs: list[tuple[Path, Path]]) -> int:
    total, routine_total = Score(), RoutineScore()
    per_file: dict[str, RoutineScore] = {}
    for rec, truth in pairs:
        s, r = score_routine(rec, truth, args.routine)
        total.add(s)
        routine_total.add(r)
        per_file[rec.name] = r
    title = f"holdfast score --routine {args.routine}: {len(pairs)} file(s)"
    if args.json:
        doc = {"files": len(pairs), "routine": args.routine, **summary(total)}
        doc["routine_figures"] = asdict(routine_total)
        print(json.dumps(doc, indent=2))
        return 0
    print(format_table(summary(total), title=title))
    print()
    print(format_routine(routine_total, f"routine {args.routine}"))
    return 0
