"""``holdfast schema``: the JSON Schemas of everything holdfast publishes over MQTT.

``docs/schema/`` holds the output of ``holdfast schema --out docs/schema`` (a test checks it is
current). The event schema is also published, retained, on ``<prefix>/schema/events``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from dsp.events import EVENT_ADAPTER
from service.mqtt.commands import (
    CalibrateCommand,
    CommandReply,
    ExerciseCommand,
    HoldTargetCommand,
    RecordingCommand,
)
from service.mqtt.routine_commands import ROUTINE_MODELS
from service.mqtt.state import SensorState


def schemas() -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema."""
    out: dict[str, dict[str, Any]] = {
        "event.schema.json": EVENT_ADAPTER.json_schema(mode="serialization"),
        "state.schema.json": SensorState.model_json_schema(mode="serialization"),
        "reply.schema.json": CommandReply.model_json_schema(mode="serialization"),
    }
    for name, model in (
        ("calibrate", CalibrateCommand),
        ("exercise", ExerciseCommand),
        ("hold_target", HoldTargetCommand),
        ("recording", RecordingCommand),
    ):
        out[f"cmd-{name}.schema.json"] = TypeAdapter(model).json_schema(mode="validation")
    for name, routine_model in ROUTINE_MODELS.items():
        schema = TypeAdapter(routine_model).json_schema(mode="validation")
        out[f"cmd-{name}.schema.json"] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "schema",
        help="print or write the JSON Schemas of the MQTT messages",
        description="Print the JSON Schema of the event models, or write every schema "
        "(events, state, command payloads, command replies) into a directory.",
    )
    p.add_argument("--out", type=Path, metavar="DIR", help="write all schemas into DIR")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    all_schemas = schemas()
    if args.out is None:
        sys.stdout.write(render(all_schemas["event.schema.json"]))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, schema in all_schemas.items():
        (args.out / name).write_text(render(schema), encoding="utf-8")
    print(f"wrote {len(all_schemas)} schemas to {args.out}")
    return 0
