"""The chain's throughput next to what people use today, on the same samples in the same run.

``chain``: :class:`dsp.pipeline.Pipeline` over the benchmark session in 256-sample chunks
(as `holdfast replay` and a batching live source hand it samples), angle events on, as
`serve` runs it. ``imufusion``: x-io Fusion's AHRS, one C update per sample driven from a
Python loop (the usual way to use it); ``ahrs``: the ahrs package's Madgwick, likewise. The
AHRS loops only estimate orientation; the chain also finds posture, holds, reps and
flexion episodes, so a ratio above 1 means the whole coach costs less than the bare AHRS.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.samples import STANDARD_GRAVITY_MPS2, SampleBatch
from service.bench import session

CHUNK = 256


def best_of(repeats: int, fn: Callable[[], object]) -> float:
    """Shortest wall time of ``repeats`` runs (the least disturbed by other processes)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run_chain(batches: list[SampleBatch], *, angles: bool = True) -> int:
    pipeline = Pipeline("bench", "bench", PipelineSettings(emit_angles=angles))
    events = 0
    for batch in batches:
        events += len(pipeline.update(batch))
    return events + len(pipeline.finish())


def chain_rate(seconds: float, repeats: int, *, chunk: int = CHUNK, angles: bool = True) -> float:
    batches = session.batches(seconds, chunk)
    n = sum(len(b) for b in batches)
    return n / best_of(repeats, lambda: run_chain(batches, angles=angles))


def imufusion_rate(seconds: float, repeats: int) -> float | None:
    """Samples/s of a per-sample imufusion loop, or ``None`` without the ``bench`` extra."""
    try:
        import imufusion
    except ImportError:
        return None
    _, acc, gyro = session.samples(seconds)
    acc_g = acc / STANDARD_GRAVITY_MPS2
    dt = 1.0 / session.RATE_HZ

    def loop() -> None:
        ahrs = imufusion.Ahrs()
        ahrs.set_sample_period(dt)
        update = ahrs.update_no_magnetometer
        for g, a in zip(gyro, acc_g, strict=True):
            update(g, a)

    return float(acc.shape[0] / best_of(repeats, loop))


def madgwick_rate(seconds: float, repeats: int) -> float | None:
    """Samples/s of the ahrs package's Madgwick, one ``updateIMU`` per sample."""
    try:
        from ahrs.filters import Madgwick
    except ImportError:
        return None
    _, acc, gyro = session.samples(seconds)
    gyro_rad = np.radians(gyro)

    def loop() -> None:
        f = Madgwick(frequency=session.RATE_HZ)
        q = np.array([1.0, 0.0, 0.0, 0.0])
        for g, a in zip(gyro_rad, acc, strict=True):
            q = f.updateIMU(q, gyr=g, acc=a)

    return float(acc.shape[0] / best_of(repeats, loop))


def per_call_us(chunk: int, seconds: float, repeats: int) -> float:
    """Microseconds per ``update`` for ``chunk``-sample batches (the live cost per call)."""
    batches = session.batches(seconds, chunk)
    return best_of(repeats, lambda: run_chain(batches)) / len(batches) * 1e6
