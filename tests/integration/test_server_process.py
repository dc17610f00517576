"""`lens-server serve` as a service manager runs it: a real process, its real log output,
its exit status."""

from __future__ import annotations

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

import httpx
import pytest

from tests.live_server import free_port

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
