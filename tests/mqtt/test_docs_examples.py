"""The MQTT docs, schemas and examples say what the code does."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mqtt_helpers import Mosquitto, settings_for, wait_until

from dsp.events import parse_event
from service.app import App, SourceSpec
from service.cmd_schema import render, schemas
from service.config import HoldfastSettings, load_settings
from service.mqtt.commands import CommandReply
from service.mqtt.state import SensorState

ROOT = Path(__file__).resolve().parents[2]
MQTT_DOC = (ROOT / "docs" / "mqtt.md").read_text()


def _json_blocks(text: str) -> list[tuple[str, str]]:
    """(nearest heading above, block) for every ```json block."""
    out = []
    heading = ""
    for part in re.split(r"(^#+ [^\n]*$|```json\n.*?\n```)", text, flags=re.M | re.S):
        if part.startswith("#"):
            heading = part
        elif part.startswith("```json"):
            out.append((heading, part[len("```json\n") : -len("\n```")]))
    return out


def test_every_event_type_has_a_valid_example() -> None:
    examples = {}
    for heading, block in _json_blocks(MQTT_DOC):
        m = re.match(r"### `(\w+)`", heading)
        if m:
            event = parse_event(block)
            assert event.type == m.group(1)
            examples[event.type] = event
    from dsp.events import EVENT_TYPES

    assert set(examples) == set(EVENT_TYPES)


def test_state_and_reply_examples_are_valid() -> None:
    blocks = dict(_json_blocks(MQTT_DOC))
    state = next(b for h, b in _json_blocks(MQTT_DOC) if "State" in h)
    assert SensorState.model_validate_json(state).hold is not None
    replies = [b for h, b in _json_blocks(MQTT_DOC) if "Commands" in h]
    assert len(replies) == 2
    for r in replies:
        CommandReply.model_validate_json(r)
    assert blocks


def test_docs_schema_is_current() -> None:
    for name, schema in schemas().items():
        path = ROOT / "docs" / "schema" / name
        assert path.read_text() == render(schema), (
            f"{path} is stale: run `holdfast schema --out docs/schema`"
        )


def test_config_doc_lists_every_setting_and_its_example_loads(tmp_path: Path) -> None:
    doc = (ROOT / "docs" / "config.md").read_text()

    def paths(model: type, prefix: str) -> list[str]:
        out = []
        for name, field in model.model_fields.items():  # type: ignore[attr-defined]
            sub = field.annotation
            if isinstance(sub, type) and hasattr(sub, "model_fields"):
                out += paths(sub, f"{prefix}{name}.")
            else:
                out.append(f"{prefix}{name}")
        return out

    own = [p for p in paths(HoldfastSettings, "") if not p.startswith("pipeline.")]
    missing = [p for p in own if f"`{p}`" not in doc]
    assert not missing
    toml = re.search(r"```toml\n(.*?)\n```", doc, flags=re.S)
    assert toml is not None
    text = toml.group(1)
    for pem in re.findall(r'"(/etc/holdfast/[^"]+)"', text):  # the files must exist
        local = tmp_path / Path(pem).name
        local.write_text("-----BEGIN CERTIFICATE-----\n")
        text = text.replace(pem, str(local))
    path = tmp_path / "example.toml"
    path.write_text(text)
    settings = load_settings(path)
    assert settings.broker.host == "mqtt.local"
    assert settings.broker.tls.active


@pytest.mark.mosquitto
async def test_the_subscribe_example_prints_each_event_once(
    mosquitto: Mosquitto, bends_recording: Path, tmp_path: Path
) -> None:
    example = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "examples" / "subscribe.py"),
            "127.0.0.1",
            str(mosquitto.port),
            "8",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        await wait_until(lambda: "example-sub 1 holdfast/+/event/#" in mosquitto.log_text(), 60)
        app = App(
            settings_for(mosquitto.port, tmp_path),
            [SourceSpec.replay(bends_recording, speed=100.0)],
        )
        await app.run()
        out, _ = await asyncio.to_thread(example.communicate, timeout=30)
    finally:
        if example.poll() is None:
            example.kill()
            example.communicate()
    lines = out.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("back #1 ")
    assert [int(re.search(r"#(\d+)", ln).group(1)) for ln in lines] == sorted(  # type: ignore[union-attr]
        int(re.search(r"#(\d+)", ln).group(1))
        for ln in lines  # type: ignore[union-attr]
    )
