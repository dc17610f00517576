"""deploy/coturn/turnserver.conf as shipped (tests/coturn.running_deploy_config changes
only ports, secret, certificate, log and the loopback address): Lens's credentials
allocate over UDP and over TLS, expired ones are refused over TLS too, and a valid
credential cannot open a relay to loopback or private addresses, only to public ones."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aioice import stun, turn

from lens_server.turn import rest_credential
from tests.coturn import DeployedCoturn, running_deploy_config


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[DeployedCoturn]:
    with running_deploy_config(tmp_path / "coturn") as running:
        yield running


def _tls(server: DeployedCoturn) -> ssl.SSLContext:
    """Trusts the test certificate; the name (turn.example.com) is not 127.0.0.1."""
    context = ssl.create_default_context(cafile=str(server.ca_file))
    context.check_hostname = False
    return context


async def test_tls_allocates_with_a_valid_credential_and_refuses_an_expired_one(
    deployed: DeployedCoturn,
) -> None:
    now = int(time.time())
    username, password = rest_credential(deployed.secret, "technician-3", now + 600)
    endpoint, _protocol = await turn.create_turn_endpoint(
        asyncio.DatagramProtocol,
        ("127.0.0.1", deployed.tls_port),
        username,
        password,
        transport="tcp",
        ssl=_tls(deployed),
    )
    try:
        assert endpoint.get_extra_info("sockname")[0] == "127.0.0.1"
    finally:
        endpoint.close()
    assert f"user <{username}>: incoming packet ALLOCATE processed, success" in (
        deployed.log_text()
    )

    expired = rest_credential(deployed.secret, "technician-3", now - 1)
    with pytest.raises(stun.TransactionFailed) as refused:
        await turn.create_turn_endpoint(
            asyncio.DatagramProtocol,
            ("127.0.0.1", deployed.tls_port),
            *expired,
            transport="tcp",
            ssl=_tls(deployed),
        )
    assert refused.value.response.attributes["ERROR-CODE"][0] == 401


@pytest.mark.parametrize(
    ("peer", "allowed"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.9", False),
        ("192.168.1.10", False),
        ("100.64.0.1", False),
        ("169.254.1.1", False),
        ("8.8.8.8", True),
    ],
)
async def test_a_relay_reaches_public_addresses_only(
    deployed: DeployedCoturn, peer: str, allowed: bool
) -> None:
    username, password = rest_credential(deployed.secret, "session-p", int(time.time()) + 600)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_datagram_endpoint(
        lambda: turn.TurnClientUdpProtocol(
            ("127.0.0.1", deployed.port), username, password, lifetime=600, channel_refresh_time=500
        ),
        remote_addr=("127.0.0.1", deployed.port),
    )
    try:
        await client.connect()
        permission = stun.Message(
            message_method=stun.Method.CREATE_PERMISSION, message_class=stun.Class.REQUEST
        )
        permission.attributes["XOR-PEER-ADDRESS"] = (peer, 9)
        if allowed:
            response, _ = await client.request_with_retry(permission)
            assert response.message_class == stun.Class.RESPONSE
        else:
            with pytest.raises(stun.TransactionFailed) as refused:
                await client.request_with_retry(permission)
            assert refused.value.response.attributes["ERROR-CODE"][0] == 403
    finally:
        await client.delete()
