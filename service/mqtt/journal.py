"""The outbox: a write-ahead journal of the messages the broker has not acknowledged yet.

Every queued message is appended to ``journal.jsonl`` *before* anything else happens to it
(one ``write`` per message, so a ``kill -9`` loses nothing: the bytes are in the kernel), and
``journal.offset`` records how far the broker has acknowledged. A sending window of at most
``max_memory`` messages is kept in memory as well; when the journal holds more (a long
outage), the rest is read back in slices as the window drains. Messages leave in the order
they were put.

fsync policy (what a power cut can lose): the journal is fsynced at most ``SYNC_INTERVAL_S``
after the first unsynced write (a timer on the event loop; immediately when there is no
loop), and on :meth:`Outbox.close`. A power cut therefore loses at most the messages of the
last ``SYNC_INTERVAL_S`` (about 10 events with four sensors at 10 angle events per second
each), and can repeat messages acknowledged since the offset file's last write: delivery is
at-least-once and subscribers drop duplicates by event ``id``.

Delivery: the publisher takes a slice with :meth:`Outbox.peek`, publishes it, and only then
:meth:`Outbox.ack` s it. When nothing is left unacknowledged, the journal is emptied; when
the acknowledged head grows past ``COMPACT_BYTES`` it is cut off (the unacknowledged tail
copied to a fresh file), so a long connected session does not grow the file.

When a message cannot be journaled (``max_disk_bytes`` reached, the disk full, a file-size
limit) it still goes out if it fits in the memory window; it is counted in ``unjournaled``
(it would not survive a crash). When it fits nowhere it is dropped and counted in
``dropped``; both are logged with the reason, and ``holdfast serve`` reports them when it ends.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import logging
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from firmware_protocol.errors import HoldfastError

log = logging.getLogger(__name__)

JOURNAL_NAME = "journal.jsonl"
OFFSET_NAME = "journal.offset"
LOCK_NAME = "lock"
SYNC_INTERVAL_S = 0.2
"""Longest time a journaled message waits for its fsync (see the power-cut note above)."""
COMPACT_BYTES = 8 << 20
"""Acknowledged bytes at the head of the journal that trigger cutting them off."""


class JournalError(HoldfastError):
    """The on-disk journal cannot be written or read."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"journal {path}: {reason}")
        self.path = path
        self.reason = reason


class UndeliveredError(JournalError):
    """The service ended with messages the broker never acknowledged (or that were dropped)."""

    def __init__(
        self, path: Path, broker: str, waiting: int, dropped: int, problem: str | None = None
    ) -> None:
        parts = []
        if waiting:
            parts.append(
                f"{waiting} events not delivered to MQTT broker {broker}: kept here, "
                "sent when holdfast serve next reaches that broker"
            )
        if dropped:
            parts.append(f"{dropped} events dropped (journal full or unwritable, see the log)")
        if problem:
            parts.append(f"last broker problem: {problem[:300]}")
        super().__init__(path, "; ".join(parts))
        self.broker = broker
        self.waiting = waiting
        self.dropped = dropped


@dataclass(frozen=True, slots=True)
class OutMessage:
    """One MQTT publish: ``payload`` is JSON text (or a plain status word)."""

    topic: str
    payload: str
    qos: int = 1
    retain: bool = False

    def to_line(self) -> str:
        return json.dumps(
            {"topic": self.topic, "payload": self.payload, "qos": self.qos, "retain": self.retain}
        )

    @staticmethod
    def from_line(line: str) -> OutMessage:
        obj = json.loads(line)
        return OutMessage(
            str(obj["topic"]), str(obj["payload"]), int(obj["qos"]), bool(obj["retain"])
        )


