"""Sign-in, tokens, and the answers to malformed or hostile input."""

from __future__ import annotations

import pytest

from tests.live_server import LiveServer


def test_login_returns_a_token_that_works_until_logout(live_server: LiveServer) -> None:
    tech = live_server.technician()
    me = live_server.api("GET", "/me", tech.token)
    assert me.status_code == 200 and me.json()["email"] == tech.email
    assert "connect_email" in me.json()["permissions"]
    assert live_server.api("POST", "/auth/logout", tech.token).status_code == 204
    after = live_server.api("GET", "/me", tech.token)
    assert after.status_code == 401 and after.json()["error"]["code"] == "not_authenticated"


def test_wrong_password_and_unknown_user_look_the_same(live_server: LiveServer) -> None:
    tech = live_server.technician()
    for email, password in [(tech.email, "wrong-password"), ("nobody@example.com", "x")]:
        response = live_server.api(
            "POST", "/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 401
        assert response.json()["error"] == {
            "code": "invalid_credentials", "message": "Wrong email or password.", "details": {},
        }  # fmt: skip


def test_disabling_a_technician_revokes_their_tokens(live_server: LiveServer) -> None:
    tech = live_server.technician()
    database = live_server.database()
    from lens_server import admin

    with database.session() as db:
        admin.set_disabled(db, tech.email, True)
    database.close()
    assert live_server.api("GET", "/me", tech.token).status_code == 401
    again = live_server.api(
        "POST", "/auth/login", json={"email": tech.email, "password": tech.password}
    )
    assert again.status_code == 403 and again.json()["error"]["code"] == "account_disabled"


def test_expired_token_says_so(live_server: LiveServer) -> None:
    live_server.restart(token_lifetime_seconds=0)
    tech = live_server.technician()
    response = live_server.api("GET", "/sessions", tech.token)
    assert response.status_code == 401 and response.json()["error"]["code"] == "token_expired"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "", "method": "pin"}, "name"),
        ({"name": "   ", "method": "pin"}, "name"),
        ({"name": "x" * 65, "method": "pin"}, "name"),
        ({"name": "x" * 10_000, "method": "pin"}, "name"),
        ({"name": 42, "method": "pin"}, "name"),
        ({"name": "Ann", "method": "carrier-pigeon"}, "method"),
        ({"name": "Ann", "method": "email"}, "delivery"),
        ({"name": "Ann", "method": "email", "delivery": "server"}, "to"),
        ({"name": "Ann", "method": "email", "delivery": "server", "to": "not-an-address"}, "to"),
        ({"name": "Ann", "method": "pin", "to": "a@example.com"}, "only for method"),
        ({"name": "Ann", "method": "pin", "type": "remote-desktop"}, "type"),
        ({"name": "Ann", "method": "pin", "admin": True}, "admin"),
    ],
)
def test_bad_session_input_is_a_clear_4xx_and_creates_nothing(
    live_server: LiveServer, body: dict[str, object], field: str
) -> None:
    tech = live_server.technician()
    response = live_server.api("POST", "/sessions", tech.token, json=body)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("POST", "/sessions", b"{not json"),
        ("POST", "/sessions", b"[1, 2, 3]"),
        ("POST", "/auth/login", b'{"email": 1}'),
        ("POST", "/customer/redeem", b'{"pin": ["123456"]}'),
        ("POST", "/customer/redeem", b'{"link_token": "' + b"a" * 500 + b'"}'),
    ],
)
def test_malformed_bodies_are_4xx_json(
    live_server: LiveServer, method: str, path: str, content: bytes
) -> None:
    tech = live_server.technician()
    response = live_server.api(
        method, path, tech.token, content=content, headers={"content-type": "application/json"}
    )
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["code"] == "invalid_request"


@pytest.mark.parametrize("session_id", ["nope", "0" * 32, "x" * 5000, "../../etc/passwd"])
def test_unknown_session_ids_are_404(live_server: LiveServer, session_id: str) -> None:
    tech = live_server.technician()
    response = live_server.api("POST", f"/sessions/{session_id}/start", tech.token)
    assert response.status_code == 404
    assert response.json()["error"]["code"] in ("session_not_found", "not_found")


def test_no_token_no_access(live_server: LiveServer) -> None:
    for method, path in [("GET", "/sessions"), ("POST", "/sessions"), ("GET", "/config")]:
        response = live_server.api(method, path, None)
        assert response.status_code == 401 and response.json()["error"]["code"] == (
            "not_authenticated"
        )
    customer = live_server.api("POST", "/customer/accept", "made-up-token")
    assert customer.status_code == 401


def test_pages_carry_a_strict_csp_and_no_referrer(live_server: LiveServer) -> None:
    for path in ("/", "/join/some-token"):
        response = live_server.http.get(path)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["referrer-policy"] == "no-referrer"


def test_config_gives_ice_servers(live_server: LiveServer) -> None:
    servers = [{"urls": ["stun:stun.example.com:3478"]}]
    live_server.restart(ice_servers=servers)
    tech = live_server.technician()
    config = live_server.api("GET", "/config", tech.token).json()
    assert config["ice_servers"] == servers and config["pin_validity_seconds"] == 1200
    created = live_server.create_session(tech.token)
    redeemed = live_server.redeem(created["session"]["pin"]).json()
    assert redeemed["ice_servers"] == servers
