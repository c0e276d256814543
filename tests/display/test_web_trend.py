"""The web page's trend plot (``/trend.png``): read from the history database, only when
there is one; live data still comes only through the broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from mqtt_helpers import Mosquitto

from service.config import BrokerSettings, HoldfastSettings
from service.displays.feed import BrokerFeed
from service.displays.web import WebDisplay
from service.displays.web_trend import TrendPlot
from service.history.store import HistoryStore
from service.serve_displays import trend_plot

PNG = b"\x89PNG\r\n\x1a\n"


def _rep(n: int, t: float) -> str:
    doc: dict[str, Any] = {
        "type": "rep", "id": f"00000000000000{n:02d}-{n}", "seq": n, "sensor": "back", "t": t,
        "exercise": "forward_bend", "side": None, "index": n, "rom_deg": 50.0,
        "duration_s": 2.0, "top_hold_s": 0.0, "t_start": t - 2.0,
    }  # fmt: skip
    return json.dumps(doc)


def _filled(path: Path) -> str:
    url = f"sqlite:///{path}"
    monday = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with HistoryStore(url) as store:
        for week in range(3):
            for n in range(week + 2):
                store.record("room1", _rep(10 * week + n, 5.0 * n), monday + timedelta(weeks=week))
    return url


async def _get(web: WebDisplay, path: str) -> tuple[int, str, bytes]:
    async with aiohttp.ClientSession() as http, http.get(web.url + path.lstrip("/")) as r:
        return r.status, r.content_type, await r.read()


@contextlib.asynccontextmanager
async def _display(mosquitto: Mosquitto, trend: TrendPlot | None) -> AsyncIterator[WebDisplay]:
    feed = BrokerFeed(BrokerSettings(host="127.0.0.1", port=mosquitto.port), "holdfast")
    async with WebDisplay(feed, port=0, trend=trend) as web:
        # Stopped before it has connected, aiomqtt leaves a client for the garbage collector
        # to close after the loop is gone (an "unraisable" warning in a later test).
        async with asyncio.timeout(10):
            await feed.connected.wait()
        yield web


async def test_the_trend_is_the_history_databases(mosquitto: Mosquitto, tmp_path: Path) -> None:
    missing = tmp_path / "none" / "history.sqlite3"
    async with _display(mosquitto, TrendPlot(f"sqlite:///{missing}")) as web:
        status, kind, empty = await _get(web, "/trend.png")
        _, _, config = await _get(web, "/api/config")
    assert (status, kind, empty[:8]) == (200, "image/png", PNG)
    assert json.loads(config)["trend"] is True
    assert not missing.exists()
    assert not missing.parent.exists()

    async with _display(mosquitto, TrendPlot(_filled(tmp_path / "h.sqlite3"))) as web:
        status, kind, filled = await _get(web, "/trend.png")
        _, _, page = await _get(web, "/")
    assert (status, kind, filled[:8]) == (200, "image/png", PNG)
    assert filled != empty  # three weeks of bars, not "no sessions recorded yet"
    assert b'id="trend-plot"' in page


async def test_no_history_no_trend(mosquitto: Mosquitto) -> None:
    async with _display(mosquitto, None) as web:
        status, _, _ = await _get(web, "/trend.png")
        _, _, config = await _get(web, "/api/config")
    assert status == 404
    assert json.loads(config)["trend"] is False


async def test_a_database_that_fails_is_one_line(mosquitto: Mosquitto, tmp_path: Path) -> None:
    bad = tmp_path / "not-a-db.sqlite3"
    bad.write_bytes(b"this is not a database file" * 100)
    async with _display(mosquitto, TrendPlot(f"sqlite:///{bad}")) as web:
        status, _, body = await _get(web, "/trend.png")
    assert status == 503
    text = body.decode()
    assert text.startswith("history database ")
    assert "\n" not in text.strip()


def test_serve_shows_a_trend_only_when_there_is_a_history(tmp_path: Path) -> None:
    def settings(url: str, record: bool = False) -> HoldfastSettings:
        return HoldfastSettings(history={"database": url, "record": record})  # type: ignore[arg-type]

    missing = f"sqlite:///{tmp_path / 'missing.sqlite3'}"
    assert trend_plot(settings(missing)) is None
    assert trend_plot(settings(missing, record=True)) is not None
    assert trend_plot(settings(_filled(tmp_path / "h.sqlite3"))) is not None
    assert trend_plot(settings("postgresql://clinic@db.example:5432/holdfast")) is not None


@pytest.mark.slow
def test_the_overview_shows_the_trend_in_a_browser(
    mosquitto: Mosquitto,
    holdfast: Any,
    browser: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``holdfast display web`` with a history: the overview's picture is the trend PNG."""
    from display_helpers import wait_until
    from selenium.webdriver.common.by import By

    monkeypatch.setenv("HOLDFAST_HISTORY__DATABASE", _filled(tmp_path / "h.sqlite3"))
    web = holdfast("display", "web", "--broker", f"127.0.0.1:{mosquitto.port}", "--web-port", "0")
    url = web.wait_for(r"web page at (http://\S+)").group(1)
    browser.get(url)
    plot = browser.find_element(By.ID, "trend-plot")
    wait_until(
        lambda: browser.execute_script("return arguments[0].naturalWidth", plot) > 300,
        20,
        "the trend picture",
    )
    assert browser.find_element(By.ID, "trend-panel").is_displayed()
