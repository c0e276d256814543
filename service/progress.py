"""Progress for people at a terminal: a rich bar for jobs that take more than a moment.

Nothing is shown when stderr is not a terminal (CI logs, pipes, files), and nothing for
jobs that end within ``DELAY_S``: a bar that flashes for a tenth of a second is noise. The
bar goes to stderr and disappears when done, so stdout (events, tables, JSON) stays clean.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

DELAY_S = 2.0
"""Show the bar only once a job has run this long."""


class ProgressBar:
    """``with progress("replaying x", total=None) as p: p.update(done, note)``."""

    def __init__(
        self,
        description: str,
        total: float | None = None,
        *,
        unit: str = "",
        out: TextIO | None = None,
        enabled: bool | None = None,
    ) -> None:
        self.description = description
        self.total = total
        self.unit = unit
        self.out = out or sys.stderr
        self.enabled = self.out.isatty() if enabled is None else enabled
        self._started = time.monotonic()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> ProgressBar:
        self._started = time.monotonic()
        return self

    def update(self, done: float, note: str = "") -> None:
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self._started < DELAY_S:
                return
            self._start()
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, note=note)

    def _start(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            console=Console(file=self.out),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.description, total=self.total, note="")

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


progress = ProgressBar  # the name commands use
