"""The outbox: messages waiting for the broker, in order, bounded in memory, spilled to disk.

While the broker is reachable the outbox holds a handful of messages in flight. While it is
not, messages pile up: the first ``max_memory`` stay in memory, every later one is appended to
a JSONL spill file (the journal) so a long outage costs disk, not RAM. Messages leave in the
order they were put: memory first (they are older), then the journal, which is read back in
slices as memory drains. While the journal holds anything, new messages go to the journal too,
so order never changes.

Delivery is at-least-once: the publisher takes a slice with :meth:`Outbox.peek`, publishes it,
and only then :meth:`Outbox.ack` s it. A message whose PUBACK was lost is published again with
the same event id, and subscribers drop duplicates by ``id``.

The journal survives a restart of the service: the read offset is persisted when messages
read from it are acknowledged, and on a graceful stop whatever is still in memory is written
in front of the journal (:meth:`Outbox.spill_all`).
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

SPILL_NAME = "spill.jsonl"
OFFSET_NAME = "spill.offset"
LOCK_NAME = "lock"


class JournalError(HoldfastError):
    """The on-disk journal cannot be written or read."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"journal {path}: {reason}")
        self.path = path
        self.reason = reason


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
    """In-order message queue: ``max_memory`` messages in RAM, the rest in ``directory``.

    ``directory=None`` keeps everything in memory up to ``max_memory`` and counts the rest as
    dropped (for tests and for a journal-less setup). ``max_disk_bytes`` bounds the spill file;
    messages beyond it are dropped and counted in ``dropped`` (never silently: the service
    status and the log report it).
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
        self.corrupt = 0
        """Journal lines that were not a message (damaged on disk): skipped and counted."""
        # (message, journal offset just past it, or None when it never was on disk)
        self._memory: deque[tuple[OutMessage, int | None]] = deque()
        self._disk_count = 0
        self._read_offset = 0
        self._nonempty = asyncio.Event()
        self._lock_fd: int | None = None
        if directory is not None:
            self._open_existing(directory)

    # --- paths ---------------------------------------------------------------------------

    @property
    def _spill(self) -> Path:
        assert self.directory is not None
        return self.directory / SPILL_NAME

    @property
    def _offset_file(self) -> Path:
        assert self.directory is not None
        return self.directory / OFFSET_NAME

    def _open_existing(self, directory: Path) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._lock(directory)
            if not self._spill.exists():
                return
            if self._offset_file.exists():
                self._read_offset = int(self._offset_file.read_text().strip() or 0)
            with self._spill.open("rb") as f:
                f.seek(self._read_offset)
                self._disk_count = sum(1 for line in f if line.endswith(b"\n"))
        except (OSError, ValueError) as exc:
            raise JournalError(directory, f"cannot open: {exc}") from exc
        if self._disk_count:
            log.info("journal %s: %d messages from a previous run", directory, self._disk_count)
            self._refill()
        else:
            self._clear_disk()

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
        """Release the journal (the kernel also does when the process dies)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # --- producer side -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._memory) + self._disk_count

    @property
    def on_disk(self) -> int:
        return self._disk_count

    def put(self, message: OutMessage) -> None:
        """Queue ``message`` behind everything already queued; never blocks."""
        if self._disk_count == 0 and len(self._memory) < self.max_memory:
            self._memory.append((message, None))
        elif self.directory is None:
            self._drop("memory queue full and no journal directory")
        else:
            self._append_to_disk([message])
        self._nonempty.set()

    def _append_to_disk(self, messages: list[OutMessage]) -> None:
        try:
            size = self._spill.stat().st_size if self._spill.exists() else 0
            if size >= self.max_disk_bytes:
                self._drop(f"journal reached max_disk_bytes={self.max_disk_bytes}")
                return
            with self._spill.open("a", encoding="utf-8") as f:
                f.write("".join(m.to_line() + "\n" for m in messages))
        except OSError as exc:
            raise JournalError(self._spill, f"cannot append: {exc}") from exc
        self._disk_count += len(messages)

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
        if not self._memory and self._disk_count:
            self._refill()
        return [m for m, _ in list(self._memory)[:n]]

    def ack(self, n: int) -> None:
        """Forget the oldest ``n`` messages: the broker has them."""
        offset: int | None = None
        for _ in range(min(n, len(self._memory))):
            _, end = self._memory.popleft()
            if end is not None:
                offset = end
        if offset is not None and self.directory is not None:
            self._commit_offset(offset)
        if not self._memory and self._disk_count:
            self._refill()

    def _refill(self) -> None:
        """Move the next slice of the journal into memory (offsets committed on ack)."""
        loaded: list[tuple[OutMessage, int | None]] = []
        consumed = 0
        try:
            with self._spill.open("rb") as f:
                f.seek(self._read_offset)
                while len(loaded) < self.max_memory:
                    line = f.readline()
                    if not line.endswith(b"\n"):
                        break  # end of file, or a line cut by a crash mid-write
                    at = self._read_offset
                    self._read_offset += len(line)
                    consumed += 1
                    try:
                        loaded.append((OutMessage.from_line(line.decode()), self._read_offset))
                        continue
                    except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
                        problem = repr(exc)
                    # Malformed: drop, count, go on. Refusing would hold back every good
                    # message behind it, and nobody can repair a line of the journal.
                    self.corrupt += 1
                    log.error(
                        "journal %s: byte %d: not a message (%s); skipped", f.name, at, problem
                    )
        except OSError as exc:
            raise JournalError(self._spill, f"cannot read back: {exc}") from exc
        self._memory.extend(loaded)
        self._disk_count = max(0, self._disk_count - consumed)
        if not consumed:
            self._disk_count = 0
        if self._disk_count == 0 and not self._memory:
            self._clear_disk()

    def _commit_offset(self, offset: int) -> None:
        try:
            if self._disk_count == 0 and all(end is None for _, end in self._memory):
                self._clear_disk()  # the journal is fully delivered
                return
            tmp = self._offset_file.with_suffix(".tmp")
            tmp.write_text(str(offset))
            os.replace(tmp, self._offset_file)
        except OSError as exc:
            raise JournalError(self._offset_file, f"cannot write offset: {exc}") from exc

    def _clear_disk(self) -> None:
        self._read_offset = 0
        self._disk_count = 0
        for path in (self._spill, self._offset_file):
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise JournalError(path, f"cannot remove: {exc}") from exc

    def spill_all(self) -> None:
        """On shutdown: write what is in memory in front of the journal, so nothing is lost.

        Memory always holds the oldest messages (some may have been read back from the
        journal already), and the unread rest of the journal follows them.
        """
        if self.directory is None or not self._memory:
            return
        try:
            rest = b""
            if self._spill.exists():
                with self._spill.open("rb") as f:
                    f.seek(self._read_offset)
                    rest = f.read()
            tmp = self._spill.with_suffix(".tmp")
            with tmp.open("wb") as f:
                f.write("".join(m.to_line() + "\n" for m, _ in self._memory).encode())
                f.write(rest)
            os.replace(tmp, self._spill)
            self._offset_file.unlink(missing_ok=True)
        except OSError as exc:
            raise JournalError(self._spill, f"cannot spill on shutdown: {exc}") from exc
        self._disk_count += len(self._memory)
        self._read_offset = 0
        self._memory.clear()
