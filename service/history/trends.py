"""Sessions folded into weeks: hold time, reps, alerts per hour of activity.

Pure arithmetic on :class:`~service.history.rows.SessionRow` lists (no SQL), so SQLite and
PostgreSQL give the same trends and the report or web page can fold rows it already has.
A week starts on Monday, in UTC, by the session's start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from service.history.rows import SessionRow


@dataclass(slots=True)
class WeekTrend:
    """Totals of one week (``week`` is its Monday)."""

    week: date
    sessions: int = 0
    active_s: float = 0.0
    holds: int = 0
    holds_completed: int = 0
    hold_s: float = 0.0
    reps: int = 0
    sets: int = 0
    alerts: int = 0
    gateways: set[str] = field(default_factory=set)

    @property
    def alerts_per_hour(self) -> float:
        """Flexion alerts per hour of recorded activity (0 when nothing was recorded)."""
        return self.alerts / (self.active_s / 3600.0) if self.active_s > 0 else 0.0


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weekly(rows: Iterable[SessionRow]) -> list[WeekTrend]:
    """One :class:`WeekTrend` per week that has sessions, oldest first."""
    weeks: dict[date, WeekTrend] = {}
    for r in rows:
        monday = week_of(r.started_utc.date())
        w = weeks.setdefault(monday, WeekTrend(monday))
        w.sessions += 1
        w.active_s += r.duration_s
        w.holds += r.holds
        w.holds_completed += r.holds_completed
        w.hold_s += r.hold_s
        w.reps += r.reps
        w.sets += r.sets
        w.alerts += r.alerts
        w.gateways.add(r.gateway)
    return [weeks[k] for k in sorted(weeks)]
