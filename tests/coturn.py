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
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.live_server import free_port

TURNSERVER = "/usr/bin/turnserver"
REALM = "lens.test"
DEPLOY_CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "coturn" / "turnserver.conf"


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
    """The test configuration above: UDP and TCP, no TLS, loopback peers allowed."""
    port, secret = free_port(), secrets.token_urlsafe(24)
    turn = Coturn(port, secret, folder / "turn.log")
    with _running(folder, _config(folder, port, secret), turn):
        yield turn


@dataclass(frozen=True)
class DeployedCoturn(Coturn):
    tls_port: int
    ca_file: Path


@contextmanager
def running_deploy_config(folder: Path) -> Iterator[DeployedCoturn]:
    """deploy/coturn/turnserver.conf itself, with only what a test machine must change:
    free ports instead of 3478 and 443, a fresh secret, a self-signed certificate for
    turn.example.com, a verbose log file instead of syslog, and 127.0.0.1 to listen and
    relay on.
    Everything else (denied peers, quotas, TLS versions) is as shipped."""
    folder.mkdir(parents=True, exist_ok=True)
    port, tls_port, secret = free_port(), free_port(), secrets.token_urlsafe(24)
    cert, key = _self_signed(folder, "turn.example.com")
    replaced = {
        "listening-port": str(port),
        "tls-listening-port": str(tls_port),
        "static-auth-secret": secret,
        "cert": str(cert),
        "pkey": str(key),
    }
    lines = []
    for line in DEPLOY_CONFIG.read_text(encoding="utf-8").splitlines():
        name = line.split("=", 1)[0].strip()
        if name == "syslog":
            continue
        lines.append(f"{name}={replaced[name]}" if name in replaced else line)
    lines += [
        "listening-ip=127.0.0.1",
        "relay-ip=127.0.0.1",
        "verbose",  # what the tests read: listeners opened, allocations made
        "simple-log",
        f"log-file={folder / 'turn.log'}",
        f"pidfile={folder / 'turn.pid'}",
        f"userdb={folder / 'turndb'}",
        "",
    ]
    turn = DeployedCoturn(port, secret, folder / "turn.log", tls_port, cert)
    with _running(folder, "\n".join(lines), turn):
        yield turn


def _self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@contextmanager
def _running(folder: Path, config: str, turn: Coturn) -> Iterator[None]:
    if shutil.which(TURNSERVER) is None and not Path(TURNSERVER).exists():
        raise RuntimeError("turnserver is missing: apt-get install coturn (scripts/test does)")
    folder.mkdir(parents=True, exist_ok=True)
    conf = folder / "turnserver.conf"
    conf.write_text(config, encoding="utf-8")
    process = subprocess.Popen(
        [TURNSERVER, "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        _wait_until_listening(process, turn)
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _wait_until_listening(process: subprocess.Popen[bytes], turn: Coturn) -> None:
    """Its TCP (and TLS) listeners answer and its log says the UDP one is open."""
    ports = [turn.port, *([turn.tls_port] if isinstance(turn, DeployedCoturn) else [])]
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
                for port in ports:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        pass
                return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise RuntimeError("turnserver did not start listening within 15 s")
        time.sleep(0.05)
