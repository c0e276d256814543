"""Memory over a long session: resident size after eight simulated hours, at full speed.

One pipeline takes the benchmark session in 256-sample chunks, the same hour of samples over
and over with the clock running on; every event is serialised as the service would and
dropped. The growth is the resident set at the end minus the resident set after the first
simulated hour (imports, caches and the first allocations settled). The hour of samples is
made once, before the first measurement, so that the benchmark's own large arrays do not
count (freed large arrays leave the allocator's heap bigger than what is in use).
"""

from __future__ import annotations

import gc
from pathlib import Path

from dsp.pipeline import Pipeline
from firmware_protocol.samples import SampleBatch
from service.bench import session
from service.formatting import event_json

CHUNK = 256


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_growth_mb(hours: int) -> tuple[float, float]:
    """``(growth MB from the end of the first hour to the end of hour 1 + hours, resident MB
    at the end)``."""
    t, acc, gyro = session.samples(3600.0)
    host = session.arrivals(t)
    pipeline = Pipeline("bench", "bench-8h")
    start = float("nan")
    for hour in range(hours + 1):
        offset = hour * 3600.0
        for lo in range(0, t.size, CHUNK):
            batch = SampleBatch(
                sensor="bench",
                t_host_s=host[lo : lo + CHUNK] + offset,
                acc_mps2=acc[lo : lo + CHUNK],
                gyro_dps=gyro[lo : lo + CHUNK],
                t_device_s=None,
                nominal_rate_hz=session.RATE_HZ,
            )
            for event in pipeline.update(batch):
                event_json(event)
        gc.collect()
        if hour == 0:
            start = rss_mb()
    for event in pipeline.finish():
        event_json(event)
    end = rss_mb()
    return end - start, end
