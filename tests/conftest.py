"""Shared fixtures: a real server (uvicorn + SQLite or PostgreSQL + aiosmtpd) per test,
and a check that no test leaves an unexpected error in the logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live_server import LiveServer, running
from tests.postgres import PostgresCluster, cluster

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throw-away PostgreSQL cluster for the whole run, started on first use."""
    with cluster() as pg:
        yield pg


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The server's database: "" (a SQLite file in its data folder) unless the test is
    parametrized with "postgres" (tests/integration/conftest.py does so for the
    server's tests): then a fresh, migrated database in the throw-away cluster."""
    if getattr(request, "param", "sqlite") == "sqlite":
        yield ""
        return
    pg: PostgresCluster = request.getfixturevalue("postgres")
    name = pg.create_database()
    yield pg.url(name)
    if not pg.running:  # a test that stopped the cluster and failed before restarting it
        pg.start()
    pg.drop_database(name)


@pytest.fixture
def live_server(tmp_path: Path, database_url: str) -> Iterator[LiveServer]:
    with running(LiveServer(tmp_path / "server", database_url=database_url)) as server:
        yield server


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(autouse=True)
def _fail_on_logged_errors(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> Iterator[None]:
    """An error logged anywhere during a test fails it, unless the test says it expects
    one with @pytest.mark.allow_error_logs."""
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_error_logs"):
        return
    errors = [r for r in caplog.get_records("call") if r.levelno >= logging.ERROR]
    if errors:
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in errors)
        pytest.fail(f"unexpected error log(s):\n{lines}")
