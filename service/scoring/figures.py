"""The figures issue 9's "Done when" lists, one column per kind of session.

Every figure is computed from :func:`service.scoring.report.summary` output, so the same
numbers appear in ``--json`` (under ``groups``) and in the table.
"""

from __future__ import annotations

from typing import Any

from service.scoring.groups import GROUP_TITLES

#: Negative activities that are walking; every other negative activity is a posture change
#: (sitting down, standing up, lying down, getting up, kneeling, rolling) or fidgeting.
WALKING = frozenset({"walk", "jog"})


def false_events(summary: dict[str, Any], walking: bool) -> int:
    """Reps, holds, flexion episodes and alerts inside walking (or inside the other negative
    activities)."""
    by = summary["negative_activities"].get("by_activity", {})
    return sum(
        sum(a["false_events"].values()) for name, a in by.items() if (name in WALKING) == walking
    )


def done_when(summary: dict[str, Any]) -> dict[str, Any]:
    """The figures, by name (``None`` where nothing was there to measure)."""
    rs, h, fe, al = (summary[k] for k in ("rep_sets", "holds", "flexion_episodes", "alerts"))
    return {
        "files": summary["files"],
        "rep_sets": rs["sets"],
        "sets_exact_rate": rs["exact_rate"],
        "sets_within_one_rate": rs["within_one_rate"],
        "sets_named_other": rs["named_other"],
        "sets_unnamed": rs["unnamed"],
        "sets_extra": rs["extra_sets"],
        "holds_true": h["true"],
        "holds_recall": h["recall"],
        "holds_precision": h["precision"],
        "hold_duration_mae_s": h["duration_mae_s"],
        "holds_side_right_rate": h["side_right_rate"],
        "holds_side_unsaid": h.get("side_unsaid", 0),
        "episode_sessions": fe["sessions"],
        "episode_sessions_exact_rate": fe["sessions_exact_rate"],
        "alerts_true": al["true"],
        "alerts_recall": al["recall"],
        "alerts_precision": al["precision"],
        "false_events_walking": false_events(summary, walking=True),
        "false_events_transitions": false_events(summary, walking=False),
    }


#: (key, label, kind, target): the targets are issue 9's "Done when".
_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("files", "files", "n", ""),
    ("rep_sets", "rep sets (true)", "n", ""),
    ("sets_exact_rate", "  exact: count+name+side+ends", "%", ">= 95%"),
    ("sets_within_one_rate", "  count within one", "%", "100%"),
    ("sets_named_other", "  named as another exercise", "n", "0"),
    ("sets_unnamed", "  unnamed (generic name)", "n", ""),
    ("sets_extra", "reported sets matching none", "n", ""),
    ("holds_true", "holds (true)", "n", ""),
    ("holds_recall", "  recall", "%", ">= 95%"),
    ("holds_precision", "  precision", "%", ">= 95%"),
    ("hold_duration_mae_s", "  mean duration error (s)", "s", "<= 0.30"),
    ("holds_side_right_rate", "  side right", "%", ">= 95%"),
    ("holds_side_unsaid", "  side not given (of those)", "n", ""),
    ("episode_sessions", "sessions with flexion episodes", "n", ""),
    ("episode_sessions_exact_rate", "  episodes exact per session", "%", ">= 95%"),
    ("alerts_true", "alerts (true)", "n", ""),
    ("alerts_recall", "  recall", "%", ">= 95%"),
    ("alerts_precision", "  precision", "%", ">= 95%"),
    ("false_events_walking", "false events: walking/jogging", "n", "0"),
    ("false_events_transitions", "false events: transitions/fidget", "n", "0"),
)


def _cell(value: Any, kind: str) -> str:
    if value is None:
        return "n/a"
    if kind == "%":
        return f"{100 * value:.1f}%"
    if kind == "s":
        return f"{value:.2f}"
    return str(value)


def format_columns(columns: dict[str, dict[str, Any]], title: str) -> str:
    """A table with one column per set of figures (``done_when`` output), rows as listed."""
    names = list(columns)
    width = max(12, *(len(GROUP_TITLES.get(n, n)) + 2 for n in names))
    head = f"{title:<34}" + "".join(f"{GROUP_TITLES.get(n, n):>{width}}" for n in names)
    lines = [head + f"{'target':>10}"]
    for key, label, kind, target in _ROWS:
        cells = "".join(f"{_cell(columns[n].get(key), kind):>{width}}" for n in names)
        lines.append(f"{label:<34}{cells}{target:>10}")
    return "\n".join(lines)


def markdown_columns(columns: dict[str, dict[str, Any]], title: str) -> str:
    """The same table in Markdown (for docs/accuracy.md)."""
    names = list(columns)
    lines = [
        f"| {title} | " + " | ".join(GROUP_TITLES.get(n, n) for n in names) + " | target |",
        "|---" * (len(names) + 2) + "|",
    ]
    section = ""
    for key, label, kind, target in _ROWS:
        cells = " | ".join(_cell(columns[n].get(key), kind) for n in names)
        # Markdown loses the indentation: an indented row names its section.
        if label.startswith(" "):
            name = f"{section}: {label.strip()}"
        else:
            name, section = label, label.split(" (")[0]
        lines.append(f"| {name} | {cells} | {target} |")
    return "\n".join(lines)
