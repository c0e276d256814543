"""A measured figure beside its target, and the table / JSON they are printed as."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Figure:
    """``value`` in ``unit``; ``target`` with ``better`` telling which side passes."""

    key: str
    value: float | None  # None: not measured (a tool missing), with ``note`` saying why
    unit: str
    target: float | None = None
    better: Literal["higher", "lower"] = "higher"
    note: str = ""

    @property
    def passed(self) -> bool | None:
        if self.target is None or self.value is None or math.isnan(self.value):
            return None
        if self.better == "higher":
            return self.value >= self.target
        return self.value <= self.target


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if abs(value) >= 1e5:
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(figures: list[Figure]) -> str:
    rows = [("figure", "value", "unit", "target", "result", "note")]
    for f in figures:
        target = (
            "" if f.target is None else ("≥ " if f.better == "higher" else "≤ ") + _fmt(f.target)
        )
        verdict = {True: "pass", False: "FAIL", None: ""}[f.passed]
        rows.append((f.key, _fmt(f.value), f.unit, target, verdict, f.note))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = []
    for r in rows:
        cells = [r[0].ljust(widths[0]), *(r[i].rjust(widths[i]) for i in range(1, 5))]
        lines.append(("  ".join(cells) + ("  " + r[5] if r[5] else "")).rstrip())
    return "\n".join(lines)


def as_json(figures: list[Figure], context: dict[str, object]) -> str:
    """One JSON object: every key's value, plus ``targets``/``passed``/``notes`` and the
    context (machine, mode)."""
    # NaN (not measurable, e.g. a replay too short to time) is null: strict JSON has no NaN.
    out: dict[str, object] = {
        f.key: None if f.value is None or math.isnan(f.value) else f.value for f in figures
    }
    out["targets"] = {
        f.key: {"target": f.target, "better": f.better, "unit": f.unit}
        for f in figures
        if f.target is not None
    }
    out["passed"] = {f.key: f.passed for f in figures if f.target is not None}
    out["notes"] = {f.key: f.note for f in figures if f.note}
    out["context"] = context
    return json.dumps(out, sort_keys=False)
