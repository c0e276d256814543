"""Session scripts: a small TOML format (read with ``tomllib``), documented in docs/simulator.md.

::

    [script]
    name = "demo"
    description = "calibration, bends, bridges, a side plank"
    calibration = true        # default: 3 s standing still + one 50 deg bend first
    start = "standing"        # the rest posture the session starts in (supine, sitting ...)

    [person]                  # optional: human variability
    tempo_sd = 0.1

    [[step]]
    activity = "forward_bend"
    count = 3
    depth_deg = 60

Built-in scripts live beside this module in ``scripts/*.toml``; :func:`builtin_script` reads one
by name and :func:`builtin_names` lists them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError
from sensor.simulator.activities import ACTIVITIES
from sensor.simulator.builder import START_POSTURES, PersonSettings
from sensor.simulator.params import Params

_SCRIPT_KEYS = ("name", "description", "calibration", "heading_deg", "start_utc", "start")


@dataclass(frozen=True, slots=True)
class Script:
    """A parsed, checked script. ``steps``: one ``Params`` per ``[[step]]``."""

    name: str
    description: str
    calibration: bool
    heading_deg: float
    start_utc: str
    person: PersonSettings
    steps: tuple[Params, ...]
    source: str
    start: str = "standing"


def parse_script(text: str, source: str = "<script>") -> Script:
    """Parse and check a script; errors are :class:`ConfigError` naming the step and key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, f"not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"script", "person", "step"})
    if unknown:
        raise ConfigError(
            source, f"unknown table(s) {', '.join(unknown)}", ["script", "person", "step"]
        )
    head: dict[str, Any] = data.get("script", {})
    bad = sorted(set(head) - set(_SCRIPT_KEYS))
    if bad:
        raise ConfigError(f"{source} [script]", f"unknown key(s) {', '.join(bad)}", _SCRIPT_KEYS)
    person_data: dict[str, Any] = data.get("person", {})
    allowed_person = [f.name for f in fields(PersonSettings)]
    bad = sorted(set(person_data) - set(allowed_person))
    if bad:
        raise ConfigError(f"{source} [person]", f"unknown key(s) {', '.join(bad)}", allowed_person)
    start = head.get("start", "standing")
    if start not in START_POSTURES:
        raise ConfigError(f"{source} [script] start", f"unknown posture {start!r}", START_POSTURES)
    steps_data = data.get("step", [])
    if not isinstance(steps_data, list) or not steps_data:
        raise ConfigError(source, "a script needs at least one [[step]]")
    steps = []
    for i, step in enumerate(steps_data, start=1):
        name = step.get("activity")
        if name not in ACTIVITIES:
            raise ConfigError(
                f"{source} step {i}: activity", f"unknown {name!r}", sorted(ACTIVITIES)
            )
        steps.append(Params(str(name), ACTIVITIES[str(name)][0], step))
    return Script(
        name=str(head.get("name", Path(source).stem)),
        description=str(head.get("description", "")),
        calibration=bool(head.get("calibration", True)),
        heading_deg=float(head.get("heading_deg", 0.0)),
        start_utc=str(head.get("start_utc", "2026-01-05T09:00:00+00:00")),
        person=PersonSettings(**{k: float(v) for k, v in person_data.items()}),
        steps=tuple(steps),
        source=source,
        start=str(start),
    )


def load_script(path: Path | str) -> Script:
    """A script file, or a built-in script's name (``demo``, ``bridge``, ...)."""
    p = Path(path)
    if not p.exists() and str(path) in builtin_names():
        return builtin_script(str(path))
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError("script", f"cannot read {p}: {exc}", builtin_names()) from exc
    return parse_script(text, str(p))


def _scripts_dir() -> Any:
    return resources.files("sensor.simulator").joinpath("scripts")


def builtin_names() -> list[str]:
    """Names of the built-in scripts."""
    return sorted(
        item.name.removesuffix(".toml")
        for item in _scripts_dir().iterdir()
        if item.name.endswith(".toml")
    )


def builtin_script(name: str) -> Script:
    """A built-in script by name (``ConfigError`` listing the names otherwise)."""
    if name not in builtin_names():
        raise ConfigError("script", f"no built-in script {name!r}", builtin_names())
    text = _scripts_dir().joinpath(f"{name}.toml").read_text(encoding="utf-8")
    return parse_script(text, f"builtin:{name}")
