"""Liveness, readiness and Prometheus metrics on a real server (uvicorn + SQLite)."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from lens_server.config import Settings
from lens_server.db import Database
from lens_server.metrics import READY_TIMEOUT, Readiness
from tests.live_server import LiveServer, running


def _samples(text: str) -> dict[str, float]:
    """``name{labels}`` -> value, from the Prometheus text format."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            found[key] = float(value)
    return found


def _metric(server: LiveServer, key: str) -> float:
    response = server.http.get("/metrics")
    assert response.status_code == 200, response.text
    return _samples(response.text).get(key, 0.0)


@pytest.fixture
def metrics_server(tmp_path: Path) -> Any:
    with running(LiveServer(tmp_path / "server", metrics=True)) as server:
        yield server


def test_liveness_and_readiness_when_all_is_well(live_server: LiveServer) -> None:
    for path in ("/livez", "/healthz"):
        answer = live_server.http.get(path)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
    ready = live_server.http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "checks": {"database": "ok"}}


async def test_readiness_gives_up_on_a_database_that_does_not_answer() -> None:
    """A PostgreSQL address that accepts connections and then says nothing (a hung
    server, a black-holed network): the probe answers within its timeout, one check
    at a time however many probes arrive, and the reason holds no password."""
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    database = Database(f"postgresql+psycopg://lens:pw-{port}-secret@127.0.0.1:{port}/lens")
    readiness = Readiness(lambda: database)
    try:
        started = time.monotonic()
        answers = await asyncio.gather(*(readiness.checks() for _ in range(5)))
        waited = time.monotonic() - started
        assert answers == [{"database": f"no answer within {READY_TIMEOUT:g} s"}] * 5
        assert READY_TIMEOUT <= waited < READY_TIMEOUT + 1.5
        # Still hung: the next probe waits on the same query, it does not start one.
        hung = readiness._ping
        assert hung is not None and not hung.done()
        again = await readiness.checks()
        assert again == {"database": f"no answer within {READY_TIMEOUT:g} s"}
        assert readiness._ping is hung
    finally:
        silent.close()
        database.close()

    refused = Database(f"postgresql+psycopg://lens:pw-{port}-secret@127.0.0.1:{port}/lens")
    try:
        reason = (await Readiness(lambda: refused).checks())["database"]
    finally:
        refused.close()
    assert reason.startswith("OperationalError: connection failed"), reason
    assert "secret" not in reason
    assert "\n" not in reason


@pytest.mark.allow_error_logs  # the session sweep may fail on it meanwhile, and says so
def test_readiness_reports_a_broken_database_without_a_traceback(tmp_path: Path) -> None:
    """The database file is replaced by something that is not a database (a botched
    restore): 503 with the driver's one-line reason, never a traceback or the URL."""
    server = LiveServer(tmp_path / "server")
    with running(server):
        server.stop()
        database = server.settings.data_dir / "lens.db"
        for leftover in database.parent.glob("lens.db-*"):
            leftover.unlink()
        server.start()
        database.write_bytes(b"this is not a database" * 512)
        answer = server.http.get("/readyz")
        assert answer.status_code == 503
        body = answer.json()
        assert body["status"] == "unavailable"
        reason = body["checks"]["database"]
        assert reason in (
            "DatabaseError: file is not a database",
            "DatabaseError: database disk image is malformed",
        ), reason
        assert "Traceback" not in answer.text
        assert str(database) not in answer.text
        assert server.http.get("/livez").status_code == 200


def test_metrics_are_off_by_default(live_server: LiveServer) -> None:
    answer = live_server.http.get("/metrics")
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "not_found"


def test_metrics_refuse_a_client_outside_the_allowed_networks(tmp_path: Path) -> None:
    """Behind the reverse proxy the app sees the forwarded client address (uvicorn's
    proxy headers): a public client is refused even though its connection comes from
    loopback. A connection from an allowed source address is served."""
    server = LiveServer(tmp_path / "server", metrics=True, metrics_allow=("127.0.0.2/32",))
    with running(server):
        assert server.http.get("/metrics").status_code == 403  # from 127.0.0.1
        transport = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=server.url, transport=transport, timeout=10) as allowed:
            served = allowed.get("/metrics")
            assert served.status_code == 200
            assert served.headers["content-type"].startswith("text/plain")
            proxied = allowed.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
        # 127.0.0.2 is not a trusted proxy for uvicorn (127.0.0.1 is): header ignored
        assert proxied.status_code == 200
        assert server.http.get("/metrics").json()["error"]["code"] == "forbidden"


