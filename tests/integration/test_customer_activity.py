"""POST /api/v1/customer/activity against a real uvicorn + SQLite: the customer's own
pause and mute land in the session's events; unknown actions, wrong states and floods
are refused with a clear code and write nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lens_server.models import BudgetCounter
from tests.live_server import LiveServer


def _events(live_server: LiveServer, token: str, session_id: str) -> list[dict[str, Any]]:
    response = live_server.api("GET", f"/sessions/{session_id}/events", token)
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def _activity(live_server: LiveServer, customer: str, action: Any) -> Any:
    return live_server.api("POST", "/customer/activity", customer, json={"action": action})


def _active(live_server: LiveServer) -> tuple[str, str, str]:
    """(technician token, session id, customer token) of an active session."""
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    return tech.token, session["id"], customer


def test_pause_and_mute_are_recorded_as_the_customer(live_server: LiveServer) -> None:
    token, sid, customer = _active(live_server)
    for action in ("camera_paused", "mic_muted", "mic_unmuted", "camera_resumed"):
        response = _activity(live_server, customer, action)
        assert response.status_code == 204 and response.content == b""
    # on hold too: the customer's buttons still work there
    assert live_server.api("POST", f"/sessions/{sid}/hold", token).status_code == 200
    assert _activity(live_server, customer, "mic_muted").status_code == 204
    tail = _events(live_server, token, sid)[-6:]
    assert [(e["actor"], e["action"]) for e in tail] == [
        ("customer", "camera_paused"),
        ("customer", "mic_muted"),
        ("customer", "mic_unmuted"),
        ("customer", "camera_resumed"),
        (tail[4]["actor"], "held"),
        ("customer", "mic_muted"),
    ]
    assert [e["state"] for e in tail] == ["active"] * 4 + ["on_hold"] * 2


def test_unknown_or_malformed_actions_are_422_and_write_nothing(live_server: LiveServer) -> None:
    token, sid, customer = _active(live_server)
    before = _events(live_server, token, sid)
    for body in (
        {"action": "camera_exploded"},
        {"action": "held"},  # a technician's word, not the customer's
        {"action": 1},
        {"action": "mic_muted", "detail": "x"},
        {},
    ):
        response = live_server.api("POST", "/customer/activity", customer, json=body)
        assert response.status_code == 422, body
        assert response.json()["error"]["code"] == "invalid_request"
    assert _events(live_server, token, sid) == before


def test_needs_a_valid_customer_token(live_server: LiveServer) -> None:
    _, _, customer = _active(live_server)
    for token in (None, "not-a-token", customer + "x"):
        response = _activity(live_server, token, "mic_muted")  # type: ignore[arg-type]
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_wrong_state_is_409_and_writes_nothing(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)  # waiting: no media yet
    sid = session["id"]
    before = _events(live_server, tech.token, sid)
    response = _activity(live_server, customer, "camera_paused")
    assert response.status_code == 409
    assert response.json()["error"] == {
        "code": "invalid_state",
        "message": "Cannot record camera or microphone changes in a session that is waiting.",
        "details": {"state": "waiting"},
    }
    # ended: the same answer
    live_server.start_session(tech.token, sid)
    assert live_server.api("POST", f"/sessions/{sid}/end", tech.token).status_code == 200
    ended = _activity(live_server, customer, "camera_paused")
    assert ended.status_code == 409 and ended.json()["error"]["code"] == "invalid_state"
    events = _events(live_server, tech.token, sid)
    assert [e for e in events if e["actor"] == "customer" and "camera" in e["action"]] == []
    assert len(events) == len(before) + 2  # started, ended


def test_a_flood_is_cut_at_30_a_minute_and_writes_nothing_more(live_server: LiveServer) -> None:
    token, sid, customer = _active(live_server)
    before = len(_events(live_server, token, sid))
    answers = [
        _activity(live_server, customer, "mic_muted" if i % 2 else "mic_unmuted")
        for i in range(100)
    ]
    assert [a.status_code for a in answers[:30]] == [204] * 30
    assert {a.status_code for a in answers[30:]} == {429}
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "activity_rate_limited"
    assert "try again in" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.json()["error"]["details"]["retry_after"] == int(refused.headers["Retry-After"])
    assert len(_events(live_server, token, sid)) == before + 30
    # Another session's customer is not held back by this one's flood.
    _, _, other = _active(live_server)
    assert _activity(live_server, other, "camera_paused").status_code == 204
    # The counter goes with its session.
    assert _counter_exists(live_server, sid)
    assert live_server.api("POST", f"/sessions/{sid}/end", token).status_code == 200
    assert not _counter_exists(live_server, sid)


def _counter_exists(live_server: LiveServer, session_id: str) -> bool:
    key = f"activity:{session_id}"
    with live_server.database().session() as db:
        return db.scalar(select(BudgetCounter).where(BudgetCounter.key == key)) is not None
