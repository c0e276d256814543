"""Throughput of the whole chain: samples per second through ``dsp.Pipeline``, one core.

    .venv/bin/python benchmarks/throughput.py [--minutes 10] [--rate 100]

Prints samples/s for several chunk sizes, with and without the 10 Hz angle events, the cost
of one live sensor (share of a core per update size), and the peak memory of one run. The
machine is noisy: compare rows of one run with each other (the ratio column), not with
numbers from another day. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from synth import Key, as_batch, simulate, split, standing_then

from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.samples import SampleBatch


def session(minutes: float, rate_hz: float) -> SampleBatch:
    """Standing with a forward bend every 10 s, as host-clocked samples (the slow path)."""
    bends = int(minutes * 6)
    keys = [Key(0)]
    for i in range(bends):
        keys += [Key(10 * i + 2, 60), Key(10 * i + 4, 0), Key(10 * i + 10, 0)]
    motion = simulate(standing_then(keys), rate_hz, ("+y", "-z"), 0.05, 0.5, seed=1)
    return as_batch(motion, rate_hz=rate_hz, host_clock=True)


def run(batches: list[SampleBatch], angles: bool) -> tuple[float, int]:
    pipeline = Pipeline("bench", "bench", PipelineSettings(emit_angles=angles))
    start = time.perf_counter()
    events = 0
    for batch in batches:
        events += len(pipeline.update(batch))
    events += len(pipeline.finish())
    return time.perf_counter() - start, events


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=100.0)
    args = parser.parse_args()
    whole = session(args.minutes, args.rate)
    n = len(whole)
    print(f"{n} samples ({args.minutes:g} min at {args.rate:g} Hz), host clock, with gyro")
    print(f"{'chunk':>8} {'angles':>7} {'Msamples/s':>11} {'events':>7} {'ratio':>6}")
    reference = None
    for chunk in (100_000, 10_000, 1_000, 100, 10):
        batches = split(whole, list(range(chunk, n, chunk)))
        for angles in (False, True):
            best = min(run(batches, angles)[0] for _ in range(3))
            _, events = run(batches, angles)
            rate = n / best
            reference = reference or rate
            print(
                f"{chunk:>8} {angles!s:>7} {rate / 1e6:>11.2f} {events:>7} {rate / reference:>6.2f}"
            )
    live(args.rate)
    tracemalloc.start()
    run(split(whole, list(range(10_000, n, 10_000))), True)
    _, peak = tracemalloc.get_traced_memory()
    print(f"peak traced memory, 10k-sample chunks with angles: {peak / 1e6:.1f} MB")


def live(rate_hz: float) -> None:
    """What one live sensor costs: a notification's few samples per update, or batches of 50 ms
    (the BLE source's ``batch_interval_s``), as a share of one core."""
    whole = session(1.0, rate_hz)
    n = len(whole)
    print(f"live, one sensor at {rate_hz:g} Hz: {'chunk':>5} {'ms/update':>10} {'core %':>7}")
    for chunk in (1, 2, max(1, round(0.05 * rate_hz))):
        batches = split(whole, list(range(chunk, n, chunk)))
        best = min(run(batches, True)[0] for _ in range(3))
        per_update_ms = best / len(batches) * 1e3
        core_pct = best / (n / rate_hz) * 100
        print(f"{'':>29} {chunk:>5} {per_update_ms:>10.2f} {core_pct:>7.1f}")


if __name__ == "__main__":
    main()
