"""The console's one WebSocket to the server: the live session list, signaling and the
chat messages of the technician's sessions.

``/ws/technician`` (docs/protocol.md) pushes a snapshot of the technician's sessions
right after authentication and then every change, in order. When the connection drops,
this socket reconnects at once (0.1 s), then every 0.25-2 s for the first half minute,
the time a server takes to restart, and only then backs off to 10 s (``retry_delay``);
the fresh snapshot after each reconnect resynchronises the list, so nothing missed
while offline stays wrong. Signals the peer sends while the socket is down are kept
(bounded, briefly) and sent once it is back, so an answer is not lost in the gap. An
authentication refusal (close code 4401) does not retry: the UI gets ``auth_failed``
and sends the technician back to sign-in.

Everything runs as tasks on the console's qasync loop; signals are emitted from that
loop only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections import deque
from typing import Any

from PySide6.QtCore import QObject, Signal
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, WebSocketException

from lens_desktop.net.models import ChatMessage, SessionInfo

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.1, 0.25, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, *(2.0,) * 12, 4.0, 8.0, 10.0)
"""Seconds before each reconnect attempt after a drop; the last one repeats. A server
restart takes from one to many seconds (a busy host: 15 s seen): the console tries
every 1-2 s for the first half minute, so it is back within ~2 s of the server, about
when the customer's page is, and backs off to 10 s only after that."""
RETRY_JITTER = 0.2
"""+-20 %, so that consoles dropped together do not all dial in the same instant."""
UNSENT_LIMIT = 200
UNSENT_SECONDS = 30.0
"""Signals kept while disconnected: at most this many, for at most this long."""
AUTH_CLOSE_CODE = 4401


def retry_delay(attempt: int, rand: float = 0.5) -> float:
    """Seconds to wait before reconnect ``attempt`` (0 = the first after a drop);
    ``rand`` in [0, 1) spreads it by ``RETRY_JITTER``."""
    base = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
    return base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * rand)


PING_INTERVAL = 10.0
"""Protocol-level keepalive: a dead link (laptop sleep, Wi-Fi loss) is noticed in ~20 s."""


class AuthRejected(Exception):
    """The server refused the token; reconnecting would not help."""


