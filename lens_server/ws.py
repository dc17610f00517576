"""The two WebSockets: one per technician console (session list + signaling) and one
per customer page. Both authenticate with their first frame, so tokens never appear
in URLs or access logs."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from lens_server.errors import (
    DATABASE_MESSAGE,
    DATABASE_UNAVAILABLE,
    ApiError,
    DatabaseUnavailable,
    first_line,
)
from lens_server.hub import Hub, Message, Outbox
from lens_server.metrics import Metrics
from lens_server.sessions import Identity, SessionService
from lens_server.turn import ice_servers

log = logging.getLogger(__name__)
router = APIRouter()

AUTH_TIMEOUT = 10.0
SIGNAL_KINDS = frozenset({"offer", "answer", "candidate", "bye"})
CLOSE_UNAUTHORIZED = 4401
ALIVE_SPACING = 0.5
"""Seconds: a socket's ``alive`` reports closer together than this are not written."""
CLOSE_TRY_AGAIN = 1013  # the database is away: the clients reconnect (with their back-off)


def _service(ws: WebSocket) -> SessionService:
    return ws.app.state.sessions


def _hub(ws: WebSocket) -> Hub:
    return ws.app.state.hub


def _metrics(ws: WebSocket) -> Metrics:
    return ws.app.state.metrics


@contextlib.contextmanager
def _counted(ws: WebSocket, role: str) -> Iterator[None]:
    """lens_open_sockets{role}: authenticated sockets, for as long as they are open."""
    gauge = _metrics(ws).open_sockets.labels(role)
    gauge.inc()
    try:
        yield
    finally:
        gauge.dec()


def _origin_allowed(ws: WebSocket) -> bool:
    """Browsers always send Origin; a page on another site must not drive our API with
    the user's tokens. Non-browser clients (the console) send none."""
    origin = ws.headers.get("origin")
    return origin is None or origin in ws.app.state.settings.allowed_origins


async def _authenticate(ws: WebSocket, check: Callable[[str], Any]) -> Any:
    """Accepts the socket, reads {"type":"auth","token":...}; returns check(token), or
    None after closing the socket with a reason, or None if the client has gone (a
    phone may lock its screen at any moment: that is not a server error)."""
    await ws.accept()
    try:
        first = await asyncio.wait_for(ws.receive_json(), AUTH_TIMEOUT)
        token = first.get("token") if isinstance(first, dict) else None
        if first.get("type") != "auth" or not isinstance(token, str):
            raise ApiError(401, "not_authenticated", "The first message must be an auth message.")
        result = await run_in_threadpool(check, token)
        await ws.send_json({"type": "ready"})
    except WebSocketDisconnect:
        return None
    except ApiError as exc:
        await _refuse(ws, exc.code, exc.message)
        return None
    except DatabaseUnavailable as exc:
        await _database_away(ws, exc)
        return None
    except (TimeoutError, ValueError, AttributeError, json.JSONDecodeError):
        await _refuse(ws, "not_authenticated", "No valid auth message received.")
        return None
    return result


async def _refuse(
    ws: WebSocket, code: str, message: str, close_code: int = CLOSE_UNAUTHORIZED
) -> None:
    with contextlib.suppress(Exception):
        await ws.send_json({"type": "error", "code": code, "message": message})
        await ws.close(close_code, reason=code)


async def _database_away(ws: WebSocket, exc: Exception) -> None:
    """The database cannot be reached: say so and close as "try again later", so the
    client reconnects (and gets a fresh snapshot) instead of signing out."""
    log.warning("database unavailable on a socket: %s", first_line(exc))
    await _refuse(ws, DATABASE_UNAVAILABLE, DATABASE_MESSAGE, CLOSE_TRY_AGAIN)


