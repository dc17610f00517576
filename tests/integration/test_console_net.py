"""The console's EventSocket against the real server: snapshot, pushed changes,
signaling both ways, reconnect with a fresh snapshot, and refusal of a bad token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from websockets.asyncio.client import connect

from lens_desktop.net.events import EventSocket, retry_delay
from lens_desktop.net.models import SessionInfo
from tests.live_server import LiveServer, Tech
from tests.qt_fixtures import SignalRecorder, next_emission, wait_until


@pytest.fixture
async def socket() -> AsyncIterator[EventSocket]:
    events = EventSocket()
    yield events
    await events.close()


def ids(sessions: list[SessionInfo]) -> set[str]:
    return {s.id for s in sessions}


async def test_snapshot_then_pushed_changes(live_server: LiveServer, socket: EventSocket) -> None:
    tech = live_server.technician()
    existing = live_server.create_session(tech.token, "Ann")["session"]
    states = SignalRecorder(socket.connection_changed)
    changes = SignalRecorder(socket.session_changed)
    snapshot = asyncio.ensure_future(next_emission(socket.snapshot))
    socket.start(live_server.url, tech.token)
    (sessions,) = await snapshot
    assert ids(sessions) == {existing["id"]}
    assert all(isinstance(s, SessionInfo) for s in sessions)

    created = live_server.create_session(tech.token, "Bob")["session"]
    change = await changes.wait_for(lambda s: s.id == created["id"])
    assert change.name == "Bob" and change.state == "connecting"
    assert states.values == ["connecting", "connected"]

    await socket.close()
    await socket.close()
    assert states.values == ["connecting", "connected", "closed"]


async def test_reconnects_after_the_transport_dies_and_resyncs_from_the_snapshot(
    live_server: LiveServer, socket: EventSocket
) -> None:
    tech = live_server.technician()
    states = SignalRecorder(socket.connection_changed)
    snapshots = SignalRecorder(socket.snapshot)
    changes = SignalRecorder(socket.session_changed)
    socket.start(live_server.url, tech.token)
    await wait_until(lambda: len(snapshots.values) == 1)

    socket.drop_connection()
    # Created while the console is offline (the loop is blocked by this synchronous
    # call, so the reconnect cannot come first): the change event is lost, the next
    # snapshot must still show the session.
    missed = live_server.create_session(tech.token, "Missed")["session"]
    await wait_until(lambda: len(snapshots.values) == 2)
    assert missed["id"] in ids(snapshots.values[1])
    assert missed["id"] not in {s.id for s in changes.values}
    assert states.values == ["connecting", "connected", "reconnecting", "connected"]
    assert socket.reconnects == 1


async def test_reconnects_when_the_server_restarts(
    live_server: LiveServer, socket: EventSocket
) -> None:
    tech = live_server.technician()
    session = live_server.create_session(tech.token, "Ann")["session"]
    snapshots = SignalRecorder(socket.snapshot)
    states = SignalRecorder(socket.connection_changed)
    socket.start(live_server.url, tech.token)
    await wait_until(lambda: len(snapshots.values) == 1)

    await asyncio.get_running_loop().run_in_executor(None, live_server.restart)
    await wait_until(lambda: len(snapshots.values) == 2, timeout=15)
    assert session["id"] in ids(snapshots.values[1])
    assert states.values[-1] == "connected" and "reconnecting" in states.values


async def test_first_reconnect_after_a_server_restart_is_quick(
    live_server: LiveServer, socket: EventSocket
) -> None:
    """Issue 16 A: the console came back seconds after the customer's page because its
    backoff had grown while the server was down (0.5, 1, 2, 4 s). Now it is connected
    again within ~1.2 s of the server listening again."""
    tech = live_server.technician()
    snapshots = SignalRecorder(socket.snapshot)
    socket.start(live_server.url, tech.token)
    await wait_until(lambda: len(snapshots.values) == 1)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, live_server.stop)
    await wait_until(lambda: socket.state == "reconnecting", timeout=5)
    await asyncio.sleep(4.0)  # the server is down a while: the backoff would grow here
    await loop.run_in_executor(None, live_server.start)
    listening = loop.time()
    await wait_until(lambda: len(snapshots.values) == 2, timeout=10)
    assert loop.time() - listening < 1.2


def test_retry_delays_start_quick_and_back_off_to_ten_seconds() -> None:
    delays = [retry_delay(attempt) for attempt in range(30)]
    assert delays[0] <= 0.1 and sum(delays[:8]) < 6
    first_half_minute = [d for i, d in enumerate(delays) if sum(delays[: i + 1]) <= 30]
    assert max(first_half_minute) <= 2.0  # back within ~2 s of a restarted server
    assert delays == sorted(delays) and delays[-1] == 10.0
    assert retry_delay(0, 0.0) < retry_delay(0, 0.99) <= 0.12


async def test_bad_token_reports_auth_failure_and_stops(
    live_server: LiveServer, socket: EventSocket
) -> None:
    states = SignalRecorder(socket.connection_changed)
    failure = asyncio.ensure_future(next_emission(socket.auth_failed))
    socket.start(live_server.url, "not-a-token")
    (message,) = await failure
    assert message and "token" not in message.lower().split()
    assert states.values == ["connecting", "closed"]
    assert socket.reconnects == 0


async def customer_socket(live_server: LiveServer, customer_token: str) -> Any:
    ws = await connect(live_server.url.replace("http", "ws") + "/ws/customer")
    await ws.send(json.dumps({"type": "auth", "token": customer_token}))
    assert json.loads(await ws.recv())["type"] == "ready"
    return ws


async def next_customer_signal(ws: Any) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if message["type"] == "signal":
            return dict(message["data"])


async def test_signals_are_relayed_both_ways_for_the_active_session(
    live_server: LiveServer, socket: EventSocket
) -> None:
    tech: Tech = live_server.technician()
    session, customer_token = live_server.join_waiting(tech.token)
    errors = SignalRecorder(socket.error_received)
    socket.start(live_server.url, tech.token)
    await wait_until(lambda: socket.state == "connected")

    socket.send_signal(session["id"], {"kind": "bye"})  # not active yet: refused
    await errors.wait_for(lambda code: code == "signal_refused")

    live_server.start_session(tech.token, session["id"])
    customer = await customer_socket(live_server, customer_token)
    try:
        received = asyncio.ensure_future(next_emission(socket.signal_received))
        offer = {"kind": "offer", "sdp": "v=0\r\n", "generation": 1}
        await customer.send(json.dumps({"type": "signal", "data": offer}))
        assert await received == (session["id"], offer)

        answer = {"kind": "answer", "sdp": "v=0\r\n", "generation": 1}
        socket.send_signal(session["id"], answer)
        assert await next_customer_signal(customer) == answer
    finally:
        await customer.close()


async def test_an_answer_sent_while_disconnected_reaches_the_customer_after_the_reconnect(
    live_server: LiveServer, socket: EventSocket
) -> None:
    """Issue 16 A: the console's answer made while its socket was down was dropped,
    leaving the customer's new connection without an answer."""
    tech: Tech = live_server.technician()
    session, customer_token = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    socket.start(live_server.url, tech.token)
    await wait_until(lambda: socket.state == "connected")
    customer = await customer_socket(live_server, customer_token)
    try:
        socket.drop_connection()
        await wait_until(lambda: socket.state == "reconnecting")
        answer = {"kind": "answer", "sdp": "v=0\r\n", "generation": 2}
        socket.send_signal(session["id"], answer)
        assert await next_customer_signal(customer) == answer
    finally:
        await customer.close()
