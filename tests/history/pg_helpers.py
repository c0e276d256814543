"""A real PostgreSQL for the tests: ``initdb`` into a temp dir, ``pg_ctl`` on a free port.

Debian's ``postgresql`` package puts the server tools in ``/usr/lib/postgresql/<v>/bin``
(not on PATH). ``initdb`` refuses to run as root, and CI runs as root: then the data
directory is handed to the ``postgres`` system user (made by the package; ``nobody`` if it is
missing) and the tools run as that user through ``runuser``. The server listens on 127.0.0.1
and on a socket in its own directory only, never on 5432, and trusts local connections
(a throwaway cluster; the tests need no passwords). Everything is removed when it stops.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from service.mqtt.broker_embedded import free_port

USER = "holdfast"


def server_bin() -> Path | None:
    """The newest ``/usr/lib/postgresql/<v>/bin`` that has ``initdb``, else ``None``."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def _run_as() -> tuple[list[str], pwd.struct_passwd | None]:
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], account
    raise RuntimeError("running as root and neither a postgres nor a nobody user exists")


@dataclass
class Postgres:
    bin: Path
    directory: Path
    port: int
    prefix: list[str]

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def _tool(self, name: str, *args: str, timeout: float = 60) -> None:
        cmd = [*self.prefix, str(self.bin / name), *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            log = self.directory / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{name} failed: {done.stdout}{done.stderr}{tail}")

    def start(self) -> None:
        self._tool(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            USER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._tool(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.directory / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._tool("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def start_postgres() -> Postgres:
    """A started server; call :meth:`Postgres.stop` and remove ``directory`` when done."""
    binary = server_bin()
    if binary is None:
        raise RuntimeError(
            "PostgreSQL server tools not found (/usr/lib/postgresql/*/bin/initdb): "
            "install Debian's postgresql package (.ci/setup does)"
        )
    prefix, account = _run_as()
    directory = Path(tempfile.mkdtemp(prefix="holdfast-pg-"))
    if account is not None:
        os.chown(directory, account.pw_uid, account.pw_gid)
    pg = Postgres(binary, directory, free_port(), prefix)
    try:
        pg.start()
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return pg
