"""Transfer over the WebSockets: the receiver's list gets it as Incoming, both consoles
hear every step, the customer's signaling moves to the receiver on accept, and who is
online is known across server processes (on a server alone, and through Redis)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import LiveServer
from tests.redis_server import live_server_alone_or_with_redis
from tests.ws_client import connect as _connect
from tests.ws_client import in_thread as _run
from tests.ws_client import next_of as _next
from tests.ws_client import state_of as _state


@pytest.fixture(params=["alone", "redis"])
def live_server(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[LiveServer]:
    with live_server_alone_or_with_redis(request.param, tmp_path, database_url) as server:
        yield server


def _me(server: LiveServer, token: str) -> int:
    return int(server.api("GET", "/me", token).json()["id"])


def _post(server: LiveServer, token: str, path: str, **body: Any) -> dict[str, Any]:
    response = server.api("POST", path, token, json=body or None)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_accept_moves_list_and_signaling_to_the_receiver(live_server: LiveServer) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    session, customer = await _run(live_server.join_waiting, sender.token)
    sid = session["id"]
    await _run(live_server.start_session, sender.token, sid)
    to = await _run(_me, live_server, receiver.token)
    async with (
        await _connect(live_server, "/ws/technician", sender.token) as first,
        await _connect(live_server, "/ws/technician", receiver.token) as second,
        await _connect(live_server, "/ws/customer", customer) as phone,
    ):
        await _next(first, "snapshot")
        assert (await _next(second, "snapshot"))["sessions"] == []
        assert (await _next(phone, "session"))["session"]["handovers"] == 0

        # presence: both consoles are online, the sender is busy
        found = await _run(live_server.api, "GET", "/technicians/transfer-targets", sender.token)
        assert [(t["id"], t["online"], t["busy"]) for t in found.json()["technicians"]] == [
            (to, True, False)
        ]

        path = f"/sessions/{sid}/transfer"
        await _run(_post, live_server, sender.token, path, to_technician_id=to, comment="Over")
        incoming = await _state(second, "transferring")
        assert incoming["transfer"]["comment"] == "Over"
        assert incoming["transfer"]["from_name"] == sender.display_name
        assert (await _state(first, "transferring"))["transfer"]["to_technician_id"] == to
        # the receiver's list has it after a reconnect too
        async with await _connect(live_server, "/ws/technician", receiver.token) as again:
            snapshot = await _next(again, "snapshot")
            assert [s["id"] for s in snapshot["sessions"]] == [sid]

        await _run(_post, live_server, receiver.token, f"{path}/accept")
        taken = await _state(second, "active")
        assert taken["technician_id"] == to
        lost = await _state(first, "active")
        assert lost["technician_id"] == to  # the sender's console closes its tab on this
        handed = (await _state(phone, "active"))["handovers"]
        assert handed == 1

        # the phone's next offer reaches the receiver; the sender may no longer signal
        offer = {"kind": "offer", "sdp": "v=0...", "generation": 2}
        await phone.send(json.dumps({"type": "signal", "data": offer}))
        relayed = await _next(second, "signal")
        assert relayed == {"type": "signal", "session_id": sid, "data": offer}
        answer = {"kind": "answer", "sdp": "v=0 answer", "generation": 2}
        await first.send(json.dumps({"type": "signal", "session_id": sid, "data": answer}))
        assert (await _next(first, "error"))["code"] == "signal_refused"
        await second.send(json.dumps({"type": "signal", "session_id": sid, "data": answer}))
        assert (await _next(phone, "signal"))["data"] == answer


async def test_decline_brings_it_back_and_clears_the_incoming(live_server: LiveServer) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    session, _customer = await _run(live_server.join_waiting, sender.token)
    sid = session["id"]
    await _run(live_server.start_session, sender.token, sid)
    to = await _run(_me, live_server, receiver.token)
    async with (
        await _connect(live_server, "/ws/technician", sender.token) as first,
        await _connect(live_server, "/ws/technician", receiver.token) as second,
    ):
        await _next(first, "snapshot")
        await _next(second, "snapshot")
        path = f"/sessions/{sid}/transfer"
        await _run(_post, live_server, sender.token, path, to_technician_id=to)
        assert (await _state(second, "transferring"))["transfer"]["comment"] == ""
        await _run(_post, live_server, receiver.token, f"{path}/decline")
        back = await _state(second, "active")
        assert back["technician_id"] != to and back["transfer"] is None
        assert (await _state(first, "active"))["transfer"] is None
