"""The history database's tables, as SQLAlchemy Core objects: a public contract.

``docs/history.md`` documents every table and column; other tools (a spreadsheet, Grafana, a
clinic's own reports) may read them. Like the MQTT payloads they change only by adding, and
every change is a new migration in :mod:`service.history.migrations` (which creates these
tables step by step; a test checks that the migrated database has exactly these columns).

Times: ``*_utc`` columns are UTC wall times when the recorder received something (the events
carry seconds since session start, not wall time); ``t``, ``t_start``, ``t_end`` are the
events' own seconds since session start.

The key of everything is the event id: ``events`` holds one row per (gateway, event id), so a
QoS 1 duplicate or a journal replay is dropped before anything else is written. The typed
tables (holds, reps, sets, alerts, flexions) hang off that row.
"""

from __future__ import annotations

import sqlalchemy as sa

SCHEMA_VERSION = 2
"""The version :func:`service.history.migrations.migrate` brings a database to."""

metadata = sa.MetaData()

_UTC = sa.DateTime(timezone=True)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("gateway", sa.String(200), nullable=False),
    sa.Column("sensor", sa.String(200), nullable=False),
    sa.Column("stream", sa.String(64), nullable=False),
    sa.Column("first_received_utc", _UTC, nullable=False),
    sa.Column("last_received_utc", _UTC, nullable=False),
    sa.Column("started_utc", _UTC, nullable=False),
    sa.Column("last_t_s", sa.Float, nullable=False),
    sa.Column("event_count", sa.Integer, nullable=False),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.Column("duration_s", sa.Float),
    sa.Column("bends", sa.Integer),
    sa.Column("bends_per_hour", sa.Float),
    sa.Column("deepest_bend_deg", sa.Float),
    sa.Column("neutral_s", sa.Float),
    sa.Column("moderate_s", sa.Float),
    sa.Column("severe_s", sa.Float),
    sa.Column("alerts_repeated", sa.Integer),
    sa.Column("alerts_sustained", sa.Integer),
    sa.Column("malformed_total", sa.Integer),
    sa.Column("summary", sa.Text),
    sa.UniqueConstraint("gateway", "stream", name="uq_sessions_gateway_stream"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
    sa.Column("gateway", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("t", sa.Float, nullable=False),
    sa.Column("received_utc", _UTC, nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.UniqueConstraint("gateway", "event_id", name="uq_events_gateway_event_id"),
    sa.Index("ix_events_session", "session_id"),
)


def _event_fk() -> sa.Column[int]:
    return sa.Column("event", sa.Integer, sa.ForeignKey("events.id"), primary_key=True)


def _session_fk() -> sa.Column[int]:
    return sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False)


holds = sa.Table(
    "holds",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("side", sa.String(10)),
    sa.Column("t_start", sa.Float, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("target_s", sa.Float, nullable=False),
    sa.Column("completed", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("sway_deg", sa.Float, nullable=False),
    sa.Column("tremor_power", sa.Float, nullable=False),
    sa.Index("ix_holds_session", "session_id"),
)

reps = sa.Table(
    "reps",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("side", sa.String(10)),
    sa.Column("rep_index", sa.Integer, nullable=False),
    sa.Column("rom_deg", sa.Float, nullable=False),
    sa.Column("duration_s", sa.Float, nullable=False),
    sa.Column("top_hold_s", sa.Float, nullable=False),
    sa.Column("t_start", sa.Float, nullable=False),
    sa.Column("flagged", sa.Boolean, nullable=False),
    sa.Index("ix_reps_session", "session_id"),
)

sets = sa.Table(
    "sets",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("rep_count", sa.Integer, nullable=False),
    sa.Column("t_start", sa.Float, nullable=False),
    sa.Column("t_end", sa.Float, nullable=False),
    sa.Index("ix_sets_session", "session_id"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("reason", sa.String(32), nullable=False),
    sa.Column("bend_count", sa.Integer, nullable=False),
    sa.Column("window_s", sa.Float, nullable=False),
    sa.Column("threshold_deg", sa.Float, nullable=False),
    sa.Column("t", sa.Float, nullable=False),
    sa.Index("ix_alerts_session", "session_id"),
)

flexions = sa.Table(
    "flexions",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("t_start", sa.Float, nullable=False),
    sa.Column("t_end", sa.Float, nullable=False),
    sa.Column("peak_deg", sa.Float, nullable=False),
    sa.Column("baseline_deg", sa.Float, nullable=False),
    sa.Column("depth_deg", sa.Float, nullable=False),
    sa.Index("ix_flexions_session", "session_id"),
)

# --- version 2: guided routines (docs/routines.md) -------------------------------------------

routines = sa.Table(
    "routines",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("session_id", sa.Integer, sa.ForeignKey("sessions.id"), nullable=False),
    sa.Column("routine_id", sa.String(64), nullable=False),
    sa.Column("routine", sa.String(200), nullable=False),
    sa.Column("title", sa.Text),
    sa.Column("plan", sa.Text),
    sa.Column("t_start", sa.Float),
    sa.Column("steps_planned", sa.Integer),
    sa.Column("ended", sa.Boolean, nullable=False),
    sa.Column("reason", sa.String(32)),
    sa.Column("duration_s", sa.Float),
    sa.Column("steps_done", sa.Integer),
    sa.Column("pain_before", sa.Integer),
    sa.Column("pain_after", sa.Integer),
    sa.Column("pain_during", sa.Text),
    sa.Column("proposal_action", sa.String(32)),
    sa.Column("proposal_routine", sa.String(200)),
    sa.Column("proposal_reason", sa.Text),
    sa.Column("result", sa.Text),
    sa.UniqueConstraint("session_id", "routine_id", name="uq_routines_session_routine"),
)

routine_steps = sa.Table(
    "routine_steps",
    metadata,
    sa.Column("routine", sa.Integer, sa.ForeignKey("routines.id"), primary_key=True),
    sa.Column("step", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("exercise", sa.String(100), nullable=False),
    sa.Column("side", sa.String(10)),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("target", sa.Integer),
    sa.Column("hold_s", sa.Float),
    sa.Column("sets_planned", sa.Integer, nullable=False),
    sa.Column("sets_done", sa.Integer, nullable=False),
    sa.Column("done", sa.Integer, nullable=False),
    sa.Column("short", sa.Integer, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("pain", sa.Integer),
)

pain_scores = sa.Table(
    "pain_scores",
    metadata,
    _event_fk(),
    _session_fk(),
    sa.Column("routine_id", sa.String(64), nullable=False),
    sa.Column("phase", sa.String(8), nullable=False),
    sa.Column("score", sa.Integer),
    sa.Column("step", sa.Integer),
    sa.Column("exercise", sa.String(100)),
    sa.Column("side", sa.String(10)),
    sa.Column("t", sa.Float, nullable=False),
    sa.Index("ix_pain_scores_session", "session_id"),
)

schema_migrations = sa.Table(
    "schema_migrations",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("applied_utc", _UTC, nullable=False),
)

NOT_STORED: frozenset[str] = frozenset({"angle", "hold_tick"})
"""Event types the recorder skips: 10 Hz and 1 Hz streams whose content the stored events
(flexion episodes, hold ends, the summary's time in zone) already hold."""
