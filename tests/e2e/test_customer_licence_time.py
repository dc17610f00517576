"""Time on the phone: the PIN's validity governs redeeming it, not how long the
customer may read the licence (the connecting time-out does); the waiting time-out
governs after that, and the page says the session was not started in time (not that a connection was lost)."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.e2e.conftest import Phone
from tests.e2e.test_customer_web import heading, link_path, wait_for_state
from tests.live_server import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]


async def test_licence_accepted_after_the_pin_deadline_then_waiting_times_out(
    live_server: LiveServer, phone: Phone
) -> None:
    live_server.restart(
        pin_validity_seconds=2, waiting_timeout_seconds=8, waiting_warning_seconds=4
    )
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    unused = live_server.create_session(tech.token)["session"]
    page = phone.page
    await page.goto(live_server.url + link_path(created))
    await page.get_by_role("button", name="Skip").click()
    await page.get_by_role("button", name="Turn on camera").click()
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Licence agreement")

    # Still reading when the sweeper has passed the PIN's deadline.
    await wait_for_state(live_server, tech.token, unused["id"], "expired")
    await expect(heading(page)).to_have_text("Licence agreement")
    await page.get_by_role("button", name="Accept").click()
    await expect(heading(page)).to_have_text("Waiting for your technician")

    await wait_for_state(live_server, tech.token, created["session"]["id"], "timed_out", timeout=20)
    await expect(page.locator("#ended-reason")).to_have_text(
        "The session ended because it was not started in time. Ask your technician for a new code."
    )
    assert phone.errors == []
