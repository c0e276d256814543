"""The history's part of a session report: the weekly trend as an HTML fragment.

``holdfast report RECORDING --history`` puts it before the report's footer (the report's
``sections`` hook); the web page or anything else may embed it the same way. Self-contained:
the plot is an inline PNG, so the page still needs nothing from elsewhere.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence

from service.history.plot import trend_png
from service.history.trends import WeekTrend

TITLE = "Trend over past sessions"


def trend_html(weeks: Sequence[WeekTrend], source: str) -> str:
    """The trend plot and one table row per week; ``source`` names the database."""
    if not weeks:
        return f"<p class=muted>No sessions in the history ({html.escape(source)}) yet.</p>"
    img = base64.b64encode(trend_png(weeks, title="per week")).decode("ascii")
    rows = "".join(
        f"<tr><td>{w.week.isoformat()}</td><td class=num>{w.sessions}</td>"
        f"<td class=num>{w.hold_s / 60:.1f}</td><td class=num>{w.holds_completed}/{w.holds}</td>"
        f"<td class=num>{w.reps}</td><td class=num>{w.alerts_per_hour:.1f}</td></tr>"
        for w in weeks
    )
    return (
        f'<img alt="hold time, reps and alerts per hour, per week" '
        f'src="data:image/png;base64,{img}">\n'
        "<table><tr><th>week of</th><th>sessions</th><th>hold min</th><th>holds on target</th>"
        f"<th>reps</th><th>alerts per hour</th></tr>{rows}</table>\n"
        f"<p class=muted>From the history ({html.escape(source)}); weeks start on Monday, UTC.</p>"
    )
