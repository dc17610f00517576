"""deploy/caddy/Caddyfile itself, run by Debian's caddy in front of a live server: TLS
(Caddy's internal CA for the name localhost, as ACME would for a public name), the
REST API and a WebSocket through the proxy, and what it keeps private."""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import websockets

from tests.live_server import LiveServer, free_port, running
from tests.redis_server import running_redis

CADDY = "/usr/bin/caddy"
CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "caddy" / "Caddyfile"


@contextmanager
def caddy_in_front(tmp_path: Path, *servers: LiveServer) -> Iterator[tuple[str, ssl.SSLContext]]:
    """Debian's caddy running deploy/caddy/Caddyfile with these servers upstream."""
    https_port = free_port()
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "caddy-data"),
        "XDG_CONFIG_HOME": str(tmp_path / "caddy-config"),
        "LENS_SITE": "localhost",
        "LENS_HTTPS_PORT": str(https_port),
        "LENS_HTTP_PORT": str(free_port()),
        "LENS_CADDY_ADMIN": "off",
        "LENS_UPSTREAMS": " ".join(f"127.0.0.1:{server.port}" for server in servers),
    }
    log = (tmp_path / "caddy.log").open("wb")
    caddy = subprocess.Popen(
        [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        root = tmp_path / "caddy-data" / "caddy" / "pki" / "authorities" / "local"
        context = _wait_for_tls(caddy, root / "root.crt", https_port, tmp_path / "caddy.log")
        yield f"https://localhost:{https_port}", context
    finally:
        caddy.terminate()
        caddy.wait(15)
        log.close()


@pytest.fixture
def behind_caddy(tmp_path: Path) -> Iterator[tuple[LiveServer, str, ssl.SSLContext]]:
    with (
        running(LiveServer(tmp_path / "server", metrics=True)) as server,
        caddy_in_front(tmp_path, server) as (public, context),
    ):
        yield server, public, context


def _wait_for_tls(
    caddy: subprocess.Popen[bytes], root: Path, port: int, log: Path
) -> ssl.SSLContext:
    deadline = time.monotonic() + 30
    while True:
        assert caddy.poll() is None, log.read_text()
        assert time.monotonic() < deadline, log.read_text()
        if root.is_file():
            context = ssl.create_default_context(cafile=str(root))
            try:
                answer = httpx.get(f"https://localhost:{port}/livez", verify=context, timeout=2)
                if answer.status_code == 200:
                    return context
            except (httpx.HTTPError, ssl.SSLError):
                pass
        time.sleep(0.2)


def test_the_caddyfile_proxies_api_and_websockets_over_tls(
    behind_caddy: tuple[LiveServer, str, ssl.SSLContext],
) -> None:
    server, public, context = behind_caddy
    tech = server.technician()
    with httpx.Client(base_url=public, verify=context, timeout=10) as web:
        page = web.get("/")
        assert page.status_code == 200
        assert page.headers["strict-transport-security"] == "max-age=31536000"
        assert "server" not in page.headers
        created = web.post(
            "/api/v1/sessions",
            headers={"Authorization": f"Bearer {tech.token}"},
            json={"name": "Ann", "method": "pin"},
        )
        assert created.status_code == 201, created.text
        assert web.post("/api/v1/customer/redeem", json={"pin": "000000"}).status_code == 404

        # Private through the proxy, served on loopback to Prometheus.
        for path in ("/metrics", "/readyz"):
            assert web.get(path).status_code == 404
        assert server.http.get("/readyz").json()["status"] == "ready"
        metrics = server.http.get("/metrics").text
        assert 'lens_redemption_failures_total{reason="pin_invalid"} 1.0' in metrics

    async def socket() -> list[str]:
        url = public.replace("https://", "wss://") + "/ws/technician"
        async with websockets.connect(url, ssl=context) as ws:
            await ws.send(json.dumps({"type": "auth", "token": tech.token}))
            return [json.loads(await ws.recv())["type"] for _ in range(2)]

    assert asyncio.run(socket()) == ["ready", "snapshot"]


def test_the_production_layout_two_processes_behind_caddy_over_redis(tmp_path: Path) -> None:
    """docs/deployment.md's layout on this machine: Caddy (TLS) in front of two server
    processes that share one database and Redis. Caddy sends each new socket to the
    process with the fewest, so the console's and the phone's land on different ones;
    the console still sees the phone accept, and the phone sees Start."""
    with running_redis(tmp_path / "redis") as redis:
        shared = {
            "database_url": f"sqlite:///{tmp_path / 'lens.db'}",
            "redis_url": redis.url,
            "metrics": True,
        }
        with (
            running(LiveServer(tmp_path / "a", **shared)) as a,
            running(LiveServer(tmp_path / "b", **shared)) as b,
            caddy_in_front(tmp_path, a, b) as (public, context),
        ):
            tech = a.technician()
            seen, placed = asyncio.run(_through_caddy(public, context, tech.token, (a, b)))
            assert seen == ["waiting", "active"]
            assert sorted(placed) == ["customer", "technician"], placed  # one on each
            assert b.http.get("/readyz").json()["checks"]["redis"] == "ok"


def _sockets_held(server: LiveServer) -> str:
    """Which kind of socket this process holds ("technician", "customer" or "")."""
    held = [
        role
        for role in ("technician", "customer")
        if f'lens_open_sockets{{role="{role}"}} 1.0' in server.http.get("/metrics").text
    ]
    return ",".join(held)


async def _through_caddy(
    public: str, context: ssl.SSLContext, token: str, servers: tuple[LiveServer, ...]
) -> tuple[list[str], list[str]]:
    wss = public.replace("https://", "wss://")
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"{public}/api/v1", verify=context) as web:
        console = await websockets.connect(f"{wss}/ws/technician", ssl=context)
        await console.send(json.dumps({"type": "auth", "token": token}))
        created = (
            await web.post("/sessions", headers=auth, json={"name": "Ann", "method": "pin"})
        ).json()
        redeemed = (
            await web.post("/customer/redeem", json={"pin": created["session"]["pin"]})
        ).json()
        customer = redeemed["customer_token"]
        phone = await websockets.connect(f"{wss}/ws/customer", ssl=context)
        await phone.send(json.dumps({"type": "auth", "token": customer}))
        await web.post("/customer/accept", headers={"Authorization": f"Bearer {customer}"})
        seen = []
        async with asyncio.timeout(10):
            while not seen:
                message = json.loads(await console.recv())
                if message["type"] == "session" and message["session"]["state"] == "waiting":
                    seen.append("waiting")
            await web.post(f"/sessions/{created['session']['id']}/start", headers=auth)
            while len(seen) < 2:
                message = json.loads(await phone.recv())
                if message["type"] == "session" and message["session"]["state"] == "active":
                    seen.append("active")
        placed = [await asyncio.to_thread(_sockets_held, server) for server in servers]
        await console.close()
        await phone.close()
        return seen, placed
