"""Finding and reading routines: the built-in ones (``builtin/*.toml``) and a user's file.

Every problem with a routine file is one :class:`ConfigError` line naming the file, the step
and the field: ``routine my.toml: step 2: reps: Input should be greater than or equal to 1``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from dsp.routines.plan import RoutineSpec
from firmware_protocol.errors import ConfigError

_BUILTIN = resources.files("dsp.routines") / "builtin"


def builtin_names() -> tuple[str, ...]:
    """Names of the built-in routines, in their documented order."""
    names = [p.name[: -len(".toml")] for p in _BUILTIN.iterdir() if p.name.endswith(".toml")]
    order = ("beginner", "intermediate", "advanced")
    return tuple(sorted(names, key=lambda n: (order.index(n) if n in order else 9, n)))


def builtin(name: str) -> RoutineSpec:
    resource = _BUILTIN / f"{name}.toml"
    if not resource.is_file():
        raise ConfigError("routine", f"no built-in routine {name!r}", builtin_names())
    return parse_text(resource.read_text(encoding="utf-8"), f"built-in {name}")


def load(name_or_path: str | Path) -> RoutineSpec:
    """A built-in routine by name, or a TOML file (anything with a ``/`` or ``.toml``)."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in text or text.endswith(".toml"):
        path = Path(name_or_path)
        try:
            content = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"routine {path}", f"cannot read: {exc}") from exc
        return parse_text(content, str(path))
    return builtin(text)


def parse_text(text: str, where: str) -> RoutineSpec:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"routine {where}", f"not TOML: {exc}") from exc
    return from_data(doc, where)


def from_data(doc: Mapping[str, Any], where: str) -> RoutineSpec:
    """A routine from the TOML's shape (also what ``start_routine`` accepts as JSON)."""
    if not isinstance(doc, Mapping):
        raise ConfigError(f"routine {where}", "expected a table with [routine] and [[step]]")
    unknown = sorted(set(doc) - {"routine", "step"})
    if unknown:
        raise ConfigError(
            f"routine {where}", f"unknown table {unknown[0]!r}", ("[routine]", "[[step]]")
        )
    head = doc.get("routine")
    if not isinstance(head, Mapping):
        raise ConfigError(f"routine {where}", "missing [routine] table with name = ...")
    try:
        return RoutineSpec.model_validate({**head, "step": doc.get("step", [])})
    except ValidationError as exc:
        raise ConfigError(f"routine {where}", _first_error(exc)) from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = list(err["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "step" and isinstance(loc[1], int):
        where = f"step {loc[1] + 1}: "
        loc = loc[2:]
    field = ".".join(str(p) for p in loc)
    msg = str(err["msg"]).removeprefix("Value error, ")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    return f"{where}{field + ': ' if field else ''}{msg}{more}"
