"""Per-recording scores: reps, holds, flexion episodes, alerts, angles, negative activities.

Counts are kept raw (hits, misses, false events) so a folder's scores add up before rates are
taken. Events the chain does not produce yet simply score as missing (recall 0), never crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dsp.events import (
    AngleEvent,
    Event,
    FlexionAlertEvent,
    FlexionEvent,
    HoldEndedEvent,
    HoldStartedEvent,
    PostureEvent,
    RepEvent,
)
from service.scoring.matching import match_intervals

SET_MARGIN_S = 1.5


@dataclass
class Score:
    """Raw counts for one recording (or a sum over many)."""

    sets: dict[str, list[int]] = field(default_factory=dict)  # exercise -> [n, exact, within1]
    holds_true: int = 0
    holds_found: int = 0
    holds_hit: int = 0
    hold_abs_err_s: list[float] = field(default_factory=list)
    episodes_true: int = 0
    episodes_found: int = 0
    episodes_hit_true: int = 0
    episodes_hit_found: int = 0
    alerts_true: int = 0
    alerts_found: int = 0
    alerts_hit: int = 0
    alerts_false: int = 0
    angle_sq_static: list[float] = field(default_factory=list)
    angle_sq_dynamic: list[float] = field(default_factory=list)
    negative_s: float = 0.0
    negative_events: dict[str, int] = field(default_factory=dict)
    posture_checked: dict[str, int] = field(default_factory=dict)  # truth posture -> samples
    posture_right: dict[str, int] = field(default_factory=dict)

    def add(self, other: Score) -> None:
        for ex, (n, e, w) in other.sets.items():
            cur = self.sets.setdefault(ex, [0, 0, 0])
            cur[0] += n
            cur[1] += e
            cur[2] += w
        for name in (
            "holds_true",
            "holds_found",
            "holds_hit",
            "episodes_true",
            "episodes_found",
            "episodes_hit_true",
            "episodes_hit_found",
            "alerts_true",
            "alerts_found",
            "alerts_hit",
            "alerts_false",
            "negative_s",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.hold_abs_err_s += other.hold_abs_err_s
        self.angle_sq_static += other.angle_sq_static
        self.angle_sq_dynamic += other.angle_sq_dynamic
        for k, v in other.negative_events.items():
            self.negative_events[k] = self.negative_events.get(k, 0) + v
        for k, v in other.posture_checked.items():
            self.posture_checked[k] = self.posture_checked.get(k, 0) + v
        for k, v in other.posture_right.items():
            self.posture_right[k] = self.posture_right.get(k, 0) + v


def score_events(events: Sequence[Event], truth: dict[str, Any], *, context: bool) -> Score:
    """Compare ``events`` with one truth document. ``context``: the chain was told the
    exercises, so holds that need it are expected too."""
    s = Score()
    _reps(s, events, truth)
    _holds(s, events, truth, context)
    _episodes(s, events, truth)
    _alerts(s, events, truth, context)
    _angles(s, events, truth)
    _negatives(s, events, truth)
    _postures(s, events, truth)
    return s


def rep_time(rep: RepEvent) -> float:
    """When a rep happened: the middle of its movement, not the time it was decided. A rep
    is decided when it is back, and with no exercise given the first rep of a set only once
    the second confirms it (its ``t`` is then the second's): by ``t`` it would be scored
    against whatever the person did next."""
    return rep.t_start + 0.5 * rep.duration_s


def _reps(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    reps = [rep_time(e) for e in events if isinstance(e, RepEvent)]
    for st in truth.get("sets", []):
        if st["kind"] != "reps":
            continue
        t0, t1 = st["t_start"] - SET_MARGIN_S, st["t_end"] + SET_MARGIN_S
        found = sum(1 for r in reps if t0 <= r <= t1)
        cur = s.sets.setdefault(st["exercise"], [0, 0, 0])
        cur[0] += 1
        cur[1] += int(found == st["count"])
        cur[2] += int(abs(found - st["count"]) <= 1)


def _holds(s: Score, events: Sequence[Event], truth: dict[str, Any], context: bool) -> None:
    all_true = truth.get("holds", [])
    wanted = [h for h in all_true if context or not h.get("needs_context", False)]
    found = [e for e in events if isinstance(e, HoldEndedEvent)]
    f_iv = [(h.t_start, h.t_start + h.duration_s) for h in found]
    pairs = match_intervals([(h["t_start"], h["t_end"]) for h in wanted], f_iv)
    # A hold found where only a context-needing hold is true is not a false one.
    extra = match_intervals([(h["t_start"], h["t_end"]) for h in all_true], f_iv)
    s.holds_true += len(wanted)
    s.holds_hit += len(pairs)
    matched_any = {j for _, j in extra}
    s.holds_found += len(pairs) + sum(1 for j in range(len(found)) if j not in matched_any)
    s.hold_abs_err_s += [abs(found[j].duration_s - wanted[i]["duration_s"]) for i, j in pairs]


def _episodes(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    eps = truth.get("flexion_episodes", [])
    found = [e for e in events if isinstance(e, FlexionEvent)]
    pairs = match_intervals(
        [(e["t_start"], e["t_end"]) for e in eps], [(f.t_start, f.t_end) for f in found]
    )
    required = {i for i, e in enumerate(eps) if e["required"]}
    matched_optional = sum(1 for i, _ in pairs if i not in required)
    s.episodes_true += len(required)
    s.episodes_hit_true += sum(1 for i, _ in pairs if i in required)
    s.episodes_found += len(found) - matched_optional
    s.episodes_hit_found += len(pairs) - matched_optional


def _alerts(s: Score, events: Sequence[Event], truth: dict[str, Any], context: bool) -> None:
    # ``auto_only``: prescribed flexion; told the exercise, the chain must stay silent there.
    alerts = [a for a in truth.get("alerts", []) if not (context and a.get("auto_only"))]
    found = [e for e in events if isinstance(e, FlexionAlertEvent)]
    hit: set[int] = set()
    for f in found:
        inside = [
            i
            for i, a in enumerate(alerts)
            if a["reason"] == f.reason and a["t_window"][0] <= f.t <= a["t_window"][1]
        ]
        if not inside:
            s.alerts_found += 1
            s.alerts_false += 1
            continue
        i = inside[0]
        if alerts[i]["required"] and i not in hit:
            hit.add(i)
            s.alerts_found += 1
        # Repeats inside a run and alerts in optional windows are neither hits nor false.
    s.alerts_true += sum(1 for a in alerts if a["required"])
    s.alerts_hit += len(hit)


def _angles(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    tr = truth.get("angles")
    found = [e for e in events if isinstance(e, AngleEvent) and e.flexion_deg is not None]
    if not tr or not found:
        return
    t_truth = np.asarray(tr["t"], dtype=np.float64)
    flex = np.asarray([np.nan if v is None else v for v in tr["flexion_deg"]], dtype=np.float64)
    still = np.asarray(tr["still"], dtype=bool)
    t = np.asarray([e.t for e in found])
    got = np.asarray([e.flexion_deg for e in found], dtype=np.float64)
    i = np.clip(np.searchsorted(t_truth, t) - 1, 0, len(t_truth) - 2)
    w = np.clip((t - t_truth[i]) / np.maximum(1e-9, t_truth[i + 1] - t_truth[i]), 0.0, 1.0)
    ref = flex[i] * (1 - w) + flex[i + 1] * w
    ok = ~np.isnan(ref) & (t <= t_truth[-1])
    for g in truth.get("gaps", []):
        ok &= ~((t >= g["t_start"]) & (t <= g["t_end"] + 3.0))
    sq = (got - ref) ** 2
    is_still = still[i] & still[i + 1]
    s.angle_sq_static += [float(x) for x in sq[ok & is_still]]
    s.angle_sq_dynamic += [float(x) for x in sq[ok & ~is_still]]


def _negatives(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    spans = [(a["t_start"], a["t_end"]) for a in truth.get("activities", []) if a["negative"]]
    s.negative_s += sum(b - a for a, b in spans)
    for e in events:
        t = rep_time(e) if isinstance(e, RepEvent) else e.t
        if isinstance(e, RepEvent | HoldStartedEvent | FlexionAlertEvent) and any(
            a <= t <= b for a, b in spans
        ):
            s.negative_events[e.type] = s.negative_events.get(e.type, 0) + 1


#: Posture is checked where the body rests in it: still, 1 s inside the segment, and for
#: upright within 30 deg of vertical (a person bent over 90 deg is standing but not "upright").
POSTURE_TRIM_S = 1.0
UPRIGHT_MAX_TILT_DEG = 30.0


def _postures(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    tr = truth.get("angles")
    changes = [e for e in events if isinstance(e, PostureEvent)]
    if not tr:
        return
    t = np.asarray(tr["t"], dtype=np.float64)
    still = np.asarray(tr["still"], dtype=bool)
    tilt = np.asarray(tr["tilt_deg"], dtype=np.float64)
    change_t = np.asarray([e.t for e in changes])
    labels = ["unknown", *[e.posture for e in changes]]
    chain = np.asarray(labels)[np.searchsorted(change_t, t, side="right")]
    for seg in truth.get("postures", []):
        want = seg["posture"]
        if want == "unknown":
            continue
        sel = (t >= seg["t_start"] + POSTURE_TRIM_S) & (t <= seg["t_end"] - POSTURE_TRIM_S) & still
        if want == "upright":
            sel &= tilt < UPRIGHT_MAX_TILT_DEG
        for g in truth.get("gaps", []):
            sel &= ~((t >= g["t_start"]) & (t <= g["t_end"] + 3.0))
        n = int(sel.sum())
        if n:
            s.posture_checked[want] = s.posture_checked.get(want, 0) + n
            s.posture_right[want] = s.posture_right.get(want, 0) + int((chain[sel] == want).sum())
