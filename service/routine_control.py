"""One sensor's guided routine in the service: started by a command or ``holdfast routine``,
fed by the sensor's chain task, its events emitted like the chain's.

The commands (``start_routine``, ``next``, ``skip``, ``pain``, ``stop_routine``) run in the
MQTT task, the chain in the sensor's task, both on one event loop: a command lands between two
batches, never inside one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from dsp.events import Event
from dsp.pipeline import Pipeline
from dsp.routines import RoutineDriver, RoutineSettings, RoutineSpec, from_data, load
from dsp.routines.runner import Context
from firmware_protocol.errors import ConfigError


class RoutineControl:
    def __init__(
        self,
        pipeline: Pipeline,
        settings: RoutineSettings,
        emit: Callable[[Sequence[Event]], None],
        after: Context | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.settings = settings
        self.emit = emit
        self.after = after or Context()
        self.driver: RoutineDriver | None = None

    @property
    def active(self) -> bool:
        return self.driver is not None and self.driver.active

    def start(
        self, routine: str | Mapping[str, Any] | RoutineSpec, pain: int | None
    ) -> dict[str, Any]:
        """Start ``routine`` (a name, a file, data in the TOML's shape) now."""
        if isinstance(routine, RoutineSpec):
            spec = routine
        elif isinstance(routine, str):
            spec = load(routine)
        else:
            spec = from_data(routine, "start_routine")
        events: list[Event] = []
        if self.driver is not None and self.driver.active:
            events += self.driver.stop("replaced")
        self.driver = RoutineDriver(self.pipeline, spec, self.settings, after=self.after)
        events += self.driver.start(None, pain)
        self.emit(events)
        assert self.driver.runner is not None
        return {
            "routine": spec.name,
            "routine_id": self.driver.runner.routine_id,
            "steps": len(self.driver.runner.plan),
        }

    def next(self) -> dict[str, Any]:
        self.emit(self._driver("next").next())
        return self._where()

    def skip(self) -> dict[str, Any]:
        self.emit(self._driver("skip").skip())
        return self._where()

    def pain(self, score: int | None) -> dict[str, Any]:
        self.emit(self._driver("pain").pain(score))
        return {"score": score, **self._where()}

    def stop(self) -> dict[str, Any]:
        self.emit(self._driver("stop_routine").stop())
        return self._where()

    def tick(self) -> list[Event]:
        """After each batch: rests and timed steps end by time."""
        return self.driver.tick() if self.active and self.driver is not None else []

    def finish(self) -> list[Event]:
        """Before the chain's own finish: the routine ends with the session."""
        return self.driver.finish() if self.active and self.driver is not None else []

    def _driver(self, command: str) -> RoutineDriver:
        if self.driver is None or not self.driver.active:
            raise ConfigError(command, "no routine is running", "start_routine first")
        return self.driver

    def _where(self) -> dict[str, Any]:
        runner = self.driver.runner if self.driver is not None else None
        if runner is None or not runner.active:
            return {"phase": "ended"}
        return {"phase": runner.phase, "step": runner.current.step, "set": runner.set_no}
