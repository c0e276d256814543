"""The web page's trend plot: the history database's weekly trend as ``/trend.png``.

Live data reaches the page only through the broker (the bridge is an MQTT subscriber); the
trend is past sessions, which the history recorder (a separate MQTT subscriber) has already
stored, so the bridge reads them from the database rather than from the broker. Reading is
all it does: a SQLite file that does not exist yet is an empty history, not a new file.
The plot is drawn in a worker thread (SQL and matplotlib block) and one at a time.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from service.history.plot import trend_png
from service.history.store import HistoryStore, normalise_url
from service.history.trends import weekly


def sqlite_file(url: str) -> Path | None:
    """The file of a ``sqlite:///FILE`` URL (None for other databases or a bad URL)."""
    try:
        parsed = sa.make_url(normalise_url(url))
    except sa.exc.ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def history_exists(url: str) -> bool:
    """Whether there may be a history to show: any non-SQLite URL, or an existing SQLite file."""
    path = sqlite_file(url)
    return path is None or path.is_file()


class TrendPlot:
    """``await TrendPlot(url).png()``: the weekly trend of every session in ``url``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._lock = asyncio.Lock()

    async def png(self) -> bytes:
        """PNG bytes; raises :class:`~service.errors.HistoryError` when the database fails."""
        async with self._lock:
            return await asyncio.to_thread(self._draw)

    def _draw(self) -> bytes:
        if not history_exists(self.url):
            return trend_png([], title="sessions per week")
        with HistoryStore(self.url) as store:
            return trend_png(weekly(store.sessions()), title=f"sessions per week ({store.name})")
