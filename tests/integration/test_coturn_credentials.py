"""The server's TURN credentials against a real coturn (tests/coturn.py): a credential
Lens makes is accepted (coturn allocates a relay address), the same one with an expiry
in the past is refused with 401, over UDP and TCP, and so is one under another secret.
The client is aioice's TURN client, the one the console's aiortc uses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aioice import stun, turn

from lens_server.turn import rest_credential
from tests.coturn import Coturn, running_coturn


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Coturn]:
    with running_coturn(tmp_path / "coturn") as running:
        yield running


async def _allocate(server: Coturn, username: str, password: str, transport: str) -> str:
    """The relayed address coturn allocated; raises stun.TransactionFailed on refusal."""
    endpoint, _protocol = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol,
        ("127.0.0.1", server.port),
        username,
        password,
        transport=transport,
    )
    try:
        host, port = endpoint.get_extra_info("sockname")
        return f"{host}:{port}"
    finally:
        endpoint.close()


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_valid_credentials_allocate_and_expired_ones_are_refused(
    coturn: Coturn, transport: str
) -> None:
    now = int(time.time())
    valid = rest_credential(coturn.secret, "session-abc", now + 600)
    relayed = await _allocate(coturn, *valid, transport)
    assert relayed.startswith("127.0.0.1:")
    assert f"user <{valid[0]}>: incoming packet ALLOCATE processed, success" in coturn.log_text()

    expired = rest_credential(coturn.secret, "session-abc", now - 5)
    with pytest.raises(stun.TransactionFailed) as refused:
        await _allocate(coturn, *expired, transport)
    assert refused.value.response.attributes["ERROR-CODE"] == (401, "Unauthorized")
    assert f"user <{expired[0]}>: incoming packet message processed, error 401" in (
        coturn.log_text()
    )


async def test_a_credential_under_another_secret_is_refused(coturn: Coturn) -> None:
    forged = rest_credential("not-the-secret", "session-abc", int(time.time()) + 600)
    with pytest.raises(stun.TransactionFailed) as refused:
        await _allocate(coturn, *forged, "udp")
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


async def test_an_allocation_made_in_time_outlives_its_credential(coturn: Coturn) -> None:
    """coturn checks the expiry when an allocation is made, not when it is refreshed:
    what turn_credential_lifetime_seconds must cover is the time until the caller's
    last new peer connection, not the end of the media (docs/decisions/0027)."""
    username, password = rest_credential(coturn.secret, "session-abc", int(time.time()) + 2)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_datagram_endpoint(
        lambda: turn.TurnClientUdpProtocol(
            ("127.0.0.1", coturn.port), username, password, lifetime=600, channel_refresh_time=500
        ),
        remote_addr=("127.0.0.1", coturn.port),
    )
    try:
        await client.connect()
        await asyncio.sleep(3)  # the credential has expired now
        refresh = stun.Message(message_method=stun.Method.REFRESH, message_class=stun.Class.REQUEST)
        refresh.attributes["LIFETIME"] = 600
        response, _ = await client.request_with_retry(refresh)
        assert response.message_class == stun.Class.RESPONSE
        assert response.attributes["LIFETIME"] == 600
        with pytest.raises(stun.TransactionFailed) as refused:
            await _allocate(coturn, username, password, "udp")
        assert refused.value.response.attributes["ERROR-CODE"][0] == 401
    finally:
        await client.delete()
