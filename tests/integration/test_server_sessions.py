"""The technician and customer REST API against a real uvicorn + SQLite + SMTP sink."""

from __future__ import annotations

import email.utils
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lens_server.models import PERMISSIONS
from tests.live_server import LiveServer

ALL_STATES_FLOW = ["connecting", "waiting", "active", "on_hold", "active", "closed_by_technician"]


def _link_token(link: str) -> str:
    match = re.search(r"/join/([A-Za-z0-9_-]+)$", link)
    assert match, link
    return match.group(1)


def test_email_invitation_arrives_and_its_link_and_pin_work(live_server: LiveServer) -> None:
    tech = live_server.technician()
    created = live_server.create_session(
        tech.token, "Ann Smith", "email", delivery="server", to="ann@example.com"
    )
    session = created["session"]
    assert created["email"] == {"to": "ann@example.com", "status": "sent", "language": "en"}
    assert session["state"] == "connecting" and re.fullmatch(r"[0-9]{6}", session["pin"])

    message = live_server.smtp.wait_for(1)[0]
    assert message["To"] == "ann@example.com"
    assert message["From"] == "Lens Support <support@example.com>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert session["link"] in text and session["pin"] in text and "20 minutes" in text
    assert f'href="{session["link"]}"' in html

    # the emailed link opens the app and redeems the session
    link = re.search(r"http://\S+/join/\S+", text).group(0)
    page = live_server.http.get(link)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    redeemed = live_server.redeem(link_token=_link_token(link))
    assert redeemed.status_code == 200
    assert redeemed.json()["session"]["name"] == "Ann Smith"
    assert redeemed.json()["session"]["technician_name"] == tech.display_name
    # and the PIN in the same email is now used up (answered like any unknown code)
    again = live_server.redeem(pin=session["pin"])
    assert again.status_code == 404 and again.json()["error"]["code"] == "pin_invalid"


def test_dutch_invitation(live_server: LiveServer) -> None:
    tech = live_server.technician()
    live_server.create_session(
        tech.token, "Jan", "email", delivery="server", to="jan@example.com", language="nl"
    )
    message = live_server.smtp.wait_for(1)[0]
    assert message["Subject"].startswith("Uw ondersteuningssessie")
    assert "typ deze code" in message.get_body(("plain",)).get_content()


