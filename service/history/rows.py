"""Sessions read back from the history database, with their totals (one query)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from service.history import schema


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session of one sensor of one gateway, as stored."""

    id: int
    gateway: str
    sensor: str
    stream: str
    started_utc: datetime
    duration_s: float
    ended: bool
    events: int
    reps: int
    sets: int
    holds: int
    holds_completed: int
    hold_s: float
    alerts: int
    bends: int | None
    deepest_bend_deg: float | None
    severe_s: float | None
    routines: tuple[str, ...] = ()
    """Names of the guided routines run in it, in order."""
    pain_before: int | None = None
    """The first routine's pain score before (0-10), if given."""
    pain_after: int | None = None
    """The last routine's pain score after, if given."""


def _utc(value: datetime) -> datetime:
    # SQLite hands datetimes back without their zone; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _per_session(table: sa.Table, *columns: sa.ColumnElement[Any]) -> sa.Subquery:
    return (
        sa.select(table.c.session_id.label("session_id"), *columns)
        .group_by(table.c.session_id)
        .subquery()
    )


def session_rows(
    conn: sa.Connection,
    *,
    gateway: str | None = None,
    sensor: str | None = None,
    since_utc: datetime | None = None,
) -> list[SessionRow]:
    s = schema.sessions
    reps = _per_session(schema.reps, sa.func.count().label("n"))
    sets = _per_session(schema.sets, sa.func.count().label("n"))
    holds = _per_session(
        schema.holds,
        sa.func.count().label("n"),
        sa.func.sum(sa.case((schema.holds.c.completed, 1), else_=0)).label("done"),
        sa.func.sum(schema.holds.c.duration_s).label("seconds"),
    )
    alerts = _per_session(schema.alerts, sa.func.count().label("n"))
    query = (
        sa.select(
            s,
            sa.func.coalesce(reps.c.n, 0).label("rep_n"),
            sa.func.coalesce(sets.c.n, 0).label("set_n"),
            sa.func.coalesce(holds.c.n, 0).label("hold_n"),
            sa.func.coalesce(holds.c.done, 0).label("hold_done"),
            sa.func.coalesce(holds.c.seconds, 0.0).label("hold_s"),
            sa.func.coalesce(alerts.c.n, 0).label("alert_n"),
        )
        .outerjoin(reps, reps.c.session_id == s.c.id)
        .outerjoin(sets, sets.c.session_id == s.c.id)
        .outerjoin(holds, holds.c.session_id == s.c.id)
        .outerjoin(alerts, alerts.c.session_id == s.c.id)
        .order_by(s.c.started_utc, s.c.id)
    )
    if gateway is not None:
        query = query.where(s.c.gateway == gateway)
    if sensor is not None:
        query = query.where(s.c.sensor == sensor)
    if since_utc is not None:
        query = query.where(s.c.started_utc >= since_utc)
    routines = _routines_by_session(conn)
    return [
        SessionRow(
            id=r["id"],
            gateway=r["gateway"],
            sensor=r["sensor"],
            stream=r["stream"],
            started_utc=_utc(r["started_utc"]),
            duration_s=float(r["duration_s"] if r["duration_s"] is not None else r["last_t_s"]),
            ended=bool(r["ended"]),
            events=int(r["event_count"]),
            reps=int(r["rep_n"]),
            sets=int(r["set_n"]),
            holds=int(r["hold_n"]),
            holds_completed=int(r["hold_done"]),
            hold_s=float(r["hold_s"]),
            alerts=int(r["alert_n"]),
            bends=r["bends"],
            deepest_bend_deg=r["deepest_bend_deg"],
            severe_s=r["severe_s"],
            **routines.get(r["id"], {}),
        )
        for r in conn.execute(query).mappings()
    ]


def _routines_by_session(conn: sa.Connection) -> dict[int, dict[str, Any]]:
    """Per session: its routines' names, the first pain before and the last pain after."""
    r = schema.routines
    query = sa.select(r.c.session_id, r.c.routine, r.c.pain_before, r.c.pain_after).order_by(r.c.id)
    out: dict[int, dict[str, Any]] = {}
    for session_id, name, before, after in conn.execute(query):
        fields = out.setdefault(session_id, {"routines": (), "pain_before": None})
        fields["routines"] = (*fields["routines"], name)
        if fields["pain_before"] is None:
            fields["pain_before"] = before
        if after is not None:
            fields["pain_after"] = after
    return out
