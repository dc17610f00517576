"""The embedded demo server: ``lens-desktop --demo`` runs a Lens server on localhost in
its own process (SQLite in the user's data folder, mail to an outbox folder, a demo
technician with every permission) and stops it when the console quits."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# The console never imports lens_server (DESIGN.md); these match lens_server.cli's demo.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "lens-demo"  # noqa: S105 - the local demo's published password
START_TIMEOUT = 30.0


class DemoServerError(RuntimeError):
    """The embedded server did not come up; the message says why and what to do."""


@dataclass(frozen=True)
class DemoInfo:
    url: str
    email: str
    password: str
    outbox: Path
    data_dir: Path


def demo_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lens-desktop" / "demo-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class DemoServer:
    """Owns the server process. ``close()`` may be called any number of times."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir or demo_data_dir()
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = self.data_dir / "server.log"

    def start(self) -> DemoInfo:
        """Starts the server and waits (blocking, up to 30 s) until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        command = [sys.executable, "-m", "lens_server.cli", "--data-dir", str(self.data_dir)]
        command += ["serve", "--demo", "--host", "127.0.0.1", "--port", str(port)]
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_up(url)
        return DemoInfo(url, DEMO_EMAIL, DEMO_PASSWORD, self.data_dir / "outbox", self.data_dir)

    def _wait_until_up(self, url: str) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                raise DemoServerError(f"The demo server stopped at start-up. {self._tail()}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    return
            time.sleep(0.1)
        self.close()
        raise DemoServerError(f"The demo server did not answer within {START_TIMEOUT:.0f} s.")

    def _tail(self) -> str:
        with contextlib.suppress(OSError):
            lines = self._log_path.read_text(errors="replace").strip().splitlines()
            return "Its last words: " + " | ".join(lines[-3:])
        return ""

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
