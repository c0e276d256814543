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
from service import cmd_replay

_COMMANDS = (cmd_replay,)


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


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
