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
