"""A real Lens server in a process of its own, which a test can kill (SIGKILL: no
shutdown handlers run, every socket is cut) and start again on the same port and the
same SQLite file, as an operator's restart or a crash would.

It is a LiveServer (same helpers: technicians, sessions, REST, the SMTP sink) whose
uvicorn runs as ``lens-server serve`` in a subprocess instead of a thread.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tests.live_server import LiveServer

START_TIMEOUT = 90.0
"""A busy shared host took over 30 s to import and start the server."""


class ProcessServer(LiveServer):
    def __init__(self, data_dir: Path, **overrides: Any) -> None:
        super().__init__(data_dir, **overrides)
        self._process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "server.log"
        self.started_at: float | None = None
        """time.monotonic() when the current process first answered HTTP."""

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ)
        for name, value in self._overrides.items():
            env[f"LENS_{name.upper()}"] = str(value)
        return env

    def start(self) -> None:
        """Starts ``lens-server serve`` and returns once it answers HTTP."""
        Path(self._overrides["data_dir"]).mkdir(parents=True, exist_ok=True)
        self.database().close()  # migrated before the first process opens it
        command = [sys.executable, "-c", "from lens_server.cli import main; main(['serve'])"]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, env=self._environment(), stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server process did not start; see {self.log_path}")
            time.sleep(0.02)
        self.started_at = time.monotonic()

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/", timeout=0.5).status_code < 500
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        """SIGKILL, as a crash: nothing is closed cleanly, nothing is logged on the way."""
        if self._process is not None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(10)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None
