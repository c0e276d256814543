"""Where a broker's journal lives: one directory per broker and topic prefix.

Undelivered events belong to the broker and topic prefix they were meant for. Each
(broker, prefix) pair gets its own directory under ``journal.directory``, named after it, with
a ``target.json`` saying so; a run only ever opens its own. Events waiting for another
broker stay where they are (and are mentioned once at start-up), so a mistyped host or a
test broker never receives, or steals, the events of another.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from service.mqtt.journal import JOURNAL_NAME, OFFSET_NAME

log = logging.getLogger(__name__)

TARGET_NAME = "target.json"
LEGACY_SPILL = "spill.jsonl"
"""The journal file of holdfast before the journal had one directory per broker."""


@dataclass(frozen=True, slots=True)
class JournalTarget:
    """The broker (``host:port``, or ``embedded`` for the in-process one) and topic prefix."""

    broker: str
    topic_prefix: str

    @property
    def dirname(self) -> str:
        raw = f"{self.broker}_{self.topic_prefix}"
        return "".join(c if c.isalnum() or c in "-._" else "-" for c in raw)

    def directory(self, root: Path) -> Path:
        return root / self.dirname


def open_target_dir(root: Path, target: JournalTarget) -> Path:
    """The journal directory of ``target`` (created, labelled), after warning about others."""
    directory = target.directory(root)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        label = directory / TARGET_NAME
        if not label.exists():
            label.write_text(
                json.dumps({"broker": target.broker, "topic_prefix": target.topic_prefix})
            )
    except OSError:
        return directory  # the Outbox reports the directory it cannot use, as a JournalError
    _mention_others(root, directory)
    return directory


def waiting_messages(directory: Path) -> int:
    """Unacknowledged messages in the journal in ``directory`` (0 when none, or unreadable)."""
    journal = directory / JOURNAL_NAME
    try:
        offset_file = directory / OFFSET_NAME
        offset = int(offset_file.read_text().strip() or 0) if offset_file.exists() else 0
        with journal.open("rb") as f:
            f.seek(offset)
            return sum(1 for line in f if line.endswith(b"\n"))
    except (OSError, ValueError):
        return 0


def _mention_others(root: Path, mine: Path) -> None:
    try:
        others = sorted(p for p in root.iterdir() if p.is_dir() and p != mine)
    except OSError:
        return
    for other in others:
        n = waiting_messages(other)
        if n:
            try:
                target = json.loads((other / TARGET_NAME).read_text())
                whom = f"broker {target['broker']}, topic prefix {target['topic_prefix']}"
            except (OSError, ValueError, KeyError, TypeError):
                whom = "another broker"
            log.warning(
                "journal %s: %d events wait for %s; they are sent only to that broker",
                other,
                n,
                whom,
            )
    if (root / LEGACY_SPILL).exists():
        log.warning(
            "journal %s: an old journal (%s) names no broker, so it is not sent anywhere; "
            "move it to <its broker's directory>/%s to deliver it",
            root, LEGACY_SPILL, JOURNAL_NAME,
        )  # fmt: skip
