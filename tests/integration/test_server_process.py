"""`lens-server serve` as a service manager runs it: a real process, its real log output,
its exit status."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import websockets

from lens_server import admin
from lens_server.db import Database
from lens_server.models import PERMISSIONS
from tests.live_server import free_port
from tests.redis_server import running_redis

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} level=[A-Z]+ logger=\S+ (?P<message>.*)$"
)
ACCESS = re.compile(
    r'^http method=(?P<method>"(?:[^"\\]|\\.)*") path=(?P<path>"(?:[^"\\]|\\.)*") '
    r"status=(?P<status>\d{3}) ms=\d+\.\d$"
)


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self.output = ""

    def stop(self) -> int:
        """SIGTERM, as systemd or docker stop sends it; the exit status."""
        self.process.send_signal(signal.SIGTERM)
        self.output = self.process.communicate(timeout=30)[0]
        return self.process.returncode


@contextmanager
def serving(data_dir: Path, *args: str, **env: str) -> Iterator[Served]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "lens_server.cli", "--data-dir", str(data_dir), "serve", *args],
        env={**os.environ, "LENS_PORT": str(port), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    served = Served(process, f"http://127.0.0.1:{port}")
    try:
        _wait_until_up(served)
        yield served
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)


def _wait_until_up(served: Served) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{served.url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            assert served.process.poll() is None, "the server process died"
            assert time.monotonic() < deadline, "the server did not come up in 30 s"
            time.sleep(0.05)


def test_sigterm_is_a_clean_shutdown_with_exit_status_0(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        assert served.stop() == 0, served.output
    assert "Application shutdown complete" in served.output
    assert "Traceback" not in served.output


@pytest.mark.parametrize(
    ("sent", "logged"),
    [
        ("/x%20status=200", "/x status=200"),
        (
            "/x%0A2026-01-01%2000:00:00,000%20level=INFO%20logger=x%20forged",
            "/x\n2026-01-01 00:00:00,000 level=INFO logger=x forged",
        ),
        ("/x%22%20status=200%20ms=1.0", '/x" status=200 ms=1.0'),
    ],
)
def test_access_log_values_are_quoted_so_a_path_cannot_forge_a_field(
    tmp_path: Path, sent: str, logged: str
) -> None:
    with serving(tmp_path) as served:
        assert httpx.get(f"{served.url}{sent}").status_code == 404
        served.stop()
    lines = served.output.splitlines()
    messages = [m.group("message") for line in lines if (m := LOG_LINE.match(line))]
    assert len(messages) == len(lines), "a line that is not a log record: " + "\n".join(
        line for line in lines if not LOG_LINE.match(line)
    )
    access = [ACCESS.match(m) for m in messages if m.startswith("http ")]
    assert all(access), messages
    paths = [(json.loads(a.group("path")), a.group("status")) for a in access if a]
    assert (logged, "404") in paths
    assert "forged" not in "\n".join(m for m in messages if not m.startswith("http "))


def test_api_docs_are_off_unless_the_setting_asks(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        for path in ("/docs", "/redoc"):
            response = httpx.get(f"{served.url}{path}")
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        assert httpx.get(f"{served.url}/openapi.json").status_code == 200
        served.stop()
    with serving(tmp_path, LENS_API_DOCS="true") as served:
        for path in ("/docs", "/redoc"):
            assert httpx.get(f"{served.url}{path}").status_code == 200
        served.stop()


def test_the_secret_in_a_join_link_never_reaches_the_log(tmp_path: Path) -> None:
    with serving(tmp_path) as served:
        assert httpx.get(f"{served.url}/join/SeCrEt-L1nk%20x").status_code == 200
        served.stop()
    assert "SeCrEt" not in served.output
    assert 'path="/join/<redacted>" status=200' in served.output


def test_workers_above_one_without_redis_are_refused_with_a_reason(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "lens_server.cli", "--data-dir", str(tmp_path)]
    result = subprocess.run(
        [*command, "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "workers above 1 need redis_url" in result.stderr


def test_two_workers_over_redis_serve_one_port_as_one_server(tmp_path: Path) -> None:
    """``serve --workers 2``: two processes take the port's connections as the kernel
    hands them out; every console socket gets every push and the phone's signals,
    wherever each landed."""
    with (
        running_redis(tmp_path / "redis") as redis,
        serving(tmp_path, "--workers", "2", LENS_REDIS_URL=redis.url) as served,
    ):
        workers = psutil.Process(served.process.pid).children()
        assert len([w for w in workers if "spawn" in " ".join(w.cmdline())]) == 2
        database = Database(f"sqlite:///{tmp_path / 'lens.db'}")
        with database.session() as db:
            admin.add_group(db, "desk", PERMISSIONS)
            db.flush()
            admin.add_technician(db, "tess@example.com", "Tess", "desk", "password-1")
        database.close()
        assert asyncio.run(_flow_over_workers(served.url)) == 8
        ready = httpx.get(f"{served.url}/readyz").json()
        assert ready == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}
        assert served.stop() == 0, served.output
    assert "Traceback" not in served.output


async def _flow_over_workers(url: str) -> int:
    ws_url = url.replace("http://", "ws://")
    async with httpx.AsyncClient(base_url=f"{url}/api/v1") as http:
        login = {"email": "tess@example.com", "password": "password-1"}
        token = (await http.post("/auth/login", json=login)).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        consoles = [await _socket(f"{ws_url}/ws/technician", token) for _ in range(8)]
        for console in consoles:
            await _next(console, "snapshot")
        created = await http.post("/sessions", headers=auth, json={"name": "Ann", "method": "pin"})
        session_id = created.json()["session"]["id"]
        redeemed = await http.post(
            "/customer/redeem", json={"pin": created.json()["session"]["pin"]}
        )
        customer = redeemed.json()["customer_token"]
        await http.post("/customer/accept", headers={"Authorization": f"Bearer {customer}"})
        await http.post(f"/sessions/{session_id}/start", headers=auth)
        phone = await _socket(f"{ws_url}/ws/customer", customer)
        offer = {"kind": "offer", "sdp": "v=0", "generation": 1}
        await phone.send(json.dumps({"type": "signal", "data": offer}))
        got = 0
        for console in consoles:
            while (await _next(console, "session"))["session"]["state"] != "active":
                pass
            got += (await _next(console, "signal"))["data"] == offer
            await console.close()
        await phone.close()
        return got


async def _socket(url: str, token: str) -> Any:
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv()) == {"type": "ready"}
    return ws


async def _next(ws: Any, kind: str) -> dict[str, Any]:
    async with asyncio.timeout(10):
        while (message := json.loads(await ws.recv()))["type"] != kind:
            pass
    return dict(message)
