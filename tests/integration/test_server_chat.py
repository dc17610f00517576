"""Chat relayed and stored by the server (issue 15 point 1): both ways over REST, pushed
on both sockets, history for both sides, permissions, bad input, the rate limit and the
cap. Real uvicorn, real WebSockets, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from lens_server.chat import SESSION_CAP
from lens_server.models import ChatMessage
from tests.live_server import LiveServer, Tech
from tests.ws_client import connect as _connect


async def _chat(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next chat push on a socket (session changes and the rest are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == "chat":
                return dict(message)


def tech_send(server: LiveServer, token: str | None, session_id: str, body: Any) -> Any:
    return server.api("POST", f"/sessions/{session_id}/chat", token, json=body)


def customer_send(server: LiveServer, token: str | None, body: Any) -> Any:
    return server.api("POST", "/customer/chat", token, json=body)


def tech_history(server: LiveServer, token: str, session_id: str) -> list[dict[str, Any]]:
    answer = server.api("GET", f"/sessions/{session_id}/chat", token)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["messages"])


def customer_history(server: LiveServer, token: str) -> list[dict[str, Any]]:
    answer = server.api("GET", "/customer/chat", token)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["messages"])


def texts(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(m["sender"], m["text"]) for m in messages]


def active(server: LiveServer) -> tuple[Tech, dict[str, Any], str]:
    tech = server.technician()
    session, customer = server.join_waiting(tech.token, name="Ann Customer")
    server.start_session(tech.token, session["id"])
    return tech, session, customer


async def test_messages_go_both_ways_to_every_socket_and_stay_in_the_history(
    live_server: LiveServer,
) -> None:
    tech, session, customer = await asyncio.to_thread(active, live_server)
    sid = session["id"]
    async with (
        await _connect(live_server, "/ws/technician", tech.token) as console,
        await _connect(live_server, "/ws/technician", tech.token) as second_console,
        await _connect(live_server, "/ws/customer", customer) as phone,
    ):
        sent = await asyncio.to_thread(
            tech_send, live_server, tech.token, sid, {"text": "  Hello, can you see the cable?  "}
        )
        assert sent.status_code == 201, sent.text
        mine = sent.json()
        assert mine["text"] == "Hello, can you see the cable?"  # trimmed
        assert (mine["sender"], mine["sender_name"]) == ("technician", tech.display_name)
        for ws in (console, second_console):
            assert await _chat(ws) == {"type": "chat", "session_id": sid, "message": mine}
        assert await _chat(phone) == {"type": "chat", "message": mine}

        answer = await asyncio.to_thread(
            customer_send, live_server, customer, {"text": "Yes\nthe <b>red</b> one"}
        )
        assert answer.status_code == 201, answer.text
        theirs = answer.json()
        assert (theirs["sender"], theirs["sender_name"]) == ("customer", "Ann Customer")
        assert theirs["text"] == "Yes\nthe <b>red</b> one"  # markup stays text
        assert (await _chat(console))["message"] == theirs
        assert (await _chat(second_console))["message"] == theirs
        assert (await _chat(phone))["message"] == theirs

    expected = [
        ("technician", "Hello, can you see the cable?"),
        ("customer", "Yes\nthe <b>red</b> one"),
    ]
    assert texts(tech_history(live_server, tech.token, sid)) == expected
    assert customer_history(live_server, customer) == tech_history(live_server, tech.token, sid)
    assert mine["id"] < theirs["id"]

    # The audit log counts the messages and never holds their text.
    events = live_server.api("GET", f"/sessions/{sid}/events", tech.token).json()["events"]
    chat_lines = [e for e in events if e["action"] == "chat message"]
    assert [(e["actor"], e["detail"]) for e in chat_lines] == [
        (f"technician:{tech.email}", "29 characters"),
        ("customer", "22 characters"),
    ]
    assert "cable" not in json.dumps(events) and "red" not in json.dumps(events)


def test_chat_works_waiting_on_hold_and_reconnecting_but_not_before_or_after(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token)["session"]
    answer = tech_send(live_server, tech.token, created["id"], {"text": "too early"})
    assert answer.status_code == 409
    assert answer.json()["error"]["details"] == {"state": "connecting"}
    redeemed = live_server.redeem(created["pin"]).json()["customer_token"]
    assert customer_send(live_server, redeemed, {"text": "before the licence"}).status_code == 409

    session, customer = live_server.join_waiting(tech.token)
    sid = session["id"]
    assert tech_send(live_server, tech.token, sid, {"text": "waiting"}).status_code == 201
    assert customer_send(live_server, customer, {"text": "here"}).status_code == 201
    live_server.start_session(tech.token, sid)
    live_server.api("POST", f"/sessions/{sid}/hold", tech.token)
    assert tech_send(live_server, tech.token, sid, {"text": "on hold"}).status_code == 201
    live_server.api("POST", f"/sessions/{sid}/end", tech.token)
    for answer in (
        tech_send(live_server, tech.token, sid, {"text": "after"}),
        customer_send(live_server, customer, {"text": "after"}),
    ):
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_state"
        assert error["message"] == "Chat is not possible in a session that is closed by technician."
    # The record stays readable by both sides.
    expected = [("technician", "waiting"), ("customer", "here"), ("technician", "on hold")]
    assert texts(tech_history(live_server, tech.token, sid)) == expected
    assert texts(customer_history(live_server, customer)) == expected


async def test_a_message_sent_while_the_phone_is_away_is_in_its_history(
    live_server: LiveServer,
) -> None:
    tech, session, customer = await asyncio.to_thread(active, live_server)
    phone = await _connect(live_server, "/ws/customer", customer)
    await phone.close()
    # The session goes reconnecting; chat is still stored for the phone's return.
    for _ in range(100):
        state = (
            await asyncio.to_thread(
                live_server.api, "GET", f"/sessions/{session['id']}", tech.token
            )
        ).json()["state"]
        if state == "reconnecting":
            break
        await asyncio.sleep(0.05)
    assert state == "reconnecting"
    sent = await asyncio.to_thread(
        tech_send, live_server, tech.token, session["id"], {"text": "Are you there?"}
    )
    assert sent.status_code == 201, sent.text
    assert texts(await asyncio.to_thread(customer_history, live_server, customer)) == [
        ("technician", "Are you there?")
    ]


def test_only_the_sessions_own_people_may_chat_or_read(live_server: LiveServer) -> None:
    owner, session, customer = active(live_server)
    other, other_session, other_customer = active(live_server)
    sid = session["id"]
    assert tech_send(live_server, owner.token, sid, {"text": "private"}).status_code == 201

    for session_id in (sid, "no-such-session", "x" * 200, "a%00b"):
        for answer in (
            tech_send(live_server, other.token, session_id, {"text": "intruder"}),
            live_server.api("GET", f"/sessions/{session_id}/chat", other.token),
        ):
            assert answer.status_code == 404, answer.text
            assert answer.json()["error"]["code"] == "session_not_found"
    assert tech_send(live_server, None, sid, {"text": "anonymous"}).status_code == 401
    assert live_server.api("GET", f"/sessions/{sid}/chat").status_code == 401
    assert customer_send(live_server, None, {"text": "anonymous"}).status_code == 401
    assert customer_send(live_server, "forged", {"text": "forged"}).status_code == 401
    assert live_server.api("GET", "/customer/chat", "forged").status_code == 401
    # A technician's token is no customer token, and the other way round.
    assert customer_send(live_server, owner.token, {"text": "wrong token"}).status_code == 401
    assert tech_send(live_server, customer, sid, {"text": "wrong token"}).status_code == 401

    # The other session's customer talks only in their own session.
    assert customer_send(live_server, other_customer, {"text": "mine"}).status_code == 201
    assert texts(customer_history(live_server, other_customer)) == [("customer", "mine")]
    assert texts(tech_history(live_server, other.token, other_session["id"])) == [
        ("customer", "mine")
    ]
    assert texts(customer_history(live_server, customer)) == [("technician", "private")]
    assert texts(tech_history(live_server, owner.token, sid)) == [("technician", "private")]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"text": ""}, "at least 1 character"),
        ({"text": "  \n\t "}, "The message is empty."),
        ({"text": "x" * 1001}, "too long (1001 characters; at most 1000)"),
        ({"text": "x" * 5000}, "at most 4000 characters"),
        ({"text": "nul\x00here"}, "may not contain control characters"),
        ({"text": "bell\x07"}, "may not contain control characters"),
        ({"text": "escape\x1b[31m"}, "may not contain control characters"),
        ({"text": 42}, "valid string"),
        ({"text": None}, "valid string"),
        ({}, "Field required"),
        ({"text": "hi", "html": True}, "Extra inputs are not permitted"),
    ],
)
def test_bad_messages_are_refused_and_nothing_is_stored(
    live_server: LiveServer, body: Any, problem: str
) -> None:
    tech, session, customer = active(live_server)
    for answer in (
        tech_send(live_server, tech.token, session["id"], body),
        customer_send(live_server, customer, body),
    ):
        assert answer.status_code == 422, answer.text
        error = answer.json()["error"]
        assert error["code"] == "invalid_request"
        assert problem in error["message"]
    assert tech_history(live_server, tech.token, session["id"]) == []


def test_odd_but_fair_text_is_kept_as_it_was_sent(live_server: LiveServer) -> None:
    tech, session, customer = active(live_server)
    kept = [
        "x" * 1000,
        "<script>alert(1)</script> & <a href='javascript:x'>link</a>",
        "line one\r\nline two\rthree",
        "family: \U0001f468\u200d\U0001f469\u200d\U0001f467 café",
    ]
    for text in kept:
        answer = tech_send(live_server, tech.token, session["id"], {"text": text})
        assert answer.status_code == 201, answer.text
    stored = [m["text"] for m in customer_history(live_server, customer)]
    assert stored == [kept[0], kept[1], "line one\nline two\nthree", kept[3]]


def test_a_flood_is_refused_with_a_clear_rate_limit(live_server: LiveServer) -> None:
    tech, session, customer = active(live_server)
    sid = session["id"]
    for n in range(5):
        assert tech_send(live_server, tech.token, sid, {"text": f"m{n}"}).status_code == 201
    answer = tech_send(live_server, tech.token, sid, {"text": "one too many"})
    assert answer.status_code == 429, answer.text
    error = answer.json()["error"]
    assert error["code"] == "chat_rate_limited"
    assert error["message"] == "You are sending messages too fast; wait 1 s and send again."
    assert answer.headers["retry-after"] == "1"
    # The customer has a budget of their own.
    assert customer_send(live_server, customer, {"text": "still me"}).status_code == 201
    assert [m["text"] for m in tech_history(live_server, tech.token, sid)] == [
        "m0",
        "m1",
        "m2",
        "m3",
        "m4",
        "still me",
    ]


def test_a_full_session_refuses_more(live_server: LiveServer) -> None:
    tech, session, customer = active(live_server)
    sid = session["id"]
    database = live_server.database()
    try:
        with database.session() as db:
            for n in range(SESSION_CAP - 1):
                db.add(
                    ChatMessage(session_id=sid, sender="customer", sender_name="Ann", text=f"{n}")
                )
    finally:
        database.close()
    assert tech_send(live_server, tech.token, sid, {"text": "the last one"}).status_code == 201
    for answer in (
        tech_send(live_server, tech.token, sid, {"text": "one more"}),
        customer_send(live_server, customer, {"text": "one more"}),
    ):
        assert answer.status_code == 409, answer.text
        error = answer.json()["error"]
        assert error["code"] == "chat_full"
        assert error["message"] == "This session has reached its limit of 500 chat messages."
    history = tech_history(live_server, tech.token, sid)
    assert len(history) == SESSION_CAP and history[-1]["text"] == "the last one"
