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
from pathlib import Path

import httpx
import pytest
import websockets

from tests.live_server import LiveServer, free_port, running

CADDY = "/usr/bin/caddy"
CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "caddy" / "Caddyfile"


@pytest.fixture
def behind_caddy(tmp_path: Path) -> Iterator[tuple[LiveServer, str, ssl.SSLContext]]:
    with running(LiveServer(tmp_path / "server", metrics=True)) as server:
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
            "LENS_UPSTREAMS": f"127.0.0.1:{server.port}",
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
            yield server, f"https://localhost:{https_port}", context
        finally:
            caddy.terminate()
            caddy.wait(15)
            log.close()


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
