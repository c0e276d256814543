"""A routine running on one pipeline: the runner's context goes into the chain, the chain's
events into the runner, and the runner's events into the same stream (``seq``, ``id``).

The runner is wired in as the pipeline's observer, so its reaction to an event (a rep that
completes a set) follows that event directly in ``seq``. A context change applies from the
next batch of samples: live batches are 50 ms; ``holdfast replay --routine`` uses small ones
too. Pure: the service calls it from its loop, replay calls it synchronously.

Until the chain knows the mounting (the stand-and-bend of auto calibration) it is not told
the first exercise: the calibration bend is the person's, not the routine's (told a stretch,
the chain would time it as one). The routine is announced at once; the chain is told once
a ``calibrated`` event says the mounting is complete.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal

from dsp.events import CalibratedEvent, Event, SessionSummaryEvent
from dsp.pipeline import Pipeline
from dsp.routines.plan import RoutineSpec
from dsp.routines.runner import Context, Output, RoutineRunner
from dsp.routines.settings import RoutineSettings


class RoutineDriver:
    def __init__(
        self,
        pipeline: Pipeline,
        spec: RoutineSpec,
        settings: RoutineSettings | None = None,
        *,
        after: Context | None = None,
    ) -> None:
        """``after``: what the chain is told once the routine is over (default: auto)."""
        self.pipeline = pipeline
        self.spec = spec
        self.settings = settings or RoutineSettings()
        self.after = after or Context()
        self.runner: RoutineRunner | None = None
        self._held_back: Context | None = None  # told once the chain is calibrated

    @property
    def active(self) -> bool:
        return self.runner is not None and self.runner.active

    def start(self, t: float | None = None, pain_before: int | None = None) -> list[Event]:
        t0 = self.pipeline.t_last_s if t is None else t
        key = f"{self.pipeline.session_id}/{self.pipeline.sensor}/{self.spec.name}/{t0:.3f}"
        routine_id = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
        self.runner = RoutineRunner(self.spec, self.pipeline.sensor, routine_id, self.settings)
        self.pipeline.observer = self._observe
        return self._apply(self.runner.start(t0, pain_before))

    def tick(self, t: float | None = None) -> list[Event]:
        """After each batch: time passed (rests, timed steps)."""
        if self.runner is None:
            return []
        return self._apply(self.runner.advance(self.pipeline.t_last_s if t is None else t))

    def next(self) -> list[Event]:
        return self._apply(self._runner().next(self.pipeline.t_last_s))

    def skip(self) -> list[Event]:
        return self._apply(self._runner().skip(self.pipeline.t_last_s))

    def pain(self, score: int | None) -> list[Event]:
        return self._apply(self._runner().pain(self.pipeline.t_last_s, score))

    def stop(self, reason: Literal["stopped", "replaced"] = "stopped") -> list[Event]:
        """End it now (``replaced``: another routine starts)."""
        return self._apply(self._runner().stop(self.pipeline.t_last_s, reason))

    def finish(self, t: float | None = None) -> list[Event]:
        """The session ends: the routine ends with it (its open set as it is)."""
        if self.runner is None:
            return []
        return self._apply(self.runner.finish(self.pipeline.t_last_s if t is None else t))

    # --- internals ------------------------------------------------------------------------------

    def _runner(self) -> RoutineRunner:
        if self.runner is None:
            from firmware_protocol.errors import ConfigError

            raise ConfigError("routine", "no routine is running", "start_routine first")
        return self.runner

    def _observe(self, event: Event) -> Sequence[Event]:
        runner = self.runner
        if runner is None or not runner.active or event.type.startswith("routine_"):
            return ()
        if isinstance(event, SessionSummaryEvent):
            out = runner.finish(event.t)
        else:
            out = runner.on_event(event)
        if isinstance(event, CalibratedEvent) and event.stage == "complete":
            held, self._held_back = self._held_back, None
            if held is not None and out.context is None:
                out.context = held
        self._tell(out)
        return out.events

    def _apply(self, out: Output) -> list[Event]:
        self._tell(out)
        return self.pipeline.stamp(out.events)

    def _tell(self, out: Output) -> None:
        ctx = out.context
        if ctx is None:
            return
        if ctx == Context():
            ctx = self.after
        elif not self.pipeline.calibrated:
            self._held_back = ctx
            return
        self.pipeline.set_exercise(ctx.exercise, ctx.side)
        self.pipeline.set_hold_target(ctx.hold_s)
