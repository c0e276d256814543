"""Regenerate the simulated recordings library in ``recordings/`` and its README.

    .venv/bin/python benchmarks/make_library.py            # everything
    .venv/bin/python benchmarks/make_library.py --check    # regenerate in a temp dir, compare

Every file is made by exactly the ``holdfast simulate`` command printed in the README table, so
one line can be rerun by hand. Same seed, same bytes (gzip without timestamps).
"""

from __future__ import annotations

import argparse
import filecmp
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service.cli import main as holdfast

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT / "recordings"
BELT = "+y,-z"  # a WitMotion module on a belt: +y to the head, -z to the belly


@dataclass(frozen=True)
class Entry:
    file: str
    script: str
    what: str
    args: tuple[str, ...] = ()


def _m(mounting: str) -> tuple[str, ...]:
    # One argument: argparse would take "-x,+z" for an option otherwise.
    return (f"--mounting={mounting}",)


LIBRARY: tuple[Entry, ...] = (
    # The two names the foundation's replay tests use, now simulated.
    Entry(
        "basic_standing_still.jsonl",
        "stand_still",
        "20 s standing still, mounting declared in the header",
        (*_m(BELT), "--declare-mounting", "--seed", "7"),
    ),
    Entry(
        "basic_forward_bends.jsonl",
        "basic_bends",
        "calibration bend then forward bends to ~60, 75 and 90 deg (one repeated-flexion alert)",
        (*_m(BELT), "--seed", "7"),
    ),
    Entry(
        "demo.jsonl.gz",
        "demo",
        "the `holdfast demo` session: calibration, bends, bridges, a right side plank",
        _m(BELT),
    ),
    Entry(
        "demo_declared.jsonl.gz",
        "demo",
        "demo with the mounting in the header (no auto calibration needed)",
        (*_m("-x,+z"), "--declare-mounting", "--seed", "2"),
    ),
    Entry(
        "demo_microbit.jsonl.gz",
        "demo",
        "demo as a micro:bit (accelerometer only, 6-byte notifications)",
        (*_m("+y,+z"), "--device", "microbit", "--no-gyro", "--seed", "3"),
    ),
    Entry(
        "toe_touch.jsonl.gz", "toe_touch", "10 toe touches (flagged reps, repeated alert)", _m(BELT)
    ),
    Entry(
        "toe_touch_25hz.csv",
        "toe_touch",
        "the same exercise as a samples CSV, 25 Hz, other seed",
        (*_m("-y,+x"), "--device", "csv", "--rate", "25", "--seed", "4"),
    ),
    Entry(
        "forward_bend.jsonl.gz",
        "forward_bend",
        "5 forward bends to ~60 deg, misaligned strap",
        _m("-y,+z@4,-3,6"),
    ),
    Entry(
        "sit_up.jsonl.gz",
        "sit_up",
        "10 sit-ups from supine (flexion from a -90 deg baseline; repeated alert)",
        _m("+x,+z"),
    ),
    Entry(
        "side_plank.jsonl.gz",
        "side_plank",
        "3 side planks per side, 10 s holds with growing tremor, high noise",
        (*_m(BELT), "--noise", "high"),
    ),
    Entry(
        "bridge.jsonl.gz",
        "bridge",
        "10 glute bridges, 2 s at the top, 20 Hz",
        (*_m(BELT), "--rate", "20"),
    ),
    Entry(
        "single_leg_bridge.jsonl.gz",
        "single_leg_bridge",
        "10 single-leg bridges per side",
        _m("-x,-z"),
    ),
    Entry(
        "pelvic_tilt.jsonl.gz",
        "pelvic_tilt",
        "10 pelvic tilts with 3 s holds, 100 Hz, low noise",
        (*_m(BELT), "--rate", "100", "--noise", "low"),
    ),
    Entry(
        "isometric_hip_flexion.jsonl.gz",
        "isometric_hip_flexion",
        "10 isometric hip flexions per side, 3 s holds",
        _m("+z,+x"),
    ),
    Entry(
        "piriformis_stretch.jsonl.gz",
        "piriformis_stretch",
        "5 x 10 s piriformis stretches per side, 20 Hz",
        (*_m(BELT), "--rate", "20"),
    ),
    Entry(
        "dead_bug.jsonl.gz",
        "dead_bug",
        "10 dead bugs, alternating sides, arbitrary mounting rotation",
        _m("rotvec:20,-35,60"),
    ),
    Entry("bird_dog.jsonl.gz", "bird_dog", "10 bird dogs, alternating, 3 s holds", _m(BELT)),
    Entry("fire_hydrant.jsonl.gz", "fire_hydrant", "10 fire hydrants, alternating", _m("-y,-x")),
    Entry(
        "prone_trunk_extension.jsonl.gz",
        "prone_trunk_extension",
        "10 prone trunk extensions",
        _m(BELT),
    ),
    Entry(
        "straight_leg_lift.jsonl.gz",
        "straight_leg_lift",
        "10 prone straight-leg lifts",
        _m(BELT),
    ),
    Entry(
        "demo_metawear.jsonl.gz",
        "demo",
        "demo as a MetaWear MetaMotion S (BMI270; packed triples, acc and gyro packets)",
        (*_m("-z,+y"), "--device", "metawear-bmi270", "--seed", "6"),
    ),
    Entry(
        "bird_dog_thingy52.jsonl.gz",
        "bird_dog",
        "bird dogs as a Nordic Thingy:52 (18-byte raw motion notifications)",
        (*_m("+x,-z"), "--device", "thingy52", "--seed", "8"),
    ),
    Entry(
        "demo_high_noise.jsonl.gz",
        "demo",
        "demo with a poor sensor: high noise, bias, scale error and timing jitter",
        (*_m(BELT), "--noise", "high", "--seed", "5"),
    ),
    Entry("zombie.jsonl.gz", "zombie", "the 60 s 'zombie' hold, prone", _m(BELT)),
    Entry("psoas_stretch.jsonl.gz", "psoas_stretch", "60 s psoas stretch per side", _m(BELT)),
    Entry(
        "l_stretch.jsonl.gz",
        "l_stretch",
        "60 s 'L' stretch: prescribed 90 deg flexion, no alert in truth",
        _m("+x,-y"),
    ),
    Entry(
        "single_leg_balance.jsonl.gz",
        "single_leg_balance",
        "5 x 10 s single-leg balance per side with sway, 100 Hz",
        (*_m(BELT), "--rate", "100"),
    ),
    Entry("monster_walk.jsonl.gz", "monster_walk", "3 laps of 12 monster-walk steps", _m(BELT)),
    Entry("walk.jsonl.gz", "walk", "60 s walking (negative activity)", _m(BELT)),
    Entry(
        "walk_acc_only.csv",
        "walk",
        "60 s walking, accelerometer-only CSV at 50 Hz",
        (*_m("+z,+x"), "--device", "csv", "--no-gyro", "--seed", "5"),
    ),
    Entry("sit.jsonl.gz", "sit", "sitting down and standing up 3 times (negative)", _m(BELT)),
    Entry(
        "lie.jsonl.gz",
        "lie",
        "lying down supine, prone, on each side and getting up (negative)",
        _m(BELT),
    ),
    Entry(
        "stretches.jsonl.gz",
        "stretches",
        "psoas, zombie and L stretches in one session",
        _m("+y,-x"),
    ),
    Entry("beginner.jsonl.gz", "beginner", "beginner routine of seed article 003", _m(BELT)),
    Entry(
        "intermediate.jsonl.gz",
        "intermediate",
        "intermediate routine of seed article 003",
        (*_m(BELT), "--rate", "20"),
    ),
    Entry(
        "advanced.jsonl.gz",
        "advanced",
        "advanced routine of seed article 003",
        (*_m(BELT), "--rate", "20"),
    ),
    Entry(
        "stooping_day.jsonl.gz",
        "stooping_day",
        "walking, repeated stooping, a 35 s stoop "
        "(sustained alert), sitting; with loss bursts and a 6 s disconnect",
        (*_m(BELT), "--link", "loss_bursts_per_min=0.5"),
    ),
)

