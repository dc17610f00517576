"""A second technician over REST (lens_server/guest.py): invite, join, decline, leave,
remove, the time-out, who may take each step, and the audit log of it all."""

from __future__ import annotations

import time
from typing import Any

from lens_server.models import PERMISSIONS
from tests.live_server import LiveServer, Tech


def _active(server: LiveServer, tech: Tech, name: str = "Ann") -> tuple[dict[str, Any], str]:
    session, customer = server.join_waiting(tech.token, name)
    return server.start_session(tech.token, session["id"]), customer


def _invite(server: LiveServer, tech: Tech, session_id: str, to: int, comment: str = "") -> Any:
    return server.api(
        "POST",
        f"/sessions/{session_id}/guest",
        tech.token,
        json={"to_technician_id": to, "comment": comment},
    )


def _id(server: LiveServer, tech: Tech) -> int:
    return int(server.api("GET", "/me", tech.token).json()["id"])


def _guest_log(server: LiveServer, tech: Tech, session_id: str) -> list[tuple[str, str]]:
    events = server.api("GET", f"/sessions/{session_id}/events", tech.token).json()["events"]
    words = ("colleague", "invitation", "guest")
    return [(e["action"], e["detail"]) for e in events if any(w in e["action"] for w in words)]


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.text
    return str(response.json()["error"]["code"])


def test_a_colleague_joins_and_leaves_while_the_session_stays_the_owners(
    live_server: LiveServer,
) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    session, customer = _active(live_server, owner)
    sid, to = session["id"], _id(live_server, colleague)

    invited = _invite(live_server, owner, sid, to, "  Second pair of eyes  ")
    assert invited.status_code == 200, invited.text
    guest = invited.json()["guest"]
    assert guest == {
        "technician_id": to,
        "name": colleague.display_name,
        "state": "invited",
        "comment": "Second pair of eyes",
        "since": guest["since"],
    }
    # the customer sees no one until the colleague has joined
    assert live_server.api("GET", "/customer/session", customer).json()["guest"] is None

    joined = live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    assert joined.status_code == 200, joined.text
    assert joined.json()["guest"]["state"] == "joined"
    assert joined.json()["technician_id"] == _id(live_server, owner)
    # the colleague never gets what lets anyone in as the customer
    assert joined.json()["pin"] is None and joined.json()["link"] is None
    assert invited.json()["pin"] == session["pin"]  # the owner keeps both
    seen = live_server.api("GET", "/customer/session", customer).json()
    assert seen["guest"] == {"name": colleague.display_name}
    assert seen["technician_name"] == owner.display_name

    # the session stays the owner's: the colleague cannot hold, end or read it
    for step in ("hold", "end"):
        refused = live_server.api("POST", f"/sessions/{sid}/{step}", colleague.token)
        assert _error(refused, 404) == "session_not_found"
    held = live_server.api("POST", f"/sessions/{sid}/hold", owner.token)
    assert held.json()["state"] == "on_hold" and held.json()["guest"]["state"] == "joined"

    left = live_server.api("POST", f"/sessions/{sid}/guest/leave", colleague.token)
    assert left.status_code == 200 and left.json()["guest"] is None
    assert live_server.api("GET", "/customer/session", customer).json()["guest"] is None
    assert _guest_log(live_server, owner, sid) == [
        ("colleague invited", f"{colleague.email}: Second pair of eyes"),
        ("colleague joined", colleague.email),
        ("colleague left", colleague.email),
    ]


def test_decline_withdraw_remove_and_the_end_clear_the_guest(live_server: LiveServer) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, owner)
    sid, to = session["id"], _id(live_server, colleague)

    assert _invite(live_server, owner, sid, to).status_code == 200
    declined = live_server.api("POST", f"/sessions/{sid}/guest/decline", colleague.token)
    assert declined.status_code == 200 and declined.json()["guest"] is None
    late = live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    assert _error(late, 404) == "session_not_found"  # no longer theirs to see

    assert _invite(live_server, owner, sid, to).status_code == 200
    withdrawn = live_server.api("DELETE", f"/sessions/{sid}/guest", owner.token)
    assert withdrawn.status_code == 200 and withdrawn.json()["guest"] is None

    assert _invite(live_server, owner, sid, to).status_code == 200
    live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    removed = live_server.api("DELETE", f"/sessions/{sid}/guest", owner.token)
    assert removed.status_code == 200 and removed.json()["guest"] is None
    again = live_server.api("DELETE", f"/sessions/{sid}/guest", owner.token)
    assert _error(again, 409) == "no_guest"

    assert _invite(live_server, owner, sid, to).status_code == 200
    live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    ended = live_server.api("POST", f"/sessions/{sid}/end", owner.token)
    assert ended.json()["state"] == "closed_by_technician" and ended.json()["guest"] is None
    gone = live_server.api("POST", f"/sessions/{sid}/guest/leave", colleague.token)
    assert _error(gone, 404) == "session_not_found"

    assert [action for action, _ in _guest_log(live_server, owner, sid)] == [
        "colleague invited",
        "invitation declined",
        "colleague invited",
        "invitation withdrawn",
        "colleague invited",
        "colleague joined",
        "colleague removed",
        "colleague invited",
        "colleague joined",
        "guest left",
    ]


