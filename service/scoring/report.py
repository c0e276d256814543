"""Rates from raw counts, and the printed table."""

from __future__ import annotations

from typing import Any

import numpy as np

from service.scoring.metrics import Score, merged_counts
from service.scoring.sets import NameCounts, SetCounts


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def summary(s: Score) -> dict[str, Any]:
    """The numbers ``holdfast score --json`` prints (``None`` where nothing was there to
    measure)."""
    reps = {ex: _set_figures(c) for ex, c in sorted(s.sets.items())}
    total = SetCounts()
    for c in s.sets.values():
        total = merged_counts(total, c)
    events_in = s.negative_activity_events
    return {
        "files": s.files,
        "files_by_group": dict(sorted(s.groups.items())),
        "reps": reps,
        "rep_sets": {
            **_set_figures(total),
            "named_other": s.sets_named_other,
            "extra_sets": s.sets_extra,
            "rep_side_right_rate": _rate(s.rep_side_right, s.rep_sided),
        },
        "naming": {ex: _name_figures(c) for ex, c in sorted(s.names.items())},
        "holds": {
            "true": s.holds_true, "found": s.holds_found,
            "recall": _rate(s.holds_hit, s.holds_true),
            "precision": _rate(s.holds_hit, s.holds_found),
            "duration_mae_s": float(np.mean(s.hold_abs_err_s)) if s.hold_abs_err_s else None,
            "side_right_rate": _rate(s.holds_side_right, s.holds_hit),
            "side_unsaid": s.holds_side_unsaid,
            "recall_with_side": _rate(s.holds_side_right, s.holds_true),
        },
        "flexion_episodes": {
            "true": s.episodes_true, "found": s.episodes_found,
            "recall": _rate(s.episodes_hit_true, s.episodes_true),
            "precision": _rate(s.episodes_hit_found, s.episodes_found),
            "sessions": s.episode_sessions,
            "sessions_exact_rate": _rate(s.episode_sessions_exact, s.episode_sessions),
        },
        "alerts": {
            "true": s.alerts_true, "found": s.alerts_found,
            "recall": _rate(s.alerts_hit, s.alerts_true),
            "precision": _rate(s.alerts_hit, s.alerts_found),
        },
        "angle_rmse_deg": {
            "static": float(np.sqrt(np.mean(s.angle_sq_static))) if s.angle_sq_static else None,
            "dynamic": float(np.sqrt(np.mean(s.angle_sq_dynamic))) if s.angle_sq_dynamic else None,
            "static_n": len(s.angle_sq_static), "dynamic_n": len(s.angle_sq_dynamic),
        },
        "posture_accuracy": {
            p: {"seconds": round(n / 10.0, 1), "accuracy": _rate(s.posture_right.get(p, 0), n)}
            for p, n in sorted(s.posture_checked.items())
        },
        "negative_activities": {
            "seconds": round(s.negative_s, 1),
            "false_events": dict(sorted(s.negative_events.items())),
            "by_activity": {
                name: {"seconds": round(sec, 1),
                       "false_events": dict(sorted(events_in.get(name, {}).items()))}
                for name, sec in sorted(s.negative_activity_s.items())
            },
        },
    }  # fmt: skip


def _set_figures(c: SetCounts) -> dict[str, Any]:
    """``exact_rate``: count, name, side and boundaries right. ``count_exact_rate``: the
    figure this scorer printed before 2026-12 (rep events in the set's window, name unread)."""
    return {
        "sets": c.sets,
        "exact_rate": _rate(c.exact, c.sets),
        "within_one_rate": _rate(c.within_one, c.sets),
        "count_exact_rate": _rate(c.count_exact, c.sets),
        "found": c.found,
        "count_right_rate": _rate(c.count_right, c.sets),
        "named_right": c.name.get("right", 0),
        "unnamed": c.name.get("unnamed", 0),
        "named_other": c.name.get("other", 0),
        "side_right_rate": _rate(c.side_right, c.found),
        "boundary_right_rate": _rate(c.boundary_right, c.found),
    }


