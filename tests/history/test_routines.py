"""Guided routines in the history: plan, results per step, pain (schema version 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from service.history import schema
from service.history.migrations import migrate
from service.history.store import HistoryStore

BEGINNER = Path(__file__).resolve().parents[2] / "recordings" / "beginner.jsonl.gz"


@cache
def beginner_lines() -> tuple[str, ...]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "service.cli",
            "replay",
            str(BEGINNER),
            "--routine",
            "beginner",
            "--format",
            "jsonl",
            "--no-angles",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    ).stdout
    return tuple(line for line in out.splitlines() if line.strip())


def _of(kind: str) -> list[dict[str, Any]]:
    return [e for e in map(json.loads, beginner_lines()) if e["type"] == kind]


def test_a_routine_is_stored_with_its_plan_and_every_step(history_url: str) -> None:
    [started] = _of("routine_started")
    [ended] = _of("routine_ended")
    with HistoryStore(history_url) as store:
        for line in beginner_lines():
            store.record("room1", line)
        [session] = store.sessions()
        assert session.routines == ("beginner",)
        with store.engine.connect() as conn:
            [routine] = conn.execute(sa.select(schema.routines)).mappings().all()
            steps = conn.execute(
                sa.select(schema.routine_steps).order_by(schema.routine_steps.c.step)
            ).mappings()
            steps = list(steps)
    assert routine["routine_id"] == started["routine_id"]
    assert json.loads(routine["plan"]) == started["plan"]
    assert routine["steps_planned"] == len(started["plan"])
    assert routine["ended"]
    assert routine["reason"] == ended["reason"]
    assert routine["steps_done"] == ended["steps_done"]
    assert routine["proposal_action"] == ended["proposal"]["action"]
    assert json.loads(routine["result"]) == ended
    assert [(s["step"], s["exercise"], s["status"]) for s in steps] == [
        (s["step"], s["exercise"], s["status"]) for s in ended["steps"]
    ]
    assert [s["done"] for s in steps] == [sum(x["done"] for x in s["sets"]) for s in ended["steps"]]


def test_pain_scores_are_kept_and_shown_with_the_session(history_url: str) -> None:
    [started] = _of("routine_started")
    [ended] = _of("routine_ended")
    envelope = {k: started[k] for k in ("sensor", "routine_id", "routine")}
    stream = started["id"].rpartition("-")[0]
    pains = [
        {
            **envelope,
            "t": 1.0,
            "seq": 900001,
            "type": "routine_pain",
            "phase": "before",
            "score": 2,
        },
        {
            **envelope,
            "t": 50.0,
            "seq": 900002,
            "type": "routine_pain",
            "phase": "during",
            "score": 7,
            "step": 2,
            "exercise": ended["steps"][1]["exercise"],
        },
    ]
    for p in pains:
        p["id"] = f"{stream}-{p['seq']}"
    late = {**ended, "pain_before": 2, "pain_after": 4}
    with HistoryStore(history_url) as store:
        for line in beginner_lines():
            e = json.loads(line)
            store.record("room1", json.dumps(late if e["type"] == "routine_ended" else e))
        for p in pains:
            assert store.record("room1", json.dumps(p))
            assert not store.record("room1", json.dumps(p))  # once only
        [session] = store.sessions()
        with store.engine.connect() as conn:
            rows = conn.execute(
                sa.select(schema.pain_scores).order_by(schema.pain_scores.c.t)
            ).mappings()
            scores = [(r["phase"], r["score"], r["step"]) for r in rows]
    assert (session.pain_before, session.pain_after) == (2, 4)
    assert scores == [("before", 2, None), ("during", 7, 2)]


def test_a_version_1_database_is_migrated_and_keeps_its_sessions(history_url: str) -> None:
    HistoryStore(history_url).close()  # created at the newest version
    # Start again from a version 1 database with a session in it.
    with HistoryStore(history_url) as store, store.engine.begin() as conn:
        for table in (schema.routine_steps, schema.pain_scores, schema.routines):
            table.drop(conn)
        conn.execute(
            sa.delete(schema.schema_migrations).where(schema.schema_migrations.c.version > 1)
        )
        now = datetime(2026, 11, 2, tzinfo=UTC)
        conn.execute(
            sa.insert(schema.sessions).values(
                gateway="old",
                sensor="back",
                stream="0123",
                first_received_utc=now,
                last_received_utc=now,
                started_utc=now,
                last_t_s=60.0,
                event_count=0,
                ended=False,
            )
        )
    with HistoryStore(history_url) as store:
        assert store.version == schema.SCHEMA_VERSION == 2
        [row] = store.sessions()
        assert (row.gateway, row.duration_s, row.routines) == ("old", 60.0, ())
        assert migrate(store.engine, store.name) == 2
