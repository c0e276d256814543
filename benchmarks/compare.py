"""The chain's speed in two checkouts, measured alternately in the same run.

    .venv/bin/python benchmarks/compare.py /path/to/other/checkout [--rounds 3] [--minutes 10]

Each round runs the same measurement once in the other checkout and once in this one (each
in its own process, with that checkout first on ``sys.path``); the best of the rounds counts.
Prints each figure for both and the ratio, which is what survives a noisy machine. The other
checkout needs ``service/bench`` (any commit since ``holdfast bench`` landed); to measure a
change to a few files, copy this checkout and put the old files back in the copy.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

_PROBE = """
import json, sys, time
from service.bench import chain, session
seconds = float(sys.argv[1])
out = {
    "chain_samples_per_s": chain.chain_rate(seconds, 1),
    "chain_no_angles_samples_per_s": chain.chain_rate(seconds, 1, angles=False),
    "chain_us_per_call_5": chain.per_call_us(5, min(seconds, 60.0), 1),
    "imufusion_samples_per_s": chain.imufusion_rate(seconds, 1) or float("nan"),
}
batches = session.batches(seconds, 10**9)
start = time.perf_counter(); chain.run_chain(batches); one = time.perf_counter() - start
out["one_call_samples_per_s"] = len(batches[0]) / one
print(json.dumps(out))
"""

_BETTER_LOWER = {"chain_us_per_call_5"}


def measure(tree: Path, seconds: float) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(seconds)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", type=Path, help="the checkout to compare with (before)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=10.0)
    args = parser.parse_args()
    best: dict[str, dict[str, float]] = {"before": {}, "after": {}}
    for _ in range(args.rounds):
        for name, tree in (("before", args.other.resolve()), ("after", HERE)):
            for key, value in measure(tree, args.minutes * 60).items():
                keep = min if key in _BETTER_LOWER else max
                best[name][key] = keep(best[name].get(key, value), value)
    print(f"{'figure':32} {'before':>12} {'after':>12} {'after/before':>12}")
    for key, before in best["before"].items():
        after = best["after"][key]
        print(f"{key:32} {before:>12,.1f} {after:>12,.1f} {after / before:>12.2f}")


if __name__ == "__main__":
    main()