def test_an_unanswered_invitation_times_out(live_server: LiveServer) -> None:
    live_server.restart(transfer_timeout_seconds=1)
    owner, colleague = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, owner)
    sid = session["id"]
    assert _invite(live_server, owner, sid, _id(live_server, colleague)).status_code == 200
    deadline = time.monotonic() + 6
    while live_server.api("GET", f"/sessions/{sid}", owner.token).json()["guest"] is not None:
        assert time.monotonic() < deadline, "the invitation never timed out"
        time.sleep(0.1)
    assert _guest_log(live_server, owner, sid)[-1] == ("invitation timed out", colleague.email)
    state = live_server.api("GET", f"/sessions/{sid}", owner.token).json()["state"]
    assert state == "active"


def test_permissions_and_wrong_states_are_refused_by_code(live_server: LiveServer) -> None:
    without = [p for p in PERMISSIONS if p != "invite_technician"]
    owner, colleague, third = (live_server.technician() for _ in range(3))
    plain = live_server.technician(without)
    not_lens = live_server.technician(["invite_technician"])
    session, _ = _active(live_server, owner)
    sid, to = session["id"], _id(live_server, colleague)

    mine, _ = _active(live_server, plain, "Bob")
    refused = _invite(live_server, plain, mine["id"], to)
    assert _error(refused, 403) == "permission_denied"
    assert refused.json()["error"]["details"]["missing_permission"] == "invite_technician"
    targets = live_server.api("GET", "/technicians/invite-targets", plain.token)
    assert _error(targets, 403) == "permission_denied"

    assert _error(_invite(live_server, owner, sid, _id(live_server, owner)), 409) == "invite_self"
    not_allowed = _invite(live_server, owner, sid, _id(live_server, not_lens))
    assert _error(not_allowed, 409) == "guest_not_allowed"
    assert _error(_invite(live_server, owner, sid, 999_999), 409) == "guest_not_allowed"
    assert _error(_invite(live_server, third, sid, to), 404) == "session_not_found"
    waiting, _ = live_server.join_waiting(owner.token, "Cy")
    assert _error(_invite(live_server, owner, waiting["id"], to), 409) == "invalid_state"
    bad = live_server.api(
        "POST", f"/sessions/{sid}/guest", owner.token, json={"to_technician_id": "x"}
    )
    assert _error(bad, 422) == "invalid_request"

    assert _invite(live_server, owner, sid, to).status_code == 200
    second = _invite(live_server, owner, sid, _id(live_server, third))
    assert _error(second, 409) == "guest_present"
    stranger = live_server.api("POST", f"/sessions/{sid}/guest/accept", third.token)
    assert _error(stranger, 404) == "session_not_found"
    own = live_server.api("POST", f"/sessions/{sid}/guest/accept", owner.token)
    assert _error(own, 409) == "no_invitation_for_you"
    # a transfer waits until the colleague is gone
    transfer = live_server.api(
        "POST",
        f"/sessions/{sid}/transfer",
        owner.token,
        json={"to_technician_id": _id(live_server, third)},
    )
    assert _error(transfer, 409) == "guest_present"
    # nothing changed on the way
    view = live_server.api("GET", f"/sessions/{sid}", owner.token).json()
    assert view["state"] == "active" and view["guest"]["technician_id"] == to


def test_a_colleague_with_an_active_session_of_their_own_cannot_join(
    live_server: LiveServer,
) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    session, _ = _active(live_server, owner)
    theirs, _ = _active(live_server, colleague, "Bob")
    sid = session["id"]
    assert _invite(live_server, owner, sid, _id(live_server, colleague)).status_code == 200
    busy = live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    assert _error(busy, 409) == "already_active"
    assert busy.json()["error"]["details"]["active_session_id"] == theirs["id"]
    live_server.api("POST", f"/sessions/{theirs['id']}/hold", colleague.token)
    joined = live_server.api("POST", f"/sessions/{sid}/guest/accept", colleague.token)
    assert joined.status_code == 200 and joined.json()["guest"]["state"] == "joined"


def test_invite_targets_say_who_is_busy(live_server: LiveServer) -> None:
    me = live_server.technician(email="me@example.com")
    busy = live_server.technician(email="busy.bee@example.com")
    live_server.technician(email="idle.ida@example.com")
    live_server.technician(["connect_pin"], email="no.lens@example.com")
    _active(live_server, busy)
    found = live_server.api("GET", "/technicians/invite-targets?q=E", me.token)
    assert found.status_code == 200, found.text
    listed = [(t["email"], t["busy"]) for t in found.json()["technicians"]]
    assert sorted(listed) == [("busy.bee@example.com", True), ("idle.ida@example.com", False)]
