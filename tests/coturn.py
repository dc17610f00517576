"""A real coturn (Debian's `coturn` package, the `turnserver` binary) for tests: on
127.0.0.1 on a free port, UDP and TCP, with use-auth-secret and a random secret, as
deploy/coturn/turnserver.conf has it minus TLS (TLS on 443 is deployment, not a test).

Two options differ from production on purpose: `allow-loopback-peers`, because every
peer in a test is on this machine (coturn refuses 127.x peers otherwise), and no
`denied-peer-ip` for private ranges, for the same reason.

    with running_coturn(tmp_path) as turn:
        turn.urls  # ["turn:127.0.0.1:<port>?transport=udp", "...?transport=tcp"]
        turn.log_text()
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.live_server import free_port

TURNSERVER = "/usr/bin/turnserver"
REALM = "lens.test"


@dataclass(frozen=True)
class Coturn:
    port: int
    secret: str
    log: Path

    @property
    def urls(self) -> list[str]:
        """UDP first: the console's aiortc uses only the first TURN URL."""
        return [
            f"turn:127.0.0.1:{self.port}?transport=udp",
            f"turn:127.0.0.1:{self.port}?transport=tcp",
        ]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _config(folder: Path, port: int, secret: str) -> str:
    return "\n".join(
        [
            "listening-ip=127.0.0.1",
            "relay-ip=127.0.0.1",
            f"listening-port={port}",
            "use-auth-secret",
            f"static-auth-secret={secret}",
            f"realm={REALM}",
            "fingerprint",
            "no-tls",
            "no-dtls",
            "no-cli",
            "allow-loopback-peers",
            "no-multicast-peers",
            "no-software-attribute",
            "verbose",
            "simple-log",
            f"log-file={folder / 'turn.log'}",
            f"pidfile={folder / 'turn.pid'}",
            f"userdb={folder / 'turndb'}",
            "",
        ]
    )


@contextmanager
def running_coturn(folder: Path) -> Iterator[Coturn]:
    if shutil.which(TURNSERVER) is None and not Path(TURNSERVER).exists():
        raise RuntimeError("turnserver is missing: apt-get install coturn (scripts/test does)")
    folder.mkdir(parents=True, exist_ok=True)
    port, secret = free_port(), secrets.token_urlsafe(24)
    conf = folder / "turnserver.conf"
    conf.write_text(_config(folder, port, secret), encoding="utf-8")
    process = subprocess.Popen(
        [TURNSERVER, "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    turn = Coturn(port, secret, folder / "turn.log")
    try:
        _wait_until_listening(process, turn)
        yield turn
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_listening(process: subprocess.Popen[bytes], turn: Coturn) -> None:
    """Its TCP listener answers and its log says the UDP one is open."""
    deadline = time.monotonic() + 15
    while True:
        if process.poll() is not None:
            text = turn.log_text() if turn.log.exists() else "(no log)"
            raise RuntimeError(f"turnserver exited with {process.returncode}:\n{text[-2000:]}")
        if (
            turn.log.exists()
            and f"UDP listener opened on: 127.0.0.1:{turn.port}" in turn.log_text()
        ):
            try:
                with socket.create_connection(("127.0.0.1", turn.port), timeout=1):
                    return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError("turnserver did not start listening within 15 s")
        time.sleep(0.05)
