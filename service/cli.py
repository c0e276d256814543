"""``holdfast`` command line: one module per subcommand, registered in ``_COMMANDS``.

Each command module offers ``register(subparsers)`` which adds its parser and sets
``func`` to a ``run(args) -> int``. Errors that are ours (:class:`HoldfastError`) print one
clear line and exit 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from firmware_protocol.errors import HoldfastError
from service import (
    cmd_demo,
    cmd_history,
    cmd_record,
    cmd_replay,
    cmd_scan,
    cmd_schema,
    cmd_score,
    cmd_serve,
    cmd_simulate,
)

_COMMANDS = (
    cmd_demo,
    cmd_replay,
    cmd_simulate,
    cmd_score,
    cmd_serve,
    cmd_schema,
    cmd_scan,
    cmd_record,
    cmd_history,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="holdfast",
        description="Back-exercise coach from an IMU on the lower back: holds, reps and "
        "repeated-flexion warnings.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in _COMMANDS:
        module.register(sub)
    return parser


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
    parser = build_parser()
    args = parser.parse_args(_join_axis_values(sys.argv[1:] if argv is None else argv))
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
