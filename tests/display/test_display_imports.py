"""Displays are MQTT subscribers: they may not import the chain or the app (issue 11)."""

from __future__ import annotations

import ast
from pathlib import Path

DISPLAYS = Path(__file__).resolve().parents[2] / "service" / "displays"
OURS = ("dsp", "sensor", "firmware_protocol", "service")
# Payload models, the broker's settings and topic names, our error types: nothing that runs.
ALLOWED = (
    "dsp.events",
    "service.displays",
    "service.config",
    "service.mqtt.topics",
    "firmware_protocol.errors",
)


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_displays_import_no_pipeline_and_no_app() -> None:
    files = sorted(DISPLAYS.glob("*.py"))
    assert len(files) >= 4
    wrong = {
        f"{path.name}: {name}"
        for path in files
        for name in imported_modules(path)
        if name.split(".")[0] in OURS and not name.startswith(ALLOWED)
    }
    assert not wrong, wrong


def test_the_rule_catches_a_pipeline_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from dsp.pipeline import Pipeline\nimport service.app\n")
    assert imported_modules(bad) == {"dsp.pipeline", "service.app"}
