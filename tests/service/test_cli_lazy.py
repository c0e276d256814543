"""The command line imports a subcommand's module only when that command runs."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

import pytest

from service import cli

HEAVY = ("numpy", "scipy", "bleak", "amqtt", "aiomqtt", "pydantic", "dsp", "sensor")

_PROBE = """
import contextlib, io, json, sys
from service.cli import main
with contextlib.redirect_stdout(io.StringIO()) as out, contextlib.suppress(SystemExit):
    main(sys.argv[1:])
print(json.dumps({"modules": sorted(sys.modules), "out": out.getvalue()}))
"""


def _probe(*argv: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_top_level_help_imports_no_command_and_lists_every_one() -> None:
    result = _probe("--help")
    modules = result["modules"]
    assert isinstance(modules, list)
    assert not [m for m in modules if m.split(".")[0] in HEAVY]
    assert not [m for m in modules if m.startswith("service.cmd_")]
    for name, (_, summary) in cli.COMMANDS.items():
        assert name in str(result["out"])
        assert summary.split()[0] in str(result["out"])


def test_a_command_imports_only_its_own_module() -> None:
    modules = _probe("schema", "--help")["modules"]
    assert isinstance(modules, list)
    commands = {m for m in modules if m.startswith("service.cmd_")}
    assert commands == {"service.cmd_schema"}


def _registered_summaries(parser: argparse.ArgumentParser) -> dict[str, str]:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: str(a.help) for a in sub._choices_actions}


def test_every_listed_module_registers_its_command_with_the_listed_summary() -> None:
    registered = _registered_summaries(cli.build_parser(every=True))
    listed = {name: summary for name, (_, summary) in cli.COMMANDS.items()}
    assert registered == listed


@pytest.mark.parametrize("name", list(cli.COMMANDS))
def test_each_command_parses_its_own_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main([name, "--help"])
    assert stop.value.code == 0
    assert f"usage: holdfast {name}" in capsys.readouterr().out


def test_an_unknown_command_is_refused_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["frobnicate"])
    assert stop.value.code == 2
    assert "frobnicate" in capsys.readouterr().err
