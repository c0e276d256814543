"""Soak: four sensors for a long simulated session at full speed, a real Mosquitto that is
restarted at seeded random moments (issue 14, build item 8).

Checked: every event produced reaches the subscriber (by id), nothing is left undelivered,
memory does not grow between the first and the second half, and no task or file descriptor
is left behind. The suite runs 10 simulated minutes per sensor; the long run is

    SOAK_MINUTES=480 .venv/bin/pytest tests/mqtt/test_soak.py -s

(eight simulated hours per sensor; it prints its figures).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import resource
import signal
from pathlib import Path

import pytest
from mqtt_helpers import Mosquitto, Subscriber, settings_for, start, write_bends_recording

from dsp.events import Event
from service.app import App, SourceSpec

pytestmark = [pytest.mark.mosquitto, pytest.mark.slow]

MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
SENSORS = ("s1", "s2", "s3", "s4")


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


async def test_soak_four_sensors_broker_restarts_nothing_lost_no_leak(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    bends = max(2, int(MINUTES * 60 / 4.5))  # one bend cycle is 4.5 s of recording
    recordings = [
        write_bends_recording(tmp_path / f"{s}.jsonl", bends=bends, session_id=s) for s in SENSORS
    ]
    sub = Subscriber(mosquitto.port, ["holdfast/+/event/#"], client_id="soak-display")
    sub_task = start(sub)
    await sub.subscribed.wait()
    gc.collect()
    fds_before = _open_fds()
    tasks_before = set(asyncio.all_tasks())
    produced: list[str] = []
    rss: list[float] = []

    def sink(event: Event) -> None:
        produced.append(event.id)

    app = App(
        settings_for(mosquitto.port, tmp_path),
        [
            SourceSpec.replay(r, speed=10_000.0, sensor=s)
            for r, s in zip(recordings, SENSORS, strict=True)
        ],
        sinks=[sink],
        flush_timeout_s=300.0,  # at full speed a backlog builds up: let it drain at the end
    )  # fmt: skip
    serving = asyncio.create_task(app.run())
    rng = random.Random(14)
    restarts = 0
    planned = max(3, int(MINUTES / 4))
    while not serving.done():
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        rss.append(_rss_mb())
        if serving.done() or restarts >= planned:
            continue
        mosquitto.stop(signal.SIGTERM)  # a seeded fault: the broker goes away for a while
        await asyncio.sleep(rng.uniform(0.1, 0.8))
        mosquitto.start()
        restarts += 1
    await serving
    want = set(produced)
    assert app.undelivered() is None
    try:
        await sub.wait_for(lambda: want <= {e["id"] for e in sub.events()}, timeout_s=60)
    except TimeoutError:
        got = {e["id"] for e in sub.events()}
        missing = sorted(want - got)
        pytest.fail(
            f"{len(missing)} of {len(want)} events never arrived (first {missing[:5]}); "
            f"{restarts} restarts, subscriber connections {sub.connections}"
        )
    sub_task.cancel()
    await asyncio.gather(sub_task, return_exceptions=True)
    gc.collect()
    half = len(rss) // 2
    first_half = max(rss[: max(1, half)])
    second_half = max(rss[half:]) if rss[half:] else first_half
    print(
        f"soak: {MINUTES:g} min x {len(SENSORS)} sensors, {len(produced)} events, "
        f"{restarts} broker restarts, {app.publisher.connections} connections, "
        f"rss max {first_half:.0f} MB (first half) / {second_half:.0f} MB (second half)"
    )
    assert len(want) == len(produced)  # ids are unique
    assert restarts >= 1
    assert second_half < first_half * 1.5 + 50  # no growth with the session's length
    assert set(asyncio.all_tasks()) <= tasks_before | {asyncio.current_task()}
    assert _open_fds() <= fds_before + 2  # the journal and its lock are closed
