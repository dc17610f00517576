"""A second technician over the WebSockets: the colleague's console gets the session
and every step, the page's second peer connection (``peer: "guest"``) is routed to
the colleague and the owner's stays with the owner, and signaling held for an absent
page keeps both connections' newest generations (on a server alone and through Redis)."""

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


@pytest.fixture(params=["alone", "redis"])
def live_server(
    request: pytest.FixtureRequest, tmp_path: Path, database_url: str
) -> Iterator[LiveServer]:
    with live_server_alone_or_with_redis(request.param, tmp_path, database_url) as server:
        yield server


def _me(server: LiveServer, token: str) -> int:
    return int(server.api("GET", "/me", token).json()["id"])


def _send(server: LiveServer, method: str, token: str, path: str, **body: Any) -> dict[str, Any]:
    response = server.api(method, path, token, json=body or None)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _guest_state(ws: Any, wanted: str | None) -> dict[str, Any]:
    """The next pushed session view whose guest is in ``wanted`` (None: no guest)."""
    while True:
        view = (await _next(ws, "session"))["session"]
        guest = view["guest"]
        if (guest["state"] if guest else None) == wanted:
            return dict(view)


def _signal(data: dict[str, Any], session_id: str | None = None) -> str:
    message: dict[str, Any] = {"type": "signal", "data": data}
    if session_id is not None:
        message["session_id"] = session_id
    return json.dumps(message)


async def test_the_pages_second_connection_reaches_the_colleague(live_server: LiveServer) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    session, customer = await _run(live_server.join_waiting, owner.token)
    sid = session["id"]
    await _run(live_server.start_session, owner.token, sid)
    to = await _run(_me, live_server, colleague.token)
    async with (
        await _connect(live_server, "/ws/technician", owner.token) as first,
        await _connect(live_server, "/ws/technician", colleague.token) as second,
        await _connect(live_server, "/ws/customer", customer) as phone,
    ):
        await _next(first, "snapshot")
        assert (await _next(second, "snapshot"))["sessions"] == []
        assert (await _next(phone, "session"))["session"]["guest"] is None

        # before joining, the colleague may not signal and the page's guest signals bounce
        await _run(
            _send, live_server, "POST", owner.token, f"/sessions/{sid}/guest", to_technician_id=to
        )
        invited = await _guest_state(second, "invited")
        assert invited["technician_id"] != to and invited["guest"]["technician_id"] == to
        assert invited["pin"] is None and invited["link"] is None  # not the colleague's
        assert "/join/" in (await _guest_state(first, "invited"))["link"]
        early = {"kind": "offer", "sdp": "v=0 guest", "generation": 1, "peer": "guest"}
        await phone.send(_signal(early))
        assert (await _next(phone, "error"))["code"] == "signal_refused"
        # a reconnecting colleague finds the invitation in the snapshot
        async with await _connect(live_server, "/ws/technician", colleague.token) as again:
            listed = (await _next(again, "snapshot"))["sessions"]
            assert [(s["id"], s["pin"], s["link"]) for s in listed] == [(sid, None, None)]

        await _run(_send, live_server, "POST", colleague.token, f"/sessions/{sid}/guest/accept")
        await _guest_state(second, "joined")
        await _guest_state(first, "joined")
        seen = await _next(phone, "session")
        assert seen["session"]["guest"] == {"name": colleague.display_name}

        # the page's guest offer goes to the colleague only, without its tag
        await phone.send(_signal(early))
        untagged = {k: v for k, v in early.items() if k != "peer"}
        assert await _next(second, "signal") == {
            "type": "signal",
            "session_id": sid,
            "data": untagged,
        }
        # the colleague's answer reaches the page tagged as the guest's
        answer = {"kind": "answer", "sdp": "v=0 guest answer", "generation": 1}
        await second.send(_signal(answer, sid))
        assert (await _next(phone, "signal"))["data"] == {**answer, "peer": "guest"}
        # the owner's connection is untouched: untagged both ways, whatever a console claims
        own = {"kind": "offer", "sdp": "v=0 owner", "generation": 2}
        await phone.send(_signal(own))
        assert (await _next(first, "signal"))["data"] == own
        forged = {"kind": "answer", "sdp": "v=0 owner answer", "generation": 2, "peer": "guest"}
        await first.send(_signal(forged, sid))
        assert (await _next(phone, "signal"))["data"] == {
            k: v for k, v in forged.items() if k != "peer"
        }

        # after leaving, the colleague's signals are refused and the page is told
        await _run(_send, live_server, "POST", colleague.token, f"/sessions/{sid}/guest/leave")
        assert (await _next(phone, "session"))["session"]["guest"] is None
        await second.send(_signal(answer, sid))
        assert (await _next(second, "error"))["code"] == "signal_refused"


async def test_signaling_held_for_an_absent_page_keeps_both_connections(
    live_server: LiveServer,
) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    session, customer = await _run(live_server.join_waiting, owner.token)
    sid = session["id"]
    await _run(live_server.start_session, owner.token, sid)
    to = await _run(_me, live_server, colleague.token)
    path = f"/sessions/{sid}/guest"
    await _run(_send, live_server, "POST", owner.token, path, to_technician_id=to)
    await _run(_send, live_server, "POST", colleague.token, f"{path}/accept")
    async with (
        await _connect(live_server, "/ws/technician", owner.token) as first,
        await _connect(live_server, "/ws/technician", colleague.token) as second,
    ):
        await _next(first, "snapshot")
        await _next(second, "snapshot")
        # the page is away: the colleague answers generation 1, then the owner
        # generation 5, which must not drop the colleague's (their generations count apart)
        owners = {"kind": "answer", "sdp": "v=0 owner", "generation": 5}
        guests = {"kind": "answer", "sdp": "v=0 guest", "generation": 1}
        await second.send(_signal(guests, sid))
        await second.send(json.dumps({"type": "ping"}))
        await _next(second, "pong")
        await first.send(_signal(owners, sid))
        await first.send(json.dumps({"type": "ping"}))
        await _next(first, "pong")
        async with await _connect(live_server, "/ws/customer", customer) as phone:
            got = [(await _next(phone, "signal"))["data"] for _ in range(2)]
        assert sorted(got, key=lambda d: d["sdp"]) == [{**guests, "peer": "guest"}, owners]
