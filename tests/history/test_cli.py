"""``holdfast history`` for people: the list, trends, CSV, the plot, the report's trend."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_store import DEMO, demo_lines

from service.cli import main
from service.history.store import HistoryStore


@pytest.fixture
def filled(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'h.sqlite3'}"
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with HistoryStore(url) as store:
        for n, gateway in enumerate(("room1", "room2")):
            for line in demo_lines():
                e = json.loads(line)
                when = monday + timedelta(days=7 * n, seconds=e["t"])
                store.record(gateway, line, when)
    return url


def test_list_and_trends(filled: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "list", "--database", filled]) == 0
    out = capsys.readouterr().out
    assert "room1" in out
    assert "room2" in out
    assert "2 sessions" in out
    assert main(["history", "list", "--database", filled, "--gateway", "room2"]) == 0
    assert "1 sessions" in capsys.readouterr().out
    assert main(["history", "trends", "--database", filled]) == 0
    weeks = capsys.readouterr().out.splitlines()[1:]
    assert [w.split()[0] for w in weeks] == ["2026-11-02", "2026-11-09"]


def test_export_csv(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "holds.csv"
    assert (
        main(["history", "export", "--table", "holds", "-o", str(out), "--database", filled]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    holds = [json.loads(x) for x in demo_lines() if '"hold_ended"' in x]
    assert len(rows) == 2 * len(holds)
    assert {r["gateway"] for r in rows} == {"room1", "room2"}
    assert float(rows[0]["duration_s"]) == holds[0]["duration_s"]
    assert rows[0]["session_started_utc"].endswith("+00:00")
    sessions = tmp_path / "sessions.csv"
    assert main(["history", "export", "-o", str(sessions), "--database", filled]) == 0
    assert len(list(csv.DictReader(io.StringIO(sessions.read_text())))) == 2


def test_plot_is_a_png(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "trend.png"
    assert main(["history", "plot", "-o", str(out), "--database", filled]) == 0
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_empty_history_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--database", f"sqlite:///{tmp_path / 'new.sqlite3'}"]) == 0
    assert "no sessions recorded yet" in capsys.readouterr().out


def test_a_bad_database_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "--database", "nonsense"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["holdfast: error: history database nonsense: not a database URL "
                   "(sqlite:///FILE or postgresql://...)"]  # fmt: skip


@pytest.mark.slow
def test_the_report_shows_the_trend(filled: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    assert main(["report", str(DEMO), "-o", str(out), "--history", filled]) == 0
    page = out.read_text()
    assert "Trend over past sessions" in page
    assert page.count("data:image/png;base64,") == 2  # the session's plot and the trend
    assert "2026-11-09" in page
