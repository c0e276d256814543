"""Reading a recording line by line so that one damaged line costs only itself.

Text-mode reading decodes the file in blocks of ~8 KB: one invalid UTF-8 byte failed the
whole block, so good lines before it were lost and the error named a line dozens too early.
Here the file is read as bytes, split on ``\\n``, and each line is decoded on its own; a line
longer than the limit is skipped up to its end without being held in memory.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sensor.limits import MAX_LINE_BYTES


@dataclass(frozen=True, slots=True)
class Line:
    """One line: ``text`` (without the newline) or ``problem`` when it cannot be used."""

    lineno: int
    text: str
    problem: str | None = None
    ended: bool = True
    """False for a last line without its newline (the writer was cut off mid-line)."""


def open_binary(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def read_lines(f: IO[bytes], *, start: int = 1, max_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Lines of ``f`` numbered from ``start``; read errors of the file itself propagate."""
    lineno = start - 1
    while True:
        raw = f.readline(max_bytes + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = f.readline(max_bytes)
            yield Line(lineno, "", f"line longer than {max_bytes} bytes")
            continue
        ended = raw.endswith(b"\n")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 4].hex(" ")
            yield Line(lineno, "", f"not UTF-8 text (byte {exc.start + 1}: {bad})", ended)
            continue
        yield Line(lineno, text.rstrip("\r\n") if ended else text, None, ended)
