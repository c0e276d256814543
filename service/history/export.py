"""CSV export of the history: sessions, weekly trends, or one typed table with its session.

Columns are the database's (docs/history.md) so a spreadsheet and SQL agree; times are ISO
8601 UTC.
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import IO, Any

import sqlalchemy as sa

from service.errors import HistoryError
from service.history import schema
from service.history.rows import SessionRow
from service.history.store import HistoryStore, db_reason
from service.history.trends import WeekTrend

TYPED_TABLES: dict[str, sa.Table] = {
    t.name: t for t in (schema.holds, schema.reps, schema.sets, schema.alerts, schema.flexions)
}
EXPORTS: tuple[str, ...] = ("sessions", "trends", *TYPED_TABLES)


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # SQLite returns stored UTC times without their zone.
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set):
        return " ".join(sorted(value))
    return value


def write_sessions(rows: Sequence[SessionRow], out: IO[str]) -> None:
    fields = [f.name for f in dataclasses.fields(SessionRow)]
    w = csv.writer(out)
    w.writerow(fields)
    for r in rows:
        w.writerow([_cell(getattr(r, f)) for f in fields])


def write_trends(weeks: Sequence[WeekTrend], out: IO[str]) -> None:
    fields = [f.name for f in dataclasses.fields(WeekTrend)]
    w = csv.writer(out)
    w.writerow([*fields, "alerts_per_hour"])
    for week in weeks:
        w.writerow([*(_cell(getattr(week, f)) for f in fields), round(week.alerts_per_hour, 3)])


def write_table(
    store: HistoryStore,
    name: str,
    out: IO[str],
    *,
    gateway: str | None = None,
    sensor: str | None = None,
) -> int:
    """One typed table (``holds``, ``reps``, ...) with gateway, sensor and session start."""
    table = TYPED_TABLES[name]
    s = schema.sessions
    query = (
        sa.select(s.c.gateway, s.c.sensor, s.c.started_utc.label("session_started_utc"), table)
        .join(s, s.c.id == table.c.session_id)
        .order_by(s.c.started_utc, table.c.event)
    )
    if gateway is not None:
        query = query.where(s.c.gateway == gateway)
    if sensor is not None:
        query = query.where(s.c.sensor == sensor)
    try:
        with store.engine.connect() as conn:
            result = conn.execute(query)
            w = csv.writer(out)
            w.writerow(list(result.keys()))
            n = 0
            for row in result:
                w.writerow([_cell(v) for v in row])
                n += 1
    except sa.exc.SQLAlchemyError as exc:
        raise HistoryError(store.name, db_reason(exc)) from exc
    return n
