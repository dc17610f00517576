"""The embedded demo server: ``lens-desktop --demo`` runs a Lens server on localhost in
its own process (SQLite in the user's data folder, mail to an outbox folder, a demo
technician with every permission) and stops it when the console quits.

The server must not outlive the console however the console ends: Quit, an exception,
Ctrl+C, SIGTERM, or a crash or SIGKILL that runs none of the console's code. So the
server process runs through this module (``python -m lens_desktop.demo``), which ties
it to the console twice before starting the server: on Linux the kernel sends it
SIGTERM when the console dies (``PR_SET_PDEATHSIG``), and on every OS a thread waits for
end-of-file on its stdin, a pipe whose only writer is the console.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import runpy
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import requests

# The console never imports lens_server (DESIGN.md); these match lens_server.cli's demo.
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "lens-demo"  # noqa: S105 - the local demo's published password
START_TIMEOUT = 30.0
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
ORPHAN_GRACE = 10.0
"""Seconds the orphaned server gets to shut down on SIGTERM before it is ended hard."""


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
        command = [sys.executable, "-m", "lens_desktop.demo", str(os.getpid())]
        command += ["--data-dir", str(self.data_dir), "serve", "--demo"]
        command += ["--host", "127.0.0.1", "--port", str(port)]
        with self._log_path.open("wb") as log:
            # stdin: the pipe whose end-of-file tells the server the console is gone
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
            )
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

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(OSError):
            if process.stdin is not None:
                process.stdin.close()
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


# -- in the server's process ----------------------------------------------------------


def die_with(parent_pid: int) -> None:
    """Ends this process (SIGTERM, so the server shuts down cleanly) when the console
    that started it is gone, whatever way it went."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:  # it died before prctl took effect
        sys.exit(0)
    threading.Thread(target=_end_at_stdin_eof, name="console-watch", daemon=True).start()


def _end_at_stdin_eof() -> None:
    """The console holds the only writing end of stdin: end-of-file means it exited."""
    with contextlib.suppress(OSError, ValueError):
        while sys.stdin.buffer.read(4096):
            pass
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(ORPHAN_GRACE)
    os._exit(1)


def run_server(argv: list[str]) -> None:
    """``python -m lens_desktop.demo <console pid> <lens-server arguments>``. The console
    never imports the server (DESIGN.md); this child process runs it by module name."""
    die_with(int(argv[0]))
    sys.argv = ["lens-server", *argv[1:]]
    runpy.run_module("lens_server.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    run_server(sys.argv[1:])