def websocket_url(base_url: str) -> str:
    """``https://host`` -> ``wss://host/ws/technician`` (and http -> ws)."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + "/ws/technician"
    return "ws://" + base.removeprefix("http://") + "/ws/technician"


class EventSocket(QObject):
    """Live session list and signaling relay over ``/ws/technician``."""

    snapshot = Signal(list)
    session_changed = Signal(object)
    signal_received = Signal(str, dict)
    chat_received = Signal(str, object)
    """A chat message of one of the technician's sessions (session id, ChatMessage)."""
    connection_changed = Signal(str)
    auth_failed = Signal(str)
    error_received = Signal(str, str)
    """A non-fatal server error frame (code, message), e.g. ``signal_refused``."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._state = "closed"
        self._task: asyncio.Task[None] | None = None
        self._ws: ClientConnection | None = None
        self._outbox: asyncio.Queue[str] = asyncio.Queue()
        self._unsent: deque[tuple[float, str]] = deque(maxlen=UNSENT_LIMIT)
        self._attempt = 0
        self.reconnects = 0
        """How many times the socket reconnected after a drop (for tests and logs)."""

    @property
    def state(self) -> str:
        return self._state

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.connection_changed.emit(state)

    def start(self, base_url: str, token: str) -> None:
        """Connect (and keep reconnecting) in a task on the running loop."""
        if self._task is not None and not self._task.done():
            raise RuntimeError("EventSocket already started")
        self._attempt = 0
        self._task = asyncio.ensure_future(self._run(websocket_url(base_url), token))

    def send_signal(self, session_id: str, data: dict[str, Any]) -> None:
        """Queue a signaling message for the customer of ``session_id``.

        While not connected it is kept and sent after the reconnect: the customer may
        be waiting for exactly this answer. The server holds it for a customer who is
        away in turn, and drops it if the session is no longer live.
        """
        message = json.dumps({"type": "signal", "session_id": session_id, "data": data})
        if self._state == "connected":
            self._outbox.put_nowait(message)
        else:
            self._unsent.append((time.monotonic(), message))

    def send_alive(self, session_id: str) -> None:
        """Tell the server the session is in use (video arrives, the technician acts):
        its idle time-out starts again. Dropped while disconnected: a late report
        would say nothing about now."""
        if self._state == "connected":
            self._outbox.put_nowait(json.dumps({"type": "alive", "session_id": session_id}))

    async def close(self) -> None:
        """Stop reconnecting and close the connection; safe to call twice."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set_state("closed")

    def drop_connection(self) -> None:
        """Abort the transport as a network failure would (tests, and "retry now")."""
        if self._ws is not None:
            self._ws.transport.abort()

    # -- connection loop --------------------------------------------------------------

    async def _run(self, url: str, token: str) -> None:
        self._set_state("connecting")
        while True:
            try:
                await self._connect_once(url, token)
            except AuthRejected as exc:
                self._set_state("closed")
                self.auth_failed.emit(str(exc))
                return
            except (OSError, TimeoutError, WebSocketException) as exc:
                log.info("technician socket lost (%s)", exc)
            self._set_state("reconnecting")
            delay = retry_delay(self._attempt, random.random())
            log.info("technician socket: reconnect attempt %d in %.2f s", self._attempt, delay)
            await asyncio.sleep(delay)
            self._attempt += 1
            self.reconnects += 1

    async def _connect_once(self, url: str, token: str) -> None:
        try:
            async with connect(
                url, ping_interval=PING_INTERVAL, ping_timeout=PING_INTERVAL, open_timeout=10
            ) as ws:
                self._ws = ws
                try:
                    await self._authenticate(ws, token)
                    await self._serve(ws)
                finally:
                    self._ws = None
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 4401):
                raise AuthRejected("The server refused the sign-in. Sign in again.") from exc
            raise

    async def _authenticate(self, ws: ClientConnection, token: str) -> None:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        error: dict[str, Any] = {}
        try:
            while True:
                message = json.loads(await ws.recv())
                if message.get("type") == "ready":
                    return
                if message.get("type") == "error":
                    error = message
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == AUTH_CLOSE_CODE:
                text = error.get("message") or "Your sign-in has expired. Sign in again."
                raise AuthRejected(text) from exc
            raise

    async def _serve(self, ws: ClientConnection) -> None:
        """Dispatch frames until the connection ends; a writer task sends the outbox."""
        self._outbox = asyncio.Queue()
        self._attempt = 0
        self._send_unsent()
        self._set_state("connected")
        writer = asyncio.ensure_future(self._write(ws))
        try:
            async for raw in ws:
                self._dispatch_raw(raw)
        except ConnectionClosed as exc:
            if exc.rcvd is not None and exc.rcvd.code == AUTH_CLOSE_CODE:
                raise AuthRejected(exc.rcvd.reason or "Your sign-in has ended.") from exc
            raise
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if ws.close_code == AUTH_CLOSE_CODE:
            raise AuthRejected(ws.close_reason or "Your sign-in has ended. Sign in again.")

    def _send_unsent(self) -> None:
        cutoff = time.monotonic() - UNSENT_SECONDS
        while self._unsent:
            at, message = self._unsent.popleft()
            if at >= cutoff:
                self._outbox.put_nowait(message)

    async def _write(self, ws: ClientConnection) -> None:
        while True:
            await ws.send(await self._outbox.get())

    def _dispatch_raw(self, raw: str | bytes) -> None:
        """One bad frame (a server bug) is logged and skipped; the list stays live."""
        try:
            self._dispatch(json.loads(raw))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring malformed frame on technician socket: %r", exc)

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.snapshot.emit([SessionInfo.from_json(s) for s in message["sessions"]])
        elif kind == "session":
            self.session_changed.emit(SessionInfo.from_json(message["session"]))
        elif kind == "signal":
            self.signal_received.emit(str(message["session_id"]), dict(message["data"]))
        elif kind == "chat":
            chat = ChatMessage.from_json(message["message"])
            self.chat_received.emit(str(message["session_id"]), chat)
        elif kind == "error":
            code, text = str(message.get("code", "error")), str(message.get("message", ""))
            log.warning("server error on technician socket: %s %s", code, text)
            self.error_received.emit(code, text)
        elif kind == "ping":
            self._outbox.put_nowait(json.dumps({"type": "pong"}))
