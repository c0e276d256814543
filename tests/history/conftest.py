"""History fixtures: a database URL on SQLite and on a real PostgreSQL, and a recorder.

``history_url`` runs a test once per backend: a fresh SQLite file, and a fresh database on
one PostgreSQL server the session starts (``pg_helpers``). Missing PostgreSQL tools fail the
PostgreSQL runs instead of skipping them: CI must run them (``.ci/setup`` installs them).
``start_recorder`` (from ``history_helpers``) is what other tests use to record a broker.
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "mqtt"))  # mqtt_helpers

from pg_helpers import Postgres, start_postgres  # noqa: E402

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    pg = start_postgres()
    try:
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(pg.directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def history_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.sqlite3'}"
    pg: Postgres = request.getfixturevalue("postgres")
    return pg.create_database(f"history_{next(_numbers)}")
