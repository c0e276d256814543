"""Accuracy of the whole chain: the simulated library against its truth, and real data.

    .venv/bin/python benchmarks/accuracy.py [--json] [--context] [--library DIR] [--sisfall DIR]
        [--people] [--heldout] [--sessions N]

Part 1 prints the same table as ``holdfast score recordings/``; with ``--people`` and/or
``--heldout`` the people-like sets are generated (deterministically, into a temporary folder)
and scored too, and the figures of issue 9's "Done when" are printed side by side: library,
tuned-on people set, HELD-OUT set (never tune on it). Part 2 checks the real
SisFall recordings in ``../shared/data/sisfall`` (samples CSVs + truth.json; never copied into
this repository) when that folder is present: one flexion episode in each stoop trial (D16)
whose waist tilt exceeds the flexion threshold, no repeated-flexion alert in the crouch (D15)
and sit (D07, D09) trials, and (stricter) no alert of any kind and no flexion episode in them
nor in the sit-lie-sit trials (D12: lying down and getting up are transitions, not bends),
no flexion episode while walking (D01). The chain auto-calibrates
each file, as it would for a user who straps a sensor on.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from dsp.events import FlexionAlertEvent, FlexionEvent
from dsp.pipeline import PipelineSettings
from sensor.replay import Recording
from sensor.simulator.people import HELDOUT, TUNED_ON, write_people_set
from service.chain import events_from_items, pipeline_for
from service.cmd_score import figures_by_group, score_paths
from service.scoring.figures import format_columns, markdown_columns
from service.scoring.report import format_table, summary
from service.scoring.run import pair_folder

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SISFALL = ROOT.parent / "shared" / "data" / "sisfall"
FALLBACK_SISFALL = Path("/work/shared/data/sisfall")
SET_TITLES = {"library": "library", "people": "people (tuned on)", "heldout": "HELD-OUT"}


def sisfall_checks(folder: Path) -> dict[str, Any]:
    """Run every listed SisFall file through the chain and count what the checks need."""
    meta = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    threshold = PipelineSettings().flexion.threshold_deg
    checks: dict[str, dict[str, Any]] = {
        "stoop_one_episode": {"trials": 0, "passed": 0, "codes": ["D16"]},
        "no_repeated_alert_crouch_sit": {"trials": 0, "passed": 0, "codes": ["D15", "D07", "D09"]},
        "crouch_sit_no_alert_no_bend": {"trials": 0, "passed": 0, "codes": ["D15", "D07", "D09"]},
        "sit_lie_sit_no_alert_no_bend": {"trials": 0, "passed": 0, "codes": ["D12"]},
        "no_episode_walking": {"trials": 0, "passed": 0, "codes": ["D01"]},
    }
    failures: dict[str, list[str]] = {k: [] for k in checks}
    for name, info in sorted(meta["files"].items()):
        code = info["activity_code"]
        if code == "D16" and info.get("observed_peak_tilt_from_first_second_deg", 0) <= threshold:
            continue  # the belt barely tilts in this trial: nothing a waist sensor can see
        keys = [k for k, c in checks.items() if code in c["codes"]]
        path = folder / name
        if not keys or not path.exists():
            continue
        rec = Recording(path)
        events = list(events_from_items(pipeline_for(rec), rec.items()))
        episodes = sum(isinstance(e, FlexionEvent) for e in events)
        alerts = sum(isinstance(e, FlexionAlertEvent) for e in events)
        repeated = sum(isinstance(e, FlexionAlertEvent) and e.reason == "repeated" for e in events)
        passed = {
            "stoop_one_episode": episodes == 1,
            "no_repeated_alert_crouch_sit": repeated == 0,
            "crouch_sit_no_alert_no_bend": alerts == 0 and episodes == 0,
            "sit_lie_sit_no_alert_no_bend": alerts == 0 and episodes == 0,
            "no_episode_walking": episodes == 0,
        }
        for key in keys:
            checks[key]["trials"] += 1
            checks[key]["passed"] += int(passed[key])
            if not passed[key]:
                failures[key].append(name)
    for key, c in checks.items():
        c["rate"] = c["passed"] / c["trials"] if c["trials"] else None
        c["failed"] = failures[key]
    return {"threshold_deg": threshold, "checks": checks}


def _sisfall_text(result: dict[str, Any]) -> str:
    lines = [
        f"SisFall (real data, auto-calibrated; stoops with waist tilt > "
        f"{result['threshold_deg']:g} deg)"
    ]
    for key, c in result["checks"].items():
        rate = "n/a" if c["rate"] is None else f"{100 * c['rate']:.1f}%"
        lines.append(f"  {key:<30} {c['passed']:4d}/{c['trials']:<4d} {rate}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--context", action="store_true", help="tell the chain the exercises")
    parser.add_argument("--library", type=Path, default=ROOT / "recordings")
    parser.add_argument("--sisfall", type=Path, default=None)
    parser.add_argument("--people", action="store_true", help="also the tuned-on people set")
    parser.add_argument(
        "--heldout", action="store_true", help="also the HELD-OUT people set (never tune on it)"
    )
    parser.add_argument("--sessions", type=int, default=None, help="people sessions per set")
    parser.add_argument(
        "--markdown", type=Path, default=None, help="also write the tables as Markdown here"
    )
    args = parser.parse_args(argv)
    if args.sisfall is not None and not (args.sisfall / "truth.json").exists():
        parser.error(f"--sisfall {args.sisfall}: no truth.json there (a SisFall folder has one)")

    pairs = pair_folder(args.library)
    total, per_file = score_paths(pairs, args.context)
    library = summary(total)
    columns = {"library": figures_by_group(total, per_file)}
    people: dict[str, Any] = {}
    for flag, which in ((args.people, TUNED_ON), (args.heldout, HELDOUT)):
        if flag:
            with tempfile.TemporaryDirectory(prefix=f"holdfast-{which.name}-") as tmp:
                write_people_set(Path(tmp), which, args.sessions)
                p_pairs = pair_folder(Path(tmp))
                p_total, p_files = score_paths(p_pairs, args.context)
            people[which.name] = {"files": len(p_pairs), **summary(p_total)}
            columns[which.name] = figures_by_group(p_total, p_files)
    sisfall_dir = args.sisfall or next(
        (p for p in (DEFAULT_SISFALL, FALLBACK_SISFALL) if (p / "truth.json").exists()), None
    )
    sisfall = sisfall_checks(sisfall_dir) if sisfall_dir is not None else None
    if args.json:
        doc = {"library": {"files": len(pairs), **library}, **people, "sisfall": sisfall}
        doc["done_when"] = columns
        print(json.dumps(doc, indent=2))
        return 0
    mode = "context" if args.context else "auto"
    print(format_table(library, title=f"Simulated library: {len(pairs)} file(s), {mode}"))
    print()
    for name, cols in columns.items():
        print(format_columns(cols, f"{SET_TITLES[name]}, by kind of session"))
        print()
    side = {SET_TITLES[n]: c["all"] for n, c in columns.items()}
    if len(columns) > 1:
        print(format_columns(side, f"side by side ({mode})"))
        print()
    if args.markdown is not None:
        parts = [markdown_columns(side, f"figure ({mode})")]
        parts += [markdown_columns(c, SET_TITLES[n]) for n, c in columns.items()]
        if sisfall is not None:
            parts.append("```\n" + _sisfall_text(sisfall) + "\n```")
        args.markdown.write_text("\n\n".join(parts) + "\n", encoding="utf-8")
    if sisfall is None:
        print("SisFall: skipped (no ../shared/data/sisfall/truth.json here)")
    else:
        print(_sisfall_text(sisfall))
    return 0


if __name__ == "__main__":
    sys.exit(main())
