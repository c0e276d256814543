"""The outbox: order across memory and journal, restart from disk, bounded size."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.mqtt.journal import JournalError, Outbox, OutMessage


def _msg(i: int) -> OutMessage:
    return OutMessage(f"holdfast/back/event/e{i % 3}", f'{{"seq": {i}}}', qos=1)


def _drain(box: Outbox, step: int) -> list[OutMessage]:
    out: list[OutMessage] = []
    while len(box):
        batch = box.peek(step)
        out += batch
        box.ack(len(batch))
    return out


def test_memory_then_journal_in_put_order(tmp_path: Path) -> None:
    box = Outbox(tmp_path, max_memory=5)
    for i in range(23):
        box.put(_msg(i))
    assert box.on_disk == 23  # write-ahead: every message is journaled, 5 also in memory
    assert len(box) == 23
    assert _drain(box, 4) == [_msg(i) for i in range(23)]
    assert (tmp_path / "journal.jsonl").stat().st_size == 0  # delivered: emptied


@settings(max_examples=60, deadline=None)
@given(
    ops=st.lists(st.tuples(st.integers(0, 7), st.integers(0, 6)), min_size=1, max_size=40),
    max_memory=st.integers(1, 6),
)
def test_any_interleaving_of_put_and_ack_keeps_order(
    ops: list[tuple[int, int]], max_memory: int
) -> None:
    # A fresh directory per example (function-scoped fixtures are shared across examples).
    with tempfile.TemporaryDirectory() as tmp:
        box = Outbox(Path(tmp), max_memory=max_memory)
        sent: list[OutMessage] = []
        delivered: list[OutMessage] = []
        n = 0
        for puts, acks in ops:
            for _ in range(puts):
                box.put(_msg(n))
                sent.append(_msg(n))
                n += 1
            batch = box.peek(acks)
            delivered += batch
            box.ack(len(batch))
        delivered += _drain(box, 3)
        box.close()
        assert delivered == sent


def test_a_restart_delivers_what_was_left_in_the_journal(tmp_path: Path) -> None:
    box = Outbox(tmp_path, max_memory=4)
    for i in range(10):
        box.put(_msg(i))
    first = box.peek(3)
    box.ack(3)  # the broker has 0..2
    box.spill_all()  # graceful stop with the broker gone
    box.close()
    assert first == [_msg(i) for i in range(3)]

    again = Outbox(tmp_path, max_memory=4)
    assert len(again) == 7
    again.put(_msg(10))
    assert _drain(again, 2) == [_msg(i) for i in range(3, 11)]


def test_a_crash_after_reading_back_repeats_rather_than_loses(tmp_path: Path) -> None:
    box = Outbox(tmp_path, max_memory=2)
    for i in range(6):
        box.put(_msg(i))
    box.ack(len(box.peek(2)))  # 0, 1 from memory
    batch = box.peek(2)  # 2, 3 read back from the journal, not yet acknowledged
    assert batch == [_msg(2), _msg(3)]
    # The process dies here (no spill_all; the kernel releases the lock): the next start
    # begins at 2 again.
    box.close()
    again = Outbox(tmp_path, max_memory=2)
    assert _drain(again, 5) == [_msg(i) for i in range(2, 6)]


def test_a_damaged_journal_line_is_skipped_and_counted_not_fatal(tmp_path: Path) -> None:
    box = Outbox(tmp_path, max_memory=1)
    for i in range(6):
        box.put(_msg(i))  # all six journaled, 0 also in memory
    box.close()
    journal = tmp_path / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[2] = b"\x00\x00 not json\n"  # message 2: a disk fault
    lines[4] = b'{"topic": "holdfast/back/event/e1"}\n'  # message 4: fields missing
    journal.write_bytes(b"".join(lines))

    again = Outbox(tmp_path, max_memory=1)
    assert _drain(again, 2) == [_msg(0), _msg(1), _msg(3), _msg(5)]
    assert again.corrupt == 2
    assert journal.stat().st_size == 0  # delivered: nothing is read twice on the next start


def test_without_a_journal_the_overflow_is_counted(tmp_path: Path) -> None:
    box = Outbox(None, max_memory=3)
    for i in range(5):
        box.put(_msg(i))
    assert box.dropped == 2
    assert _drain(box, 10) == [_msg(i) for i in range(3)]


def test_the_journal_is_bounded_and_counts_what_it_refuses(tmp_path: Path) -> None:
    line_bytes = len(_msg(0).to_line()) + 1
    box = Outbox(tmp_path, max_memory=1, max_disk_bytes=3 * line_bytes)
    for i in range(8):
        box.put(_msg(i))
    assert box.dropped == 5  # 3 lines journaled (the first also in memory), the rest refused
    assert _drain(box, 2) == [_msg(i) for i in range(3)]


def test_a_full_journal_still_sends_what_fits_in_memory_and_counts_it(tmp_path: Path) -> None:
    line_bytes = len(_msg(0).to_line()) + 1
    box = Outbox(tmp_path, max_memory=10, max_disk_bytes=2 * line_bytes)
    for i in range(6):
        box.put(_msg(i))
    assert (box.on_disk, box.unjournaled, box.dropped) == (2, 4, 0)
    assert _drain(box, 4) == [_msg(i) for i in range(6)]
    for i in range(6, 8):
        box.put(_msg(i))  # delivered journal emptied: room again
    assert box.on_disk == 2


def test_one_service_per_journal(tmp_path: Path) -> None:
    box = Outbox(tmp_path)
    with pytest.raises(JournalError, match="in use by another holdfast service"):
        Outbox(tmp_path)
    box.close()
    Outbox(tmp_path).close()  # free again once the first one is gone
