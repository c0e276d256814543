"""``holdfast score --routine NAME RECORDING``: the recording replayed with the routine as the
chain's context (as ``holdfast replay --routine`` does), judged against the truth.

Besides the usual table (the chain's sets, names, sides and holds, as with ``--context``), it
says what the issue's "done when" asks: every set of the truth **named** by the routine (a
``routine_set_ended`` of the same exercise and side over it, with the truth's count) and every
hold of the truth **timed** (a ``hold_ended`` of the same exercise over it); whether the
hold also carries the truth's side is counted apart (an alternating exercise's side is the
chain's to measure, not the routine's to tell).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsp.events import Event, HoldEndedEvent, RoutineEndedEvent, RoutineSetEndedEvent
from dsp.pipeline import PipelineSettings
from dsp.routines import load
from sensor.replay import Recording
from service.chain import pipeline_for
from service.routine_replay import routine_events
from service.scoring.matching import match_intervals
from service.scoring.metrics import Score, score_events
from service.scoring.run import load_truth


@dataclass
class RoutineScore:
    """Counts over one or more recordings (they add up)."""

    sets_true: int = 0
    sets_named: int = 0  # a routine set of the same exercise and side over it
    sets_counted: int = 0  # ... that also counted the truth's count
    holds_true: int = 0
    holds_timed: int = 0  # a hold_ended of the same exercise over it
    holds_sided: int = 0  # ... that also has the truth's side
    hold_abs_err_s: list[float] = field(default_factory=list)
    routines_ended: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, other: RoutineScore) -> None:
        for name in (
            "sets_true",
            "sets_named",
            "sets_counted",
            "holds_true",
            "holds_timed",
            "holds_sided",
            "routines_ended",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.hold_abs_err_s += other.hold_abs_err_s
        self.misses += other.misses


def routine_run(recording: Path, routine: str) -> list[Event]:
    rec = Recording(recording)
    pipeline = pipeline_for(rec, PipelineSettings(emit_angles=False))
    return list(routine_events(rec, pipeline, load(routine)))


def score_routine(recording: Path, truth_path: Path, routine: str) -> tuple[Score, RoutineScore]:
    truth = load_truth(truth_path)
    events = routine_run(recording, routine)
    return score_events(events, truth, context=True), judge(events, truth, recording.name)


def judge(events: Sequence[Event], truth: dict[str, Any], name: str = "") -> RoutineScore:
    r = RoutineScore()
    r.routines_ended = sum(1 for e in events if isinstance(e, RoutineEndedEvent))
    _sets(r, events, truth, name)
    _holds(r, events, truth, name)
    return r


def _sets(r: RoutineScore, events: Sequence[Event], truth: dict[str, Any], name: str) -> None:
    wanted = [s for s in truth.get("sets", []) if s.get("kind") in ("reps", "holds")]
    found = [e for e in events if isinstance(e, RoutineSetEndedEvent)]
    pairs = dict(
        match_intervals(
            [(s["t_start"], s["t_end"]) for s in wanted], [(f.t_start, f.t) for f in found]
        )
    )
    r.sets_true += len(wanted)
    for i, st in enumerate(wanted):
        j = pairs.get(i)
        got = found[j] if j is not None else None
        named = got is not None and (got.exercise, got.side) == (st["exercise"], st["side"])
        r.sets_named += int(named)
        counted = named and got is not None and got.done == st["count"]
        r.sets_counted += int(counted)
        if not counted:
            what = "none" if got is None else f"{got.exercise}/{got.side} {got.done}"
            r.misses.append(
                f"{name} set {st['exercise']}/{st['side']} x{st['count']} "
                f"at {st['t_start']:.0f} s: routine said {what}"
            )


def _holds(r: RoutineScore, events: Sequence[Event], truth: dict[str, Any], name: str) -> None:
    wanted = truth.get("holds", [])
    found = [e for e in events if isinstance(e, HoldEndedEvent)]
    pairs = dict(
        match_intervals(
            [(h["t_start"], h["t_end"]) for h in wanted],
            [(h.t_start, h.t_start + h.duration_s) for h in found],
        )
    )
    r.holds_true += len(wanted)
    for i, h in enumerate(wanted):
        j = pairs.get(i)
        got = found[j] if j is not None else None
        if got is not None and got.exercise == h["exercise"]:
            r.holds_timed += 1
            r.holds_sided += int(got.side == h["side"])
            r.hold_abs_err_s.append(abs(got.duration_s - h["duration_s"]))
        else:
            what = "none" if got is None else got.exercise
            r.misses.append(
                f"{name} hold {h['exercise']}/{h['side']} at {h['t_start']:.0f} s: found {what}"
            )


def format_routine(r: RoutineScore, title: str) -> str:
    mae = sum(r.hold_abs_err_s) / len(r.hold_abs_err_s) if r.hold_abs_err_s else float("nan")
    lines = [
        title,
        f"  sets named (exercise and side)  {r.sets_named:4d} of {r.sets_true:4d}",
        f"  sets counted to the truth       {r.sets_counted:4d} of {r.sets_true:4d}",
        f"  holds timed (exercise)          {r.holds_timed:4d} of {r.holds_true:4d}"
        f"   duration MAE {mae:.2f} s",
        f"  holds with the truth's side     {r.holds_sided:4d} of {r.holds_true:4d}",
        f"  routines ended                  {r.routines_ended:4d}",
    ]
    every = r.sets_named == r.sets_true and r.holds_timed == r.holds_true
    lines.append(
        "  every set named and every hold timed"
        if every
        else "  NOT every set named and hold timed:"
    )
    lines += [f"    {m}" for m in r.misses[:20]]
    return "\n".join(lines)
