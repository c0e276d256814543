"""Runs a source in the background and lets a test wait for what it yields."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

import numpy as np

from firmware_protocol.samples import SampleBatch
from sensor.source import LinkStatus, SampleSource, SourceItem

WAIT_LIMIT_S = 20.0  # a hang guard, not a performance assertion


class Collector:
    def __init__(self, source: SampleSource) -> None:
        self.source = source
        self.items: list[SourceItem] = []
        self._changed = asyncio.Event()
        self.error: BaseException | None = None
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            async for item in self.source:
                self.items.append(item)
                self._changed.set()
        except Exception as exc:  # handed to the test, which re-raises it
            self.error = exc
            self._changed.set()

    async def wait_for(
        self, predicate: Callable[[Collector], bool], limit_s: float = WAIT_LIMIT_S
    ) -> None:
        async with asyncio.timeout(limit_s):
            while not predicate(self):
                if self.error is not None:
                    raise self.error
                self._changed.clear()
                await self._changed.wait()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        close = getattr(self.source, "close", None)
        if close is not None:
            await close()

    # --- views ------------------------------------------------------------------------------

    @property
    def batches(self) -> list[SampleBatch]:
        return [i for i in self.items if isinstance(i, SampleBatch)]

    @property
    def statuses(self) -> list[LinkStatus]:
        return [i for i in self.items if isinstance(i, LinkStatus)]

    def kinds(self) -> list[str]:
        return [i.kind if isinstance(i, LinkStatus) else "batch" for i in self.items]

    def samples(self) -> int:
        return sum(len(b) for b in self.batches)

    def samples_after(self, kind: str, occurrence: int = 1) -> int:
        """Samples yielded after the ``occurrence``-th status of ``kind``."""
        seen = 0
        total = 0
        for item in self.items:
            if isinstance(item, LinkStatus) and item.kind == kind:
                seen += 1
            elif isinstance(item, SampleBatch) and seen >= occurrence:
                total += len(item)
        return total

    def acc(self) -> np.ndarray:
        return np.concatenate([b.acc_mps2 for b in self.batches])
