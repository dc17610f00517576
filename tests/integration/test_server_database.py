"""The database itself: Alembic migrations up and down on SQLite and PostgreSQL, the
schema they make matches the models, and a PostgreSQL restart under a running server
costs the requests of the outage a clean 503, nothing more."""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from lens_server.db import Database, downgrade, migrate
from lens_server.models import Base
from tests.live_server import LiveServer, running
from tests.postgres import PostgresCluster

TABLES = {table.name for table in Base.metadata.sorted_tables}


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _schema_drift(engine: Engine) -> list[Any]:
    """What ``alembic revision --autogenerate`` would write: [] when the migrated
    schema is what the models say."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_migrations_go_down_to_base_and_up_to_the_models(database_url: str, tmp_path: Path) -> None:
    database = Database(database_url or f"sqlite:///{tmp_path / 'lens.db'}")
    try:
        migrate(database.engine)
        assert _tables(database.engine) == TABLES | {"alembic_version"}
        assert _schema_drift(database.engine) == []

        downgrade(database.engine, "0002")
        assert "chat_messages" not in _tables(database.engine)
        downgrade(database.engine, "0001")
        assert "budget_counters" not in _tables(database.engine)
        downgrade(database.engine, "base")
        assert _tables(database.engine) == {"alembic_version"}

        migrate(database.engine)
        assert _tables(database.engine) == TABLES | {"alembic_version"}
        assert _schema_drift(database.engine) == []
    finally:
        database.close()


# --- PostgreSQL restarted under a running server ----------------------------------------


@pytest.fixture
def pg_server(postgres: PostgresCluster, tmp_path: Path) -> Iterator[tuple[LiveServer, str]]:
    name = postgres.create_database()
    try:
        with running(LiveServer(tmp_path / "server", database_url=postgres.url(name))) as server:
            yield server, name
    finally:
        if not postgres.running:
            postgres.start()
        postgres.drop_database(name)


def _unavailable(response: httpx.Response) -> bool:
    return (
        response.status_code == 503
        and response.json()["error"]["code"] == "database_unavailable"
        and response.headers.get("retry-after") == "5"
    )


def _wait_for_lock_waiter(blocker: psycopg.Connection[Any], database: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = blocker.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (database,),
        ).fetchone()
        if waiting and waiting[0]:
            return
        time.sleep(0.02)
    raise AssertionError("the request never reached the database")


def test_a_postgres_restart_costs_a_clean_503_then_everything_works(
    postgres: PostgresCluster, pg_server: tuple[LiveServer, str]
) -> None:
    server, database = pg_server
    tech = server.technician()
    waiting, _customer = server.join_waiting(tech.token)

    # A request in flight when PostgreSQL goes down: Start waits on a lock another
    # connection holds, and the fast shutdown ends both connections.
    blocker = postgres.connect(database)
    blocker.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(server.api, "POST", f"/sessions/{waiting['id']}/start", tech.token)
        _wait_for_lock_waiter(blocker, database)
        # The waiting request holds a worker thread, not the event loop: others go on.
        started = time.monotonic()
        assert server.api("GET", "/me", tech.token).status_code == 200
        assert server.http.get("/healthz").status_code == 200
        assert time.monotonic() - started < 5
        postgres.stop("fast")
        answer = in_flight.result(timeout=30)
    with contextlib.suppress(psycopg.Error):
        blocker.close()
    assert _unavailable(answer), answer.text

    # While it is down: every request that needs the database says so, quickly.
    started = time.monotonic()
    during = [
        server.api("GET", "/sessions", tech.token),
        server.api("GET", "/me", tech.token),
        server.api("POST", "/sessions", tech.token, json={"name": "Bo", "method": "pin"}),
        server.api("POST", "/customer/redeem", json={"pin": "123456"}),
        server.http.post("/api/v1/auth/login", json={"email": tech.email, "password": "x"}),
    ]
    assert all(_unavailable(response) for response in during), [r.text for r in during]
    assert time.monotonic() - started < 10
    with connect(server.url.replace("http://", "ws://") + "/ws/technician") as ws:
        ws.send(json.dumps({"type": "auth", "token": tech.token}))
        error = json.loads(ws.recv(timeout=10))
        assert error["type"] == "error" and error["code"] == "database_unavailable"
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013

    # Back up: the same server works again, and nothing of the outage was half-written.
    postgres.start()
    listed = server.api("GET", "/sessions", tech.token)
    assert listed.status_code == 200, listed.text
    assert [(s["id"], s["state"]) for s in listed.json()["sessions"]] == [
        (waiting["id"], "waiting")
    ]
    assert server.start_session(tech.token, waiting["id"])["state"] == "active"
    events = server.api("GET", f"/sessions/{waiting['id']}/events", tech.token).json()
    assert [event["action"] for event in events["events"]].count("started") == 1
    created = server.create_session(tech.token, "After")
    assert created["session"]["state"] == "connecting"
    with connect(server.url.replace("http://", "ws://") + "/ws/technician") as ws:
        ws.send(json.dumps({"type": "auth", "token": tech.token}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "ready"}
        snapshot = json.loads(ws.recv(timeout=10))
        assert {s["name"] for s in snapshot["sessions"]} == {"Ann", "After"}


def test_a_nul_character_is_answered_as_on_sqlite(live_server: LiveServer) -> None:
    """PostgreSQL refuses text with a NUL (SQLite stores it): a client's NUL gets the
    answer any unknown value gets, never a 500."""
    tech = live_server.technician()
    login = live_server.http.post(
        "/api/v1/auth/login", json={"email": "a\u0000b@example.com", "password": "x"}
    )
    assert login.json()["error"]["code"] == "invalid_credentials"
    assert live_server.redeem(link_token="abc\u0000").json()["error"]["code"] == "pin_invalid"
    unknown = live_server.api("GET", "/sessions/ab%00cd/events", tech.token)
    assert unknown.json()["error"]["code"] == "session_not_found"
    cursor = base64.urlsafe_b64encode(b"2026-12-03T20:00:00+00:00|a\x00b").decode()
    page = live_server.api("GET", "/sessions", tech.token, params={"cursor": cursor})
    assert page.json()["error"]["code"] == "invalid_cursor"
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []
