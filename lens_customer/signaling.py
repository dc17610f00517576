"""The customer's WebSocket (/ws/customer): authenticate, deliver, reconnect.

A phone loses its socket often (lift, tunnel, Wi-Fi to mobile data).  The socket
reconnects with growing back-off and authenticates again with the same customer
token; the server then moves the session from `reconnecting` back to what it was.
Messages sent while the socket is down wait in a short outbox and go out after the
next `ready`, so an offer made during a drop is not lost.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI

from lens_customer.api import CustomerError

log = logging.getLogger(__name__)

AUTH_REFUSED = 4401
_BACKOFF_START = 0.25
_BACKOFF_MAX = 5.0
_OUTBOX_LIMIT = 20
GIVE_UP_AFTER = 120.0

Message = dict[str, Any]


class CustomerSocket:
    """Keeps one authenticated /ws/customer connection alive until closed.

    `on_message` gets every server message after `ready` (including `session`,
    `config`, `signal`, `error`); `on_ready` runs after every (re)authentication.
    A refused token (close code 4401) is final: run() raises CustomerError.
    """

    def __init__(
        self,
        url: str,
        token: str,
        on_message: Callable[[Message], None],
        on_ready: Callable[[], None] | None = None,
        give_up_after: float = GIVE_UP_AFTER,
    ) -> None:
        self.url = url
        self.token = token
        self.reconnects = 0
        self.ready = asyncio.Event()
        self._on_message = on_message
        self._on_ready = on_ready
        self._connection: ClientConnection | None = None
        self._outbox: list[Message] = []
        self._closing = False
        self._give_up_after = give_up_after
        self._connected_at: float | None = None

    async def run(self) -> None:
        """Connects, and reconnects after every drop, until close().

        Gives up (CustomerError) once the server has been unreachable for
        `give_up_after` seconds: by then the server has timed the session out anyway.
        """
        delay = _BACKOFF_START
        down_since = time.monotonic()
        while not self._closing:
            try:
                await self._session()
            except (TimeoutError, OSError, InvalidStatus, ConnectionClosed) as error:
                log.info("customer socket lost (%s); retrying in %.2f s", error, delay)
            except InvalidURI as error:
                raise CustomerError(f"Bad server address: {error}", "bad_url") from error
            if self._closing:
                return
            if self._connected_at is not None and self._connected_at > down_since:
                down_since, delay = time.monotonic(), _BACKOFF_START
            if time.monotonic() - down_since > self._give_up_after:
                raise CustomerError(
                    "Lost the connection to the Lens server. Check your network and join again.",
                    "unreachable",
                )
            self.reconnects += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, _BACKOFF_MAX)

    async def _session(self) -> None:
        """One connection: auth, then deliver messages until it drops."""
        async with connect(self.url, open_timeout=10) as connection:
            await connection.send(json.dumps({"type": "auth", "token": self.token}))
            await self._await_ready(connection)
            self._connection = connection
            self._connected_at = time.monotonic()
            self.ready.set()
            try:
                await self._flush()
                if self._on_ready is not None:
                    self._on_ready()
                async for raw in connection:
                    self._deliver(raw)
            finally:
                self.ready.clear()
                self._connection = None

    async def _await_ready(self, connection: ClientConnection) -> None:
        """Reads until `ready`; a 4401 close means the token is no longer valid."""
        refusal = "The server refused this session's customer token."
        try:
            async for raw in connection:
                message = _decode(raw)
                if message.get("type") == "ready":
                    return
                if message.get("type") == "error":
                    refusal = str(message.get("message") or refusal)
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == AUTH_REFUSED:
                raise CustomerError(refusal, "not_authenticated") from closed
            raise
        if connection.close_code == AUTH_REFUSED:
            raise CustomerError(refusal, "not_authenticated")
        raise ConnectionError("the server closed the socket before `ready`")

    def _deliver(self, raw: str | bytes) -> None:
        message = _decode(raw)
        if message.get("type") == "ping":
            self.send_soon({"type": "pong"})
        elif message:
            self._on_message(message)

    async def send(self, message: Message) -> None:
        """Sends now if connected, otherwise after the next `ready`."""
        if self._connection is None:
            self._outbox = [*self._outbox, message][-_OUTBOX_LIMIT:]
            return
        try:
            await self._connection.send(json.dumps(message))
        except ConnectionClosed:
            self._outbox.append(message)

    def send_soon(self, message: Message) -> None:
        """Fire-and-forget send from synchronous callbacks."""
        task = asyncio.get_running_loop().create_task(self.send(message))
        task.add_done_callback(_log_failure)

    async def _flush(self) -> None:
        pending, self._outbox = self._outbox, []
        for message in pending:
            await self.send(message)

    async def drop(self) -> None:
        """Closes the current connection as a network drop would (run() reconnects)."""
        if self._connection is not None:
            await self._connection.close()

    async def close(self) -> None:
        """Stops reconnecting and closes the connection; safe to call twice."""
        self._closing = True
        if self._connection is not None:
            await self._connection.close()


def _decode(raw: str | bytes) -> Message:
    try:
        message = json.loads(raw)
    except ValueError:
        log.warning("ignoring a non-JSON frame from the server")
        return {}
    return message if isinstance(message, dict) else {}


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("sending on the customer socket failed: %s", task.exception())