def _name_figures(c: NameCounts) -> dict[str, Any]:
    n = c.right + c.unnamed + c.other + c.missed
    return {
        "true": n, "right": c.right, "unnamed": c.unnamed, "other": c.other,
        "missed": c.missed, "right_rate": _rate(c.right, n),
        "named_as": dict(sorted(c.named_as.items())),
    }  # fmt: skip


def _f(x: float | None, pct: bool = True) -> str:
    if x is None:
        return "  n/a"
    return f"{100 * x:5.1f}%" if pct else f"{x:6.2f}"


def format_table(total: dict[str, Any], title: str = "holdfast score") -> str:
    """A plain-text table for people."""
    lines = [
        title,
        "",
        "reps (sets)               sets  exact  within-one  count-only  unnamed  other-name",
    ]
    if not total["reps"]:
        lines.append("  (no rep sets in the truth)")
    for ex, r in total["reps"].items():
        lines.append(
            f"  {ex:<24}{r['sets']:5d} {_f(r['exact_rate'])} {_f(r['within_one_rate'])}"
            f"      {_f(r['count_exact_rate'])}  {r['unnamed']:7d}  {r['named_other']:10d}"
        )
    if "rep_sets" in total:
        rs = total["rep_sets"]
        lines.append(
            f"  {'all sets':<24}{rs['sets']:5d} {_f(rs['exact_rate'])} "
            f"{_f(rs['within_one_rate'])}      {_f(rs['count_exact_rate'])}  "
            f"{rs['unnamed']:7d}  {rs['named_other']:10d}"
        )
        lines.append(
            "  exact: count, name, side, first and last rep right; count-only: reps in the"
            " set's window, names unread"
        )
    h, fe, al, an = (total[k] for k in ("holds", "flexion_episodes", "alerts", "angle_rmse_deg"))
    lines += [
        "",
        f"holds            true {h['true']:4d} found {h['found']:4d}  recall {_f(h['recall'])}"
        f"  precision {_f(h['precision'])}  duration MAE {_f(h['duration_mae_s'], False)} s"
        f"  side right {_f(h.get('side_right_rate'))} (no side given {h.get('side_unsaid', 0)})",
        f"flexion episodes true {fe['true']:4d} found {fe['found']:4d}  recall {_f(fe['recall'])}"
        f"  precision {_f(fe['precision'])}  sessions exact {_f(fe.get('sessions_exact_rate'))}"
        f" (n={fe.get('sessions', 0)})",
        f"alerts           true {al['true']:4d} found {al['found']:4d}  recall {_f(al['recall'])}"
        f"  precision {_f(al['precision'])}",
        f"angle RMSE       static {_f(an['static'], False)} deg (n={an['static_n']})"
        f"  dynamic {_f(an['dynamic'], False)} deg (n={an['dynamic_n']})",
    ]
    postures = ", ".join(
        f"{p} {_f(v['accuracy']).strip()}" for p, v in total["posture_accuracy"].items()
    )
    lines.append(f"posture (at rest) {postures or 'n/a'}")
    neg = total["negative_activities"]
    false = ", ".join(f"{k} {v}" for k, v in neg["false_events"].items()) or "none"
    lines.append(f"negative activities {neg['seconds']:.0f} s: false events {false}")
    for name, a in neg.get("by_activity", {}).items():
        bad = ", ".join(f"{k} {v}" for k, v in a["false_events"].items()) or "none"
        lines.append(f"  {name:<16} {a['seconds']:6.0f} s  {bad}")
    if total.get("naming"):
        lines += ["", "naming per exercise (reps and holds)   true  right  unnamed  other  missed"]
        for ex, n in total["naming"].items():
            other = ", ".join(f"{k} {v}" for k, v in n["named_as"].items())
            lines.append(
                f"  {ex:<36}{n['true']:5d} {_f(n['right_rate'])} {n['unnamed']:8d} "
                f"{n['other']:6d} {n['missed']:7d}" + (f"  (as {other})" if other else "")
            )
    return "\n".join(lines)
