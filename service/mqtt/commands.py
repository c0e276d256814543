"""Commands a display sends on ``<prefix>/<sensor>/cmd/<name>``, answered on ``.../reply``.

Every payload is a JSON object (an empty payload counts as ``{}``) and may carry a
``request_id`` string that the reply echoes, so a display can match answers to requests:

- ``cmd/calibrate``   ``{}``: take the current posture as standing upright, now;
- ``cmd/exercise``    ``{"exercise": "side_plank"}`` or ``{"exercise": null}`` (auto);
- ``cmd/hold_target`` ``{"seconds": 30}``;
- ``cmd/recording``   ``{"action": "start"}`` or ``{"action": "stop"}``.

A bad payload (not JSON, a wrong field, an unknown command or sensor, a value the pipeline
refuses) is answered with ``{"ok": false, "error": "..."}``; it never stops the service.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from firmware_protocol.errors import HoldfastError
from service.mqtt.journal import OutMessage
from service.mqtt.topics import COMMANDS, Topics

log = logging.getLogger(__name__)


class CommandTarget(Protocol):
    """What a command acts on: one sensor's pipeline and its recorder."""

    def calibrate_now(self) -> None: ...
    def set_exercise(self, name: str | None) -> None: ...
    def set_hold_target(self, seconds: float) -> None: ...
    def start_recording(self) -> Path: ...
    def stop_recording(self) -> Path | None: ...


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    request_id: str | None = None


class CalibrateCommand(_Command):
    pass


class ExerciseCommand(_Command):
    exercise: str | None = Field(description="exercise name, or null for automatic")


class HoldTargetCommand(_Command):
    seconds: float = Field(gt=0, le=3600, description="hold target, seconds")


class RecordingCommand(_Command):
    action: Literal["start", "stop"]


class CommandReply(BaseModel):
    """Published on ``<prefix>/<sensor>/reply``."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    command: str
    ok: bool
    request_id: str | None = None
    error: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


_MODELS: dict[str, type[_Command]] = {
    "calibrate": CalibrateCommand,
    "exercise": ExerciseCommand,
    "hold_target": HoldTargetCommand,
    "recording": RecordingCommand,
}
assert set(_MODELS) == set(COMMANDS)


def _apply(target: CommandTarget, command: _Command) -> dict[str, Any]:
    match command:
        case CalibrateCommand():
            target.calibrate_now()
            return {}
        case ExerciseCommand():
            target.set_exercise(command.exercise)
            return {"exercise": command.exercise}
        case HoldTargetCommand():
            target.set_hold_target(command.seconds)
            return {"seconds": command.seconds}
        case RecordingCommand() if command.action == "start":
            return {"path": str(target.start_recording())}
        case RecordingCommand():
            path = target.stop_recording()
            return {"path": str(path) if path else None}
        case _:
            raise AssertionError(f"unhandled command {command!r}")


class CommandRouter:
    """Turns command messages into calls on the right sensor, and builds the replies."""

    def __init__(self, topics: Topics, targets: Callable[[], Mapping[str, CommandTarget]]) -> None:
        self.topics = topics
        self._targets = targets

    def handle(self, topic: str, payload: bytes) -> list[OutMessage]:
        parsed = self.topics.parse_command(topic)
        if parsed is None:
            return []
        sensor, name = parsed
        reply = self._handle(sensor, name, payload)
        if not reply.ok:
            log.warning("command %s for %s refused: %s", name, sensor, reply.error)
        return [OutMessage(self.topics.reply(sensor), reply.model_dump_json(), qos=1)]

    def _handle(self, sensor: str, name: str, payload: bytes) -> CommandReply:
        request_id: str | None = None
        try:
            data = json.loads(payload) if payload.strip() else {}
            if isinstance(data, dict) and isinstance(data.get("request_id"), str):
                request_id = data["request_id"]
            model = _MODELS.get(name)
            if model is None:
                raise _RefusedError(f"unknown command {name!r}; known: {', '.join(COMMANDS)}")
            targets = self._targets()
            target = targets.get(sensor)
            if target is None:
                raise _RefusedError(
                    f"unknown sensor {sensor!r}; known: {', '.join(sorted(targets))}"
                )
            if not isinstance(data, dict):
                raise _RefusedError("payload must be a JSON object")
            command = model.model_validate(data)
            detail = _apply(target, command)
        except (ValueError, UnicodeDecodeError) as exc:  # json errors, ValidationError
            return CommandReply(command=name, ok=False, request_id=request_id, error=_describe(exc))
        except (_RefusedError, HoldfastError) as exc:
            return CommandReply(command=name, ok=False, request_id=request_id, error=str(exc))
        except Exception as exc:
            # A display must never be able to stop the service; this is still a bug: log it.
            log.exception("command %s for %s failed", name, sensor)
            return CommandReply(
                command=name,
                ok=False,
                request_id=request_id,
                error=f"internal error: {exc.__class__.__name__}: {exc}",
            )
        return CommandReply(command=name, ok=True, request_id=request_id, detail=detail)


class _RefusedError(Exception):
    """A command that cannot apply (unknown name or sensor, wrong payload shape)."""


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
    if isinstance(exc, json.JSONDecodeError):
        return f"payload is not JSON: {exc.msg} at position {exc.pos}"
    return str(exc)
