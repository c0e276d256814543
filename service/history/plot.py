"""The trend plot: hold time and reps per week, alerts per hour of activity.

For the session report and the web page (and ``holdfast history plot``): call
:func:`trend_figure` for a matplotlib figure to place, or :func:`trend_png` for PNG bytes.
matplotlib is imported here only, with the Agg backend (no display needed).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from service.history.trends import WeekTrend

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def trend_figure(weeks: Sequence[WeekTrend], title: str = "holdfast history") -> Figure:
    """Three stacked panels sharing the week axis; an empty history gives a figure that says so."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.0, 6.0), layout="constrained")
    axes = fig.subplots(3, 1, sharex=True)
    fig.suptitle(title)
    if not weeks:
        for ax in axes:
            ax.set_axis_off()
        axes[1].text(0.5, 0.5, "no sessions recorded yet", ha="center", va="center")
        return fig
    labels = [w.week.isoformat() for w in weeks]
    x = list(range(len(weeks)))
    axes[0].bar(x, [w.hold_s / 60.0 for w in weeks], color="tab:blue")
    axes[0].set_ylabel("hold time (min)")
    axes[1].bar(x, [w.reps for w in weeks], color="tab:green")
    axes[1].set_ylabel("reps")
    axes[2].plot(x, [w.alerts_per_hour for w in weeks], marker="o", color="tab:red")
    axes[2].set_ylabel("alerts / hour")
    axes[2].set_ylim(bottom=0)
    axes[2].set_xticks(x, labels, rotation=45, ha="right")
    axes[2].set_xlabel("week (Monday, UTC)")
    return fig


def trend_png(weeks: Sequence[WeekTrend], title: str = "holdfast history", dpi: int = 100) -> bytes:
    """:func:`trend_figure` as PNG bytes."""
    buffer = io.BytesIO()
    trend_figure(weeks, title).savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()
