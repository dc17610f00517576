"""The live session list and the signaling relay over real WebSockets; each test runs
on a server on its own and on one whose deliveries go through a real Redis
(lens_server/relay.py), which must behave the same."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets

from tests.live_server import LiveServer
from tests.redis_server import live_server_alone_or_with_redis
from tests.ws_client import connect as _connect
from tests.ws_client import in_thread as _run
from tests.ws_client import next_of as _next
from tests.ws_client import state_of as _state
from tests.ws_client import ws_url as _ws_url


@pytest.fixture(params=["alone", "redis"])
def live_server(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[LiveServer]:
    with live_server_alone_or_with_redis(request.param, tmp_path, database_url) as server:
        yield server


async def test_snapshot_then_live_changes(live_server: LiveServer) -> None:
    tech = live_server.technician()
    old = await _run(live_server.create_session, tech.token, "Already there")
    async with await _connect(live_server, "/ws/technician", tech.token) as ws:
        snapshot = await _next(ws, "snapshot")
        assert [s["name"] for s in snapshot["sessions"]] == ["Already there"]

        created = await _run(live_server.create_session, tech.token, "Bea")
        pushed = await _next(ws, "session")
        assert pushed["session"]["id"] == created["session"]["id"]
        assert pushed["session"]["state"] == "connecting"

        redeemed = await _run(live_server.redeem, created["session"]["pin"])
        customer = redeemed.json()["customer_token"]
        await _run(live_server.api, "POST", "/customer/accept", customer)
        waiting = await _state(ws, "waiting")
        assert waiting["name"] == "Bea" and waiting["waiting_since"] is not None
    assert old["session"]["state"] == "connecting"


async def test_other_technicians_changes_are_not_pushed(live_server: LiveServer) -> None:
    me, other = live_server.technician(), live_server.technician()
    async with await _connect(live_server, "/ws/technician", me.token) as ws:
        await _next(ws, "snapshot")
        await _run(live_server.create_session, other.token, "Not mine")
        mine = await _run(live_server.create_session, me.token, "Mine")
        pushed = await _next(ws, "session")
        assert pushed["session"]["id"] == mine["session"]["id"]


async def test_bad_token_is_refused_with_4401(live_server: LiveServer) -> None:
    async with websockets.connect(_ws_url(live_server, "/ws/technician")) as ws:
        await ws.send(json.dumps({"type": "auth", "token": "nope"}))
        error = json.loads(await ws.recv())
        assert error["type"] == "error" and error["code"] == "not_authenticated"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_foreign_origin_is_refused(live_server: LiveServer) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            _ws_url(live_server, "/ws/technician"), origin="https://evil.example.com"
        )
    assert refused.value.response.status_code == 403
    own = await websockets.connect(_ws_url(live_server, "/ws/customer"), origin=live_server.url)
    await own.close()


async def test_signaling_is_relayed_only_for_the_active_session(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    async with (
        await _connect(live_server, "/ws/technician", tech.token) as console,
        await _connect(live_server, "/ws/customer", customer) as phone,
    ):
        await _next(console, "snapshot")
        config = await _next(phone, "config")
        assert config["ice_servers"] == []
        assert (await _next(phone, "session"))["session"]["state"] == "waiting"

        offer = {"kind": "offer", "sdp": "v=0...", "generation": 1}
        await phone.send(json.dumps({"type": "signal", "data": offer}))
        assert (await _next(phone, "error"))["code"] == "signal_refused"

        await _run(live_server.start_session, tech.token, session["id"])
        assert (await _next(phone, "session"))["session"]["state"] == "active"
        await phone.send(json.dumps({"type": "signal", "data": offer}))
        relayed = await _next(console, "signal")
        assert relayed == {"type": "signal", "session_id": session["id"], "data": offer}

        answer = {"kind": "answer", "sdp": "v=0 answer", "generation": 1}
        await console.send(
            json.dumps({"type": "signal", "session_id": session["id"], "data": answer})
        )
        assert (await _next(phone, "signal"))["data"] == answer

        await console.send(json.dumps({"type": "ping"}))
        assert (await _next(console, "pong"))["type"] == "pong"
        await console.send("not json")
        assert (await _next(console, "error"))["code"] == "invalid_message"


async def test_customer_drop_makes_reconnecting_and_return_restores(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    async with await _connect(live_server, "/ws/technician", tech.token) as console:
        await _next(console, "snapshot")
        phone = await _connect(live_server, "/ws/customer", customer)
        await _run(live_server.start_session, tech.token, session["id"])
        assert (await _next(console, "session"))["session"]["state"] == "active"
        await phone.close()
        assert (await _next(console, "session"))["session"]["state"] == "reconnecting"
        async with await _connect(live_server, "/ws/customer", customer) as again:
            assert (await _next(console, "session"))["session"]["state"] == "active"
            assert (await _next(again, "session"))["session"]["state"] in ("reconnecting", "active")
        assert (await _next(console, "session"))["session"]["state"] == "reconnecting"
    events = await _run(live_server.api, "GET", f"/sessions/{session['id']}/events", tech.token)
    actions = [e["action"] for e in events.json()["events"]]
    assert actions[-3:] == ["connection lost", "reconnected", "connection lost"]


async def test_end_from_console_reaches_the_customer(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    async with await _connect(live_server, "/ws/customer", customer) as phone:
        await _next(phone, "session")
        await _run(live_server.start_session, tech.token, session["id"])
        assert (await _next(phone, "session"))["session"]["state"] == "active"
        await _run(live_server.api, "POST", f"/sessions/{session['id']}/end", tech.token)
        assert (await _next(phone, "session"))["session"]["state"] == "closed_by_technician"


async def test_a_client_gone_right_after_auth_logs_no_error(live_server: LiveServer) -> None:
    """A phone that locks its screen just after sending auth must not be a server error,
    and the session must be as it was."""
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    for path, token in [("/ws/customer", customer), ("/ws/technician", tech.token)] * 5:
        ws = await websockets.connect(_ws_url(live_server, path))
        await ws.send(json.dumps({"type": "auth", "token": token}))
        await ws.close()
    async with await _connect(live_server, "/ws/technician", tech.token) as console:
        snapshot = await _next(console, "snapshot")
    assert [s["state"] for s in snapshot["sessions"]] == ["waiting"]
    assert snapshot["sessions"][0]["id"] == session["id"]


async def test_signaling_for_an_absent_console_is_held_until_it_is_back(
    live_server: LiveServer,
) -> None:
    """The customer re-offers while the console's socket is away (a server restart
    brings the two back a moment apart): the console gets the newest generation's
    offer and candidates after its snapshot, older generations are dropped."""
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    await _run(live_server.start_session, tech.token, session["id"])
    stale = {"kind": "offer", "sdp": "v=0 old", "generation": 1}
    offer = {"kind": "offer", "sdp": "v=0 new", "generation": 2}
    candidate = {"kind": "candidate", "candidate": {"candidate": "c"}, "generation": 2}
    async with await _connect(live_server, "/ws/customer", customer) as phone:
        await _next(phone, "session")
        for data in (stale, offer, candidate):
            await phone.send(json.dumps({"type": "signal", "data": data}))
        await phone.send(json.dumps({"type": "ping"}))
        await _next(phone, "pong")  # the relay has handled all three
        async with await _connect(live_server, "/ws/technician", tech.token) as console:
            await _next(console, "snapshot")
            first, second = await _next(console, "signal"), await _next(console, "signal")
            assert [first["data"], second["data"]] == [offer, candidate]
            assert first["session_id"] == session["id"]


async def test_signaling_for_an_absent_customer_is_held_until_it_is_back(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    session, customer = await _run(live_server.join_waiting, tech.token)
    await _run(live_server.start_session, tech.token, session["id"])
    answer = {"kind": "answer", "sdp": "v=0 answer", "generation": 3}
    async with await _connect(live_server, "/ws/technician", tech.token) as console:
        await _next(console, "snapshot")
        message = {"type": "signal", "session_id": session["id"], "data": answer}
        await console.send(json.dumps(message))
        await console.send(json.dumps({"type": "ping"}))
        await _next(console, "pong")
        async with await _connect(live_server, "/ws/customer", customer) as phone:
            assert (await _next(phone, "session"))["session"]["state"] == "active"
            assert (await _next(phone, "signal"))["data"] == answer
