"""The session plot: trunk angle over time, zones shaded, every rep, hold, bend and alert.

matplotlib with the Agg backend (set here, before pyplot is imported), so it draws on a
server, over SSH or in CI without a display. :func:`figure_png` is the one way figures
become bytes; another plot (a history trend) can use it and join the page as a section.
"""

from __future__ import annotations

import io
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from service.report.collect import Session

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

ZONE_COLOURS = {"neutral": "#2fbf71", "moderate": "#f0b429", "severe": "#e5484d"}
EXERCISE_COLOURS = ("#1f77b4", "#9467bd", "#8c564b", "#17becf", "#e377c2", "#7f7f7f")


def _pyplot() -> ModuleType:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _clock(t: float, _pos: object = None) -> str:
    whole = max(0, round(t))
    return f"{whole // 60}:{whole % 60:02d}"


def session_figure(s: Session) -> Figure:
    """The figure: flexion on top (zones, bends, holds, reps, alerts), lateral below."""
    plt = _pyplot()
    from matplotlib.ticker import FuncFormatter

    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(12, 6.4), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    zones = s.settings.detectors.zones
    low = (
        min(-30.0, float(np.nanmin(s.flexion_deg)) - 5) if np.isfinite(s.flexion_deg).any() else -30
    )
    high = (
        max(100.0, float(np.nanmax(s.flexion_deg)) + 10)
        if np.isfinite(s.flexion_deg).any()
        else 100
    )
    top.axhspan(low, zones.neutral_max_deg, color=ZONE_COLOURS["neutral"], alpha=0.12, lw=0)
    top.axhspan(
        zones.neutral_max_deg, zones.moderate_max_deg, color=ZONE_COLOURS["moderate"],
        alpha=0.15, lw=0,
    )  # fmt: skip
    top.axhspan(zones.moderate_max_deg, high, color=ZONE_COLOURS["severe"], alpha=0.12, lw=0)
    top.plot(s.t, s.flexion_deg, color="#222", lw=1.1, label="forward flexion")
    _mark_holds(top, s, high)
    _mark_bends(top, s)
    _mark_reps(top, s, low)
    for i, alert in enumerate(s.alerts):
        top.axvline(alert.t, color=ZONE_COLOURS["severe"], lw=1.6, ls="--",
                    label="warning" if i == 0 else None)  # fmt: skip
        top.annotate("warning", (alert.t, high), xytext=(3, -12), textcoords="offset points",
                     color=ZONE_COLOURS["severe"], fontsize=8, fontweight="bold")  # fmt: skip
    top.set_ylim(low, high)
    top.set_ylabel("forward flexion (°)")
    top.set_title(f"{s.name}: trunk angle, {s.sensor}", loc="left", pad=18)
    top.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncol=6, frameon=False)
    top.grid(alpha=0.25)
    for label, y in (
        (f"neutral (< {zones.neutral_max_deg:.0f}°)", zones.neutral_max_deg - 7),
        ("bent", zones.neutral_max_deg + 2),
        (f"bent far (> {zones.moderate_max_deg:.0f}°)", zones.moderate_max_deg + 2),
    ):
        top.text(0.002, y, label, transform=top.get_yaxis_transform(), fontsize=7, color="#555")

    bottom.plot(s.t, s.lateral_deg, color="#555", lw=1.0)
    bottom.axhline(0, color="#999", lw=0.8)
    bottom.set_ylabel("sideways (°)")
    bottom.set_xlabel("time since the start (min:s)")
    bottom.grid(alpha=0.25)
    bottom.xaxis.set_major_formatter(FuncFormatter(_clock))
    if len(s.t):
        bottom.set_xlim(0, float(s.t[-1]))
    fig.tight_layout()
    figure: Figure = fig
    return figure


def _mark_holds(ax: Axes, s: Session, high: float) -> None:
    for i, h in enumerate(s.holds):
        ax.axvspan(h.t_start, h.t_start + h.duration_s, color="#4da3ff", alpha=0.22, lw=0,
                   label="hold" if i == 0 else None)  # fmt: skip
        side = f" ({h.side})" if h.side else ""
        ax.annotate(
            f"{h.exercise.replace('_', ' ')}{side}\n{int(h.duration_s * 10) / 10:.1f} of "
            f"{h.target_s:.0f} s",
            (h.t_start, high), xytext=(2, -26), textcoords="offset points", fontsize=7.5,
            color="#1a7f45" if h.completed else "#b54708",
        )  # fmt: skip


def _mark_bends(ax: Axes, s: Session) -> None:
    if not s.bends:
        return
    ax.plot(
        [(b.t_start + b.t_end) / 2 for b in s.bends], [b.peak_deg for b in s.bends],
        "v", color="#b54708", ms=7, label="forward bend", ls="none",
    )  # fmt: skip


def _mark_reps(ax: Axes, s: Session, low: float) -> None:
    names = list(dict.fromkeys(r.exercise for r in s.reps))
    for k, name in enumerate(names):
        reps = [r for r in s.reps if r.exercise == name]
        colour = EXERCISE_COLOURS[k % len(EXERCISE_COLOURS)]
        # Marked in the middle of the movement (``t`` is when it was decided, later).
        mid = [r.t_start + r.duration_s / 2 for r in reps]
        ax.plot(mid, [low + 4] * len(reps), "^", color=colour, ms=8,
                ls="none", label=f"{name.replace('_', ' ')} rep")  # fmt: skip
        for r, t in zip(reps, mid, strict=True):
            ax.annotate(str(r.index), (t, low + 4), xytext=(0, 6), textcoords="offset points",
                        ha="center", fontsize=7, color=colour)  # fmt: skip


def figure_png(fig: Figure, dpi: int = 110) -> bytes:
    """``fig`` as PNG bytes; the figure is closed (pyplot keeps every open one)."""
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def session_png(s: Session) -> bytes:
    return figure_png(session_figure(s))
