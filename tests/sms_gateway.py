"""A STAND-IN for a paid SMS provider (DESIGN.md: a fake, named as such, for what cannot
run here): a real HTTP server on 127.0.0.1 that speaks the subset of Twilio's REST API
the Lens server uses, and the generic webhook, checks their authentication the way the
real ones do, and keeps every message it "delivers" for the test to read."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

ACCOUNT_SID = "AC00000000000000000000000000stand"
AUTH_TOKEN = "stand-in-twilio-auth-token-0123456789"
WEBHOOK_SECRET = "stand-in-webhook-secret-9876543210"
SENDER = "+3197010000000"
WEBHOOK_PATH = "/hooks/sms"
MAX_CLOCK_SKEW = 300


@dataclass(frozen=True)
class SmsMessage:
    """One message the stand-in took: through which API, to whom, from whom, what."""

    api: str  # "twilio" or "webhook"
    to: str
    sender: str
    text: str


class StandInSmsGateway:
    """Twilio's ``POST /2010-04-01/Accounts/{sid}/Messages.json`` and a webhook at
    ``WEBHOOK_PATH``. ``fail_with = (status, message)`` answers every send with that
    error (in Twilio's error shape); ``delay`` holds each answer that many seconds."""

    def __init__(self) -> None:
        self.messages: list[SmsMessage] = []
        self.requests = 0  # every POST that reached it, accepted or not
        self.fail_with: tuple[int, str] | None = None
        self.delay = 0.0
        self._arrived = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listening (again, on the same port after ``stop``)."""
        if self._server is not None:
            return
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="stand-in-sms", daemon=True
        )
        self._thread.start()

    def twilio_settings(self) -> dict[str, Any]:
        """The Lens server's settings that point its Twilio adapter here."""
        return {
            "sms_provider": "twilio",
            "sms_twilio_base_url": self.url,
            "sms_twilio_account_sid": ACCOUNT_SID,
            "sms_twilio_auth_token": AUTH_TOKEN,
            "sms_from": SENDER,
        }

    def webhook_settings(self, auth: str = "hmac") -> dict[str, Any]:
        return {
            "sms_provider": "webhook",
            "sms_webhook_url": self.url + WEBHOOK_PATH,
            "sms_webhook_secret": WEBHOOK_SECRET,
            "sms_webhook_auth": auth,
        }

    def wait_for(self, count: int, timeout: float = 5.0) -> list[SmsMessage]:
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} SMS, got {len(self.messages)}")
            return list(self.messages)

    def stop(self) -> None:
        """Down: nothing listens on the port any more. Safe to call twice."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
        self._server = self._thread = None

    def _took(self, message: SmsMessage) -> None:
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()


def _handler(gateway: StandInSmsGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``messages``."""

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with gateway._arrived:
                gateway.requests += 1
            if gateway.delay:
                time.sleep(gateway.delay)
            if gateway.fail_with is not None:
                status, message = gateway.fail_with
                self._answer(status, {"code": 30000 + status, "message": message})
            elif self.path == WEBHOOK_PATH:
                self._webhook(body)
            elif self.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json":
                self._twilio(body)
            else:
                self._answer(
                    404, {"code": 20404, "message": "The requested resource was not found"}
                )

        def _twilio(self, body: bytes) -> None:
            expected = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                self._answer(401, {"code": 20003, "message": "Authenticate"})
                return
            form = {key: values[0] for key, values in parse_qs(body.decode()).items()}
            if not form.get("To") or not form.get("Body") or not form.get("From"):
                self._answer(400, {"code": 21604, "message": "A 'To' phone number is required."})
                return
            gateway._took(SmsMessage("twilio", form["To"], form["From"], form["Body"]))
            sid = "SM" + uuid.uuid4().hex
            self._answer(201, {"sid": sid, "status": "queued", "to": form["To"]})

        def _webhook(self, body: bytes) -> None:
            if not self._webhook_authentic(body):
                self._answer(401, {"error": "bad signature"})
                return
            data = json.loads(body)
            gateway._took(SmsMessage("webhook", data["to"], "", data["text"]))
            self._answer(200, {"id": uuid.uuid4().hex})

        def _webhook_authentic(self, body: bytes) -> bool:
            bearer = self.headers.get("Authorization")
            if bearer is not None:
                return hmac.compare_digest(bearer, f"Bearer {WEBHOOK_SECRET}")
            stamp = self.headers.get("X-Lens-Timestamp") or "0"
            if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
                return False
            mac = hmac.new(WEBHOOK_SECRET.encode(), stamp.encode() + b"." + body, hashlib.sha256)
            signature = self.headers.get("X-Lens-Signature") or ""
            return hmac.compare_digest(signature, f"sha256={mac.hexdigest()}")

        def _answer(self, status: int, data: dict[str, Any]) -> None:
            payload = json.dumps(data).encode()
            # A client that gave up (its time-out) has closed the connection: as a
            # real provider would, carry on quietly.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

    return Handler
