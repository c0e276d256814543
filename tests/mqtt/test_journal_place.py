"""One journal per broker and topic prefix, and what a start says about the others."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from service.mqtt.journal import Outbox, OutMessage
from service.mqtt.journal_place import JournalTarget, open_target_dir, waiting_messages


def _fill(directory: Path, n: int) -> None:
    box = Outbox(directory)
    for i in range(n):
        box.put(OutMessage("holdfast/back/event/rep", f'{{"seq": {i}}}'))
    box.close()


def test_each_broker_and_prefix_has_its_own_directory(tmp_path: Path) -> None:
    a = open_target_dir(tmp_path, JournalTarget("mqtt.local:1883", "holdfast"))
    b = open_target_dir(tmp_path, JournalTarget("mqtt.local:8883", "holdfast"))
    c = open_target_dir(tmp_path, JournalTarget("mqtt.local:1883", "clinic/a"))
    assert len({a, b, c}) == 3
    assert a.name == "mqtt.local-1883_holdfast"
    assert (a / "target.json").read_text() == (
        '{"broker": "mqtt.local:1883", "topic_prefix": "holdfast"}'
    )


def test_a_start_mentions_events_waiting_for_other_brokers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = open_target_dir(tmp_path, JournalTarget("old-broker:1883", "holdfast"))
    _fill(other, 7)
    (tmp_path / "spill.jsonl").write_text('{"topic": "x", "payload": "y"}\n')
    assert waiting_messages(other) == 7
    with caplog.at_level(logging.WARNING):
        mine = open_target_dir(tmp_path, JournalTarget("new-broker:1883", "holdfast"))
    assert "7 events wait for broker old-broker:1883, topic prefix holdfast" in caplog.text
    assert "an old journal (spill.jsonl) names no broker" in caplog.text
    assert waiting_messages(mine) == 0
    assert waiting_messages(other) == 7  # untouched: only its own broker gets them
