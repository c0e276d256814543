"""Rates from raw counts, and the printed table."""

from __future__ import annotations

from typing import Any

import numpy as np

from service.scoring.metrics import Score


def _rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def summary(s: Score) -> dict[str, Any]:
    """The numbers ``holdfast score --json`` prints (``None`` where nothing was there to
    measure)."""
    reps = {
        ex: {"sets": n, "exact_rate": _rate(e, n), "within_one_rate": _rate(w, n)}
        for ex, (n, e, w) in sorted(s.sets.items())
    }
    return {
        "reps": reps,
        "holds": {
            "true": s.holds_true, "found": s.holds_found,
            "recall": _rate(s.holds_hit, s.holds_true),
            "precision": _rate(s.holds_hit, s.holds_found),
            "duration_mae_s": float(np.mean(s.hold_abs_err_s)) if s.hold_abs_err_s else None,
        },
        "flexion_episodes": {
            "true": s.episodes_true, "found": s.episodes_found,
            "recall": _rate(s.episodes_hit_true, s.episodes_true),
            "precision": _rate(s.episodes_hit_found, s.episodes_found),
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
        "negative_activities": {"seconds": round(s.negative_s, 1),
                                "false_events": dict(sorted(s.negative_events.items()))},
    }  # fmt: skip


def _f(x: float | None, pct: bool = True) -> str:
    if x is None:
        return "  n/a"
    return f"{100 * x:5.1f}%" if pct else f"{x:6.2f}"


def format_table(total: dict[str, Any], title: str = "holdfast score") -> str:
    """A plain-text table for people."""
    lines = [title, "", "reps (sets)               sets  exact  within-one"]
    if not total["reps"]:
        lines.append("  (no rep sets in the truth)")
    for ex, r in total["reps"].items():
        lines.append(f"  {ex:<24}{r['sets']:5d} {_f(r['exact_rate'])} {_f(r['within_one_rate'])}")
    h, fe, al, an = (total[k] for k in ("holds", "flexion_episodes", "alerts", "angle_rmse_deg"))
    lines += [
        "",
        f"holds            true {h['true']:4d} found {h['found']:4d}  recall {_f(h['recall'])}"
        f"  precision {_f(h['precision'])}  duration MAE {_f(h['duration_mae_s'], False)} s",
        f"flexion episodes true {fe['true']:4d} found {fe['found']:4d}  recall {_f(fe['recall'])}"
        f"  precision {_f(fe['precision'])}",
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
    return "\n".join(lines)
