"""Runs every measurement and prints the table (or ``--json``, one JSON object).

    holdfast bench [--quick | --smoke] [--json] [--only chain,replay,live,memory,help]
    python -m benchmarks ...            # the same

``--quick`` (under a minute) measures on shorter sessions; ``--smoke`` runs every step on a
few seconds of samples so a test can check that the figures are all there (its numbers mean
nothing). The default is what docs/performance.md reports.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from service.bench import chain, live, memory, replay_process
from service.bench.figures import Figure, as_json, table

STEPS = ("chain", "replay", "live", "memory", "help")


@dataclass(frozen=True)
class Plan:
    name: str
    chain_s: float  # session length through the chain
    ahrs_s: float  # session length through the (slow) Madgwick loop
    repeats: int
    replay_s: float
    live_s: float
    live_warmup_s: float
    memory_hours: int  # measured after a first hour; 8 h figures scale from this
    live_sensors: int = 32


PLANS = {
    "full": Plan("full", 3600.0, 120.0, 3, 3600.0, 30.0, 3.0, 8),
    "quick": Plan("quick", 600.0, 30.0, 2, 600.0, 6.0, 3.0, 1),
    "smoke": Plan("smoke", 20.0, 2.0, 1, 10.0, 1.0, 0.5, 0, live_sensors=2),
}


def measure(plan: Plan, steps: Sequence[str], batch_interval_s: float) -> list[Figure]:
    figures: list[Figure] = []
    if "chain" in steps:
        figures += _chain(plan)
    if "replay" in steps:
        with tempfile.TemporaryDirectory(prefix="holdfast-bench-") as tmp:
            rate, whole, startup = replay_process.replay_rate(
                Path(tmp), plan.replay_s, plan.repeats
            )
        figures.append(
            Figure(
                "replay_process_samples_per_s",
                rate,
                "samples/s",
                1e6,
                note=f"{plan.replay_s / 60:g} min recording: {whole:.2f} s process, "
                f"{startup:.2f} s of it start-up",
            )
        )
        figures.append(Figure("replay_startup_s", startup, "s"))
    if "live" in steps:
        figures += _live(plan, batch_interval_s)
    if "memory" in steps:
        hours = plan.memory_hours
        growth, end = memory.rss_growth_mb(hours)
        scaled = growth * 8 / hours if hours else float("nan")
        note = f"{hours} h measured" + (", scaled to 8 h" if hours not in (0, 8) else "")
        figures.append(Figure("rss_growth_mb_8h", scaled, "MB", 10, "lower", note))
        figures.append(Figure("rss_end_mb", end, "MB"))
    if "help" in steps:
        figures.append(
            Figure("help_s", replay_process.help_seconds(max(3, plan.repeats)), "s", 0.3, "lower")
        )
    return figures


def _chain(plan: Plan) -> list[Figure]:
    rate = chain.chain_rate(plan.chain_s, plan.repeats)
    bare = chain.chain_rate(plan.chain_s, plan.repeats, angles=False)
    fusion = chain.imufusion_rate(plan.chain_s, plan.repeats)
    madgwick = chain.madgwick_rate(plan.ahrs_s, plan.repeats)
    missing = "pip install 'holdfast[bench]'"
    session_note = f"{plan.chain_s / 60:g} min, acc+gyro, 100 Hz, 256-sample chunks"
    return [
        Figure("chain_samples_per_s", rate, "samples/s", note=session_note + ", angles on"),
        Figure("chain_no_angles_samples_per_s", bare, "samples/s", note="same, angles off"),
        Figure("imufusion_samples_per_s", fusion, "samples/s", note="" if fusion else missing),
        Figure(
            "chain_vs_imufusion",
            rate / fusion if fusion else None,
            "x",
            2.0,
            note="same samples, same run",
        ),
        Figure("madgwick_samples_per_s", madgwick, "samples/s", note="" if madgwick else missing),
        Figure("chain_vs_madgwick", rate / madgwick if madgwick else None, "x"),
        Figure(
            "chain_us_per_call_5",
            chain.per_call_us(5, min(plan.chain_s, 120.0), plan.repeats),
            "us",
            note="5-sample updates (a 50 ms live batch at 100 Hz)",
        ),
    ]


def _live(plan: Plan, batch_interval_s: float) -> list[Figure]:
    n = plan.live_sensors
    out: list[Figure] = []
    with (
        tempfile.TemporaryDirectory(prefix="holdfast-bench-") as tmp,
        live.mosquitto(Path(tmp)) as port,
    ):
        if port is None:
            note = "mosquitto not installed"
            return [
                Figure(k, None, "ms", note=note)
                for k in (f"live_p50_ms_{n}", f"live_p99_ms_{n}", f"e2e_p99_ms_{n}")
            ]
        many = live.run_live(
            n,
            plan.live_s,
            Path(tmp),
            port,
            batch_interval_s=batch_interval_s,
            warmup_s=plan.live_warmup_s,
        )
        one = live.run_live(
            1,
            plan.live_s,
            Path(tmp),
            port,
            batch_interval_s=batch_interval_s,
            warmup_s=plan.live_warmup_s,
        )
    pct = live.LiveResult.percentile
    batch_note = f"{batch_interval_s * 1e3:g} ms source batches"
    out += [
        Figure(f"live_p50_ms_{n}", pct(many.to_client_ms, 50), "ms", note=batch_note),
        Figure(f"live_p99_ms_{n}", pct(many.to_client_ms, 99), "ms", 25, "lower"),
        Figure(f"live_cpu_pct_{n}", many.cpu_pct, "% core", 25, "lower"),
        Figure("e2e_p99_ms_1", pct(one.end_to_end_ms, 99), "ms", 30, "lower"),
        Figure(f"e2e_p99_ms_{n}", pct(many.end_to_end_ms, 99), "ms", 30, "lower"),
        Figure(
            "mqtt_msgs_per_s_per_sensor",
            many.messages_per_s / n,
            "msg/s",
            note=f"every publish, {many.bytes_per_s / n / 1e3:.1f} kB/s per sensor",
        ),
        Figure(
            f"live_messages_{n}",
            float(len(many.to_client_ms)),
            "angles",
            note=f"{len(many.end_to_end_ms)} reached the subscriber",
        ),
    ]
    return out


def context(plan: Plan, batch_interval_s: float) -> dict[str, object]:
    return {
        "mode": plan.name,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
        "batch_interval_s": batch_interval_s,
        "mosquitto": shutil.which("mosquitto") or "",
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def add_arguments(p: argparse.ArgumentParser) -> None:
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="shorter sessions, under a minute")
    mode.add_argument(
        "--smoke", action="store_true", help="every step on a few seconds (for tests)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead")
    p.add_argument(
        "--only",
        default=",".join(STEPS),
        help=f"comma-separated steps to run (default all: {','.join(STEPS)})",
    )
    p.add_argument(
        "--batch-ms",
        type=float,
        default=None,
        help="live sources hand out samples this often, ms (default: the BLE source's)",
    )


def run(args: argparse.Namespace) -> int:
    from firmware_protocol.errors import ConfigError
    from sensor.ble.settings import BleSettings

    plan = PLANS["smoke" if args.smoke else "quick" if args.quick else "full"]
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        raise ConfigError("--only", f"unknown step(s) {', '.join(unknown)}", list(STEPS))
    batch_s = BleSettings().batch_interval_s if args.batch_ms is None else args.batch_ms / 1e3
    figures = measure(plan, steps, batch_s)
    if args.json:
        print(as_json(figures, context(plan, batch_s)))
    else:
        ctx = context(plan, batch_s)
        print(
            f"holdfast bench ({plan.name}) on {ctx['cpu']}, {ctx['cores']} cores, "
            f"load {ctx['load_1min']}, Python {ctx['python']}"
        )
        print(table(figures))
        print("Machines are noisy: compare ratios measured in the same run.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
