"""Versioned migrations of the history database: a ``schema_migrations`` table, one row each.

A small table instead of Alembic: the schema only grows (tables and nullable columns are
added, nothing is renamed or dropped, see ``docs/history.md``), so a list of numbered steps
applied in order inside one transaction is all it takes, on SQLite and PostgreSQL alike, with
no extra tool for a clinic to run. Opening a database migrates it; two recorders opening the
same new PostgreSQL database at once are serialised by the unique version key (the loser's
transaction fails and it retries after reading the versions again).

Adding a step: append ``(version, description, function)`` to :data:`MIGRATIONS` and bump
:data:`service.history.schema.SCHEMA_VERSION`. Steps create tables with
``create_all(tables=[...])`` from :mod:`service.history.schema`; a step that ADDS A COLUMN to
an existing table must use ``ALTER TABLE ... ADD COLUMN`` and, because step 1 creates the
tables from the current definitions, must first freeze step 1's definition of that table
here (copy it without the new column). ``tests/history/test_schema.py`` fails when the
migrated database and :mod:`schema` disagree.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa

from service.errors import HistoryError
from service.history import schema

log = logging.getLogger(__name__)

Step = Callable[[sa.Connection], None]


def _v1(conn: sa.Connection) -> None:
    schema.metadata.create_all(
        conn,
        tables=[
            schema.sessions,
            schema.events,
            schema.holds,
            schema.reps,
            schema.sets,
            schema.alerts,
            schema.flexions,
        ],
    )


def _v2(conn: sa.Connection) -> None:
    schema.metadata.create_all(
        conn, tables=[schema.routines, schema.routine_steps, schema.pain_scores]
    )


MIGRATIONS: tuple[tuple[int, str, Step], ...] = (
    (1, "sessions, events, holds, reps, sets, alerts, flexions", _v1),
    (2, "routines, routine_steps, pain_scores (guided routines)", _v2),
)


def current_version(conn: sa.Connection) -> int:
    """The highest applied version (0 for an empty database)."""
    if not sa.inspect(conn).has_table(schema.schema_migrations.name):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema.schema_migrations.c.version))).scalar()
    return int(found or 0)


def migrate(engine: sa.Engine, name: str, target: int | None = None) -> int:
    """Apply every missing step (up to ``target``, default all); returns the version the
    database is at.

    Raises :class:`HistoryError` for a database newer than this holdfast (it would not know
    what the extra tables mean, and writing to it could break a newer reader's assumptions).
    """
    for attempt in range(3):
        try:
            return _migrate_once(engine, name, target)
        except sa.exc.IntegrityError:
            # Another recorder applied the same step at the same time: read again.
            if attempt == 2:
                raise
            log.info("history: another process migrated %s; checking again", name)
    raise AssertionError("unreachable")


def _migrate_once(engine: sa.Engine, name: str, target: int | None) -> int:
    with engine.begin() as conn:
        schema.metadata.create_all(conn, tables=[schema.schema_migrations])
        version = current_version(conn)
        newest = MIGRATIONS[-1][0]
        if version > newest:
            raise HistoryError(
                name,
                f"schema version {version} is newer than this holdfast knows ({newest}); "
                "upgrade holdfast to read or record it",
            )
        for number, description, step in MIGRATIONS:
            if number <= version or (target is not None and number > target):
                continue
            step(conn)
            conn.execute(
                sa.insert(schema.schema_migrations).values(
                    version=number, description=description, applied_utc=datetime.now(UTC)
                )
            )
            log.info("history: %s migrated to version %d (%s)", name, number, description)
            version = number
        return version
