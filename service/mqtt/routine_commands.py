"""The routine commands on ``<prefix>/<sensor>/cmd/<name>`` (docs/routines.md):

- ``start_routine`` ``{"routine": "beginner", "pain": 2}``: ``routine`` a built-in name or a
  routine as data (the TOML's shape, ``{"routine": {...}, "step": [...]}``); ``pain`` 0-10,
  optional, the pain before;
- ``next`` ``{}``, ``skip`` ``{}``, ``stop_routine`` ``{}``;
- ``pain`` ``{"score": 6}`` (0-10, or null: "it hurts").

Their models join :mod:`service.mqtt.commands`' table; refusals (no routine running, an unknown
routine, a bad plan) are error replies like any other.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from sensor.limits import MAX_JSON_DEPTH
from service.routine_control import RoutineControl

ROUTINE_COMMANDS: tuple[str, ...] = ("start_routine", "next", "skip", "pain", "stop_routine")


class RoutineTarget(Protocol):
    """What routine commands act on: the sensor's routine."""

    @property
    def routine(self) -> RoutineControl: ...


class _RoutineCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)
    request_id: str | None = Field(default=None, max_length=128)


class StartRoutineCommand(_RoutineCommand):
    routine: str | dict[str, Any] = Field(
        description="a built-in routine's name, or a routine as data (the TOML's shape)"
    )
    pain: int | None = Field(default=None, ge=0, le=10, description="pain before, 0-10")


class NextCommand(_RoutineCommand):
    pass


class SkipCommand(_RoutineCommand):
    pass


class StopRoutineCommand(_RoutineCommand):
    pass


class PainCommand(_RoutineCommand):
    score: int | None = Field(default=None, ge=0, le=10, description="0-10, or null")


ROUTINE_MODELS: dict[str, type[_RoutineCommand]] = {
    "start_routine": StartRoutineCommand,
    "next": NextCommand,
    "skip": SkipCommand,
    "pain": PainCommand,
    "stop_routine": StopRoutineCommand,
}
assert set(ROUTINE_MODELS) == set(ROUTINE_COMMANDS)
assert MAX_JSON_DEPTH >= 4  # a routine as data: {routine: {step: [{...}]}}


def apply_routine(target: RoutineTarget, command: BaseModel) -> dict[str, Any] | None:
    """The reply's detail, or ``None`` when ``command`` is not a routine command."""
    control = target.routine
    match command:
        case StartRoutineCommand():
            routine = command.routine
            if isinstance(routine, str) and ("/" in routine or routine.endswith(".toml")):
                # a display names built-ins only: no reading the gateway's files over MQTT
                from firmware_protocol.errors import ConfigError

                raise ConfigError("routine", "give a built-in name or the routine as data")
            return control.start(routine, command.pain)
        case NextCommand():
            return control.next()
        case SkipCommand():
            return control.skip()
        case PainCommand():
            return control.pain(command.score)
        case StopRoutineCommand():
            return control.stop()
        case _:
            return None
