"""``holdfast bench``: speed, latency and memory beside their targets (see service.bench)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    from service.bench.run import add_arguments

    p: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="measure speed, latency and memory beside their targets (table or --json)",
        description="Measure the chain against a per-sample imufusion loop, a whole replay "
        "process, 32 live sensors through Mosquitto, memory over 8 simulated hours and "
        "start-up; each figure beside its target. The machine is noisy: compare ratios "
        "measured in the same run. imufusion and ahrs come with the bench extra: "
        "pip install 'holdfast[bench]'.",
    )
    add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from service.bench.run import run as bench

    return bench(args)
