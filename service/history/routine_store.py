"""Guided routines in the history (schema version 2): the plan, the results, pain.

A routine run is one ``routines`` row per (session, ``routine_id``): ``routine_started`` fills
the plan, ``routine_ended`` the results, the proposal and one ``routine_steps`` row per step
(both insert-or-keep, so they may arrive in any order); every ``routine_pain`` is a
``pain_scores`` row. The other routine events (step, progress, rest) are for displays; they
are kept in ``events`` like every event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from service.history import schema

InsertIgnore = Callable[[sa.Connection, sa.Table, dict[str, Any]], Any]

ROUTINE_TYPES = frozenset({"routine_started", "routine_ended", "routine_pain"})


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _routine_row(
    conn: sa.Connection, insert_ignore: InsertIgnore, session_id: int, event: dict[str, Any]
) -> int:
    r = schema.routines
    insert_ignore(
        conn,
        r,
        {
            "session_id": session_id,
            "routine_id": event["routine_id"],
            "routine": event["routine"],
            "ended": False,
        },
    )
    found: int = conn.execute(
        sa.select(r.c.id).where(r.c.session_id == session_id, r.c.routine_id == event["routine_id"])
    ).scalar_one()
    return found


def store_routine_event(
    conn: sa.Connection,
    insert_ignore: InsertIgnore,
    session_id: int,
    event_row: int,
    event: dict[str, Any],
) -> None:
    """Write what ``event`` (a new, not yet stored routine event) adds. ``KeyError`` for a
    missing field (the caller turns it into a refused payload)."""
    kind = event["type"]
    r = schema.routines
    if kind == "routine_pain":
        conn.execute(
            sa.insert(schema.pain_scores).values(
                event=event_row,
                session_id=session_id,
                routine_id=event["routine_id"],
                phase=event["phase"],
                score=event.get("score"),
                step=event.get("step"),
                exercise=event.get("exercise"),
                side=event.get("side"),
                t=event["t"],
            )
        )
        return
    routine = _routine_row(conn, insert_ignore, session_id, event)
    if kind == "routine_started":
        values: dict[str, Any] = {
            "title": event.get("title"),
            "plan": _json(event["plan"]),
            "t_start": event["t"],
            "steps_planned": len(event["plan"]),
        }
        if event.get("pain_before") is not None:
            values["pain_before"] = event["pain_before"]
        conn.execute(sa.update(r).where(r.c.id == routine).values(**values))
        return
    # routine_ended
    steps = event["steps"]
    proposal = event.get("proposal") or {}
    conn.execute(
        sa.update(r)
        .where(r.c.id == routine)
        .values(
            ended=True,
            reason=event["reason"],
            t_start=event["t_start"],
            duration_s=event["duration_s"],
            steps_planned=len(steps),
            steps_done=event.get("steps_done"),
            pain_before=event.get("pain_before"),
            pain_after=event.get("pain_after"),
            pain_during=_json(event.get("pain_during", [])),
            proposal_action=proposal.get("action"),
            proposal_routine=proposal.get("routine"),
            proposal_reason=proposal.get("reason"),
            result=_json(event),
        )
    )
    for step in steps:
        sets = step.get("sets") or []
        insert_ignore(
            conn,
            schema.routine_steps,
            {
                "routine": routine,
                "step": step["step"],
                "exercise": step["exercise"],
                "side": step.get("side"),
                "kind": step["kind"],
                "target": step.get("target"),
                "hold_s": step.get("hold_s"),
                "sets_planned": step["sets_planned"],
                "sets_done": len(sets),
                "done": sum(int(s["done"]) for s in sets),
                "short": sum(int(s["short"]) for s in sets),
                "status": step["status"],
                "pain": step.get("pain"),
            },
        )
