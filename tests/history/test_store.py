"""The history store on SQLite and on a real PostgreSQL: what a session leaves behind."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from service.errors import HistoryError
from service.history import schema
from service.history.migrations import MIGRATIONS, migrate
from service.history.store import HistoryStore, PayloadError
from service.history.trends import weekly

DEMO = Path(__file__).resolve().parents[2] / "recordings" / "demo.jsonl.gz"


@cache
def demo_lines() -> tuple[str, ...]:
    out = subprocess.run(
        [sys.executable, "-m", "service.cli", "replay", str(DEMO), "--format", "jsonl"],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return tuple(line for line in out.splitlines() if line.strip())


def demo_events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in demo_lines()]


def _kept(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] not in schema.NOT_STORED]


def test_a_session_is_stored_with_its_totals(history_url: str) -> None:
    events = demo_events()
    summary = next(e for e in events if e["type"] == "session_summary")
    with HistoryStore(history_url) as store:
        stored = [store.record("room1", line) for line in demo_lines()]
        kept = _kept(events)
        assert sum(stored) == len(kept)
        [row] = store.sessions()
        assert (row.gateway, row.sensor, row.ended) == ("room1", "back", True)
        assert row.duration_s == summary["duration_s"]
        assert row.reps == sum(sum(sets) for sets in summary["reps"].values())
        assert row.sets == sum(len(sets) for sets in summary["reps"].values())
        assert row.holds == len(summary["holds"])
        assert row.hold_s == pytest.approx(sum(h["duration_s"] for h in summary["holds"]))
        assert row.alerts == sum(summary["alerts"].values())
        assert row.bends == summary["bends"]
        assert row.events == len(kept)
        # Every stored event comes back exactly as received, in seq order.
        assert store.session_events(row.id) == kept


def test_holds_keep_duration_and_steadiness(history_url: str) -> None:
    holds = [e for e in demo_events() if e["type"] == "hold_ended"]
    assert holds
    with HistoryStore(history_url) as store:
        for line in demo_lines():
            store.record("", line)
        with store.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.holds).order_by(schema.holds.c.t_start)).all()
    assert [(r.exercise, r.duration_s, r.sway_deg, r.tremor_power, r.completed) for r in rows] == [
        (h["exercise"], h["duration_s"], h["sway_deg"], h["tremor_power"], h["completed"])
        for h in holds
    ]


def test_redelivery_and_replays_change_nothing(history_url: str) -> None:
    lines = list(demo_lines())
    with HistoryStore(history_url) as store:
        for line in lines:
            store.record("room1", line)
        before = store.sessions()
        # QoS 1 duplicates in any order, then a whole journal replay.
        again = lines[:]
        random.Random(3).shuffle(again)
        assert not any(store.record("room1", line) for line in again + lines)
        assert store.sessions() == before


def test_events_arriving_out_of_order_make_the_same_session(history_url: str) -> None:
    lines = list(demo_lines())
    shuffled = lines[:]
    random.Random(7).shuffle(shuffled)
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    with HistoryStore(history_url) as store:
        for line in shuffled:
            t = json.loads(line)["t"]
            store.record("a", line, t0 + timedelta(seconds=t))
        [row] = store.sessions()
        assert row.ended
        assert row.started_utc == t0
        assert [e["seq"] for e in store.session_events(row.id)] == [
            e["seq"] for e in _kept(demo_events())
        ]


def test_the_same_ids_from_two_gateways_are_two_sessions(history_url: str) -> None:
    with HistoryStore(history_url) as store:
        for gateway in ("room1", "room2"):
            for line in demo_lines():
                store.record(gateway, line)
        rows = store.sessions()
        assert sorted(r.gateway for r in rows) == ["room1", "room2"]
        assert rows[0].reps == rows[1].reps > 0
        assert [r.gateway for r in store.sessions(gateway="room2")] == ["room2"]


def test_a_bad_payload_is_refused_and_leaves_nothing(history_url: str) -> None:
    hold = next(e for e in demo_events() if e["type"] == "hold_ended")
    broken = {k: v for k, v in hold.items() if k != "duration_s"}
    with HistoryStore(history_url) as store:
        for payload in (b"\xff", "[1]", '{"type": "rep"}', json.dumps(broken)):
            with pytest.raises(PayloadError):
                store.record("room1", payload)
        assert store.sessions() == []
        with store.engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar() == 0


def test_a_newer_event_type_is_kept_raw(history_url: str) -> None:
    newer = {"t": 5.0, "sensor": "back", "seq": 1, "id": "abcd-1", "type": "routine_step"}
    newer["step"] = {"exercise": "bridge", "reps": 10}
    with HistoryStore(history_url) as store:
        assert store.record("", json.dumps(newer))
        [row] = store.sessions()
        assert store.session_events(row.id) == [newer]


def test_angle_and_tick_streams_are_not_stored(history_url: str) -> None:
    angle = next(e for e in demo_events() if e["type"] == "angle")
    with HistoryStore(history_url) as store:
        assert not store.record("", json.dumps(angle))
        assert store.sessions() == []


def test_weekly_trends(history_url: str) -> None:
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with HistoryStore(history_url) as store:
        for n, when in enumerate((monday, monday + timedelta(days=3), monday + timedelta(days=8))):
            for line in demo_lines():
                e = json.loads(line)
                e["id"] = f"s{n}-{e['seq']}"  # three different sessions of the same movements
                store.record("room1", json.dumps(e), when + timedelta(seconds=e["t"]))
        rows = store.sessions()
    weeks = weekly(rows)
    assert [w.week.isoformat() for w in weeks] == ["2026-11-02", "2026-11-09"]
    assert [w.sessions for w in weeks] == [2, 1]
    one = rows[0]
    assert weeks[0].hold_s == pytest.approx(2 * one.hold_s)
    assert weeks[0].reps == 2 * one.reps
    assert weeks[1].alerts_per_hour == pytest.approx(one.alerts / (one.duration_s / 3600))


def test_the_migrated_database_has_exactly_the_documented_tables(history_url: str) -> None:
    with HistoryStore(history_url) as store:
        inspector = sa.inspect(store.engine)
        for table in schema.metadata.tables.values():
            columns = {c["name"] for c in inspector.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        with store.engine.connect() as conn:
            versions = conn.execute(sa.select(schema.schema_migrations.c.version)).scalars()
            assert list(versions) == [m[0] for m in MIGRATIONS]
    # Opening again applies nothing twice.
    with HistoryStore(history_url) as store:
        assert migrate(store.engine, store.name) == schema.SCHEMA_VERSION


def test_a_database_from_a_newer_holdfast_is_refused(history_url: str) -> None:
    with HistoryStore(history_url) as store, store.engine.begin() as conn:
        conn.execute(
            sa.insert(schema.schema_migrations).values(
                version=99, description="future", applied_utc=datetime.now(UTC)
            )
        )
    with pytest.raises(HistoryError, match="newer than this holdfast"):
        HistoryStore(history_url)


def test_an_unreachable_database_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match=r"127\.0\.0\.1"):
        HistoryStore("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(HistoryError, match="not a database URL"):
        HistoryStore("no-such-thing")
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(HistoryError, match="folder"):
        HistoryStore(f"sqlite:///{blocked}/sub/history.sqlite3")
