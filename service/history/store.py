"""The history database: open (and migrate) it, store one event, read sessions back.

One class for SQLite and PostgreSQL: SQLAlchemy Core builds the same statements for both, and
the one dialect-specific piece, ``INSERT ... ON CONFLICT DO NOTHING``, has the same meaning in
both. Storing an event is one transaction: the event row (unique per gateway and event id,
so a repeat changes nothing), its typed row, and the session's running totals.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from service.errors import HistoryError
from service.history import schema
from service.history.migrations import migrate
from service.history.routine_store import ROUTINE_TYPES, store_routine_event
from service.history.rows import SessionRow, session_rows

log = logging.getLogger(__name__)


class PayloadError(HistoryError):
    """A message that is not a holdfast event: logged and dropped, never retried."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def normalise_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 (SQLAlchemy would pick psycopg2 otherwise)."""
    for head in ("postgresql://", "postgres://"):
        if url.startswith(head):
            return "postgresql+psycopg://" + url[len(head) :]
    return url


def _shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


class HistoryStore:
    """``HistoryStore(url)`` opens and migrates the database; :meth:`close` when done."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.name = _shown(self.url)
        try:
            parsed = sa.make_url(self.url)
        except sa.exc.ArgumentError as exc:
            raise HistoryError(
                url, "not a database URL (sqlite:///FILE or postgresql://...)"
            ) from exc
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise HistoryError(self.name, f"cannot create its folder: {exc}") from exc
        try:
            self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise HistoryError(self.name, f"cannot use it: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        elif self.engine.dialect.name != "postgresql":
            raise HistoryError(self.name, "only SQLite and PostgreSQL are supported")
        try:
            self.version = migrate(self.engine, self.name)
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise HistoryError(self.name, db_reason(exc)) from exc
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- writing ---------------------------------------------------------------------------

    def record(
        self, gateway: str, payload: bytes | str, received_utc: datetime | None = None
    ) -> bool:
        """Store one event payload from ``gateway``; ``False`` when it was already stored
        or is a type not kept (``schema.NOT_STORED``).

        Raises :class:`PayloadError` for a payload that is not an event, :class:`HistoryError`
        when the database fails (the caller should retry later: nothing was written).
        """
        event = _envelope(payload)
        if event["type"] in schema.NOT_STORED:
            return False
        received = received_utc or datetime.now(UTC)
        try:
            with self.engine.begin() as conn:
                return _store(conn, gateway, event, received)
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self.name, db_reason(exc)) from exc

    # --- reading ---------------------------------------------------------------------------

    def sessions(
        self,
        *,
        gateway: str | None = None,
        sensor: str | None = None,
        since_utc: datetime | None = None,
    ) -> list[SessionRow]:
        """Every stored session, oldest first, with its totals."""
        try:
            with self.engine.connect() as conn:
                return session_rows(conn, gateway=gateway, sensor=sensor, since_utc=since_utc)
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self.name, db_reason(exc)) from exc

    def session_events(self, session_id: int) -> list[dict[str, Any]]:
        """The stored events of one session in ``seq`` order (the payloads as received)."""
        e = schema.events
        query = sa.select(e.c.payload).where(e.c.session_id == session_id).order_by(e.c.seq)
        try:
            with self.engine.connect() as conn:
                return [json.loads(p) for p in conn.execute(query).scalars()]
        except sa.exc.SQLAlchemyError as exc:
            raise HistoryError(self.name, db_reason(exc)) from exc


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL: `holdfast history` reads while the recorder writes; busy_timeout: a second writer
    # waits instead of failing at once; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def db_reason(exc: sa.exc.SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None)
    text = str(original if original is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_ENVELOPE: Mapping[str, type | tuple[type, ...]] = {
    "id": str,
    "type": str,
    "sensor": str,
    "seq": int,
    "t": (int, float),
}


def _envelope(payload: bytes | str) -> dict[str, Any]:
    """The payload as a dict with a valid envelope; unknown event types are kept as they
    are (a newer gateway's events: stored in ``events``, typed tables skip them)."""
    try:
        event = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PayloadError("payload", f"not JSON: {exc}") from exc
    if not isinstance(event, dict):
        raise PayloadError("payload", "not a JSON object")
    for key, kind in _ENVELOPE.items():
        value = event.get(key)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise PayloadError("payload", f"field {key!r} missing or not {_kind_name(kind)}")
    if not event["id"]:
        raise PayloadError("payload", "field 'id' is empty")
    return event


def _kind_name(kind: type | tuple[type, ...]) -> str:
    return "a number" if isinstance(kind, tuple) else f"a {kind.__name__}"


def _insert_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: the new id, or None if present
    (always None for a table without an ``id``)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values).on_conflict_do_nothing()
    if "id" not in table.c:
        conn.execute(statement)
        return None
    return conn.execute(statement.returning(table.c.id)).scalar()


