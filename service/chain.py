"""Applying a stream of source items to a pipeline: the one path from samples to events.

``holdfast replay`` uses the sync form; the service's async loop calls :func:`apply_item`
for each item it takes from a source, so both produce the same events for the same input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from dsp.events import Event
from dsp.pipeline import Pipeline, PipelineSettings
from firmware_protocol.samples import SampleBatch
from sensor.replay import Recording
from sensor.source import LinkStatus, SourceItem


def apply_item(pipeline: Pipeline, item: SourceItem) -> list[Event]:
    if isinstance(item, SampleBatch):
        return pipeline.update(item)
    return apply_status(pipeline, item)


def apply_status(pipeline: Pipeline, status: LinkStatus) -> list[Event]:
    match status.kind:
        case "disconnected":
            return pipeline.on_disconnect(status.t_s, status.detail)
        case "connected":
            return pipeline.on_connect(status.t_s, status.detail)
        case "battery":
            return pipeline.on_battery(status.t_s, status.battery_pct or 0)
        case "decode_errors":
            return pipeline.on_decode_errors(status.t_s, status.malformed_total or 0)
        case "data_lost":
            return pipeline.on_data_lost(status.t_s, status.detail, status.lost_count)
        case "device_message":
            return pipeline.on_device_message(status.t_s, status.detail)


def last_time(item: SourceItem) -> float:
    return item.t_s if isinstance(item, LinkStatus) else float(item.t_host_s[-1])


def events_from_items(pipeline: Pipeline, items: Iterable[SourceItem]) -> Iterator[Event]:
    """Every event for ``items``, then the end-of-session events."""
    t_end = 0.0
    for item in items:
        t_end = last_time(item)
        yield from apply_item(pipeline, item)
    yield from pipeline.finish(t_end)


def pipeline_for(
    recording: Recording,
    settings: PipelineSettings | None = None,
    mounting: tuple[str, str] | None = None,
) -> Pipeline:
    """A pipeline for a recording: the mounting given here wins over the recording's header."""
    info = recording.info
    if mounting is None and info.mounting is not None:
        mounting = (info.mounting.up, info.mounting.forward)
    return Pipeline(info.sensor, info.session_id, settings, mounting)
