"""A throwaway PostgreSQL cluster for the ward's tests and benchmark (Debian's `postgresql`
package): initdb on a temporary folder, a unix socket in that folder and a
free loopback port, stopped and removed when the test session ends. The
server refuses to run as root, so as root it runs as the package's
unprivileged `postgres` user (runuser); nothing is left behind."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def bin_dir() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    folder: Path
    port: int
    as_user: tuple[str, ...]
    bin: Path

    def url(self, database: str) -> str:
        # peewee's URL parser reads the socket folder from the host query parameter
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.port}"

    def sql(self, statement: str) -> None:
        self.sql_in("postgres", statement)

    def sql_in(self, database: str, statements: str, timeout: float = 60) -> None:
        self.query_in(database, statements, timeout)

    def query_in(self, database: str, statements: str, timeout: float = 60) -> str:
        """psql's unaligned, tuples-only output of `statements` run in `database` (a bulk load: a longer timeout)."""
        return subprocess.run(
            [*self.as_user, str(self.bin / "psql"), "-h", str(self.folder), "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", statements],
            check=True, capture_output=True, text=True, timeout=timeout,
        ).stdout  # fmt: skip

    def restart(self) -> None:
        """Stop at once, as a crash or power cut would (the next start recovers from the log), and start again."""
        self.pg_ctl("-m", "immediate", "-l", str(self.folder / "log"), "restart")

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w", *args],
            check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip


@contextmanager
def throwaway_cluster() -> Iterator[PostgresServer]:
    """A running cluster on a temporary folder, stopped and removed on exit (the tests' and benchmarks/ward.py's)."""
    binaries = bin_dir()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed: ./setup.sh --test installs Debian's postgresql package")
    as_user: tuple[str, ...] = ()
    folder = Path(tempfile.mkdtemp(prefix="ward-pg-"))
    if os.geteuid() == 0:
        as_user = ("runuser", "-u", "postgres", "--")
        shutil.chown(folder, "postgres", "postgres")
    server = PostgresServer(folder, _free_port(), as_user, binaries)
    try:
        subprocess.run(
            [*as_user, str(binaries / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale", "C.UTF-8", "--no-sync"],
            check=True, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={server.port} -c unix_socket_directories={folder} -c fsync=off"
        )
        server.pg_ctl("-o", options, "-l", str(folder / "log"), "start")
        yield server
    finally:
        if (folder / "data" / "postmaster.pid").exists():
            server.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
