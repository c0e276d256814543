"""Memory over a long session: resident size after eight simulated hours, at full speed.

One pipeline takes the benchmark session an hour at a time in 256-sample chunks; every event
is serialised as the service would and dropped. The growth is the resident set at the end
minus the resident set after the first simulated hour (imports, caches and the first
allocations settled). A chain that kept per-sample state would grow by about 1 GB here.
"""

from __future__ import annotations

import gc
from pathlib import Path

from dsp.pipeline import Pipeline
from service.bench import session
from service.formatting import event_json


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def rss_growth_mb(hours: int) -> tuple[float, float]:
    """``(growth MB after the first hour, resident MB at the end)``."""
    pipeline = Pipeline("bench", "bench-8h")
    start = float("nan")
    for hour in range(hours + 1):
        for batch in session.batches(3600.0, 256, seed=hour + 1, start_s=hour * 3600.0):
            for event in pipeline.update(batch):
                event_json(event)
        gc.collect()
        if hour == 0:
            start = rss_mb()
    for event in pipeline.finish():
        event_json(event)
    end = rss_mb()
    return end - start, end
