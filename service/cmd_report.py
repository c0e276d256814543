"""``holdfast report RECORDING [-o report.html|report.png]``: a session as a page for people."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from firmware_protocol.errors import ConfigError, HoldfastError
from service.cmd_replay import add_exercise_arg, add_mounting_args, mounting_from_args


class ReportError(HoldfastError):
    """The report could not be made (a missing plotting library, an unwritable file)."""


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "report",
        help="replay a recording into one HTML page with plots (or just the plot as PNG)",
        description="Replay a recording through the chain and write one self-contained HTML "
        "file: the trunk angle over time with every rep, hold, forward bend and warning "
        "marked, a table per exercise and set, holds against their targets, and the time "
        "spent bent forward in plain words. -o FILE.png writes the plot alone.",
    )
    p.add_argument("path", type=Path, help="raw recording (.jsonl, .jsonl.gz) or samples CSV")
    p.add_argument(
        "-o", "--output", type=Path, help="report.html (default: beside the recording) or .png"
    )
    p.add_argument(
        "--history",
        nargs="?",
        const="",
        metavar="URL",
        help="add the weekly trend from the history database (default history.database; "
        "docs/history.md)",
    )
    p.add_argument("--sensor-id", metavar="ID", help="with --history: only this sensor's trend")
    add_mounting_args(p)
    add_exercise_arg(p)
    p.set_defaults(func=run)


def default_output(recording: Path) -> Path:
    name = recording.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    return recording.with_name(f"{name}.report.html")


def run(args: argparse.Namespace) -> int:
    out: Path = args.output or default_output(args.path)
    if out.suffix.lower() not in (".html", ".htm", ".png"):
        raise ConfigError("-o", f"cannot write {out.name!r}", "a .html or a .png file")
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ReportError(
            "holdfast report needs matplotlib: .venv/bin/pip install -e '.[report]'"
        ) from exc
    from service.cli import package_version
    from service.progress import progress
    from service.report.collect import collect
    from service.report.page import render
    from service.report.plot import session_png

    with progress(f"replaying {args.path.name}", unit="s") as bar:
        session = collect(
            args.path,
            exercise=args.exercise,
            mounting=mounting_from_args(args),
            on_progress=lambda t: bar.update(t, f"{t:.0f} s of the session"),
        )
    png = session_png(session)
    sections = [] if args.history is None else [_history_section(args.history, args.sensor_id)]
    try:
        if out.suffix.lower() == ".png":
            out.write_bytes(png)
        else:
            out.write_text(
                render(session, png, version=package_version(), sections=sections),
                encoding="utf-8",
            )
    except OSError as exc:
        raise ReportError(f"cannot write {out}: {exc.strerror or exc}") from exc
    print(f"{out}: {len(session.reps)} reps, {len(session.holds)} holds, "
          f"{len(session.bends)} forward bends, {len(session.alerts)} warnings")  # fmt: skip
    return 0


def _history_section(url: str, sensor: str | None) -> Any:
    """The history's trend as a report section (``url`` empty: ``history.database``)."""
    from service.config import default_config_file, load_settings
    from service.history.report_section import TITLE, trend_html
    from service.history.store import HistoryStore
    from service.history.trends import weekly
    from service.report.page import Section

    database = url or load_settings(default_config_file()).history.database
    with HistoryStore(database) as store:
        weeks = weekly(store.sessions(sensor=sensor))
        return Section(TITLE, trend_html(weeks, store.name))
