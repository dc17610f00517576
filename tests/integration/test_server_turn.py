"""TURN credentials in the real server's answers: the console's /config, the
customer's /redeem and the customer socket's config message. Each carries credentials
made for that call and that caller; the shared secret itself appears nowhere."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import websockets

from tests.live_server import LiveServer

SECRET = "integration-turn-secret"
URLS = ["turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"]
STUN = {"urls": ["stun:stun.example.com:3478"]}


def _turn_entry(servers: list[dict[str, Any]]) -> dict[str, Any]:
    assert servers[0] == STUN, "the static servers still come first"
    assert len(servers) == 2
    return servers[1]


def _check(entry: dict[str, Any], ident: str, lifetime: int) -> int:
    """Asserts the entry is a valid REST-API credential for `ident`; returns its expiry."""
    assert entry["urls"] == URLS
    expiry_text, who = entry["username"].split(":", 1)
    assert who == ident
    expiry = int(expiry_text)
    assert abs(expiry - (time.time() + lifetime)) < 30
    digest = hmac.new(SECRET.encode(), entry["username"].encode(), hashlib.sha1).digest()
    assert entry["credential"] == base64.b64encode(digest).decode()
    return expiry


def _start(live_server: LiveServer, **extra: Any) -> None:
    live_server.restart(
        ice_servers=[STUN],
        turn_secret=SECRET,
        turn_urls=tuple(URLS),
        turn_credential_lifetime_seconds=7200,
        **extra,
    )


def test_console_and_customer_get_their_own_turn_credentials(live_server: LiveServer) -> None:
    _start(live_server, ice_transport_policy="relay")
    tech = live_server.technician()
    me = live_server.api("GET", "/me", tech.token).json()
    config = live_server.api("GET", "/config", tech.token)
    assert config.status_code == 200
    _check(_turn_entry(config.json()["ice_servers"]), f"technician-{me['id']}", 7200)
    assert SECRET not in config.text

    created = live_server.create_session(tech.token, name="Ann Customer")
    redeemed = live_server.redeem(created["session"]["pin"])
    assert redeemed.status_code == 200
    answer = redeemed.json()
    entry = _turn_entry(answer["ice_servers"])
    _check(entry, f"session-{created['session']['id']}", 7200)
    assert "Ann" not in entry["username"]
    assert answer["ice_transport_policy"] == "relay"
    assert SECRET not in redeemed.text


def test_nobody_without_a_valid_token_or_pin_gets_credentials(live_server: LiveServer) -> None:
    _start(live_server)
    assert live_server.api("GET", "/config").status_code == 401
    assert live_server.api("GET", "/config", "not-a-token").status_code == 401
    refused = live_server.redeem("000000")
    assert refused.status_code in (400, 404)
    assert "ice_servers" not in refused.json() and SECRET not in refused.text


def test_the_customer_socket_gives_fresh_credentials_on_each_connect(
    live_server: LiveServer,
) -> None:
    _start(live_server)
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    url = live_server.url.replace("http://", "ws://") + "/ws/customer"

    async def config_message() -> dict[str, Any]:
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "auth", "token": customer}))
            async with asyncio.timeout(5):
                while (message := json.loads(await ws.recv()))["type"] != "config":
                    pass
            return dict(message)

    first = asyncio.run(config_message())
    assert first["ice_transport_policy"] == "all"
    first_expiry = _check(_turn_entry(first["ice_servers"]), f"session-{session['id']}", 7200)
    time.sleep(1.1)
    second = asyncio.run(config_message())
    second_expiry = _check(_turn_entry(second["ice_servers"]), f"session-{session['id']}", 7200)
    assert second_expiry > first_expiry
    assert SECRET not in json.dumps([first, second])
