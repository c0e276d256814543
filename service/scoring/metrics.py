"""Per-recording scores: reps, holds, flexion episodes, alerts, angles, negative activities.

Counts are kept raw (hits, misses, false events) so a folder's scores add up before rates are
taken. Events the chain does not produce yet simply score as missing (recall 0), never crash.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, is_dataclass
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
from service.scoring.groups import session_group
from service.scoring.matching import match_intervals
from service.scoring.sets import (
    NameCounts,
    SetCounts,
    judge_hold_name,
    rep_time,
    score_rep_names,
    score_sets,
)


@dataclass
class Score:
    """Raw counts for one recording (or a sum over many)."""

    files: int = 0
    groups: dict[str, int] = field(default_factory=dict)  # kind of session -> files
    sets: dict[str, SetCounts] = field(default_factory=dict)  # true exercise -> counts
    sets_named_other: int = 0  # reported sets named as another exercise than the true one
    sets_extra: int = 0  # reported sets matching no true set
    names: dict[str, NameCounts] = field(default_factory=dict)  # reps and holds, per exercise
    rep_sided: int = 0
    rep_side_right: int = 0
    holds_true: int = 0
    holds_found: int = 0
    holds_hit: int = 0
    holds_side_right: int = 0
    holds_side_unsaid: int = 0  # matched holds with a true side reported without a side
    hold_abs_err_s: list[float] = field(default_factory=list)
    episodes_true: int = 0
    episodes_found: int = 0
    episodes_hit_true: int = 0
    episodes_hit_found: int = 0
    episode_sessions: int = 0  # sessions with a true or a reported flexion episode
    episode_sessions_exact: int = 0  # ... where every one was found and nothing else
    alerts_true: int = 0
    alerts_found: int = 0
    alerts_hit: int = 0
    alerts_false: int = 0
    angle_sq_static: list[float] = field(default_factory=list)
    angle_sq_dynamic: list[float] = field(default_factory=list)
    negative_s: float = 0.0
    negative_events: dict[str, int] = field(default_factory=dict)
    negative_activity_s: dict[str, float] = field(default_factory=dict)  # activity -> seconds
    negative_activity_events: dict[str, dict[str, int]] = field(default_factory=dict)
    posture_checked: dict[str, int] = field(default_factory=dict)  # truth posture -> samples
    posture_right: dict[str, int] = field(default_factory=dict)

    def add(self, other: Score) -> None:
        for f in fields(self):
            setattr(self, f.name, merged_counts(getattr(self, f.name), getattr(other, f.name)))


def merged_counts(a: Any, b: Any) -> Any:
    """Sum of two raw counts of the same shape (numbers, lists, dicts, count records)."""
    if isinstance(a, list):
        return a + b
    if isinstance(a, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merged_counts(out[k], v) if k in out else copy.deepcopy(v)
        return out
    if is_dataclass(a) and not isinstance(a, type):
        merged = copy.deepcopy(a)
        for f in fields(a):
            setattr(merged, f.name, merged_counts(getattr(a, f.name), getattr(b, f.name)))
        return merged
    return a + b


def score_events(events: Sequence[Event], truth: dict[str, Any], *, context: bool) -> Score:
    """Compare ``events`` with one truth document. ``context``: the chain was told the
    exercises, so holds that need it are expected too."""
    s = Score(files=1, groups={session_group(truth): 1})
    _reps(s, events, truth)
    _holds(s, events, truth, context)
    _episodes(s, events, truth)
    _alerts(s, events, truth, context)
    _angles(s, events, truth)
    _negatives(s, events, truth)
    _postures(s, events, truth)
    return s


def _reps(s: Score, events: Sequence[Event], truth: dict[str, Any]) -> None:
    s.sets_named_other, s.sets_extra = score_sets(events, truth, s.sets)
    s.rep_sided, s.rep_side_right = score_rep_names(events, truth, s.names)


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
    # Matched by time; the side and the name are judged on the pair, as a person reads them.
    s.holds_side_right += sum(1 for i, j in pairs if found[j].side == wanted[i]["side"])
    s.holds_side_unsaid += sum(
        1 for i, j in pairs if found[j].side is None and wanted[i]["side"] is not None
    )
    by_true = dict(pairs)
    for i, h in enumerate(wanted):
        j = by_true.get(i)
        judge_hold_name(s.names, None if j is None else found[j], h["exercise"])


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
    # A session is exact when every required episode was found and nothing else was.
    hits = sum(1 for i, _ in pairs if i in required)
    reported = len(found) - matched_optional
    if required or reported:
        s.episode_sessions += 1
        s.episode_sessions_exact += int(hits == len(required) and reported == hits)


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
    spans = [
        (a["t_start"], a["t_end"], a["activity"])
        for a in truth.get("activities", [])
        if a["negative"]
    ]
    s.negative_s += sum(b - a for a, b, _ in spans)
    for a, b, name in spans:
        s.negative_activity_s[name] = s.negative_activity_s.get(name, 0.0) + (b - a)
    for e in events:
        where = _negative_span(e, spans)
        if where is not None:
            s.negative_events[e.type] = s.negative_events.get(e.type, 0) + 1
            per = s.negative_activity_events.setdefault(where, {})
            per[e.type] = per.get(e.type, 0) + 1


def _negative_span(e: Event, spans: list[tuple[float, float, str]]) -> str | None:
    """The negative activity ``e`` falls in: a rep by the middle of its movement, a flexion
    episode by the middle of its excursion, a hold start or an alert by its time."""
    if isinstance(e, RepEvent):
        t = rep_time(e)
    elif isinstance(e, FlexionEvent):
        t = 0.5 * (e.t_start + e.t_end)
    elif isinstance(e, HoldStartedEvent | FlexionAlertEvent):
        t = e.t
    else:
        return None
    return next((name for a, b, name in spans if a <= t <= b), None)


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