def stream_of(event_id: str) -> str:
    """The session part of an event id (``<16 hex>-<seq>``): what every event of one
    session and sensor shares."""
    head, sep, _ = event_id.rpartition("-")
    return head if sep else event_id


def _store(conn: sa.Connection, gateway: str, event: dict[str, Any], received: datetime) -> bool:
    s = schema.sessions
    t = float(event["t"])
    started = received - timedelta(seconds=max(t, 0.0))
    stream = stream_of(event["id"])
    _insert_ignore(
        conn,
        s,
        {
            "gateway": gateway,
            "sensor": event["sensor"],
            "stream": stream,
            "first_received_utc": received,
            "last_received_utc": received,
            "started_utc": started,
            "last_t_s": t,
            "event_count": 0,
            "ended": False,
        },
    )
    session_id = conn.execute(
        sa.select(s.c.id).where(s.c.gateway == gateway, s.c.stream == stream)
    ).scalar_one()
    event_row = _insert_ignore(
        conn,
        schema.events,
        {
            "session_id": session_id,
            "gateway": gateway,
            "event_id": event["id"],
            "seq": event["seq"],
            "type": event["type"],
            "t": t,
            "received_utc": received,
            "payload": json.dumps(event, separators=(",", ":")),
        },
    )
    if event_row is None:
        return False  # a duplicate: QoS 1 re-delivery or a journal replay
    conn.execute(
        sa.update(s)
        .where(s.c.id == session_id)
        .values(
            event_count=s.c.event_count + 1,
            last_t_s=sa.case((s.c.last_t_s < t, t), else_=s.c.last_t_s),
            started_utc=sa.case((s.c.started_utc > started, started), else_=s.c.started_utc),
            last_received_utc=sa.case(
                (s.c.last_received_utc < received, received), else_=s.c.last_received_utc
            ),
        )
    )
    typed = _typed_row(event)
    if typed is not None:
        table, values = typed
        conn.execute(sa.insert(table).values(event=event_row, session_id=session_id, **values))
    elif event["type"] in ROUTINE_TYPES:
        try:
            store_routine_event(conn, _insert_ignore, session_id, event_row, event)
        except (KeyError, TypeError, ValueError) as exc:
            raise PayloadError("payload", f"{event['type']} event: bad field {exc}") from exc
    if event["type"] == "session_summary":
        conn.execute(sa.update(s).where(s.c.id == session_id).values(**_summary_values(event)))
    return True


def _typed_row(event: dict[str, Any]) -> tuple[sa.Table, dict[str, Any]] | None:
    kind = event["type"]
    g = event.get
    try:
        if kind == "hold_ended":
            return schema.holds, {
                "exercise": event["exercise"],
                "side": g("side"),
                "t_start": event["t_start"],
                "duration_s": event["duration_s"],
                "target_s": event["target_s"],
                "completed": bool(event["completed"]),
                "reason": event["reason"],
                "sway_deg": event["sway_deg"],
                "tremor_power": event["tremor_power"],
            }
        if kind == "rep":
            return schema.reps, {
                "exercise": event["exercise"],
                "side": g("side"),
                "rep_index": event["index"],
                "rom_deg": event["rom_deg"],
                "duration_s": event["duration_s"],
                "top_hold_s": event["top_hold_s"],
                "t_start": event["t_start"],
                "flagged": bool(g("flagged", False)),
            }
        if kind == "set_ended":
            return schema.sets, {
                "exercise": event["exercise"],
                "rep_count": event["count"],
                "t_start": event["t_start"],
                "t_end": event["t"],
            }
        if kind == "flexion_alert":
            return schema.alerts, {
                "reason": event["reason"],
                "bend_count": event["count"],
                "window_s": event["window_s"],
                "threshold_deg": event["threshold_deg"],
                "t": event["t"],
            }
        if kind == "flexion":
            return schema.flexions, {
                "t_start": event["t_start"],
                "t_end": event["t_end"],
                "peak_deg": event["peak_deg"],
                "baseline_deg": g("baseline_deg", 0.0),
                "depth_deg": g("depth_deg", 0.0),
            }
    except KeyError as exc:
        raise PayloadError("payload", f"{kind} event without field {exc}") from exc
    return None


def _summary_values(event: dict[str, Any]) -> dict[str, Any]:
    zones = event.get("time_in_zone_s") or {}
    alerts = event.get("alerts") or {}
    return {
        "ended": True,
        "duration_s": event.get("duration_s"),
        "bends": event.get("bends"),
        "bends_per_hour": event.get("bends_per_hour"),
        "deepest_bend_deg": event.get("deepest_bend_deg"),
        "neutral_s": zones.get("neutral"),
        "moderate_s": zones.get("moderate"),
        "severe_s": zones.get("severe"),
        "alerts_repeated": alerts.get("repeated"),
        "alerts_sustained": alerts.get("sustained"),
        "malformed_total": event.get("malformed_total"),
        "summary": json.dumps(event, separators=(",", ":")),
    }
