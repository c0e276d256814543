"""``holdfast`` command line: one module per subcommand, listed in :data:`COMMANDS`.

Each command module offers ``register(subparsers)``, which adds its parser and sets ``func``
to a ``run(args) -> int``. Errors that are ours (:class:`HoldfastError`) print one clear line
and exit 2; anything else is a bug and keeps its traceback.

Subcommands are imported lazily: :data:`COMMANDS` maps each name to its module and its
one-line summary, and only the module of the command being run is imported. ``holdfast
--help`` imports none of them (no numpy, scipy, bleak or amqtt), so it answers in a few
hundredths of a second instead of a second or more. Adding a command is one line here plus
``service/cmd_<name>.py``; keep heavy imports inside that module, not in this one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from firmware_protocol.errors import HoldfastError

COMMANDS: dict[str, tuple[str, str]] = {
    # name: (module with register/run, the summary `holdfast --help` shows; the module's
    # add_parser(help=...) says the same, a test checks they agree)
    "demo": (
        "service.cmd_demo",
        "a simulated session, live in the terminal and over MQTT (start here)",
    ),
    "replay": (
        "service.cmd_replay",
        "replay a recording (raw .jsonl[.gz] or samples .csv) through the chain",
    ),
    "report": (
        "service.cmd_report",
        "replay a recording into one HTML page with plots (or just the plot as PNG)",
    ),
    "simulate": (
        "service.cmd_simulate",
        "simulate a session from a script: a recording plus its ground truth",
    ),
    "score": (
        "service.cmd_score",
        "score the chain's events against simulator truth (one file or a folder)",
    ),
    "serve": ("service.cmd_serve", "publish every event of one or more sources over MQTT"),
    "display": (
        "service.cmd_display",
        "show a running service live: in the terminal, or as a web page",
    ),
    "routine": (
        "service.cmd_routine",
        "run a guided routine (beginner, intermediate, ...) live, published over MQTT",
    ),
    "schema": ("service.cmd_schema", "print or write the JSON Schemas of the MQTT messages"),
    "scan": ("service.cmd_scan", "list supported BLE sensors nearby"),
    "record": (
        "service.cmd_record",
        "record a BLE sensor (raw .jsonl[.gz]) while printing live events",
    ),
    "history": (
        "service.cmd_history",
        "sessions and trends from the history database; the recorder",
    ),
    "bench": (
        "service.cmd_bench",
        "measure speed, latency and memory beside their targets (table or --json)",
    ),
}


def build_parser(command: str | None = None, *, every: bool = False) -> argparse.ArgumentParser:
    """The parser with ``command``'s real options (or every command's with ``every``); the
    other commands get a stub that only carries their summary."""
    parser = argparse.ArgumentParser(
        prog="holdfast",
        description="Back-exercise coach from an IMU on the lower back: holds, reps and "
        "repeated-flexion warnings.",
    )
    parser.add_argument("--version", action=_Version, help="print holdfast's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, summary) in COMMANDS.items():
        if every or name == command:
            importlib.import_module(module_name).register(sub)
        else:
            sub.add_parser(name, help=summary)
    return parser


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holdfast")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown (not installed)"


class _Version(argparse.Action):
    """``--version``, looked up only when asked (the metadata lookup costs start-up time)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help=str(kwargs.get("help", "")))

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        parser.exit(0, f"holdfast {package_version()}\n")


def _command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv``: the first word that names one (so a top-level
    option's value, should one come, is not taken for it)."""
    return next((a for a in argv if a in COMMANDS), None)


_AXIS_OPTIONS = ("--up", "--forward")
_AXIS_VALUES = ("+x", "-x", "+y", "-y", "+z", "-z")


def _join_axis_values(argv: Sequence[str]) -> list[str]:
    """Let people write ``--forward -z``: argparse would take ``-z`` for an option."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in _AXIS_OPTIONS and i + 1 < len(argv) and argv[i + 1] in _AXIS_VALUES:
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    words = _join_axis_values(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command_of(words))
    args = parser.parse_args(words)
    try:
        code: int = args.func(args)
    except HoldfastError as exc:
        print(f"holdfast: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0  # e.g. `holdfast replay ... | head`
    return code


if __name__ == "__main__":
    sys.exit(main())
