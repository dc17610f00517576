"""Issue 18 point 5 end to end: the survey on the phone (Chromium, fake camera) after a
live session with a real aiortc technician. Rate with the keyboard and comment (markup
stays text), skip in Dutch, and everything refused clearly with nothing changed: no
rating, a comment too long, ratings 0 and 6, a second answer, a survey before the end
or for a session never started. Screenshots: artifacts/customer/survey*.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Page, Response, expect

from lens_server.models import SessionSurvey
from tests.e2e.conftest import Phone
from tests.e2e.test_customer_web import (
    LIVE_TEXT,
    link_path,
    shoot,
    wait_for_state,
    walk_to_waiting,
)
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

COMMENT = "The <b>fix</b> & <script>alert(1)</script> worked.\nThanks!"


class Tokens:
    """The customer tokens the page receives (read off its redeem answers), so the
    test can also call the API as this customer would."""

    def __init__(self, page: Page) -> None:
        self.found: list[str] = []
        page.on("response", self.on_response)

    async def on_response(self, response: Response) -> None:
        if response.url.endswith("/api/v1/customer/redeem") and response.ok:
            self.found.append((await response.json())["customer_token"])

    @property
    def last(self) -> str:
        assert self.found, "the page redeemed nothing"
        return self.found[-1]


async def live(server: LiveServer, phone: Phone) -> tuple[Any, str, TechnicianPeer, Tokens]:
    tokens = Tokens(phone.page)
    tech = server.technician()
    created = server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(server.url, tech.token, session_id)
    server.start_session(tech.token, session_id)
    await expect(phone.page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
    return tech, session_id, peer, tokens


def stored(server: LiveServer, session_id: str) -> tuple[Any, ...] | None:
    database = server.database()
    try:
        with database.session() as db:
            row = db.get(SessionSurvey, session_id)
            return None if row is None else (row.rating, row.comment, row.skipped)
    finally:
        database.close()


def survey(server: LiveServer, token: str, body: Any) -> Any:
    return server.api("POST", "/customer/survey", token, json=body)


async def test_rate_and_comment_after_the_technician_ends(
    live_server: LiveServer, phone: Phone
) -> None:
    tech, session_id, peer, tokens = await live(live_server, phone)
    page = phone.page
    try:
        # Not before the end: refused, nothing stored, and the page shows no survey.
        early = survey(live_server, tokens.last, {"rating": 5})
        assert (early.status_code, early.json()["error"]["code"]) == (409, "survey_not_open")
        await expect(page.locator("#survey")).to_be_hidden()
        live_server.api("POST", f"/sessions/{session_id}/end", tech.token).raise_for_status()
    finally:
        await peer.close()
    form = page.locator("#survey")
    await expect(form).to_be_visible()
    await expect(page.locator("#survey-question")).to_have_text("How was your support session?")
    await expect(page.locator("#survey-count")).to_have_text("0 / 1000 characters")
    await shoot(page, "survey")

    # Send with no rating: an inline error, nothing sent.
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#survey-error")).to_have_text(
        "Choose a rating from 1 to 5, or press Skip."
    )
    assert stored(live_server, session_id) is None

    # Ratings 0 and 6, and a comment far too long, as a script would send them.
    for body in ({"rating": 0}, {"rating": 6}, {"rating": 3, "comment": "x" * 50_000}):
        answer = survey(live_server, tokens.last, body)
        assert (answer.status_code, answer.json()["error"]["code"]) == (422, "invalid_request")
    assert stored(live_server, session_id) is None

    # A tap on "2 Poor", then the keyboard: a radio group, arrows move the choice to 4.
    await page.locator("label[for='rating-2']").click()
    assert await page.get_by_role("radio", name="2 Poor").is_checked()
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    assert await page.get_by_role("radio", name="4 Good").is_checked()
    await expect(page.locator("#survey-error")).to_be_hidden()

    # A comment the server refuses (the field's own limit taken off, as a tampered page
    # would): said clearly, the form stays, nothing stored.
    comment = page.get_by_label("Comment (optional)")
    await comment.evaluate("element => element.removeAttribute('maxlength')")
    await comment.fill("y" * 1500)
    await expect(page.locator("#survey-count")).to_have_text("1500 / 1000 characters")
    await page.get_by_role("button", name="Send").click()
    await expect(page.locator("#survey-error")).to_have_text(
        "This answer cannot be sent. Keep the comment shorter and leave out special characters."
    )
    await expect(form).to_be_visible()
    assert stored(live_server, session_id) is None

    await comment.fill(COMMENT)
    await expect(page.locator("#survey-error")).to_be_hidden()
    await shoot(page, "survey-filled")
    await page.get_by_role("button", name="Send").click()
    done = page.locator("#survey-done")
    await expect(done).to_be_visible()
    await expect(page.locator("#survey-done-text")).to_have_text("Thank you for your feedback.")
    await expect(page.locator("#survey-answer-rating")).to_have_text("Your rating: 4 of 5")
    await expect(page.locator("#survey-answer-comment")).to_have_text(COMMENT)
    assert await page.locator("#survey-done b, #survey-done script").count() == 0  # as text
    await expect(form).to_be_hidden()
    await shoot(page, "survey-thanks")
    assert stored(live_server, session_id) == (4, COMMENT, False)

    # A second answer: refused, the first one stands.
    again = survey(live_server, tokens.last, {"rating": 1, "comment": "changed my mind"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "survey_answered")
    assert stored(live_server, session_id) == (4, COMMENT, False)
    # The browser's own line for the refused long comment is the only error logged.
    assert phone.errors == [
        "Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)"
    ]


async def test_skip_in_dutch_after_the_customer_ends(live_server: LiveServer, phone: Phone) -> None:
    _, session_id, peer, tokens = await live(live_server, phone)
    page = phone.page
    try:
        await page.locator("#ctl-mic ~ .end-button").click()
        await page.locator("#confirm-end-yes").click()
        await expect(page.locator("#survey")).to_be_visible()
    finally:
        await peer.close()
    await page.get_by_role("button", name="Schakel over naar Nederlands").click()
    await expect(page.locator("#survey-question")).to_have_text("Hoe was uw ondersteuningssessie?")
    await expect(page.get_by_role("radio", name="5 Uitstekend")).to_be_visible()
    await expect(page.locator("#survey-count")).to_have_text("0 / 1000 tekens")
    await shoot(page, "survey-nl")
    await page.get_by_role("button", name="Overslaan").click()
    await expect(page.locator("#survey-done-text")).to_have_text(
        "Deze keer geen enquête. Bedankt dat u Lens gebruikte."
    )
    await expect(page.locator("#survey-answer")).to_be_hidden()
    assert stored(live_server, session_id) == (None, "", True)
    late = survey(live_server, tokens.last, {"rating": 5})
    assert (late.status_code, late.json()["error"]["code"]) == (409, "survey_answered")
    assert stored(live_server, session_id) == (None, "", True)
    assert phone.errors == []


async def test_no_survey_for_a_session_never_started(live_server: LiveServer, phone: Phone) -> None:
    tokens = Tokens(phone.page)
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    page = phone.page
    await page.goto(live_server.url + link_path(created))
    await walk_to_waiting(page, skip=True)
    await page.locator("#screen-waiting .end-button").click()
    await page.locator("#confirm-end-yes").click()
    await expect(page.locator("#ended-reason")).to_have_text("You ended the session.")
    await expect(page.locator("#survey")).to_be_hidden()
    await wait_for_state(live_server, tech.token, session_id, "closed_by_customer")
    refused = survey(live_server, tokens.last, {"rating": 5})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "survey_not_open")
    assert stored(live_server, session_id) is None
    assert phone.errors == []
