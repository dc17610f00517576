"""Two server processes over one database and a real Redis (lens_server/relay.py): a
technician whose socket is on process A and a customer on process B work exactly as on
one process (list push, signaling, start, chat, hold, end); Redis going away and coming back loses nothing. Each "process" is a full
server (its own app, hub, relay and uvicorn) on its own port, as two hosts behind a
load balancer would be; tests/integration/test_server_workers.py runs the real
``serve --workers 2``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.live_server import LiveServer, running
from tests.redis_server import RedisServer, running_redis
from tests.ws_client import connect, next_of, state_of
from tests.ws_client import in_thread as run


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with running_redis(tmp_path / "redis") as server:
        yield server


@pytest.fixture
def processes(
    tmp_path: Path, database_url: str, redis: RedisServer
) -> Iterator[tuple[LiveServer, LiveServer]]:
    shared = database_url or f"sqlite:///{tmp_path / 'shared.db'}"
    settings = {"database_url": shared, "redis_url": redis.url}
    with (
        running(LiveServer(tmp_path / "a", **settings)) as a,
        running(LiveServer(tmp_path / "b", **settings)) as b,
    ):
        yield a, b


def join_on(server: LiveServer, pin: str) -> str:
    """The customer redeems and accepts on ``server``: its token."""
    redeemed = server.redeem(pin)
    assert redeemed.status_code == 200, redeemed.text
    token = str(redeemed.json()["customer_token"])
    assert server.api("POST", "/customer/accept", token).status_code == 200
    return token


async def test_console_on_a_and_phone_on_b_work_as_on_one_process(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = processes
    tech = a.technician()
    async with await connect(a, "/ws/technician", tech.token) as console:
        await next_of(console, "snapshot")
        created = await run(a.create_session, tech.token, "Ann")
        session_id = created["session"]["id"]
        assert (await state_of(console, "connecting"))["id"] == session_id

        customer = await run(join_on, b, created["session"]["pin"])  # the change is B's
        assert (await state_of(console, "waiting"))["name"] == "Ann"
        async with await connect(b, "/ws/customer", customer) as phone:
            assert (await next_of(phone, "session"))["session"]["state"] == "waiting"
            await run(a.start_session, tech.token, session_id)
            assert (await state_of(phone, "active"))["state"] == "active"
            await state_of(console, "active")

            offer = {"kind": "offer", "sdp": "v=0 offer", "generation": 1}
            await phone.send(json.dumps({"type": "signal", "data": offer}))
            relayed = await next_of(console, "signal")
            assert relayed == {"type": "signal", "session_id": session_id, "data": offer}
            answer = {"kind": "answer", "sdp": "v=0 answer", "generation": 1}
            signal = {"type": "signal", "session_id": session_id, "data": answer}
            await console.send(json.dumps(signal))
            assert (await next_of(phone, "signal"))["data"] == answer

            chat = {"text": "Which model is it?"}
            await run(a.api, "POST", f"/sessions/{session_id}/chat", tech.token, json=chat)
            assert (await next_of(phone, "chat"))["message"]["text"] == "Which model is it?"
            reply = {"text": "An X200"}
            await run(b.api, "POST", "/customer/chat", customer, json=reply)
            assert (await next_of(console, "chat"))["message"]["text"] == "Which model is it?"
            assert (await next_of(console, "chat"))["message"]["text"] == "An X200"

            await run(a.api, "POST", f"/sessions/{session_id}/hold", tech.token)
            await state_of(phone, "on_hold")
            await run(b.api, "POST", f"/sessions/{session_id}/resume", tech.token)  # B now
            await state_of(phone, "active")
            await state_of(console, "active")
            await run(a.api, "POST", f"/sessions/{session_id}/end", tech.token)
            await state_of(phone, "closed_by_technician")
            await state_of(console, "closed_by_technician")


async def test_signaling_held_on_one_process_is_handed_over_on_the_other(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = processes
    tech = a.technician()
    session, customer = await run(a.join_waiting, tech.token)
    await run(a.start_session, tech.token, session["id"])
    stale = {"kind": "offer", "sdp": "v=0 old", "generation": 1}
    offer = {"kind": "offer", "sdp": "v=0 new", "generation": 2}
    async with await connect(b, "/ws/customer", customer) as phone:
        await next_of(phone, "session")
        for data in (stale, offer):  # the console is away: held in Redis
            await phone.send(json.dumps({"type": "signal", "data": data}))
        await phone.send(json.dumps({"type": "ping"}))
        await next_of(phone, "pong")
        await asyncio.sleep(0.2)  # B's relay writes in order, after the handler
        async with await connect(a, "/ws/technician", tech.token) as console:
            await next_of(console, "snapshot")
            assert (await next_of(console, "signal"))["data"] == offer  # the newest only


async def test_a_customer_whose_socket_moves_to_the_other_process_stays_active(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    a, b = processes
    tech = a.technician()
    session, customer = await run(a.join_waiting, tech.token)
    await run(a.start_session, tech.token, session["id"])
    async with await connect(a, "/ws/technician", tech.token) as console:
        await next_of(console, "snapshot")
        old = await connect(a, "/ws/customer", customer)
        await next_of(old, "session")
        async with await connect(b, "/ws/customer", customer) as new:
            await next_of(new, "session")
            with pytest.raises(websockets.ConnectionClosed):  # A lets its socket go
                await next_of(old, "never", timeout=5)
            await asyncio.sleep(0.3)
            view = (await run(a.api, "GET", f"/sessions/{session['id']}", tech.token)).json()
            assert view["state"] == "active"  # not "reconnecting": the customer is on B
            answer = {"kind": "answer", "sdp": "v=0", "generation": 1}
            signal = {"type": "signal", "session_id": session["id"], "data": answer}
            await console.send(json.dumps(signal))
            assert (await next_of(new, "signal"))["data"] == answer


@pytest.mark.sqlite_only  # an outage of Redis, not of the database
async def test_redis_away_and_back_loses_nothing(
    processes: tuple[LiveServer, LiveServer], redis: RedisServer
) -> None:
    a, b = processes
    tech = a.technician()
    session, customer = await run(a.join_waiting, tech.token)
    session_id = session["id"]
    console = await connect(a, "/ws/technician", tech.token)
    await next_of(console, "snapshot")
    async with await connect(b, "/ws/customer", customer) as phone:
        await next_of(phone, "session")
        assert (await run(a.http.get, "/readyz")).json()["status"] == "ready"

        await run(redis.stop)
        ready = await run(a.http.get, "/readyz")
        for _ in range(50):
            if ready.json()["status"] == "degraded":
                break
            await asyncio.sleep(0.1)
            ready = await run(a.http.get, "/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        assert ready.json()["checks"]["database"] == "ok"
        assert ready.json()["checks"]["redis"] != "ok"
        # Meanwhile the session moves on; it is in the database.
        await run(b.start_session, tech.token, session_id)

        await run(redis.start)
        for _ in range(100):
            ready = await run(a.http.get, "/readyz")
            if ready.json()["status"] == "ready":
                break
            await asyncio.sleep(0.1)
        assert ready.json()["status"] == "ready"
        # The phone on B is told its session's current state; the console on A is let go
        # and its next socket's snapshot has it.
        await state_of(phone, "active")
        with pytest.raises(websockets.ConnectionClosed):
            await next_of(console, "never", timeout=5)
        async with await connect(a, "/ws/technician", tech.token) as again:
            snapshot = await next_of(again, "snapshot")
            assert [s["state"] for s in snapshot["sessions"]] == ["active"]
            await run(b.api, "POST", f"/sessions/{session_id}/hold", tech.token)
            await state_of(again, "on_hold")  # pushes across processes resume
            await state_of(phone, "on_hold")


@pytest.mark.allow_error_logs  # SQLite may refuse the loser's write: 503, and it is logged
async def test_two_starts_at_once_on_two_processes_leave_one_session_active(
    processes: tuple[LiveServer, LiveServer],
) -> None:
    """The one-active-session rule holds across processes: a technician's two waiting
    sessions started at the same moment, one through each process."""
    a, b = processes
    tech = a.technician()
    for _ in range(5):
        first, _ = await run(a.join_waiting, tech.token, "One")
        second, _ = await run(a.join_waiting, tech.token, "Two")
        answers = await asyncio.gather(
            run(a.api, "POST", f"/sessions/{first['id']}/start", tech.token),
            run(b.api, "POST", f"/sessions/{second['id']}/start", tech.token),
        )
        codes = sorted(answer.status_code for answer in answers)
        assert codes[0] == 200 and codes[1] in (409, 503), codes
        views = [
            (await run(a.api, "GET", f"/sessions/{s['id']}", tech.token)).json()
            for s in (first, second)
        ]
        assert [v["state"] for v in views].count("active") == 1
        for view in views:
            if view["state"] == "active":
                await run(a.api, "POST", f"/sessions/{view['id']}/end", tech.token)
