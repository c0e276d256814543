"""``holdfast serve --history``: the recorder runs in-process, on the embedded broker too."""

from __future__ import annotations

from pathlib import Path

import pytest
from history_helpers import kept, stored_events
from mqtt_helpers import expected_events, write_bends_recording

from service.app import SourceSpec
from service.cmd_serve import serve
from service.config import load_settings


@pytest.fixture(scope="module")
def bends(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_bends_recording(tmp_path_factory.mktemp("rec") / "bends.jsonl", bends=4)


async def test_serve_with_history_on_the_embedded_broker(
    bends: Path, tmp_path: Path, history_url: str
) -> None:
    settings = load_settings(
        None,
        {
            "embedded.tcp_port": 0,
            "embedded.ws_port": 0,
            "journal.directory": str(tmp_path / "journal"),
            "gateway_id": "room9",
            "history.record": True,
            "history.database": history_url,
            "history.client_id": "in-process-recorder",
        },
    )
    assert await serve(settings, [SourceSpec.replay(bends, speed=40.0)]) == 0
    # Subscribed before the first event, drained after the last: the whole session.
    assert stored_events(history_url) == {("room9", "back"): kept(expected_events(bends))}
