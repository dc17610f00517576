"""Database engine, sessions, and schema migrations (Alembic, run at start-up).

The service code is synchronous and runs in worker threads, never on the event loop:
FastAPI runs the sync routes in anyio's thread pool and the WebSocket handlers, the
sweeper and start-up hand their database work to the same pool (docs/decisions/0026).
The pool is bounded (``THREADS``) and the connection pool is sized to match it, so a
thread never waits for a connection another thread of the same pool could not free.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"

THREADS = 40
"""Worker threads for blocking work (anyio's default limiter, set to this at start-up)."""
POOL_SIZE = 10
"""Connections kept open (PostgreSQL or SQLite); up to THREADS at a burst."""
CONNECT_TIMEOUT = 5
"""Seconds to reach PostgreSQL before the request is answered 503."""
POOL_TIMEOUT = 10.0
"""Seconds a thread may wait for a free connection (only if something else holds them)."""


def make_engine(url: str) -> Engine:
    """SQLite for a file URL; otherwise PostgreSQL (``postgresql://`` means psycopg 3)."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            pool_size=POOL_SIZE,
            max_overflow=THREADS - POOL_SIZE,
            connect_args={"check_same_thread": False, "timeout": 15},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(
        parsed,
        pool_size=POOL_SIZE,
        max_overflow=THREADS - POOL_SIZE,
        pool_timeout=POOL_TIMEOUT,
        # A connection that died while idle (PostgreSQL restarted) is replaced before
        # use; one that dies mid-request invalidates the whole pool
        # (and the request is answered 503: errors.DatabaseUnavailable).
        pool_pre_ping=True,
        connect_args={"connect_timeout": CONNECT_TIMEOUT},
    )


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    _alembic(engine, command.upgrade, revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Take the schema back to ``revision`` ("base": no tables but Alembic's own)."""
    _alembic(engine, command.downgrade, revision)


def _alembic(engine: Engine, action: Any, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        action(config, revision)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> None:
        migrate(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed when the block ends, rolled back on any error, so
        a refused request never leaves half-written state."""
        with self._factory() as db, db.begin():
            yield db

    def close(self) -> None:
        self.engine.dispose()