async def _pump(
    ws: WebSocket, role: str, outbox: Outbox, handle: Callable[[Message], Awaitable[None]]
) -> None:
    """Runs the socket: outbox -> client and client -> handle, until either side ends."""
    metrics = _metrics(ws)

    async def send_loop() -> None:
        while True:
            message, pushed_at = await outbox.get()
            if message is None:
                return
            await ws.send_json(message)
            if pushed_at is not None:
                metrics.pushed(role, pushed_at)

    async def receive_loop() -> None:
        while True:
            try:
                message = await ws.receive_json()
            except (ValueError, json.JSONDecodeError):
                outbox.put(_error("invalid_message", "Messages must be JSON objects."))
                continue
            if not isinstance(message, dict):
                outbox.put(_error("invalid_message", "Messages must be JSON objects."))
            elif message.get("type") == "ping":
                outbox.put({"type": "pong"})
            else:
                await handle(message)

    tasks = [asyncio.create_task(send_loop()), asyncio.create_task(receive_loop())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
        with contextlib.suppress(Exception):
            await ws.close()


def _error(code: str, message: str) -> Message:
    return {"type": "error", "code": code, "message": message}


def _signal_data(message: Message) -> dict[str, Any] | None:
    data = message.get("data")
    if isinstance(data, dict) and data.get("kind") in SIGNAL_KINDS:
        return data
    return None


def _tagged(data: dict[str, Any], part: str) -> dict[str, Any]:
    """A console's signal for the page: the second technician's carry ``peer:
    "guest"`` (the page's second peer connection); the owner's carry no ``peer``,
    whatever the console put there."""
    plain = _untagged(data)
    return {**plain, "peer": "guest"} if part == "guest" else plain


def _untagged(data: dict[str, Any]) -> dict[str, Any]:
    """Consoles need no ``peer``: each has one peer connection per session."""
    return {key: value for key, value in data.items() if key != "peer"}


@router.websocket("/ws/technician")
async def technician_socket(ws: WebSocket) -> None:
    if not _origin_allowed(ws):
        await ws.close()  # before accept: the upgrade is refused with 403
        return
    service, hub = _service(ws), _hub(ws)
    who = await _authenticate(ws, service.authenticate)
    if who is None:
        return
    with _counted(ws, "technician"):
        await _technician_session(ws, service, hub, who)


async def _technician_session(
    ws: WebSocket, service: SessionService, hub: Hub, who: Identity
) -> None:
    outbox = Outbox()
    hub.add_technician(who.id, outbox)
    try:
        sessions = await run_in_threadpool(service.snapshot, who)
        await ws.send_json({"type": "snapshot", "sessions": sessions})

        last_alive = -ALIVE_SPACING

        async def handle(message: Message) -> None:
            nonlocal last_alive
            data, session_id = _signal_data(message), message.get("session_id")
            if message.get("type") == "alive" and isinstance(session_id, str):
                # A console sends one every 1-30 s; more often is not worth a write.
                if time.monotonic() - last_alive >= ALIVE_SPACING:
                    last_alive = time.monotonic()
                    await _alive(service, who, session_id)
                return
            if message.get("type") != "signal" or data is None or not isinstance(session_id, str):
                outbox.put(_error("invalid_message", "Expected a signal message."))
                return
            try:
                part = await run_in_threadpool(service.may_signal, who.id, session_id)
            except DatabaseUnavailable as exc:
                log.warning("database unavailable on a socket: %s", first_line(exc))
                outbox.put(_error(DATABASE_UNAVAILABLE, DATABASE_MESSAGE))
                return
            if part is None:
                outbox.put(_error("signal_refused", "That session is not active for you."))
                return
            hub.signal_to_customer(session_id, {"type": "signal", "data": _tagged(data, part)})

        await _pump(ws, "technician", outbox, handle)
    except WebSocketDisconnect:
        pass
    except DatabaseUnavailable as exc:
        await _database_away(ws, exc)
    finally:
        hub.remove_technician(who.id, outbox)


async def _alive(service: SessionService, who: Identity, session_id: str) -> None:
    """The console saw video or an action in its active session (the idle time-out).
    Not the technician's, or no longer active (it may have ended a moment ago):
    ignored, as a late report is harmless. A database away: the next one counts."""
    try:
        await run_in_threadpool(service.note_activity, who.id, session_id)
    except DatabaseUnavailable as exc:
        log.warning("activity report dropped: database unavailable: %s", first_line(exc))


@router.websocket("/ws/customer")
async def customer_socket(ws: WebSocket) -> None:
    if not _origin_allowed(ws):
        await ws.close()
        return
    service, hub = _service(ws), _hub(ws)
    link = await _authenticate(ws, service.customer_link)
    if link is None:
        return
    with _counted(ws, "customer"):
        await _customer_session(ws, service, hub, link)


async def _customer_session(
    ws: WebSocket, service: SessionService, hub: Hub, link: tuple[str, int, dict[str, Any]]
) -> None:
    session_id, _technician_id, view = link
    outbox = Outbox()
    hub.add_customer(session_id, outbox)
    try:
        settings = ws.app.state.settings
        await ws.send_json(
            {
                "type": "config",
                "ice_servers": ice_servers(settings, f"session-{session_id}"),
                "ice_transport_policy": settings.ice_transport_policy,
            }
        )
        await ws.send_json({"type": "session", "session": view})
        await run_in_threadpool(service.customer_socket_back, session_id)

        async def handle(message: Message) -> None:
            data = _signal_data(message)
            if message.get("type") != "signal" or data is None:
                outbox.put(_error("invalid_message", "Expected a signal message."))
                return
            peer = "guest" if data.get("peer") == "guest" else ""
            try:
                # The session's technician now (a transfer hands it to another), or the
                # second technician for the page's second peer connection.
                technician_id = await run_in_threadpool(
                    service.may_relay_from_customer, session_id, peer
                )
            except DatabaseUnavailable as exc:
                log.warning("database unavailable on a socket: %s", first_line(exc))
                outbox.put(_error(DATABASE_UNAVAILABLE, DATABASE_MESSAGE))
                return
            if technician_id is None:
                outbox.put(_error("signal_refused", "The session is not active."))
                return
            hub.signal_to_technician(
                technician_id,
                session_id,
                {"type": "signal", "session_id": session_id, "data": _untagged(data)},
            )

        await _pump(ws, "customer", outbox, handle)
    except WebSocketDisconnect:
        pass
    except DatabaseUnavailable as exc:
        await _database_away(ws, exc)
    finally:
        if hub.remove_customer(session_id, outbox):
            try:
                await run_in_threadpool(service.customer_socket_lost, session_id)
            except DatabaseUnavailable as exc:
                # The session stays as it was; the customer's next socket finds it so.
                log.warning("database unavailable on a socket: %s", first_line(exc))
