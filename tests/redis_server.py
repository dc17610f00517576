"""A real Redis for tests: Debian's ``redis-server`` on 127.0.0.1 and a free port, no
persistence (a restart comes back empty, as a crashed Redis without a dump would), in
a temporary folder; stop and start it again to test an outage.

    with running_redis(tmp_path) as redis:
        redis.url  # redis://127.0.0.1:<port>/0
        redis.stop(); redis.start()
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from tests.live_server import LiveServer, free_port, running

REDIS_SERVER = "/usr/bin/redis-server"


class RedisServer:
    def __init__(self, folder: Path) -> None:
        if shutil.which(REDIS_SERVER) is None:
            raise RuntimeError("redis-server is not installed: apt-get install redis-server")
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                REDIS_SERVER,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
                "--logfile", str(self.folder / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start: {self.log_text()[-500:]}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(10)
            self._process = None

    def log_text(self) -> str:
        log = self.folder / "redis.log"
        return log.read_text(errors="replace") if log.exists() else ""


@contextmanager
def running_redis(folder: Path) -> Iterator[RedisServer]:
    server = RedisServer(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def live_server_alone_or_with_redis(
    kind: str, folder: Path, database_url: str
) -> Iterator[LiveServer]:
    """A live server on its own (``"alone"``) or relaying through a Redis of its own
    (``"redis"``): the two ways a socket test runs (parametrise a fixture with both)."""
    with ExitStack() as stack:
        settings: dict[str, Any] = {"database_url": database_url}
        if kind == "redis":
            settings["redis_url"] = stack.enter_context(running_redis(folder / "redis")).url
        yield stack.enter_context(running(LiveServer(folder / "server", **settings)))
