"""Transfer over REST (lens_server/transfer.py): the steps, who may take each, the
one-active rule for the receiver, the time-out, and the audit log of it all."""

from __future__ import annotations

import time
from typing import Any

from lens_server.models import PERMISSIONS
from tests.live_server import LiveServer, Tech


def _active(server: LiveServer, tech: Tech, name: str = "Ann") -> tuple[dict[str, Any], str]:
    session, customer = server.join_waiting(tech.token, name)
    return server.start_session(tech.token, session["id"]), customer


def _transfer(
    server: LiveServer, tech: Tech, session_id: str, to: int, comment: str = "Printer jam"
) -> Any:
    return server.api(
        "POST",
        f"/sessions/{session_id}/transfer",
        tech.token,
        json={"to_technician_id": to, "comment": comment},
    )


def _id(server: LiveServer, tech: Tech) -> int:
    return int(server.api("GET", "/me", tech.token).json()["id"])


def _actions(server: LiveServer, tech: Tech, session_id: str) -> list[tuple[str, str, str]]:
    events = server.api("GET", f"/sessions/{session_id}/events", tech.token).json()["events"]
    return [(e["action"], e["state"], e["detail"]) for e in events if "transfer" in e["action"]]


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


def test_accepted_transfer_hands_the_session_over(live_server: LiveServer) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    session, customer = _active(live_server, sender)
    sid, to = session["id"], _id(live_server, receiver)

    offered = _transfer(live_server, sender, sid, to)
    assert offered.status_code == 200, offered.text
    view = offered.json()
    assert view["state"] == "transferring"
    assert view["transfer"] == {
        "from_technician_id": _id(live_server, sender),
        "from_name": sender.display_name,
        "to_technician_id": to,
        "to_name": receiver.display_name,
        "comment": "Printer jam",
        "since": view["transfer"]["since"],
    }
    # the customer still sees the sender; the page keeps its media meanwhile
    seen = live_server.api("GET", "/customer/session", customer).json()
    assert seen["technician_name"] == sender.display_name and seen["handovers"] == 0

    accepted = live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "active"
    assert accepted.json()["technician_id"] == to and accepted.json()["transfer"] is None
    seen = live_server.api("GET", "/customer/session", customer).json()
    assert seen["technician_name"] == receiver.display_name and seen["handovers"] == 1

    # the session is the receiver's now, its whole log with it; the sender lost it
    assert live_server.api("GET", f"/sessions/{sid}", sender.token).status_code == 404
    assert _actions(live_server, receiver, sid) == [
        ("transfer requested", "transferring", f"to {receiver.email}: Printer jam"),
        ("transfer accepted", "active", f"from {sender.email} to {receiver.email}"),
    ]
    ended = live_server.api("POST", f"/sessions/{sid}/end", receiver.token)
    assert ended.status_code == 200 and ended.json()["state"] == "closed_by_technician"


def test_declined_and_cancelled_transfers_come_back_as_they_were(live_server: LiveServer) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, sender)
    sid, to = session["id"], _id(live_server, receiver)
    live_server.api("POST", f"/sessions/{sid}/hold", sender.token)

    assert _transfer(live_server, sender, sid, to, "").status_code == 200
    declined = live_server.api("POST", f"/sessions/{sid}/transfer/decline", receiver.token)
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "on_hold" and declined.json()["transfer"] is None

    live_server.api("POST", f"/sessions/{sid}/resume", sender.token)
    assert _transfer(live_server, sender, sid, to).status_code == 200
    cancelled = live_server.api("POST", f"/sessions/{sid}/transfer/cancel", sender.token)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "active"
    late = live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)
    assert _error(late, 404) == "session_not_found"  # no longer theirs to see

    assert [a[:2] for a in _actions(live_server, sender, sid)] == [
        ("transfer requested", "transferring"),
        ("transfer declined", "on_hold"),
        ("transfer requested", "transferring"),
        ("transfer cancelled", "active"),
    ]


def test_unanswered_transfer_times_out_back_to_the_sender(live_server: LiveServer) -> None:
    live_server.restart(transfer_timeout_seconds=1)
    sender, receiver = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, sender)
    sid = session["id"]
    assert _transfer(live_server, sender, sid, _id(live_server, receiver)).status_code == 200
    deadline = time.monotonic() + 6
    while live_server.api("GET", f"/sessions/{sid}", sender.token).json()["state"] != "active":
        assert time.monotonic() < deadline, "the transfer never timed out"
        time.sleep(0.1)
    assert _actions(live_server, sender, sid)[-1] == (
        "transfer timed out",
        "active",
        f"to {receiver.email}",
    )
    late = live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)
    assert late.status_code == 404