# Two small scripts only the library uses (written beside the recordings).
EXTRA_SCRIPTS = {
    "stand_still": '[script]\nname = "stand_still"\ncalibration = false\n\n'
    '[[step]]\nactivity = "stand"\nduration_s = 20\n',
    "basic_bends": '[script]\nname = "basic_bends"\n\n'
    '[[step]]\nactivity = "forward_bend"\ncount = 1\ndepth_deg = 60\n\n'
    '[[step]]\nactivity = "forward_bend"\ncount = 1\ndepth_deg = 75\n\n'
    '[[step]]\nactivity = "forward_bend"\ncount = 1\ndepth_deg = 90\n',
}


def _script_arg(entry: Entry, folder: Path) -> str:
    if entry.script in EXTRA_SCRIPTS:
        return f"{folder.name}/scripts/{entry.script}.toml"
    return entry.script


def command(entry: Entry, folder: Path) -> list[str]:
    return [
        "simulate",
        _script_arg(entry, folder),
        "-o",
        f"{folder.name}/{entry.file}",
        *entry.args,
    ]


def generate(folder: Path) -> None:
    (folder / "scripts").mkdir(parents=True, exist_ok=True)
    for name, text in EXTRA_SCRIPTS.items():
        (folder / "scripts" / f"{name}.toml").write_text(text, encoding="utf-8")
    for entry in LIBRARY:
        args = command(entry, folder)
        args[1] = (
            str(folder / "scripts" / f"{entry.script}.toml")
            if entry.script in EXTRA_SCRIPTS
            else entry.script
        )
        args[3] = str(folder / entry.file)
        if holdfast(args) != 0:
            raise SystemExit(f"failed: holdfast {shlex.join(args)}")
    (folder / "README.md").write_text(readme(folder), encoding="utf-8")


