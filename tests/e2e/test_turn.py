"""Media through coturn only: the Chromium customer, told by the server to use relay
candidates only (ice_transport_policy = "relay"), sends live video and audio to a real
aiortc technician that gathers as the console does from /config, through a real coturn
(tests/coturn.py) with the time-limited credentials the server made."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import expect

from tests.coturn import Coturn, running_coturn
from tests.e2e.conftest import Phone
from tests.e2e.test_customer_web import (
    LIVE_TEXT,
    assert_counting_up,
    link_path,
    sample_counters,
    shoot,
    wait_for_state,
    wait_js,
    walk_to_waiting,
)
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[Coturn]:
    with running_coturn(tmp_path / "coturn") as running:
        yield running


async def test_relay_only_customer_reaches_the_technician_through_coturn(
    live_server: LiveServer, phone: Phone, coturn: Coturn
) -> None:
    live_server.restart(
        turn_secret=coturn.secret,
        turn_urls=tuple(coturn.urls),
        turn_credential_lifetime_seconds=600,
        ice_transport_policy="relay",
    )
    tech = live_server.technician()
    tech_id = live_server.api("GET", "/me", tech.token).json()["id"]
    config = live_server.api("GET", "/config", tech.token).json()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]

    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(
        live_server.url, tech.token, session_id, ice_servers=config["ice_servers"]
    )
    try:
        live_server.start_session(tech.token, session_id)

        # Live video (the clip's counter climbs) and the customer's tone reach the technician.
        await peer.wait_for(lambda: peer.frames_received >= 5, timeout=30)
        assert_counting_up(await sample_counters(peer, 5))
        await peer.wait_for(lambda: peer.audio_peak > 2000, timeout=10)
        await expect(phone.page.get_by_role("status")).to_have_text(LIVE_TEXT)
        await wait_js(phone.page, "lensDebug.audio.playing && lensDebug.audio.packetsReceived > 20")

        # The phone ran relay-only, and its media path is a coturn relay.
        assert await phone.page.evaluate("lensDebug.iceTransportPolicy") == "relay"
        await wait_js(phone.page, "lensDebug.path !== null")
        path = await phone.page.evaluate("lensDebug.path")
        assert path["local"] == "relay", path
        await shoot(phone.page, "turn-relay-live")

        # coturn allocated for the session and for the technician, by id, not by name.
        log = coturn.log_text()
        for ident in (f"session-{session_id}", f"technician-{tech_id}"):
            assert f":{ident}>: incoming packet ALLOCATE processed, success" in log, ident
        assert "Ann" not in log
        assert phone.errors == []
    finally:
        await peer.close()
