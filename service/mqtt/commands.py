"""Commands a display sends on ``<prefix>/<sensor>/cmd/<name>``, answered on ``.../reply``.

Every payload is a JSON object (an empty payload counts as ``{}``) and may carry a
``request_id`` string that the reply echoes, so a display can match answers to requests:

- ``cmd/calibrate``   ``{}``: take the current posture as standing upright, now;
- ``cmd/exercise``    ``{"exercise": "side_plank"}`` or ``{"exercise": null}`` (auto);
- ``cmd/hold_target`` ``{"seconds": 30}``;
- ``cmd/recording``   ``{"action": "start"}`` or ``{"action": "stop"}``;
- ``cmd/start_routine``, ``next``, ``skip``, ``pain``, ``stop_routine``: guided routines
  (:mod:`service.mqtt.routine_commands`).

A bad payload (not JSON, a wrong field, an unknown command or sensor, a value the pipeline
refuses) is answered with ``{"ok": false, "error": "..."}``; it never stops the service.
Sizes are bounded so a display cannot make the service echo or log megabytes: a payload over
``MAX_PAYLOAD_BYTES`` or nested deeper than ``MAX_JSON_DEPTH`` is refused unread, a
``request_id`` is at most ``MAX_REQUEST_ID`` characters, and an error text (in the reply and
in the log) at most ``MAX_ERROR_CHARS``. Values are strict: ``{"seconds": true}`` is not 1.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from firmware_protocol.errors import HoldfastError
from sensor.limits import MAX_JSON_DEPTH, LimitError, loads_bounded
from service.mqtt.journal import OutMessage
from service.mqtt.routine_commands import ROUTINE_MODELS, apply_routine
from service.mqtt.topics import COMMANDS, Topics
from service.routine_control import RoutineControl

log = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 4096
"""Largest command payload read; ours are a few dozen bytes."""
MAX_REQUEST_ID = 128
"""Longest ``request_id`` echoed back."""
MAX_ERROR_CHARS = 300
"""Longest error text in a reply or a log line."""


class CommandTarget(Protocol):
    """What a command acts on: one sensor's pipeline and its recorder."""

    def calibrate_now(self) -> None: ...
    def set_exercise(self, name: str | None) -> None: ...
    def set_hold_target(self, seconds: float) -> None: ...
    def start_recording(self) -> Path: ...
    def stop_recording(self) -> Path | None: ...
    @property
    def routine(self) -> RoutineControl: ...


class _Command(BaseModel):
    # strict: JSON true is not the number 1, "30" is not 30 (ints still count as floats).
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)
    request_id: str | None = Field(default=None, max_length=MAX_REQUEST_ID)


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


_MODELS: dict[str, type[BaseModel]] = {
    "calibrate": CalibrateCommand,
    "exercise": ExerciseCommand,
    "hold_target": HoldTargetCommand,
    "recording": RecordingCommand,
    **ROUTINE_MODELS,
}
assert set(_MODELS) == set(COMMANDS)


def _apply(target: CommandTarget, command: BaseModel) -> dict[str, Any]:
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
            detail = apply_routine(target, command)
            if detail is None:
                raise AssertionError(f"unhandled command {command!r}")
            return detail


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
            log.warning("command %s for %s refused: %s", name[:64], sensor[:64], reply.error)
        return [OutMessage(self.topics.reply(sensor), reply.model_dump_json(), qos=1)]

    def _handle(self, sensor: str, name: str, payload: bytes) -> CommandReply:
        request_id: str | None = None
        try:
            if len(payload) > MAX_PAYLOAD_BYTES:
                raise _RefusedError(
                    f"payload of {len(payload)} bytes is larger than {MAX_PAYLOAD_BYTES}"
                )
            data = loads_bounded(payload, MAX_JSON_DEPTH) if payload.strip() else {}
            if isinstance(data, dict) and isinstance(data.get("request_id"), str):
                request_id = data["request_id"][:MAX_REQUEST_ID]
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
        except (ValueError, UnicodeDecodeError) as exc:  # json, LimitError, ValidationError
            return _refusal(name, request_id, _describe(exc))
        except (_RefusedError, HoldfastError) as exc:
            return _refusal(name, request_id, str(exc))
        except Exception as exc:
            # A display must never be able to stop the service; this is still a bug: log it.
            log.exception("command %s for %s failed", name[:64], sensor[:64])
            return _refusal(name, request_id, f"internal error: {exc.__class__.__name__}: {exc}")
        return CommandReply(command=name, ok=True, request_id=request_id, detail=detail)


def _refusal(name: str, request_id: str | None, error: str) -> CommandReply:
    if len(error) > MAX_ERROR_CHARS:
        error = error[: MAX_ERROR_CHARS - 3] + "..."
    return CommandReply(command=name[:64], ok=False, request_id=request_id, error=error)


class _RefusedError(Exception):
    """A command that cannot apply (unknown name or sensor, wrong payload shape)."""


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}" for e in exc.errors()
        )
    if isinstance(exc, json.JSONDecodeError):
        return f"payload is not JSON: {exc.msg} at position {exc.pos}"
    if isinstance(exc, LimitError):
        return f"payload refused: {exc}"
    if isinstance(exc, UnicodeDecodeError):
        return "payload is not UTF-8 text"
    return str(exc)
