"""Running recordings through the real chain (as ``holdfast replay`` does) and scoring them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dsp.events import Event
from dsp.pipeline import PipelineSettings
from firmware_protocol.errors import ConfigError
from sensor.errors import RecordingError
from sensor.replay import Recording
from sensor.source import SourceItem
from service.chain import apply_item, last_time, pipeline_for
from service.scoring.metrics import Score, score_events

RECORDING_SUFFIXES = (".jsonl.gz", ".jsonl", ".csv")


def load_truth(path: Path) -> dict[str, Any]:
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RecordingError(path, None, f"cannot read truth: {exc}") from exc
    if doc.get("format") != "holdfast-truth":
        raise RecordingError(path, 1, "not a holdfast-truth document")
    return doc


def truth_for(recording: Path) -> Path:
    name = recording.name
    for suffix in RECORDING_SUFFIXES:
        if name.endswith(suffix):
            return recording.with_name(name[: -len(suffix)] + ".truth.json")
    return recording.with_name(name + ".truth.json")


def pair_folder(folder: Path) -> list[tuple[Path, Path]]:
    """Every recording in ``folder`` that has a ``.truth.json`` beside it, sorted by name."""
    pairs = [
        (path, truth_for(path))
        for path in sorted(folder.iterdir())
        if path.name.endswith(RECORDING_SUFFIXES) and truth_for(path).exists()
    ]
    if not pairs:
        raise ConfigError("score", f"no recording with a .truth.json beside it in {folder}")
    return pairs


def chain_events(recording: Path, truth: dict[str, Any] | None = None) -> list[Event]:
    """All events of the chain for ``recording``. With ``truth``, the chain is told each
    exercise as it starts (as a user or app would) through ``Pipeline.set_exercise``."""
    rec = Recording(recording)
    pipeline = pipeline_for(rec, PipelineSettings())
    out: list[Event] = []
    t_end = 0.0
    changes = _exercise_changes(truth) if truth is not None else iter(())
    pending = next(changes, None)
    set_exercise = getattr(pipeline, "set_exercise", None)
    if truth is not None and set_exercise is None:
        raise ConfigError("--context", "this chain cannot be told the exercise yet")
    for item in _items(rec, small=truth is not None):
        t_end = last_time(item)
        while pending is not None and pending[0] <= t_end and set_exercise is not None:
            set_exercise(pending[1])
            pending = next(changes, None)
        out.extend(apply_item(pipeline, item))
    out.extend(pipeline.finish(t_end))
    return out


def _items(rec: Recording, small: bool) -> Iterator[SourceItem]:
    # With context, small batches so exercise changes land close to the activity boundaries
    # (the chain gives the same events for any batching otherwise).
    yield from rec.items(packets_per_batch=16) if small else rec.items()


def _exercise_changes(truth: dict[str, Any]) -> Iterator[tuple[float, str | None]]:
    changes: list[tuple[float, int, str | None]] = []
    for act in truth.get("activities", []):
        if act.get("exercise"):
            changes.append((act["t_start"], 1, act["exercise"]))
            changes.append((act["t_end"], 0, None))
    for t, _, name in sorted(changes, key=lambda c: (c[0], c[1])):
        yield (t, name)


def score_pair(recording: Path, truth_path: Path, *, context: bool = False) -> Score:
    truth = load_truth(truth_path)
    events = chain_events(recording, truth if context else None)
    return score_events(events, truth, context=context)