def test_customer_name_cannot_inject_markup_or_headers(live_server: LiveServer) -> None:
    tech = live_server.technician()
    name = '<script>alert(1)</script> "Bob"'
    live_server.create_session(tech.token, name, "email", delivery="server", to="b@example.com")
    message = live_server.smtp.wait_for(1)[0]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    bad = live_server.api(
        "POST",
        "/sessions",
        tech.token,
        json={"name": "Eve\r\nBcc: x@example.com", "method": "pin"},
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_request"
    assert "printable" in bad.json()["error"]["message"]


def test_client_delivery_returns_a_mailto_and_sends_nothing(live_server: LiveServer) -> None:
    tech = live_server.technician()
    created = live_server.create_session(
        tech.token, "Ann", "email", delivery="client", to="ann@example.com"
    )
    mailto = created["mailto"]
    assert mailto["url"].startswith("mailto:ann%40example.com?subject=")
    assert created["session"]["pin"] in mailto["body"]
    assert created["email"] is None
    time.sleep(0.2)  # a message, if one were wrongly sent, would be in by now
    assert live_server.smtp.messages == []


def test_smtp_failure_is_a_502_that_keeps_the_session_and_resend_works(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    live_server.smtp.fail_with = "554 5.7.1 Relay access denied"
    response = live_server.api(
        "POST",
        "/sessions",
        tech.token,
        json={"name": "Ann", "method": "email", "delivery": "server", "to": "ann@example.com"},
    )
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "email_failed" and "Relay access denied" in error["message"]
    session = error["details"]["session"]
    assert live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()["state"] == (
        "connecting"
    )

    live_server.smtp.fail_with = None
    resent = live_server.api(
        "POST", f"/sessions/{session['id']}/email", tech.token, json={"to": "ann@example.com"}
    )
    assert resent.status_code == 200, resent.text
    message = live_server.smtp.wait_for(1)[0]
    assert session["pin"] in message.get_body(("plain",)).get_content()
    assert live_server.redeem(pin=session["pin"]).status_code == 200


def test_unreachable_relay_is_a_502_with_the_reason(live_server: LiveServer) -> None:
    live_server.restart(smtp_port=1)  # nothing listens there
    tech = live_server.technician()
    response = live_server.api(
        "POST",
        "/sessions",
        tech.token,
        json={"name": "Ann", "method": "email", "delivery": "server", "to": "ann@example.com"},
    )
    assert response.status_code == 502
    assert "Could not send the email through 127.0.0.1" in response.json()["error"]["message"]


def test_outbox_when_no_smtp_is_configured(live_server: LiveServer) -> None:
    live_server.restart(smtp_host="")
    tech = live_server.technician()
    created = live_server.create_session(
        tech.token, "Ann", "email", delivery="server", to="ann@example.com"
    )
    assert created["email"]["status"] == "outbox"
    files = list(live_server.settings.outbox.glob("*.eml"))
    assert len(files) == 1 and created["session"]["pin"].encode() in files[0].read_bytes()


@pytest.mark.parametrize("method", ["pin", "email", "link"])
def test_each_missing_permission_is_refused_by_name(live_server: LiveServer, method: str) -> None:
    needed = {"lens_sessions", "private_sessions", f"connect_{method}"}
    extra = {"delivery": "client"} if method == "email" else {}
    for missing in sorted(needed):
        tech = live_server.technician([p for p in PERMISSIONS if p != missing])
        response = live_server.api(
            "POST", "/sessions", tech.token, json={"name": "Ann", "method": method, **extra}
        )
        assert response.status_code == 403, missing
        error = response.json()["error"]
        assert error["code"] == "permission_denied"
        assert error["details"]["missing_permission"] == missing and missing in error["message"]
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []


def test_full_state_machine_is_logged_in_order(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    sid = session["id"]
    states = ["connecting", session["state"]]
    for action in ("start", "hold", "resume", "end"):
        response = live_server.api("POST", f"/sessions/{sid}/{action}", tech.token)
        assert response.status_code == 200, response.text
        states.append(response.json()["state"])
    assert states == ALL_STATES_FLOW
    events = live_server.api("GET", f"/sessions/{sid}/events", tech.token).json()["events"]
    assert [e["action"] for e in events] == [
        "created", "joined", "accepted licence", "started", "held", "resumed", "ended",
    ]  # fmt: skip
    assert [e["state"] for e in events][-1] == "closed_by_technician"
    assert all(e["at"].endswith("Z") for e in events)
    assert events == sorted(events, key=lambda e: e["at"])


def _state(live_server: LiveServer, token: str, session_id: str) -> str:
    return str(live_server.api("GET", f"/sessions/{session_id}", token).json()["state"])


def test_only_one_active_session_per_technician(live_server: LiveServer) -> None:
    tech = live_server.technician()
    first, _ = live_server.join_waiting(tech.token, "First")
    second, _ = live_server.join_waiting(tech.token, "Second")
    live_server.start_session(tech.token, first["id"])
    refused = live_server.api("POST", f"/sessions/{second['id']}/start", tech.token)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "already_active"
    assert error["message"] == (
        "You already have an active Lens session (First). "
        "End it or put it on hold before starting another."
    )
    assert error["details"] == {"active_session_id": first["id"]}
    assert _state(live_server, tech.token, second["id"]) == "waiting"
    live_server.api("POST", f"/sessions/{first['id']}/end", tech.token)
    assert live_server.start_session(tech.token, second["id"])["state"] == "active"


def test_a_session_on_hold_does_not_block_starting_another(live_server: LiveServer) -> None:
    """Rescue's rule, as the refusal says: put the first on hold, then start another."""
    tech = live_server.technician()
    first, _ = live_server.join_waiting(tech.token, "First")
    second, _ = live_server.join_waiting(tech.token, "Second")
    live_server.start_session(tech.token, first["id"])
    held = live_server.api("POST", f"/sessions/{first['id']}/hold", tech.token)
    assert held.status_code == 200 and held.json()["state"] == "on_hold"
    started = live_server.api("POST", f"/sessions/{second['id']}/start", tech.token)
    assert started.status_code == 200, started.text
    assert started.json()["state"] == "active"
    assert _state(live_server, tech.token, first["id"]) == "on_hold"


def test_resume_is_refused_while_another_session_is_active(live_server: LiveServer) -> None:
    tech = live_server.technician()
    first, _ = live_server.join_waiting(tech.token, "First")
    second, _ = live_server.join_waiting(tech.token, "Second")
    live_server.start_session(tech.token, first["id"])
    live_server.api("POST", f"/sessions/{first['id']}/hold", tech.token)
    live_server.start_session(tech.token, second["id"])

    refused = live_server.api("POST", f"/sessions/{first['id']}/resume", tech.token)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "already_active"
    assert error["message"] == (
        "You already have an active Lens session (Second). "
        "End it or put it on hold before resuming this one."
    )
    assert error["details"] == {"active_session_id": second["id"]}
    assert [_state(live_server, tech.token, s["id"]) for s in (first, second)] == [
        "on_hold",
        "active",
    ]
    events = live_server.api("GET", f"/sessions/{first['id']}/events", tech.token).json()
    assert "resumed" not in [e["action"] for e in events["events"]]

    # holding the other one frees the technician to resume the first
    live_server.api("POST", f"/sessions/{second['id']}/hold", tech.token)
    resumed = live_server.api("POST", f"/sessions/{first['id']}/resume", tech.token)
    assert resumed.status_code == 200 and resumed.json()["state"] == "active"


def test_invalid_transitions_are_409_and_change_nothing(live_server: LiveServer) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token)["session"]
    for action in ("start", "hold", "resume"):
        response = live_server.api("POST", f"/sessions/{created['id']}/{action}", tech.token)
        assert response.status_code == 409 and response.json()["error"]["code"] == "invalid_state"
    assert live_server.api("GET", f"/sessions/{created['id']}", tech.token).json()["state"] == (
        "connecting"
    )


def test_other_technicians_sessions_are_invisible(live_server: LiveServer) -> None:
    owner, other = live_server.technician(), live_server.technician()
    session, _ = live_server.join_waiting(owner.token)
    for method, path in [
        ("GET", ""), ("POST", "/start"), ("POST", "/end"), ("GET", "/events"),
    ]:  # fmt: skip
        response = live_server.api(method, f"/sessions/{session['id']}{path}", other.token)
        assert response.status_code == 404 and response.json()["error"]["code"] == (
            "session_not_found"
        )
    assert live_server.api("GET", "/sessions", other.token).json()["sessions"] == []
    assert live_server.api("GET", f"/sessions/{session['id']}", owner.token).json()["state"] == (
        "waiting"
    )


def test_customer_decline_and_leave_close_the_session(live_server: LiveServer) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token)["session"]
    customer = live_server.redeem(pin=created["pin"]).json()["customer_token"]
    declined = live_server.api("POST", "/customer/decline", customer)
    assert declined.json()["state"] == "closed_by_customer"
    assert live_server.api("POST", "/customer/accept", customer).status_code == 409
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    assert events["events"][-1]["action"] == "declined licence"


def test_pin_input_errors(live_server: LiveServer) -> None:
    assert live_server.redeem(pin="").json()["error"]["code"] == "pin_missing"
    malformed = live_server.redeem(pin="12ab56")
    assert malformed.status_code == 422 and "6 digits" in malformed.json()["error"]["message"]


def test_pin_accepts_spaces_and_dashes(live_server: LiveServer) -> None:
    tech = live_server.technician()
    pin = live_server.create_session(tech.token)["session"]["pin"]
    assert live_server.redeem(pin=f" {pin[:3]}-{pin[3:]} ").status_code == 200


def test_waiting_session_times_out(live_server: LiveServer) -> None:
    live_server.restart(waiting_timeout_seconds=2, waiting_warning_seconds=1)
    tech = live_server.technician()
    session, _ = live_server.join_waiting(tech.token)
    deadline = time.monotonic() + 5
    while live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()["state"] != (
        "timed_out"
    ):
        assert time.monotonic() < deadline, "the waiting session never timed out"
        time.sleep(0.1)


def test_restart_keeps_sessions_pins_and_log(live_server: LiveServer) -> None:
    tech = live_server.technician()
    waiting, _ = live_server.join_waiting(tech.token, "Persistent")
    pending = live_server.create_session(tech.token, "Later")["session"]
    live_server.restart()
    listed = live_server.api("GET", "/sessions", tech.token).json()["sessions"]
    assert {s["name"]: s["state"] for s in listed} == {
        "Persistent": "waiting",
        "Later": "connecting",
    }
    assert live_server.redeem(pin=pending["pin"]).status_code == 200
    events = live_server.api("GET", f"/sessions/{waiting['id']}/events", tech.token).json()
    assert len(events["events"]) == 3
    assert live_server.start_session(tech.token, waiting["id"])["state"] == "active"


def _wait_for_state(server: LiveServer, token: str, session_id: str, state: str) -> None:
    deadline = time.monotonic() + 10
    while server.api("GET", f"/sessions/{session_id}", token).json()["state"] != state:
        assert time.monotonic() < deadline, f"session {session_id} never became {state}"
        time.sleep(0.05)


def test_licence_accepted_after_the_pin_deadline_still_joins(live_server: LiveServer) -> None:
    """Validity governs redemption only: a customer who opened the link in time may
    take longer than the PIN's deadline to read the licence."""
    live_server.restart(pin_validity_seconds=2)
    tech = live_server.technician()
    joined = live_server.create_session(tech.token, "Reads slowly")["session"]
    unused = live_server.create_session(tech.token, "Never opened")["session"]
    redeemed = live_server.redeem(pin=joined["pin"])
    assert redeemed.status_code == 200
    customer = redeemed.json()["customer_token"]

    # The sweeper has run past the deadline once the unredeemed PIN is expired.
    _wait_for_state(live_server, tech.token, unused["id"], "expired")
    assert live_server.api("GET", "/customer/session", customer).json()["state"] == "connecting"
    accepted = live_server.api("POST", "/customer/accept", customer)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "waiting"


def test_joined_but_unaccepted_session_times_out_by_the_connecting_rule(
    live_server: LiveServer,
) -> None:
    live_server.restart(pin_validity_seconds=600, connecting_timeout_seconds=1)
    tech = live_server.technician()
    session = live_server.create_session(tech.token)["session"]
    assert live_server.redeem(pin=session["pin"]).status_code == 200
    _wait_for_state(live_server, tech.token, session["id"], "timed_out")
    events = live_server.api("GET", f"/sessions/{session['id']}/events", tech.token).json()
    assert events["events"][-1]["action"] == "did not accept in time"


ORGANISATION = {"organisation_name": "Acme Repairs", "support_email": "help@acme.example"}


@pytest.mark.parametrize(
    ("language", "intro", "support"),
    [
        (
            "en",
            "{tech} of Acme Repairs would like to see",
            "Questions? Write to help@acme.example.",
        ),
        (
            "nl",
            "{tech} van Acme Repairs wil graag meekijken",
            "Vragen? Mail naar help@acme.example.",
        ),
    ],
)
def test_invitation_names_the_technician_and_the_organisation(
    live_server: LiveServer, language: str, intro: str, support: str
) -> None:
    live_server.restart(**ORGANISATION)
    tech = live_server.technician()
    live_server.create_session(
        tech.token, "Ann", "email", delivery="server", to="ann@example.com", language=language
    )
    message = live_server.smtp.wait_for(1)[0]
    assert f"{tech.display_name}" in message["Subject"] and "Acme Repairs" in message["Subject"]
    for body in (message.get_body(("plain",)), message.get_body(("html",))):
        content = body.get_content()
        assert intro.format(tech=tech.display_name) in content
        assert support in content


def test_invitation_date_header_carries_a_real_offset(live_server: LiveServer) -> None:
    tech = live_server.technician()
    live_server.create_session(tech.token, "Ann", "email", delivery="server", to="a@example.com")
    date = live_server.smtp.wait_for(1)[0]["Date"]
    assert not str(date).endswith("-0000"), date
    sent = email.utils.parsedate_to_datetime(str(date))
    assert sent.tzinfo is not None
    assert abs((sent - datetime.now(UTC)).total_seconds()) < 60


def test_customer_view_names_the_organisation_and_serves_its_logo(
    live_server: LiveServer, tmp_path: Path
) -> None:
    logo = tmp_path / "acme.png"
    logo.write_bytes(PNG_1PX)
    missing = live_server.http.get("/organisation/logo")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "logo_missing"
    live_server.restart(**ORGANISATION, organisation_logo=str(logo))
    tech = live_server.technician()
    session = live_server.create_session(tech.token)["session"]
    view = live_server.redeem(pin=session["pin"]).json()["session"]
    assert view["technician_name"] == tech.display_name
    assert view["organisation"] == {
        "name": "Acme Repairs",
        "support_email": "help@acme.example",
        "logo_url": "/organisation/logo",
    }
    served = live_server.http.get(view["organisation"]["logo_url"])
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert served.content == PNG_1PX


PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def test_page_language_follows_the_invitation_sent_last(live_server: LiveServer) -> None:
    """Sent again in Dutch, the invitation makes the customer's page Dutch too."""
    tech = live_server.technician()
    session = live_server.create_session(
        tech.token, "Jan", "email", delivery="server", to="jan@example.com", language="en"
    )["session"]
    again = live_server.api(
        "POST",
        f"/sessions/{session['id']}/email",
        tech.token,
        json={"to": "jan@example.com", "language": "nl"},
    )
    assert again.status_code == 200, again.text
    assert live_server.smtp.wait_for(2)[1]["Subject"].startswith("Uw ondersteuningssessie")
    view = live_server.redeem(pin=session["pin"]).json()["session"]
    assert view["language"] == "nl"
