"""``holdfast history``: sessions and trends from the history database; the recorder.

``history`` (or ``history list``) prints the sessions, ``history trends`` one line per week,
``history export`` CSV, ``history plot`` the trend PNG, ``history record`` runs the recorder
(an MQTT subscriber) until SIGINT/SIGTERM. The database is ``history.database`` (default a
SQLite file in the state directory), or ``--database URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from firmware_protocol.errors import ConfigError
from service.config import HoldfastSettings
from service.errors import HistoryError

log = logging.getLogger(__name__)

DRAIN_S = 5.0
"""On stop, how long the in-process recorder waits for the last events to arrive."""

_RECORD_FLAGS = {"history_client_id": "history.client_id"}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file")
    p.add_argument(
        "--database",
        metavar="URL",
        help="sqlite:///FILE or postgresql://USER@HOST:PORT/DB (default: history.database)",
    )
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="any setting")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output")


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--gateway", metavar="ID", help="only this gateway ('' = none)")
    p.add_argument("--sensor", metavar="ID", help="only this sensor")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only sessions started on or after")


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "history",
        help="sessions and trends from the history database; the recorder",
        description="Sessions stored by the history recorder (docs/history.md). Without a "
        "subcommand: the session list.",
    )
    _common(p)
    _filters(p)
    p.set_defaults(func=run_list)
    hs = p.add_subparsers(dest="history_command", metavar="SUBCOMMAND")

    ls = hs.add_parser("list", help="one line per session (the default)")
    _common(ls)
    _filters(ls)
    ls.set_defaults(func=run_list)

    tr = hs.add_parser("trends", help="one line per week: hold time, reps, alerts per hour")
    _common(tr)
    _filters(tr)
    tr.set_defaults(func=run_trends)

    ex = hs.add_parser("export", help="CSV: sessions, trends or one table (holds, reps, ...)")
    _common(ex)
    _filters(ex)
    from_tables = ("sessions", "trends", "holds", "reps", "sets", "alerts", "flexions")
    ex.add_argument("--table", choices=from_tables, default="sessions", help="what (sessions)")
    ex.add_argument("-o", "--output", type=Path, metavar="FILE", help="CSV file (default stdout)")
    ex.set_defaults(func=run_export)

    pl = hs.add_parser("plot", help="the weekly trend plot as a PNG")
    _common(pl)
    _filters(pl)
    pl.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.png")
    pl.set_defaults(func=run_plot)

    rec = hs.add_parser(
        "record",
        help="run the recorder: subscribe to a broker, store every session",
        description="Subscribe to every gateway's events on a broker (QoS 1, persistent "
        "session) and store them until SIGINT/SIGTERM. Without --broker-host: the "
        "embedded broker of a holdfast serve on this machine (127.0.0.1:embedded.tcp_port).",
    )
    _common(rec)
    rec.add_argument("--broker-host", metavar="HOST")
    rec.add_argument("--broker-port", type=int, metavar="PORT")
    rec.add_argument("--transport", choices=("tcp", "websockets"))
    rec.add_argument("--tls-ca", type=Path, metavar="PEM")
    rec.add_argument("--tls-cert", type=Path, metavar="PEM")
    rec.add_argument("--tls-key", type=Path, metavar="PEM")
    rec.add_argument("--username")
    rec.add_argument("--topic-prefix", metavar="PREFIX", help="first topic level (holdfast)")
    rec.add_argument(
        "--client-id",
        dest="history_client_id",
        metavar="ID",
        help="the recorder's MQTT client id (its persistent session; history.client_id)",
    )
    rec.set_defaults(func=run_record)


# --- settings and the store -------------------------------------------------------------------


def setup_logging(verbose: int) -> None:
    from service.cmd_serve import setup_logging as serve_logging

    serve_logging(verbose)


def _settings(args: argparse.Namespace) -> HoldfastSettings:
    from service.cmd_serve import settings_from_args

    for dest, key in _RECORD_FLAGS.items():
        value = getattr(args, dest, None)
        if value is not None:
            args.set.append(f"{key}={value}")
    if args.database is not None:
        args.set.append(f"history.database={args.database}")
    return settings_from_args(args)


def open_store(settings: HoldfastSettings) -> Any:
    from service.history.store import HistoryStore

    return HistoryStore(settings.history.database)


def _since(args: argparse.Namespace) -> datetime | None:
    if args.since is None:
        return None
    try:
        return datetime.fromisoformat(args.since).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ConfigError("--since", f"{args.since!r} is not a date", "YYYY-MM-DD") from exc


def _rows(args: argparse.Namespace) -> Any:
    setup_logging(args.verbose)
    with open_store(_settings(args)) as store:
        return store.sessions(gateway=args.gateway, sensor=args.sensor, since_utc=_since(args))


# --- commands ---------------------------------------------------------------------------------


def run_list(args: argparse.Namespace) -> int:
    rows = _rows(args)
    out = sys.stdout
    if not rows:
        out.write("no sessions recorded yet (run `holdfast history record`, docs/history.md)\n")
        return 0
    out.write(
        f"{'started (UTC)':<17} {'gateway':<12} {'sensor':<10} {'min':>6} {'reps':>5} "
        f"{'holds':>7} {'hold s':>7} {'alerts':>6} {'bends':>5} ended  routine       pain\n"
    )
    for r in rows:
        out.write(
            f"{r.started_utc:%Y-%m-%d %H:%M} {r.gateway or '-':<12.12} {r.sensor:<10.10} "
            f"{r.duration_s / 60:6.1f} {r.reps:5d} {r.holds_completed:3d}/{r.holds:<3d} "
            f"{r.hold_s:7.1f} {r.alerts:6d} {r.bends if r.bends is not None else '-':>5} "
            f"{'yes' if r.ended else 'no':<6} {','.join(r.routines) or '-':<13.13} "
            f"{_pain(r.pain_before)}->{_pain(r.pain_after)}\n"
        )
    out.write(f"{len(rows)} sessions\n")
    return 0


def _pain(score: int | None) -> str:
    return "-" if score is None else str(score)


def run_trends(args: argparse.Namespace) -> int:
    from service.history.trends import weekly

    weeks = weekly(_rows(args))
    out = sys.stdout
    if not weeks:
        out.write("no sessions recorded yet\n")
        return 0
    out.write(
        f"{'week of':<10} {'sessions':>8} {'active h':>8} {'hold min':>8} {'holds ok':>8} "
        f"{'reps':>6} {'alerts':>6} {'alerts/h':>8}\n"
    )
    for w in weeks:
        out.write(
            f"{w.week.isoformat():<10} {w.sessions:8d} {w.active_s / 3600:8.2f} "
            f"{w.hold_s / 60:8.1f} {w.holds_completed:4d}/{w.holds:<3d} {w.reps:6d} "
            f"{w.alerts:6d} {w.alerts_per_hour:8.2f}\n"
        )
    return 0


def run_export(args: argparse.Namespace) -> int:
    from service.history import export
    from service.history.trends import weekly

    setup_logging(args.verbose)
    with open_store(_settings(args)) as store:
        target: IO[str]
        target = sys.stdout if args.output is None else _open_out(args.output)
        try:
            if args.table in export.TYPED_TABLES:
                export.write_table(
                    store, args.table, target, gateway=args.gateway, sensor=args.sensor
                )
            else:
                rows = store.sessions(
                    gateway=args.gateway, sensor=args.sensor, since_utc=_since(args)
                )
                if args.table == "trends":
                    export.write_trends(weekly(rows), target)
                else:
                    export.write_sessions(rows, target)
        finally:
            if target is not sys.stdout:
                target.close()
    return 0


def _open_out(path: Path) -> IO[str]:
    try:
        return path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise ConfigError("--output", f"cannot write {path}: {exc}") from exc


def run_plot(args: argparse.Namespace) -> int:
    try:
        from service.history.plot import trend_png
    except ImportError as exc:  # matplotlib is an extra
        raise ConfigError(
            "history plot", "needs matplotlib", "pip install 'holdfast[report]'"
        ) from exc
    from service.history.trends import weekly

    png = trend_png(weekly(_rows(args)))
    try:
        args.output.write_bytes(png)
    except OSError as exc:
        raise ConfigError("--output", f"cannot write {args.output}: {exc}") from exc
    sys.stdout.write(f"wrote {args.output}\n")
    return 0


def run_record(args: argparse.Namespace) -> int:
    setup_logging(max(args.verbose, 1))
    settings = _settings(args)
    from service.history.recorder import Recorder

    with open_store(settings) as store:
        recorder = Recorder(store, recorder_address(settings), settings.mqtt.topic_prefix)
        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        b = recorder.broker
        sys.stderr.write(
            f"holdfast history: recording {settings.mqtt.topic_prefix}/# on {b.host}:{b.port} "
            f"into {store.name}; Ctrl-C stops\n"
        )
        recorder.start()
        try:
            while not stop.wait(0.5):
                if recorder.failure is not None:
                    raise recorder.failure
        finally:
            recorder.stop()
        sys.stderr.write(
            f"holdfast history: {recorder.stored} events stored, {recorder.duplicates} "
            f"duplicates dropped, {recorder.rejected} rejected\n"
        )
    return 0


def recorder_address(settings: HoldfastSettings) -> Any:
    """The recorder's broker from the service's broker settings (the embedded one if unset)."""
    from service.history.recorder import BrokerAddress

    b = settings.broker
    host, port = b.host, b.port
    if host is None:
        host, port = "127.0.0.1", settings.embedded.tcp_port
    return BrokerAddress(
        host=host,
        port=port,
        client_id=settings.history.client_id,
        username=b.username,
        password=b.password.get_secret_value() if b.password is not None else None,
        transport=b.transport,
        tls=b.tls.active,
        ca_file=b.tls.ca_file,
        cert_file=b.tls.cert_file,
        key_file=b.tls.key_file,
        tls_insecure=b.tls.insecure,
        keepalive_s=b.keepalive_s,
    )


class InProcessRecorder:
    """The recorder inside ``holdfast serve`` (``history.record``), run beside the app like a
    display: still only an MQTT subscriber of the service's broker (the embedded one too),
    subscribed before the first event is published, drained after the last."""

    def __init__(self, settings: HoldfastSettings) -> None:
        self.settings = settings
        self.recorder: Any = None
        self.store: Any = None

    async def __aenter__(self) -> InProcessRecorder:
        from service.history.recorder import Recorder

        self.store = await asyncio.to_thread(open_store, self.settings)
        self.recorder = Recorder(
            self.store, recorder_address(self.settings), self.settings.mqtt.topic_prefix
        )
        self.recorder.start()
        if not await asyncio.to_thread(self.recorder.wait_subscribed, 10.0):
            log.warning("history: not subscribed yet; the first events may be missed")
        return self

    async def finish(self, timeout_s: float = DRAIN_S) -> None:
        """Return once the last events have arrived and are stored (or after ``timeout_s``)."""
        await asyncio.to_thread(self.recorder.wait_idle, max(timeout_s, DRAIN_S))

    async def __aexit__(self, *_exc: object) -> None:
        await asyncio.to_thread(self.recorder.stop)
        self.store.close()
        log.info("history: %d events stored in %s", self.recorder.stored, self.store.name)


__all__ = ["HistoryError", "InProcessRecorder", "open_store", "recorder_address", "register"]
