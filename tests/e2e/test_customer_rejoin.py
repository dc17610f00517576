"""Issue 16, point 6: while the session lives, the customer's link lets them back in,
from another browser or after closing the tab; never two customers at once."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.e2e.conftest import Phone, open_phone
from tests.e2e.test_customer_web import (
    LIVE_TEXT,
    assert_counting_up,
    sample_counters,
    shoot,
    start_live,
    wait_for_state,
)
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def video_from_new_page(peer: TechnicianPeer, before: int) -> None:
    """The technician answers the new page's offer and its frames count up."""
    await peer.wait_for(
        lambda: peer.generation > before and peer.frames_by_generation.get(peer.generation, 0) > 5,
        timeout=30,
    )
    assert_counting_up(await sample_counters(peer, 3))


async def test_the_link_in_another_browser_takes_the_session_over(
    live_server: LiveServer, phone: Phone, browser: Browser
) -> None:
    tech, session_id, peer = await start_live(live_server, phone)
    link = phone.page.url
    other = await open_phone(browser)
    try:
        await peer.wait_for(lambda: peer.frames_received >= 5, timeout=20)
        before = peer.generation
        await other.page.goto(link)
        await expect(other.page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        await video_from_new_page(peer, before)
        await shoot(other.page, "11-rejoined")

        # the first page was let go, and says so
        await expect(phone.page.locator("#screen-ended h1")).to_have_text(
            "Session continued on another device"
        )
        await expect(phone.page.locator("#ended-reason")).to_have_text(
            "You opened your session link again on another device or page, "
            "so the session continues there."
        )
        assert await phone.page.evaluate("document.getElementById('preview').srcObject") is None
        await shoot(phone.page, "12-continued-elsewhere")
        await wait_for_state(live_server, tech.token, session_id, "active")
        assert other.errors == []
    finally:
        await peer.close()
        await other.context.close()


async def test_a_closed_tab_comes_back_through_the_link(
    live_server: LiveServer, phone: Phone
) -> None:
    tech, session_id, peer = await start_live(live_server, phone)
    link = phone.page.url
    try:
        await peer.wait_for(lambda: peer.frames_received >= 5, timeout=20)
        before = peer.generation
        await phone.page.close()
        await wait_for_state(live_server, tech.token, session_id, "reconnecting")
        page = await phone.context.new_page()
        await page.goto(link)
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        await wait_for_state(live_server, tech.token, session_id, "active")
        await video_from_new_page(peer, before)
    finally:
        await peer.close()