def readme(folder: Path) -> str:
    rows = []
    for e in LIBRARY:
        size_kb = (folder / e.file).stat().st_size / 1024
        cmd = shlex.join(["holdfast", *command(e, RECORDINGS)])
        rows.append(f"| `{e.file}` | {e.what} | {size_kb:.0f} KB | `{cmd}` |")
    total_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
    return "\n".join(
        [
            "# Recordings library",
            "",
            "Every file here was made by the simulator (`sensor/simulator`, docs/simulator.md)",
            "and has a `.truth.json` beside it (docs/truth.md). Regenerate all of them with",
            "`.venv/bin/python benchmarks/make_library.py` (same seed, same bytes), or one",
            "with the command in its row, run from the repository root. Score the chain on all of",
            "them with `holdfast score recordings/` (or `.venv/bin/python",
            "benchmarks/accuracy.py`).",
            "",
            "Unless the row says otherwise: WitMotion raw recording (one 20-byte frame per",
            "notification, host arrival times with BLE connection-interval batching), 50 Hz,",
            "typical consumer-MEMS noise, seed 1, mounting `+y,-z` (sensor +y toward the head, -z",
            "toward the belly), not declared in the header, so the chain auto-calibrates from the",
            "standing still period and the first forward bend every script starts with.",
            "",
            "| file | what | size | command |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Total: {total_mb:.1f} MB. `scripts/` holds the two scripts that are not built in.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary folder and compare byte for byte",
    )
    args = parser.parse_args(argv)
    if not args.check:
        generate(RECORDINGS)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "recordings"
        generate(folder)
        names = [e.file for e in LIBRARY]
        names += [
            n.replace(".jsonl.gz", ".truth.json")
            .replace(".jsonl", ".truth.json")
            .replace(".csv", ".truth.json")
            for n in names
        ]
        _, mismatch, errors = filecmp.cmpfiles(RECORDINGS, folder, names, shallow=False)
        for name in mismatch + errors:
            print(f"differs: {name}")
        return 1 if mismatch or errors else 0


if __name__ == "__main__":
    sys.exit(main())
