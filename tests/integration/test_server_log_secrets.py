"""Everything a live server logs, at every level, while secrets pass through it: none
of them may appear in the log (passwords, bearer tokens, PINs, link tokens, the TURN
secret and the credentials derived from it, the SMTP password, the SMS gateway's token
and the customer's phone number)."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import websockets

from tests.live_server import LiveServer, running
from tests.sms_gateway import AUTH_TOKEN

TURN_SECRET = "turn-secret-4f7d0b9e61"  # test values, searched for in the log
SMTP_PASSWORD = "smtp-password-93c1a2"
WRONG_PASSWORD = "wrong-password-5e8d"
PHONE = "+31 6 12345678"


# The test's own side: the HTTP and WebSocket clients and the SMTP sink log what they
# send and receive, secrets included; that is not the server's log.
CLIENT_SIDE = ("httpx", "httpcore", "websockets.client", "mail.log")


def _log_text(caplog: pytest.LogCaptureFixture, captured: str) -> str:
    lines = [captured]
    for record in caplog.records:
        if record.name.startswith(CLIENT_SIDE):
            continue
        lines.append(f"{record.name} {record.levelname} {record.getMessage()}")
        if record.exc_info and record.exc_info[1] is not None:
            lines.append(repr(record.exc_info[1]))
        if record.exc_text:
            lines.append(record.exc_text)
    return "\n".join(lines)


async def _socket(server: LiveServer, path: str, token: str) -> list[dict[str, Any]]:
    url = server.url.replace("http://", "ws://") + path
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        first = json.loads(await ws.recv())
        second = json.loads(await ws.recv())
        return [first, second]


def test_no_secret_reaches_the_log(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    server = LiveServer(
        tmp_path / "server",
        turn_secret=TURN_SECRET,
        turn_urls=("turn:127.0.0.1:3478",),
        metrics=True,
    )
    secrets: dict[str, str] = {"turn secret": TURN_SECRET, "wrong password": WRONG_PASSWORD}
    with running(server):
        tech = server.technician()
        secrets |= {"password": tech.password, "technician token": tech.token}
        refused = server.http.post(
            "/api/v1/auth/login", json={"email": tech.email, "password": WRONG_PASSWORD}
        )
        assert refused.status_code == 401

        by_pin = server.create_session(tech.token, "Ann")["session"]
        by_link = server.create_session(tech.token, "Bea", method="link")["session"]
        link_token = by_link["link"].rsplit("/", 1)[1]
        secrets |= {"pin": by_pin["pin"], "link token": link_token, "link pin": by_link["pin"]}

        assert server.redeem("000000").status_code == 404
        pin_answer = server.redeem(by_pin["pin"])
        link_answer = server.redeem(link_token=link_token)
        assert pin_answer.status_code == link_answer.status_code == 200
        for i, answer in enumerate((pin_answer, link_answer)):
            body = answer.json()
            secrets[f"customer token {i}"] = body["customer_token"]
            turn = next(s for s in body["ice_servers"] if "credential" in s)
            secrets[f"turn credential {i}"] = turn["credential"]
        assert server.http.get(f"/join/{link_token}").status_code == 200
        customer = secrets["customer token 0"]
        assert server.api("POST", "/customer/accept", customer).status_code == 200

        tech_frames = asyncio.run(_socket(server, "/ws/technician", tech.token))
        assert [f["type"] for f in tech_frames] == ["ready", "snapshot"]
        customer_frames = asyncio.run(_socket(server, "/ws/customer", customer))
        assert [f["type"] for f in customer_frames] == ["ready", "config"]
        bad = asyncio.run(_socket_refused(server, "not-a-token-" + tech.token[:8]))
        assert bad["code"] == "not_authenticated"

        mailed = server.api(
            "POST",
            "/sessions",
            tech.token,
            json={"name": "Cas", "method": "email", "delivery": "server", "to": "cas@example.com"},
        )
        assert mailed.status_code == 201, mailed.text
        message = server.smtp.wait_for(1)[0]
        assert mailed.json()["session"]["pin"] in message.get_body(("plain",)).get_content()
        secrets["mailed pin"] = mailed.json()["session"]["pin"]
        secrets["mailed link"] = mailed.json()["session"]["link"].rsplit("/", 1)[1]

        # A text message through the stand-in's Twilio API, then one it refuses: the
        # number shows masked at most; the gateway's token, the PIN and link never.
        secrets |= {"twilio token": AUTH_TOKEN, "phone": "612345678"}
        texted = server.api(
            "POST", "/sessions", tech.token, json={"name": "Ed", "method": "sms", "to": PHONE}
        )
        assert texted.status_code == 201, texted.text
        secrets["texted pin"] = texted.json()["session"]["pin"]
        secrets["texted link"] = texted.json()["session"]["link"].rsplit("/", 1)[1]
        server.sms.fail_with = (500, "Internal trouble")
        untexted = server.api(
            "POST", "/sessions", tech.token, json={"name": "Fe", "method": "sms", "to": PHONE}
        )
        assert untexted.status_code == 502, untexted.text
        secrets["untexted pin"] = untexted.json()["error"]["details"]["session"]["pin"]

        # The relay wants a sign-in it cannot offer over plain SMTP: the send fails.
        server.restart(smtp_username="lens", smtp_password=SMTP_PASSWORD)
        secrets["smtp password"] = SMTP_PASSWORD
        failed = server.api(
            "POST",
            "/sessions",
            tech.token,
            json={"name": "Dik", "method": "email", "delivery": "server", "to": "dik@example.com"},
        )
        assert failed.status_code == 502, failed.text
        secrets["unsent pin"] = failed.json()["error"]["details"]["session"]["pin"]
        assert server.http.get("/metrics").status_code == 200
        assert server.api("POST", "/auth/logout", tech.token).status_code == 204

    out, err = capfd.readouterr()
    text = _log_text(caplog, out + err)
    assert "mail not sent" in text  # the log did see the failure, and the requests
    assert "sms not sent to +316*****678: " in text and "sms sent to +316*****678" in text
    assert 'path="/api/v1/customer/redeem"' in text
    assert 'path="/join/<redacted>"' in text
    leaked = {name for name, value in secrets.items() if _appears(value, text)}
    assert not leaked, f"secrets in the log: {sorted(leaked)}"


def _appears(value: str, text: str) -> bool:
    """A PIN is six digits: found as a number of its own, not inside a port or a
    process id; every other secret anywhere."""
    if value.isdigit():
        return re.search(rf"(?<!\d){value}(?!\d)", text) is not None
    return value in text


async def _socket_refused(server: LiveServer, token: str) -> dict[str, Any]:
    url = server.url.replace("http://", "ws://") + "/ws/customer"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        return dict(json.loads(await ws.recv()))
