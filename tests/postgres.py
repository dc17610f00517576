"""A throw-away PostgreSQL cluster for tests: Debian's server binaries, ``initdb`` into
a temporary folder, ``pg_ctl start`` on 127.0.0.1 and a free port, one fresh database
per test (cloned from a migrated template, so no test sees another's rows), and gone
at the end of the run. PostgreSQL refuses to run as root: as root the cluster runs as
the ``postgres`` user that Debian's package creates."""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

from lens_server.db import Database
from tests.live_server import free_port

ROLE = "lens"
TEMPLATE = "lens_template"
# Speed over durability: the cluster lives for one test run.
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "300",
    "shared_buffers": "32MB",
    "log_min_messages": "fatal",
}


def server_bin() -> Path:
    """The newest installed server's bin folder (/usr/lib/postgresql/<version>/bin)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql")
    return Path(found[-1]).parent


class PostgresCluster:
    def __init__(self) -> None:
        self.bin = server_bin()
        self._user = "postgres" if os.geteuid() == 0 else None
        # As root, in /tmp itself: the postgres user must be able to reach the folder.
        self.root = Path(tempfile.mkdtemp(prefix="lens-pg-", dir="/tmp" if self._user else None))
        self.data = self.root / "data"
        self.port = free_port()
        self._names = itertools.count(1)

    # --- life cycle ------------------------------------------------------------
    def init(self) -> None:
        if self._user is not None:
            entry = pwd.getpwnam(self._user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", ROLE, "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"port = {self.port}\nunix_socket_directories = '{self.root}'\n")
            conf.writelines(f"{name} = {value}\n" for name, value in SETTINGS.items())
        self.start()
        self.execute(f"CREATE DATABASE {TEMPLATE}")
        database = Database(self.url(TEMPLATE))
        try:
            database.migrate()
        finally:
            database.close()

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every connection (their transactions roll back), then stops."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    @property
    def running(self) -> bool:
        status = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        return status.returncode == 0

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            if self.data.exists() and self.running:
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # --- databases ---------------------------------------------------------------
    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{ROLE}@127.0.0.1:{self.port}/{database}"

    def create_database(self, migrated: bool = True) -> str:
        """A new empty database (or one at the newest schema): its name."""
        name = f"lens_{next(self._names)}"
        template = TEMPLATE if migrated else "template0"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY FILE_COPY")
        return name

    def drop_database(self, name: str) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self._dsn(database), autocommit=True) as conn:
            conn.execute(sql.encode())

    def connect(self, database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self._dsn(database))

    def _dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user={ROLE} dbname={database} connect_timeout=5"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [str(self.bin / tool), *args]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        result = subprocess.run(
            command, capture_output=True, text=True, cwd=self.root, check=False, timeout=60
        )
        if check and result.returncode != 0:
            raise subprocess.CalledProcessError(
                result.returncode, command, result.stdout, result.stderr
            )
        return result


@contextlib.contextmanager
def cluster() -> Iterator[PostgresCluster]:
    """A running cluster with a migrated template database, removed on the way out."""
    pg = PostgresCluster()
    try:
        pg.init()
        yield pg
    finally:
        pg.remove()
