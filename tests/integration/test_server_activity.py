"""POST /sessions/{id}/activity: the technician's freeze, unfreeze and first annotation
reach the session's audit log, only in their own active or held session (real uvicorn
+ SQLite, and the console's own ServerClient)."""

from __future__ import annotations

from typing import Any

import pytest

from lens_desktop.net.client import ServerClient
from lens_desktop.net.errors import ApiError
from lens_server.models import PERMISSIONS
from tests.live_server import LiveServer


def audit(live_server: LiveServer, token: str, session_id: str) -> list[dict[str, Any]]:
    response = live_server.api("GET", f"/sessions/{session_id}/events", token)
    assert response.status_code == 200, response.text
    return list(response.json()["events"])


def post(live_server: LiveServer, token: str, session_id: str, body: Any) -> Any:
    return live_server.api("POST", f"/sessions/{session_id}/activity", token, json=body)


def test_activity_is_written_to_the_audit_log_of_an_active_or_held_session(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    for action in ("annotations_used", "freeze", "snapshot"):
        answer = post(live_server, tech.token, session["id"], {"action": action})
        assert answer.status_code == 204 and answer.content == b""
    live_server.api("POST", f"/sessions/{session['id']}/hold", tech.token)
    assert post(live_server, tech.token, session["id"], {"action": "unfreeze"}).status_code == 204

    events = audit(live_server, tech.token, session["id"])
    recorded = [(e["actor"], e["action"], e["state"]) for e in events[-5:]]
    assert recorded == [
        (f"technician:{tech.email}", "annotations_used", "active"),
        (f"technician:{tech.email}", "freeze", "active"),
        (f"technician:{tech.email}", "snapshot", "active"),
        (f"technician:{tech.email}", "held", "on_hold"),
        (f"technician:{tech.email}", "unfreeze", "on_hold"),
    ]
    # The session's state is untouched.
    assert live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()["state"] == (
        "on_hold"
    )


def test_another_technicians_session_is_404_and_nothing_is_written(
    live_server: LiveServer,
) -> None:
    owner, other = live_server.technician(), live_server.technician()
    session, _ = live_server.join_waiting(owner.token)
    live_server.start_session(owner.token, session["id"])
    before = audit(live_server, owner.token, session["id"])
    for session_id in (session["id"], "no-such-session", "x" * 200):
        answer = post(live_server, other.token, session_id, {"action": "freeze"})
        assert answer.status_code == 404, answer.text
        assert answer.json()["error"]["code"] == "session_not_found"
    assert post(live_server, None, session["id"], {"action": "freeze"}).status_code == 401
    assert audit(live_server, owner.token, session["id"]) == before


def test_a_waiting_or_ended_session_is_409(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    answer = post(live_server, tech.token, session["id"], {"action": "freeze"})
    assert answer.status_code == 409
    error = answer.json()["error"]
    assert error["code"] == "invalid_state" and error["details"] == {"state": "waiting"}
    assert error["message"] == "Cannot freeze a session that is waiting."
    live_server.start_session(tech.token, session["id"])
    live_server.api("POST", f"/sessions/{session['id']}/end", tech.token)
    answer = post(live_server, tech.token, session["id"], {"action": "unfreeze"})
    assert answer.status_code == 409
    assert answer.json()["error"]["details"] == {"state": "closed_by_technician"}
    actions = [e["action"] for e in audit(live_server, tech.token, session["id"])]
    assert "freeze" not in actions and "unfreeze" not in actions


@pytest.mark.parametrize(
    "body",
    [
        {"action": "explode"},
        {"action": "FREEZE"},
        {"action": "snapshots"},
        {"action": ""},
        {"action": 1},
        {},
        {"action": "freeze", "extra": True},
        ["freeze"],
    ],
)
def test_an_unknown_action_is_422(live_server: LiveServer, body: Any) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    before = audit(live_server, tech.token, session["id"])
    answer = post(live_server, tech.token, session["id"], body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert audit(live_server, tech.token, session["id"]) == before


async def test_the_console_client_reports_activity(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    client = ServerClient(live_server.url, tech.token)
    try:
        await client.report_activity(session["id"], "freeze")
        with pytest.raises(ApiError) as refused:
            await client.report_activity(session["id"], "dance")
        assert refused.value.status == 422
    finally:
        client.close()
    actions = [e["action"] for e in audit(live_server, tech.token, session["id"])]
    assert actions[-1] == "freeze" and "dance" not in actions


def test_recording_is_audited_and_needs_the_record_sessions_permission(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    assert (
        post(live_server, tech.token, session["id"], {"action": "recording_started"}).status_code
        == 204
    )
    live_server.api("POST", f"/sessions/{session['id']}/end", tech.token)
    # The recording ends with the session: stopped is accepted after the end.
    assert (
        post(live_server, tech.token, session["id"], {"action": "recording_stopped"}).status_code
        == 204
    )
    answer = post(live_server, tech.token, session["id"], {"action": "recording_started"})
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        "Cannot start recording a session that is closed by technician."
    )
    events = audit(live_server, tech.token, session["id"])
    assert [(e["actor"], e["action"]) for e in events if "recording" in e["action"]] == [
        (f"technician:{tech.email}", "recording_started"),
        (f"technician:{tech.email}", "recording_stopped"),
    ]

    plain = live_server.technician([p for p in PERMISSIONS if p != "record_sessions"])
    other, _ = live_server.join_waiting(plain.token)
    live_server.start_session(plain.token, other["id"])
    before = audit(live_server, plain.token, other["id"])
    refused = post(live_server, plain.token, other["id"], {"action": "recording_started"})
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"missing_permission": "record_sessions"}
    assert audit(live_server, plain.token, other["id"]) == before


def test_an_hd_photo_is_written_to_the_audit_log_only_while_live(live_server: LiveServer) -> None:
    """Issue 15 point 3: each HD photo saved by the console is in the session's record."""
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    answer = post(live_server, tech.token, session["id"], {"action": "hd_photo"})
    assert answer.status_code == 409
    assert answer.json()["error"]["message"] == (
        "Cannot save an HD photo of a session that is waiting."
    )
    live_server.start_session(tech.token, session["id"])
    assert post(live_server, tech.token, session["id"], {"action": "hd_photo"}).status_code == 204
    assert post(live_server, tech.token, session["id"], {"action": "hd_photo2"}).status_code == 422
    events = audit(live_server, tech.token, session["id"])
    assert [(e["action"], e["state"]) for e in events[-2:]] == [
        ("started", "active"),
        ("hd_photo", "active"),
    ]