def test_permissions_and_wrong_states_are_refused_by_code(live_server: LiveServer) -> None:
    without = [p for p in PERMISSIONS if p != "transfer_sessions"]
    sender, receiver = live_server.technician(), live_server.technician()
    plain = live_server.technician(without)
    not_lens = live_server.technician(["transfer_sessions"])
    session, _ = _active(live_server, sender)
    sid, to = session["id"], _id(live_server, receiver)

    # the sender's permission
    mine, _ = _active(live_server, plain)
    assert _error(_transfer(live_server, plain, mine["id"], to), 403) == "permission_denied"
    targets = live_server.api("GET", "/technicians/transfer-targets", plain.token)
    assert _error(targets, 403) == "permission_denied"
    # the receiver's: enabled, with lens_sessions, not the sender
    assert _error(_transfer(live_server, sender, sid, _id(live_server, sender)), 409) == (
        "transfer_to_self"
    )
    refused = _transfer(live_server, sender, sid, _id(live_server, not_lens))
    assert _error(refused, 409) == "transfer_target_not_allowed"
    assert _error(_transfer(live_server, sender, sid, 999999), 409) == (
        "transfer_target_not_allowed"
    )
    # someone else's session is not there at all
    assert _error(_transfer(live_server, receiver, sid, to), 404) == "session_not_found"
    # only active or held sessions
    waiting, _ = live_server.join_waiting(sender.token, "Waiting")
    assert _error(_transfer(live_server, sender, waiting["id"], to), 409) == "invalid_state"
    # the steps of a transfer belong to its two sides
    assert _transfer(live_server, sender, sid, to).status_code == 200
    assert _error(_transfer(live_server, sender, sid, to), 409) == "invalid_state"
    own = live_server.api("POST", f"/sessions/{sid}/transfer/accept", sender.token)
    assert _error(own, 409) == "no_transfer_for_you"
    other = live_server.api("POST", f"/sessions/{sid}/transfer/cancel", receiver.token)
    assert _error(other, 404) == "session_not_found"
    outsider = live_server.api("POST", f"/sessions/{sid}/transfer/decline", plain.token)
    assert _error(outsider, 404) == "session_not_found"
    assert live_server.api("GET", f"/sessions/{sid}", sender.token).json()["state"] == (
        "transferring"
    )
    # while it is offered, the sender still counts as busy with it (it may come back)
    another, _ = live_server.join_waiting(sender.token, "Another")
    started = live_server.api("POST", f"/sessions/{another['id']}/start", sender.token)
    assert _error(started, 409) == "already_active"


def test_the_receiver_keeps_to_one_active_session(live_server: LiveServer) -> None:
    sender, receiver = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, sender)
    own, _ = _active(live_server, receiver, "Receiver's own")
    sid = session["id"]
    assert _transfer(live_server, sender, sid, _id(live_server, receiver)).status_code == 200
    refused = live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)
    assert _error(refused, 409) == "already_active"
    assert "before accepting this transfer" in refused.json()["error"]["message"]
    live_server.api("POST", f"/sessions/{own['id']}/hold", receiver.token)
    accepted = live_server.api("POST", f"/sessions/{sid}/transfer/accept", receiver.token)
    assert accepted.status_code == 200 and accepted.json()["state"] == "active"


def test_targets_are_searchable_and_say_who_is_busy(live_server: LiveServer) -> None:
    me = live_server.technician(email="me@example.com")
    busy = live_server.technician(email="busy.bee@example.com")
    live_server.technician(email="idle.ida@example.com")
    live_server.technician(["connect_pin"], email="no.lens@example.com")
    _active(live_server, busy)

    listed = live_server.api("GET", "/technicians/transfer-targets", me.token)
    assert listed.status_code == 200, listed.text
    rows = {t["email"]: t for t in listed.json()["technicians"]}
    assert set(rows) == {"busy.bee@example.com", "idle.ida@example.com"}
    assert rows["busy.bee@example.com"]["busy"] and not rows["idle.ida@example.com"]["busy"]
    assert not any(t["online"] for t in rows.values())  # no console open

    found = live_server.api("GET", "/technicians/transfer-targets?q=IDA", me.token).json()
    assert [t["email"] for t in found["technicians"]] == ["idle.ida@example.com"]
    wildcard = live_server.api("GET", "/technicians/transfer-targets?q=%25", me.token).json()
    assert wildcard["technicians"] == []