class Outbox:
    """In-order message queue, journaled in ``directory``, ``max_memory`` messages in RAM.

    ``directory=None`` keeps everything in memory up to ``max_memory`` and counts the rest as
    dropped (for tests and for a journal-less setup). ``max_disk_bytes`` bounds the
    unacknowledged part of the journal.
    """

    def __init__(
        self, directory: Path | None, *, max_memory: int = 10_000, max_disk_bytes: int = 256 << 20
    ) -> None:
        if max_memory < 1:
            raise ValueError("max_memory must be >= 1")
        self.directory = directory
        self.max_memory = max_memory
        self.max_disk_bytes = max_disk_bytes
        self.dropped = 0
        """Messages neither journaled nor kept in memory: lost, logged with the reason."""
        self.unjournaled = 0
        """Messages that could not be journaled but were kept in memory (lost on a crash)."""
        self.corrupt = 0
        """Journal lines that were not a message (damaged on disk): skipped and counted."""
        # (message, journal offset just past it, or None when it is not on disk)
        self._memory: deque[tuple[OutMessage, int | None]] = deque()
        self._behind = 0  # journaled messages past the memory window (after _read_offset)
        self._acked_offset = 0  # everything before it was acknowledged
        self._read_offset = 0  # everything before it is acknowledged or in memory
        self._write_offset = 0  # end of the journal
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._unsynced = False
        self._sync_timer: asyncio.TimerHandle | None = None
        self._nonempty = asyncio.Event()
        if directory is not None:
            self._open(directory)

    # --- opening and closing ---------------------------------------------------------------

    @property
    def path(self) -> Path:
        assert self.directory is not None
        return self.directory / JOURNAL_NAME

    @property
    def _offset_file(self) -> Path:
        assert self.directory is not None
        return self.directory / OFFSET_NAME

    def _open(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock(directory)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            size = os.fstat(self._fd).st_size
            if size:
                size = self._cut_partial_line(size)
            self._write_offset = size
            if self._offset_file.exists():
                text = self._offset_file.read_text().strip()
                self._acked_offset = min(int(text or 0), size)
            self._read_offset = self._acked_offset
            with self.path.open("rb") as f:
                f.seek(self._read_offset)
                self._behind = sum(1 for line in f if line.endswith(b"\n"))
        except (OSError, ValueError) as exc:
            raise JournalError(directory, f"cannot open: {exc}") from exc
        if self._behind:
            log.info("journal %s: %d messages from a previous run", directory, self._behind)
            self._refill()
        else:
            self._clear_disk()

    def _cut_partial_line(self, size: int) -> int:
        """A crash (or a full disk) mid-write leaves a line without its newline: cut it."""
        assert self._fd is not None
        with self.path.open("rb") as f:
            f.seek(max(0, size - 1))
            if f.read(1) == b"\n":
                return size
            data_end = size
            step = 4096
            while data_end > 0:
                start = max(0, data_end - step)
                f.seek(start)
                chunk = f.read(data_end - start)
                newline = chunk.rfind(b"\n")
                if newline >= 0:
                    keep = start + newline + 1
                    break
                data_end = start
            else:
                keep = 0
        os.truncate(self.path, keep)
        log.warning("journal %s: cut a partial last line (%d bytes)", self.path, size - keep)
        return keep

    def _lock(self, directory: Path) -> None:
        """One service per journal: two writers would interleave and corrupt it."""
        fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise JournalError(
                directory,
                "in use by another holdfast service (give this one its own --journal-dir)",
            ) from None
        self._lock_fd = fd

    def close(self) -> None:
        """fsync and release the journal (the kernel releases the lock if the process dies)."""
        self.sync()
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def spill_all(self) -> None:
        """Everything unacknowledged is already journaled; only make sure it is on disk."""
        self.sync()

    def sync(self) -> None:
        if self._sync_timer is not None:
            self._sync_timer.cancel()
            self._sync_timer = None
        if self._fd is not None and self._unsynced:
            try:
                os.fsync(self._fd)
            except OSError as exc:
                log.error("journal %s: fsync failed: %s", self.path, exc)  # noqa: TRY400
            self._unsynced = False

    # --- producer side -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._memory) + self._behind

    @property
    def on_disk(self) -> int:
        """Unacknowledged messages that are in the journal."""
        return sum(1 for _, end in self._memory if end is not None) + self._behind

    def put(self, message: OutMessage) -> None:
        """Journal ``message`` behind everything already queued; never blocks."""
        end = self._journal(message) if self._fd is not None else None
        if end is not None:
            if self._behind == 0 and len(self._memory) < self.max_memory:
                self._memory.append((message, end))
                self._read_offset = end
            else:
                self._behind += 1
        elif self._behind == 0 and len(self._memory) < self.max_memory:
            self._memory.append((message, None))
            if self._fd is not None:
                self.unjournaled += 1
        elif self._fd is not None:
            self._drop("memory window full and the journal refused it")
        else:
            self._drop("memory queue full and no journal directory")
        self._nonempty.set()

    def _journal(self, message: OutMessage) -> int | None:
        """Append one line; the offset past it, or None when the journal refused it."""
        assert self._fd is not None
        line = (message.to_line() + "\n").encode()
        if self._write_offset - self._acked_offset + len(line) > self.max_disk_bytes:
            self._refused(f"journal reached max_disk_bytes={self.max_disk_bytes}")
            return None
        try:
            written = os.write(self._fd, line)
        except OSError as exc:
            self._refused(f"cannot append: {exc}")
            return None
        if written != len(line):  # a file-size limit or a full disk cut the line
            os.truncate(self.path, self._write_offset)
            self._refused(f"short write ({written} of {len(line)} bytes): disk full?")
            return None
        self._write_offset += len(line)
        self._schedule_sync()
        return self._write_offset

    def _schedule_sync(self) -> None:
        self._unsynced = True
        if self._sync_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.sync()
            return
        self._sync_timer = loop.call_later(SYNC_INTERVAL_S, self.sync)

    def _refused(self, why: str) -> None:
        refusals = self.unjournaled + self.dropped
        if refusals == 0 or (refusals + 1) % 1000 == 0:
            log.error("journal %s: %s (%d messages refused so far)", self.path, why, refusals + 1)

    def _drop(self, why: str) -> None:
        self.dropped += 1
        if self.dropped == 1 or self.dropped % 1000 == 0:
            log.error("outbox: dropped %d messages so far (%s)", self.dropped, why)

    # --- consumer side -------------------------------------------------------------------

    async def wait(self) -> None:
        """Return once something is queued."""
        while not len(self):
            self._nonempty.clear()
            await self._nonempty.wait()

    def peek(self, n: int) -> list[OutMessage]:
        """The oldest ``n`` (or fewer) messages, in order, still queued until :meth:`ack`."""
        if not self._memory and self._behind:
            self._refill()
        return [m for m, _ in list(self._memory)[:n]]

    def ack(self, n: int) -> None:
        """Forget the oldest ``n`` messages: the broker has them."""
        offset: int | None = None
        for _ in range(min(n, len(self._memory))):
            _, end = self._memory.popleft()
            if end is not None:
                offset = end
        if self._fd is not None:
            if not len(self):
                self._clear_disk()  # everything delivered: start the journal afresh
            elif offset is not None:
                self._commit_offset(offset)
        if not self._memory and self._behind:
            self._refill()

    def _refill(self) -> None:
        """Move the next slice of the journal into memory (offsets committed on ack)."""
        loaded: list[tuple[OutMessage, int | None]] = []
        consumed = 0
        try:
            with self.path.open("rb") as f:
                f.seek(self._read_offset)
                while len(loaded) < self.max_memory and self._read_offset < self._write_offset:
                    line = f.readline()
                    if not line.endswith(b"\n"):
                        break
                    at = self._read_offset
                    self._read_offset += len(line)
                    consumed += 1
                    try:
                        loaded.append((OutMessage.from_line(line.decode()), self._read_offset))
                        continue
                    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
                        problem = repr(exc)[:200]
                    # Malformed: drop, count, go on. Refusing would hold back every good
                    # message behind it, and nobody can repair a line of the journal.
                    self.corrupt += 1
                    log.error(
                        "journal %s: byte %d: not a message (%s); skipped", f.name, at, problem
                    )
        except OSError as exc:
            raise JournalError(self.path, f"cannot read back: {exc}") from exc
        self._memory.extend(loaded)
        self._behind = max(0, self._behind - consumed) if consumed else 0
        if not len(self):
            self._clear_disk()

    def _commit_offset(self, offset: int) -> None:
        self._acked_offset = offset
        try:
            if offset >= COMPACT_BYTES:
                self._compact()
                return
            tmp = self._offset_file.with_suffix(".tmp")
            tmp.write_text(str(offset))
            os.replace(tmp, self._offset_file)
        except OSError as exc:
            raise JournalError(self._offset_file, f"cannot write offset: {exc}") from exc

    def _compact(self) -> None:
        """Cut the acknowledged head off: copy the rest to a fresh journal, shift offsets."""
        assert self._fd is not None
        cut = self._acked_offset
        tmp = self.path.with_suffix(".compact")
        with self.path.open("rb") as src, tmp.open("wb") as dst:
            src.seek(cut)
            while chunk := src.read(1 << 20):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, self.path)
        os.close(self._fd)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
        self._offset_file.unlink(missing_ok=True)
        self._memory = deque((m, None if end is None else end - cut) for m, end in self._memory)
        self._acked_offset = 0
        self._read_offset -= cut
        self._write_offset -= cut

    def _clear_disk(self) -> None:
        self._acked_offset = self._read_offset = self._write_offset = 0
        self._behind = 0
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            self._offset_file.unlink(missing_ok=True)
        except OSError as exc:
            raise JournalError(self.path, f"cannot empty: {exc}") from exc
