"""Starting the history recorder in a test, and reading what it stored.

For any test that wants its broker recorded (the routine tests too)::

    from history_helpers import recording   # tests/history on sys.path
    with recording(url, broker_port) as rec:
        ...                                  # publish sessions
        wait_stored(rec, n)                  # or rec.wait_idle(10)
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from service.history import schema
from service.history.recorder import BrokerAddress, Recorder
from service.history.store import HistoryStore


@contextlib.contextmanager
def recording(
    url: str, port: int, *, prefix: str = "holdfast", client_id: str = "history-under-test"
) -> Iterator[Recorder]:
    """A recorder subscribed (persistent session) to 127.0.0.1:``port``, stopped after."""
    with HistoryStore(url) as store:
        recorder = Recorder(store, BrokerAddress("127.0.0.1", port, client_id), prefix)
        recorder.start()
        try:
            if not recorder.wait_subscribed(10):
                raise TimeoutError(f"the recorder did not subscribe on port {port}")
            yield recorder
        finally:
            recorder.stop()


def wait_stored(recorder: Recorder, count: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while recorder.stored < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{recorder.stored} of {count} events stored")
        time.sleep(0.05)


def stored_events(url: str) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(gateway, sensor) -> the stored payloads of that key, in (session, seq) order."""
    import json

    s, e = schema.sessions, schema.events
    query = (
        sa.select(s.c.gateway, s.c.sensor, e.c.payload)
        .join(s, s.c.id == e.c.session_id)
        .order_by(s.c.id, e.c.seq)
    )
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with HistoryStore(url) as store, store.engine.connect() as conn:
        for gateway, sensor, payload in conn.execute(query):
            out.setdefault((gateway, sensor), []).append(json.loads(payload))
    return out


def kept(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the recorder keeps of a session's events (not the angle and tick streams)."""
    return [e for e in events if e["type"] not in schema.NOT_STORED]
