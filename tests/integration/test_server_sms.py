"""Invitations by text message against a real server and the stand-in SMS provider
(tests/sms_gateway.py: Twilio's API subset and the webhook, on 127.0.0.1)."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from lens_server.models import PERMISSIONS
from lens_server.sms import fits_one_sms, septets
from tests.live_server import LiveServer
from tests.sms_gateway import SENDER


def _sms_session(server: LiveServer, token: str, to: str, **extra: Any) -> Any:
    body = {"name": "Ann", "method": "sms", "to": to, **extra}
    return server.api("POST", "/sessions", token, json=body)


def _events(server: LiveServer, token: str, session_id: str) -> list[dict[str, Any]]:
    return server.api("GET", f"/sessions/{session_id}/events", token).json()["events"]


def test_the_text_arrives_with_a_link_and_a_pin_that_work(live_server: LiveServer) -> None:
    tech = live_server.technician()
    response = _sms_session(live_server, tech.token, "06 1234 5678", region="NL")
    assert response.status_code == 201, response.text
    created = response.json()
    session = created["session"]
    assert created["sms"] == {
        "to": "+31612345678",
        "status": "sent",
        "provider": "twilio",
        "language": "en",
    }
    assert session["method"] == "sms" and session["state"] == "connecting"

    [message] = live_server.sms.wait_for(1)
    assert (message.api, message.to, message.sender) == ("twilio", "+31612345678", SENDER)
    assert session["link"] in message.text and session["pin"] in message.text
    assert fits_one_sms(message.text) and septets(message.text) is not None
    print(f"SMS ({len(message.text)} characters): {message.text}")

    # the texted link opens the app and redeems the session; its PIN is then used up
    token = re.search(r"/join/([A-Za-z0-9_-]+)", message.text).group(1)
    assert live_server.http.get(f"/join/{token}").status_code == 200
    assert live_server.redeem(link_token=token).status_code == 200
    assert live_server.redeem(pin=session["pin"]).status_code == 404

    sent = [e for e in _events(live_server, tech.token, session["id"]) if e["action"] == "sms sent"]
    assert len(sent) == 1 and sent[0]["detail"].startswith("to +316*****678 (twilio, id SM")
    assert "+31612345678" not in str(_events(live_server, tech.token, session["id"]))


@pytest.mark.parametrize("auth", ["hmac", "bearer"])
def test_the_webhook_gateway_delivers_a_dutch_text(live_server: LiveServer, auth: str) -> None:
    live_server.restart(**live_server.sms.webhook_settings(auth))
    tech = live_server.technician()
    response = _sms_session(live_server, tech.token, "+32 470 12 34 56", language="nl")
    assert response.status_code == 201, response.text
    session = response.json()["session"]
    [message] = live_server.sms.wait_for(1)
    assert (message.api, message.to) == ("webhook", "+32470123456")
    assert message.text.startswith("Technician") and "typ code" in message.text
    assert session["link"] in message.text and session["pin"] in message.text
    assert fits_one_sms(message.text)
    assert response.json()["sms"]["provider"] == "webhook"
    # the customer's page speaks the language of the text they got
    token = session["link"].rsplit("/", 1)[1]
    assert live_server.redeem(link_token=token).json()["session"]["language"] == "nl"


FAILURES = {
    "down": ("Could not reach the SMS gateway at 127.0.0.1", None),
    "server error": ("HTTP 500: Internal trouble (code 30500)", (500, "Internal trouble")),
    "refused": ("HTTP 400: Blocked destination (code 30400)", (400, "Blocked destination")),
    "redirected": ("HTTP 302: Moved (code 30302)", (302, "Moved")),  # not followed: not sent
    "timeout": ("did not answer in time", None),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_gateway_failure_keeps_the_session_and_resend_works(
    live_server: LiveServer, failure: str
) -> None:
    expected, answer = FAILURES[failure]
    if failure == "timeout":
        live_server.restart(sms_timeout_seconds=0.5)
        live_server.sms.delay = 2.0
    elif failure == "down":
        live_server.sms.stop()
    live_server.sms.fail_with = answer
    tech = live_server.technician()

    response = _sms_session(live_server, tech.token, "+31 6 12345678")
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["code"] == "sms_failed" and expected in error["message"], error
    session = error["details"]["session"]
    current = live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()
    assert current["state"] == "connecting" and current["pin"] == session["pin"]
    failed = [e for e in _events(live_server, tech.token, session["id"]) if "sms" in e["action"]]
    assert [e["action"] for e in failed] == ["sms failed"]
    assert failed[0]["detail"].startswith("to +316*****678: ")

    live_server.sms.start()
    live_server.sms.fail_with, live_server.sms.delay = None, 0.0
    resent = live_server.api(
        "POST", f"/sessions/{session['id']}/sms", tech.token, json={"to": "+31612345678"}
    )
    assert resent.status_code == 200, resent.text
    assert resent.json()["sms"]["to"] == "+31612345678"
    message = live_server.sms.wait_for(1)[-1]
    assert session["pin"] in message.text and session["link"] in message.text
    assert live_server.redeem(pin=session["pin"]).status_code == 200
    actions = [e["action"] for e in _events(live_server, tech.token, session["id"])]
    assert actions[-3:] == ["sms failed", "sms sent", "joined"]


BAD_NUMBERS = [
    ("12", "NL", "too short"),
    ("06 1234 56789 0123", "NL", "too long"),
    ("hello", "NL", "Not a valid phone number"),
    ("+999 612345678", None, "country code"),
    ("0612345678", None, "start it with + and the country code"),
    ("+31 20 123 4567", None, "not a mobile number"),  # Amsterdam, a landline
    ("0612345678", "XX", "Unknown region"),
    ("", "NL", None),  # the schema's own 422: a number is required
]


@pytest.mark.parametrize(("number", "region", "reason"), BAD_NUMBERS)
def test_an_invalid_number_is_refused_before_anything_is_sent(
    live_server: LiveServer, number: str, region: str | None, reason: str | None
) -> None:
    tech = live_server.technician()
    extra = {"region": region} if region else {}
    response = _sms_session(live_server, tech.token, number, **extra)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    if reason is None:
        assert (
            error["code"] == "invalid_request" and "mobile number is required" in error["message"]
        )
    else:
        assert error["code"] == "invalid_phone_number" and reason in error["message"], error
        assert error["details"] == {"field": "to"} and error["message"].startswith("to: ")
    assert live_server.sms.requests == 0
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []


def test_resend_checks_the_number_before_sending(live_server: LiveServer) -> None:
    tech = live_server.technician()
    session = live_server.create_session(tech.token, "Ann", "pin")["session"]
    bad = live_server.api(
        "POST", f"/sessions/{session['id']}/sms", tech.token, json={"to": "+31 6 123"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_phone_number"
    assert live_server.sms.requests == 0
    # a PIN session may also be texted: the invitation is the same
    good = live_server.api(
        "POST",
        f"/sessions/{session['id']}/sms",
        tech.token,
        json={"to": "0612345678", "region": "nl"},
    )
    assert good.status_code == 200, good.text
    assert session["pin"] in live_server.sms.wait_for(1)[0].text


def test_resend_after_the_customer_joined_is_refused(live_server: LiveServer) -> None:
    tech = live_server.technician()
    created = _sms_session(live_server, tech.token, "+31612345678").json()
    assert live_server.redeem(pin=created["session"]["pin"]).status_code == 200
    again = live_server.api(
        "POST", f"/sessions/{created['session']['id']}/sms", tech.token, json={"to": "+31612345678"}
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    assert len(live_server.sms.messages) == 1


def test_the_server_s_default_region_reads_a_national_number(live_server: LiveServer) -> None:
    live_server.restart(sms_default_region="be")
    tech = live_server.technician()
    config = live_server.api("GET", "/config", tech.token).json()
    assert config["sms"] == {"available": True, "default_region": "BE"}
    response = _sms_session(live_server, tech.token, "0470 12 34 56")
    assert response.status_code == 201, response.text
    assert live_server.sms.wait_for(1)[0].to == "+32470123456"
    # the console's region wins over the server's
    response = _sms_session(live_server, tech.token, "06 12345678", region="NL")
    assert response.status_code == 201 and response.json()["sms"]["to"] == "+31612345678"


def test_without_connect_sms_the_server_refuses_and_sends_nothing(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician([p for p in PERMISSIONS if p != "connect_sms"])
    response = _sms_session(live_server, tech.token, "+31612345678")
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert error["details"]["missing_permission"] == "connect_sms"
    session = live_server.create_session(tech.token, "Bo", "pin")["session"]
    resend = live_server.api(
        "POST", f"/sessions/{session['id']}/sms", tech.token, json={"to": "+31612345678"}
    )
    assert resend.status_code == 403
    assert live_server.sms.requests == 0
    assert len(live_server.api("GET", "/sessions", tech.token).json()["sessions"]) == 1


def test_without_a_gateway_sms_is_unavailable_and_the_server_says_so(
    live_server: LiveServer,
) -> None:
    live_server.restart(sms_provider="")
    tech = live_server.technician()
    config = live_server.api("GET", "/config", tech.token).json()
    assert config["sms"] == {"available": False, "default_region": None}
    response = _sms_session(live_server, tech.token, "+31612345678")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "sms_unavailable" and "no SMS gateway" in error["message"]
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []
    assert live_server.sms.requests == 0


def test_sms_fields_are_only_for_sms(live_server: LiveServer) -> None:
    tech = live_server.technician()
    for body in (
        {"name": "A", "method": "pin", "region": "NL"},
        {"name": "A", "method": "sms", "to": "+31612345678", "delivery": "server"},
        {"name": "A", "method": "link", "to": "+31612345678"},
    ):
        response = live_server.api("POST", "/sessions", tech.token, json=body)
        assert response.status_code == 422 and response.json()["error"]["code"] == (
            "invalid_request"
        ), body
    assert live_server.sms.requests == 0


def test_a_slow_gateway_does_not_hold_up_the_server(live_server: LiveServer) -> None:
    """The send awaits the gateway on the event loop (httpx, async): while one text
    waits for an answer, other requests are answered at once."""
    tech = live_server.technician()
    live_server.sms.delay = 2.0
    outcome: list[int] = []
    sender = threading.Thread(
        target=lambda: outcome.append(
            _sms_session(live_server, tech.token, "+31612345678").status_code
        )
    )
    sender.start()
    try:
        deadline = time.monotonic() + 5
        while live_server.sms.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert live_server.sms.requests == 1
        started = time.monotonic()
        assert live_server.api("GET", "/me", tech.token).status_code == 200
        assert live_server.http.get("/livez").status_code == 200
        assert time.monotonic() - started < 1.0
        assert outcome == []  # the text is still on its way
    finally:
        sender.join(10)
    assert outcome == [201]


@pytest.mark.parametrize("provider", ["twilio", "webhook"])
def test_wrong_gateway_credentials_are_a_502_that_names_the_refusal(
    live_server: LiveServer, provider: str
) -> None:
    if provider == "twilio":
        live_server.restart(sms_twilio_auth_token="not-the-token")
        said = "HTTP 401: Authenticate (code 20003)"
    else:
        live_server.restart(**{**live_server.sms.webhook_settings(), "sms_webhook_secret": "nope"})
        said = "HTTP 401: bad signature"
    tech = live_server.technician()
    response = _sms_session(live_server, tech.token, "+31612345678")
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "sms_failed" and said in error["message"], error
    assert "not-the-token" not in error["message"] and "nope" not in error["message"]
    assert live_server.sms.messages == [] and live_server.sms.requests == 1