def test_metrics_via_a_proxy_are_refused_to_a_public_client(metrics_server: LiveServer) -> None:
    public = metrics_server.http.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert public.status_code == 403
    assert metrics_server.http.get("/metrics").status_code == 200


def test_a_bad_network_in_metrics_allow_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="metrics_allow: 'lan' is not a network"):
        Settings(metrics_allow=("lan",))


def test_counters_follow_requests_failures_and_pushes(metrics_server: LiveServer) -> None:
    server = metrics_server
    tech = server.technician()
    failures = 'lens_redemption_failures_total{reason="pin_invalid"}'
    assert _metric(server, failures) == 0
    assert server.redeem("000000").status_code == 404
    assert _metric(server, failures) == 1

    async def scenario() -> dict[str, float]:
        url = server.url.replace("http://", "ws://") + "/ws/technician"
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": tech.token}))
            assert json.loads(await ws.recv())["type"] == "ready"
            assert json.loads(await ws.recv())["type"] == "snapshot"
            during = _samples((await asyncio.to_thread(server.http.get, "/metrics")).text)
            created = await asyncio.to_thread(server.create_session, tech.token, "Ann")
            pushed = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert pushed["session"]["id"] == created["session"]["id"]
            return during

    before = _samples(server.http.get("/metrics").text)
    during = asyncio.run(scenario())
    assert during['lens_open_sockets{role="technician"}'] == 1
    deadline = time.monotonic() + 5
    while (after := _samples(server.http.get("/metrics").text))[
        'lens_open_sockets{role="technician"}'
    ] != 0:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    pushes = 'lens_pushes_total{role="technician"}'
    assert after[pushes] == before[pushes] + 1
    assert after["lens_push_latency_seconds_count"] == before["lens_push_latency_seconds_count"] + 1
    assert 0 < after["lens_push_latency_seconds_sum"] < 5
    assert after['lens_sessions{state="connecting"}'] == 1
    assert after['lens_sessions{state="active"}'] == 0

    session_id = server.create_session(tech.token, "Bea")["session"]["id"]
    assert server.api("GET", f"/sessions/{session_id}", tech.token).status_code == 200
    assert server.http.get("/join/not-a-real-link-token").status_code == 200
    text = server.http.get("/metrics").text
    route = 'route="/api/v1/sessions/{session_id}"'
    count = f'lens_http_request_duration_seconds_count{{method="GET",{route},status="2xx"}}'
    assert _samples(text)[count] == 1
    assert 'route="/join/{link_token}"' in text
    assert session_id not in text
    assert "not-a-real-link-token" not in text
    routes = set(re.findall(r'route="([^"]*)"', text))
    assert all(r.startswith("/") or r == "<unmatched>" for r in routes), routes


def test_email_failures_are_counted(metrics_server: LiveServer) -> None:
    server = metrics_server
    tech = server.technician()
    server.smtp.fail_with = "550 mailbox unavailable"
    answer = server.api(
        "POST",
        "/sessions",
        tech.token,
        json={"name": "Ann", "method": "email", "delivery": "server", "to": "ann@example.com"},
    )
    assert answer.status_code == 502
    assert _metric(server, "lens_email_failures_total") == 1


def test_sms_failures_are_counted(metrics_server: LiveServer) -> None:
    server = metrics_server
    tech = server.technician()
    server.sms.fail_with = (500, "Internal trouble")
    body = {"name": "Ann", "method": "sms", "to": "+31612345678"}
    assert server.api("POST", "/sessions", tech.token, json=body).status_code == 502
    assert _metric(server, "lens_sms_failures_total") == 1
    server.sms.fail_with = None
    assert server.api("POST", "/sessions", tech.token, json=body).status_code == 201
    assert _metric(server, "lens_sms_failures_total") == 1
