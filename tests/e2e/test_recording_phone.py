"""Issue 15 point 4 on the phone: while the technician records, the customer's phone
(Chromium, fake camera) shows a red "● Recording" badge; a reload while recording gets
it again (the technician re-sends it on every new channel, as the console's tab does);
a bad message changes nothing; stop hides it; in Dutch it reads "● Opname".
Screenshot: artifacts/customer/recording-badge.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Phone
from tests.e2e.test_customer_web import (
    LIVE_TEXT,
    SHOTS,
    link_path,
    wait_for_state,
    wait_js,
    walk_to_waiting,
)
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

STATE = "window.lensDebug.recording"


async def test_the_phone_shows_the_recording_badge_while_the_technician_records(
    live_server: LiveServer, phone: Phone
) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    page = phone.page
    await page.goto(live_server.url + link_path(created))
    await walk_to_waiting(page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    recording = {"on": False}
    opened: list[int] = []

    def on_channel_open() -> None:
        opened.append(peer.generation)
        if recording["on"]:
            peer.send_control({"type": "recording", "v": 1, "on": True})

    peer.on_channel_open = on_channel_open
    live_server.start_session(tech.token, session_id)
    badge = page.locator("#recording-badge")
    try:
        await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
        await peer.wait_for(lambda: bool(opened) and peer.frames_received > 5, timeout=30)
        await expect(badge).to_be_hidden()

        # Versions and values the page does not know are ignored.
        for bad in (
            {"type": "recording", "v": 2, "on": True},
            {"type": "recording", "v": 1, "on": "yes"},
        ):
            assert peer.send_control(bad)
        await page.wait_for_timeout(300)
        await expect(badge).to_be_hidden()

        recording["on"] = True
        assert peer.send_control({"type": "recording", "v": 1, "on": True})
        await expect(badge).to_be_visible()
        await expect(badge).to_have_text("● Recording")
        assert await badge.get_attribute("aria-label") == (
            "Your technician is recording this session"
        )
        colour: Any = await badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(198, 40, 40)"
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "recording-badge.png"))

        # A reload while recording: a new connection, and the badge comes back.
        generation = peer.generation
        await page.reload()
        await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
        await peer.wait_for(lambda: opened[-1] > generation, timeout=30)
        await wait_js(page, f"{STATE}.on === true")
        await expect(badge).to_be_visible()

        # In Dutch.
        await page.locator("#lang-switch").click()
        await expect(badge).to_have_text("● Opname")

        recording["on"] = False
        assert peer.send_control({"type": "recording", "v": 1, "on": False})
        await expect(badge).to_be_hidden()
    finally:
        await peer.close()
    assert phone.errors == []
