"""The write-ahead journal under crashes and full disks (issue 14 finding 5, build item 7).

A real process is killed with SIGKILL, and a real file-size limit (RLIMIT_FSIZE) fills the
"disk": what was put is on disk, or counted and named, never silently gone.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from service.mqtt import journal
from service.mqtt.journal import Outbox, OutMessage


def _msg(i: int) -> OutMessage:
    return OutMessage(f"holdfast/back/event/e{i % 3}", f'{{"seq": {i}}}', qos=1)


def _drain(box: Outbox) -> list[OutMessage]:
    out: list[OutMessage] = []
    while len(box):
        batch = box.peek(7)
        out += batch
        box.ack(len(batch))
    return out


def _child(code: str, *, fsize: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=60, check=False, preexec_fn=limit,
    )  # fmt: skip


def test_finding5_kill_9_loses_nothing_that_was_put(tmp_path: Path) -> None:
    done = _child(f"""
        import os, signal
        from pathlib import Path
        from service.mqtt.journal import Outbox, OutMessage
        box = Outbox(Path({str(tmp_path)!r}), max_memory=50)
        for i in range(385):
            box.put(OutMessage(f"holdfast/back/event/e{{i % 3}}", '{{"seq": %d}}' % i))
        first = box.peek(10)
        box.ack(len(first))  # the broker had the first ten before the outage
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    assert done.returncode == -signal.SIGKILL, done.stderr
    again = Outbox(tmp_path, max_memory=50)
    assert _drain(again) == [_msg(i) for i in range(10, 385)]


def test_a_line_cut_by_a_crash_is_dropped_and_the_rest_kept(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    for i in range(5):
        box.put(_msg(i))
    box.close()
    with (tmp_path / "journal.jsonl").open("ab") as f:
        f.write(b'{"topic": "holdfast/back/ev')  # the write of message 5 was cut
    again = Outbox(tmp_path)
    again.put(_msg(6))
    assert _drain(again) == [*(_msg(i) for i in range(5)), _msg(6)]


def test_a_long_connected_session_keeps_the_journal_small(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "COMPACT_BYTES", 4096)
    box = Outbox(tmp_path, max_memory=100)
    delivered: list[OutMessage] = []
    for i in range(2000):
        box.put(_msg(i))
        if i % 10 == 9:  # never fully drained: one message always waits
            batch = box.peek(len(box) - 1)
            delivered += batch
            box.ack(len(batch))
        assert (tmp_path / "journal.jsonl").stat().st_size < 4096 + 2000
    box.close()
    again = Outbox(tmp_path, max_memory=100)
    assert delivered + _drain(again) == [_msg(i) for i in range(2000)]


def test_full_disk_under_a_file_size_limit_is_counted_and_named(tmp_path: Path) -> None:
    line = len(_msg(0).to_line()) + 1
    done = _child(
        f"""
        import logging, sys
        from pathlib import Path
        from service.mqtt.journal import Outbox, OutMessage
        logging.basicConfig(stream=sys.stderr, level=logging.WARNING)
        box = Outbox(Path({str(tmp_path)!r}), max_memory=20)
        for i in range(100):
            box.put(OutMessage(f"holdfast/back/event/e{{i % 3}}", '{{"seq": %d}}' % i))
        print(box.on_disk, box.unjournaled, box.dropped, len(box))
        box.close()
        """,
        fsize=10 * line + line // 2,
    )
    assert done.returncode == 0, done.stderr
    on_disk, unjournaled, dropped, queued = map(int, done.stdout.split())
    assert on_disk == 10  # whole lines that fit under the limit
    assert unjournaled == 10  # the memory window still had room for these
    assert dropped == 80
    assert queued == 20
    assert "File too large" in done.stderr or "short write" in done.stderr
    assert "messages refused so far" in done.stderr
    again = Outbox(tmp_path)  # the journal is intact: the ten whole lines, no partial one
    assert _drain(again) == [_msg(i) for i in range(10)]
    assert os.path.getsize(tmp_path / "journal.jsonl") == 0
