"""A recording replayed with a routine as the chain's context (``holdfast replay --routine``,
``holdfast score --routine``): the routine tells the chain each exercise as a live run would.

Small batches (16 packets), so the routine's context changes land close to where they would
live (50 ms batches); the chain's events are otherwise the same for any batching.
"""

from __future__ import annotations

from collections.abc import Iterator

from dsp.events import Event
from dsp.pipeline import Pipeline
from dsp.routines import RoutineDriver, RoutineSettings, RoutineSpec
from dsp.routines.runner import Context
from sensor.replay import Recording
from service.chain import apply_item

PACKETS_PER_BATCH = 16


def routine_events(
    recording: Recording,
    pipeline: Pipeline,
    spec: RoutineSpec,
    settings: RoutineSettings | None = None,
    *,
    pain_before: int | None = None,
    after: Context | None = None,
) -> Iterator[Event]:
    """Every event of the chain and the routine, the routine starting with the recording."""
    driver = RoutineDriver(pipeline, spec, settings, after=after)
    yield from driver.start(0.0, pain_before)
    for item in recording.items(packets_per_batch=PACKETS_PER_BATCH):
        yield from apply_item(pipeline, item)
        yield from driver.tick()
    yield from driver.finish()
    yield from pipeline.finish()
