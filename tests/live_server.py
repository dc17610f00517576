"""A real Lens server for tests: uvicorn on a free loopback port in a thread, a SQLite
file in a temp folder, and a real SMTP sink (aiosmtpd) that the server mails to."""

from __future__ import annotations

import email
import email.policy
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from lens_server import admin
from lens_server.app import create_app
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.models import PERMISSIONS
from tests.sms_gateway import StandInSmsGateway


def free_port() -> int:
    """A free port below the kernel's ephemeral range (32768+ here): a port the OS hands
    out for bind(0) may be taken again by Chromium's or aiortc's ICE sockets, or any
    client, between this check and the server's bind (a CI run failed so)."""
    for _ in range(200):
        port = random.randint(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


class SmtpSink:
    """Collects every message the server delivers; `fail_with` makes it refuse."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Envelope] = []
        self.fail_with: str | None = None
        self._arrived = threading.Condition()
        self.port = free_port()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        if self.fail_with:
            return self.fail_with
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        with self._arrived:
            self.envelopes.append(envelope)
            self.messages.append(message)
            self._arrived.notify_all()
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[EmailMessage]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} message(s), got {len(self.messages)}")
            return list(self.messages)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


@dataclass
class Tech:
    email: str
    password: str
    token: str
    display_name: str


class LiveServer:
    def __init__(self, data_dir: Path, **overrides: Any) -> None:
        self.smtp = SmtpSink()
        self.sms = StandInSmsGateway()  # SMS through the stand-in's Twilio API by default
        self.port = free_port()
        self._overrides = {
            "data_dir": data_dir,
            "host": "127.0.0.1",  # tests/netns.py: another 127.x, reachable from a namespace
            "port": self.port,
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp.port,
            "smtp_security": "none",
            "mail_from": "Lens Support <support@example.com>",
            # Tests try many wrong codes from one address; test_security tightens these.
            "pin_failures_burst_per_address": 1000,
            "pin_failures_burst_global": 1000,
            **self.sms.twilio_settings(),
            **overrides,
        }
        self.settings = Settings(**self._overrides)
        self.url = f"http://{self.settings.host}:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._count = 0
        self.http = httpx.Client(base_url=self.url, timeout=10)

    # --- life cycle ------------------------------------------------------------
    def start(self) -> None:
        config = uvicorn.Config(
            create_app(self.settings),
            host=self.settings.host,
            port=self.port,
            log_config=None,
            access_log=False,
            ws_max_size=256 * 1024,
            ws_per_message_deflate=False,  # as lens_server.cli.uvicorn_options
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="lens-server", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(15)
            self._server = self._thread = None

    def restart(self, **overrides: Any) -> None:
        """Stops and starts the server on the same database (and port)."""
        self.stop()
        self._overrides.update(overrides)
        self.settings = Settings(**self._overrides)
        self.start()

    def set_pin_validity(self, seconds: int) -> None:
        self.restart(pin_validity_seconds=seconds)

    def close(self) -> None:
        self.stop()
        self.smtp.stop()
        self.sms.stop()
        self.http.close()

    # --- people and sessions ----------------------------------------------------
    def database(self) -> Database:
        database = Database(self.settings.database)
        database.migrate()
        return database

    def technician(
        self, permissions: list[str] | tuple[str, ...] | None = None, email: str | None = None
    ) -> Tech:
        self._count += 1
        address = email or f"tech{self._count}@example.com"
        password = f"password-{self._count}"
        display = f"Technician {self._count}"
        database = self.database()
        try:
            with database.session() as db:
                group = f"group-{self._count}"
                admin.add_group(db, group, PERMISSIONS if permissions is None else permissions)
                db.flush()
                admin.add_technician(db, address, display, group, password)
        finally:
            database.close()
        return Tech(address, password, self.login(address, password), display)

    def login(self, email: str, password: str) -> str:
        response = self.http.post("/api/v1/auth/login", json={"email": email, "password": password})
        response.raise_for_status()
        return str(response.json()["token"])

    def api(
        self, method: str, path: str, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, f"/api/v1{path}", headers=headers, **kwargs)

    def create_session(
        self, token: str, name: str = "Ann", method: str = "pin", **extra: Any
    ) -> dict[str, Any]:
        response = self.api(
            "POST", "/sessions", token, json={"name": name, "method": method, **extra}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def start_session(self, token: str, session_id: str) -> dict[str, Any]:
        response = self.api("POST", f"/sessions/{session_id}/start", token)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def redeem(self, pin: str | None = None, link_token: str | None = None) -> httpx.Response:
        body = {"pin": pin} if pin is not None else {"link_token": link_token}
        return self.api("POST", "/customer/redeem", json=body)

    def join_waiting(self, token: str, name: str = "Ann") -> tuple[dict[str, Any], str]:
        """A session whose customer has joined by PIN and accepted: (session, customer token)."""
        created = self.create_session(token, name)
        redeemed = self.redeem(created["session"]["pin"])
        assert redeemed.status_code == 200, redeemed.text
        customer = str(redeemed.json()["customer_token"])
        accepted = self.api("POST", "/customer/accept", customer)
        assert accepted.status_code == 200, accepted.text
        return self.api("GET", f"/sessions/{created['session']['id']}", token).json(), customer


Server = TypeVar("Server", bound=LiveServer)


@contextmanager
def running(server: Server) -> Iterator[Server]:
    """The server and its SMTP sink, up for the block and closed on every way out."""
    server.smtp.start()
    server.start()
    try:
        yield server
    finally:
        server.close()
