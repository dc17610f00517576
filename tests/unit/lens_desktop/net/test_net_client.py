"""ServerClient against the real server: typed answers and the error mapping."""

from __future__ import annotations

import socket

import pytest

from lens_desktop.net.client import ServerClient, normalize_base_url
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import SessionInfo
from tests.live_server import LiveServer


@pytest.fixture
def tech_client(live_server: LiveServer):
    tech = live_server.technician()
    client = ServerClient(live_server.url, tech.token)
    yield client
    client.close()


async def test_login_stores_the_token_and_me_answers_the_technician(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    client = ServerClient(live_server.url + "/")
    try:
        me = await client.login(tech.email, tech.password)
        assert client.token and me.email == tech.email
        assert (await client.me()).id == me.id
        assert "connect_pin" in me.permissions
        config = await client.config()
        assert config.pin_validity_seconds > 0
        await client.logout()
        assert client.token is None
    finally:
        client.close()
        client.close()


async def test_wrong_password_and_revoked_token_map_to_api_errors(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    client = ServerClient(live_server.url)
    try:
        with pytest.raises(ApiError) as wrong:
            await client.login(tech.email, "not-the-password")
        assert wrong.value.status == 401 and wrong.value.message
        await client.login(tech.email, tech.password)
        revoked = ServerClient(live_server.url, client.token)
        await client.logout()
        with pytest.raises(ApiError) as refused:
            await revoked.me()
        assert refused.value.status == 401
        assert refused.value.code in {"not_authenticated", "token_expired"}
        assert refused.value.is_auth_failure
        revoked.close()
    finally:
        client.close()


async def test_missing_permission_is_403_with_the_permission_named(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician(permissions=["lens_sessions", "private_sessions", "connect_pin"])
    client = ServerClient(live_server.url, tech.token)
    try:
        with pytest.raises(ApiError) as refused:
            await client.create_session("Ann", "link")
        assert refused.value.status == 403 and refused.value.code == "permission_denied"
        assert refused.value.details["missing_permission"] == "connect_link"
    finally:
        client.close()


async def test_unknown_session_is_404_and_double_start_is_409(
    live_server: LiveServer, tech_client: ServerClient
) -> None:
    with pytest.raises(ApiError) as missing:
        await tech_client.start("no-such-session")
    assert (missing.value.status, missing.value.code) == (404, "session_not_found")

    session, _ = live_server.join_waiting(tech_client.token or "", "Ann")
    second, _ = live_server.join_waiting(tech_client.token or "", "Bob")
    started = await tech_client.start(session["id"])
    assert started.state == "active" and started.started_at is not None
    with pytest.raises(ApiError) as busy:
        await tech_client.start(second["id"])
    assert (busy.value.status, busy.value.code) == (409, "already_active")

    held = await tech_client.hold(session["id"])
    assert held.state == "on_hold"
    assert (await tech_client.resume(session["id"])).state == "active"
    ended = await tech_client.end(session["id"])
    assert ended.is_final and ended.state == "closed_by_technician"
    with pytest.raises(ApiError) as invalid:
        await tech_client.hold(session["id"])
    assert (invalid.value.status, invalid.value.code) == (409, "invalid_state")
    actions = [e["action"] for e in await tech_client.events(session["id"])]
    assert len(actions) >= 4


async def test_create_session_by_server_email_delivers_the_invitation(
    live_server: LiveServer, tech_client: ServerClient
) -> None:
    created = await tech_client.create_session(
        "Ann", "email", delivery="server", to="ann@example.com"
    )
    assert created.session.state == "connecting" and created.session.pin
    assert created.email is not None and created.email["to"] == "ann@example.com"
    messages = live_server.smtp.wait_for(1)
    assert created.session.pin in messages[0].get_body().get_content()
    assert [s.id for s in await tech_client.sessions()] == [created.session.id]


async def test_sessions_follows_the_pages_to_the_last(
    live_server: LiveServer, tech_client: ServerClient
) -> None:
    made = [(await tech_client.create_session(f"Ann {n}", "pin")).session.id for n in range(5)]
    assert [s.id for s in await tech_client.sessions(page_size=2)] == made[::-1]


async def test_email_failure_is_502_with_the_session_parsed(
    live_server: LiveServer, tech_client: ServerClient
) -> None:
    live_server.smtp.fail_with = "550 mailbox unavailable"
    with pytest.raises(ApiError) as failed:
        await tech_client.create_session("Ann", "email", delivery="server", to="ann@example.com")
    assert (failed.value.status, failed.value.code) == (502, "email_failed")
    session = failed.value.details["session"]
    assert isinstance(session, SessionInfo) and session.pin
    live_server.smtp.fail_with = None
    again = await tech_client.send_email(session.id, "ann@example.com")
    assert again["session"].id == session.id
    live_server.smtp.wait_for(1)


async def test_nothing_listening_is_server_unreachable_with_a_readable_message() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ServerClient(f"http://127.0.0.1:{port}")
    try:
        with pytest.raises(ServerUnreachable) as unreachable:
            await client.me()
    finally:
        client.close()
    error = unreachable.value
    assert error.code == "unreachable" and error.status == 0
    assert error.message.startswith(f"Cannot reach the Lens server at http://127.0.0.1:{port}")
    assert "refused" in error.message and "Check the address" in error.message


def test_normalize_base_url() -> None:
    assert normalize_base_url(" lens.example.com/ ") == "https://lens.example.com"
    assert normalize_base_url("http://127.0.0.1:8000/") == "http://127.0.0.1:8000"
