"""The customer web app in Debian's Chromium against a real server, with a real aiortc
peer playing the technician. Every screen is saved under artifacts/customer/."""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.conftest import CLIP_FRAMES, INSECURE_HOST, Phone, open_phone
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "customer"


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def wait_for_state(
    server: LiveServer, token: str, session_id: str, state: str, timeout: float = 10.0
) -> dict[str, Any]:
    """Polls the technician view of the session until it reaches `state`."""
    deadline = time.monotonic() + timeout
    while True:
        session = server.api("GET", f"/sessions/{session_id}", token).json()
        if session["state"] == state or time.monotonic() > deadline:
            assert session["state"] == state
            return dict(session)
        await asyncio.sleep(0.05)


async def wait_js(page: Page, expression: str, timeout: float = 10.0) -> None:
    """Polls a JS expression until truthy. (page.wait_for_function compiles its predicate
    with eval, which the app's CSP rightly forbids.)"""
    deadline = time.monotonic() + timeout
    while not await page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        await asyncio.sleep(0.05)


def heading(page: Page) -> Any:
    return page.locator(".screen:not([hidden]) h1")


async def walk_to_waiting(page: Page, *, shots: bool = False, skip: bool = False) -> None:
    """Tutorial -> camera -> preview -> licence -> waiting, as a customer taps through."""
    await expect(heading(page)).to_have_text("How it works")
    if shots:
        await shoot(page, "03-tutorial")
    await page.get_by_role("button", name="Skip" if skip else "OK").click()
    await expect(heading(page)).to_have_text("Camera and microphone")
    if shots:
        await shoot(page, "04-permission")
    await page.get_by_role("button", name="Turn on camera").click()
    await expect(heading(page)).to_have_text("This is your camera")
    await expect(page.get_by_text("Nothing is shared yet.")).to_be_visible()
    await wait_js(page, "document.getElementById('preview').videoWidth > 0")
    if shots:
        await shoot(page, "05-preview")
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Licence agreement")
    await expect(page.locator("#eula-text p").first).to_contain_text("Lens remote support")
    if shots:
        await shoot(page, "06-eula")
    await page.get_by_role("button", name="Accept").click()
    await expect(heading(page)).to_have_text("Waiting for your technician")


def link_path(created: dict[str, Any]) -> str:
    return urlparse(created["session"]["link"]).path


async def test_link_flow_reaches_waiting(live_server: LiveServer, phone: Phone) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]

    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, shots=True)

    await wait_for_state(live_server, tech.token, session_id, "waiting")
    await expect(phone.page.locator("#stage-badge")).to_have_text("Not shared")
    await shoot(phone.page, "07-waiting")
    assert phone.errors == []


async def sample_counters(peer: TechnicianPeer, count: int) -> list[int]:
    """Counters of `count` successive newest frames, each a few frames after the last."""
    counters: list[int] = []
    while len(counters) < count:
        await peer.wait_for_frames(peer.frames_received + 3)
        counter = peer.newest_counter()
        assert counter is not None, "a received frame carries no readable counter"
        counters.append(counter)
    return counters


def assert_counting_up(counters: list[int]) -> None:
    """The clip loops every CLIP_FRAMES frames, so steps are taken modulo its length."""
    steps = [(b - a) % CLIP_FRAMES for a, b in itertools.pairwise(counters)]
    assert all(0 < step < CLIP_FRAMES // 2 for step in steps), counters


async def set_visibility(page: Page, state: str) -> None:
    """What the browser does when the customer switches apps (headless never hides)."""
    await page.evaluate(
        """state => {
            Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


async def start_live(live_server: LiveServer, phone: Phone) -> tuple[Any, str, TechnicianPeer]:
    """A session by link, walked to waiting, started; returns (tech, id, peer)."""
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    live_server.start_session(tech.token, session_id)
    return tech, session_id, peer


async def test_live_video_audio_controls_reconnect_and_end(
    live_server: LiveServer, phone: Phone
) -> None:
    tech, session_id, peer = await start_live(live_server, phone)
    try:
        await check_media_flows(phone.page, peer)
        await check_controls(phone.page, peer)
        await check_hold(phone.page, live_server, tech.token, session_id)
        await check_reconnect(phone, peer)
        await check_media_path_loss(phone.page, peer)

        live_server.api("POST", f"/sessions/{session_id}/end", tech.token).raise_for_status()
        await expect(phone.page.locator("#ended-reason")).to_have_text(
            "Your technician ended the session."
        )
        await shoot(phone.page, "10-ended")
        assert await phone.page.evaluate("document.getElementById('preview').srcObject") is None
        # The only errors allowed are the socket's failed dials while the phone was offline.
        assert all("ERR_INTERNET_DISCONNECTED" in error for error in phone.errors), phone.errors
    finally:
        await peer.close()


LIVE_TEXT = "Your technician can now see and hear you."
HOLD_TEXT = "Your technician put the session on hold. Your camera and microphone are off."


async def check_media_flows(page: Page, peer: TechnicianPeer) -> None:
    """Counted frames and the customer's tone reach the technician; the technician's
    voice plays on the phone; the sender reaches full 720p with the settings we chose."""
    await peer.wait_for(lambda: peer.frames_received >= 5, timeout=20)
    assert peer.generation == 1
    assert_counting_up(await sample_counters(peer, 5))
    await peer.wait_for(lambda: peer.audio_peak > 2000, timeout=10)
    await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT)
    await wait_js(page, "lensDebug.audio.playing && lensDebug.audio.packetsReceived > 20")
    await shoot(page, "08-live")

    await wait_js(page, "lensDebug.stats.frameWidth === 1280", timeout=15)
    debug = await page.evaluate("({...lensDebug.timing, pref: lensDebug.degradationPreference})")
    assert debug["pref"] == "maintain-resolution"
    assert debug["activeAt"] < debug["firstFrameSentAt"] <= debug["fullWidthAt"]
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "timing.json").write_text(json.dumps(debug, indent=2))


async def check_controls(page: Page, peer: TechnicianPeer) -> None:
    """Each control tells the technician over the data channel, and the page says so."""

    async def last_message_is(message: dict[str, Any]) -> None:
        await peer.wait_for(lambda: peer.control_messages[-1:] == [message])

    await page.get_by_role("button", name="Pause camera").click()
    await last_message_is({"type": "camera", "paused": True})
    await expect(page.get_by_role("status")).to_have_text(
        "Camera paused. Your technician cannot see you."
    )
    await page.get_by_role("button", name="Resume camera").click()
    await last_message_is({"type": "camera", "paused": False})
    await page.get_by_role("button", name="Mute").click()
    await last_message_is({"type": "mic", "muted": True})
    await page.get_by_role("button", name="Unmute").click()
    await last_message_is({"type": "mic", "muted": False})
    await set_visibility(page, "hidden")
    await last_message_is({"type": "camera", "paused": True})
    await set_visibility(page, "visible")
    await last_message_is({"type": "camera", "paused": False})


async def check_media_path_loss(page: Page, peer: TechnicianPeer) -> None:
    """Media dies while the socket lives: the page notices the silence (ice_watch.js,
    1.5 s; ICE itself takes 5 s), says it is reconnecting and offers again. On
    loopback the new connection is up so fast that "Reconnecting…" may show for less
    than a locator's poll, so the page's status changes are recorded as they happen."""
    await page.evaluate(
        """() => {
            const status = document.getElementById('status');
            window.lensStatusSeen = [];
            new MutationObserver(() => window.lensStatusSeen.push(status.textContent))
                .observe(status, { childList: true, characterData: true, subtree: true });
        }"""
    )
    before = peer.generation
    await peer.drop_media()
    await wait_js(page, "window.lensStatusSeen.includes('Reconnecting…')", timeout=20)
    await peer.wait_for(
        lambda: peer.generation > before and peer.frames_by_generation.get(peer.generation, 0) > 5,
        timeout=20,
    )
    await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT)


async def check_hold(page: Page, server: LiveServer, token: str, session_id: str) -> None:
    status = page.get_by_role("status")
    server.api("POST", f"/sessions/{session_id}/hold", token).raise_for_status()
    await expect(status).to_have_text(HOLD_TEXT)
    server.api("POST", f"/sessions/{session_id}/resume", token).raise_for_status()
    await expect(status).to_have_text(LIVE_TEXT)


async def check_reconnect(phone: Phone, peer: TechnicianPeer) -> None:
    """Offline and back: the page rebuilds the call with the next generation by itself."""
    status = phone.page.get_by_role("status")
    await phone.context.set_offline(True)
    await expect(status).to_have_text("Reconnecting…")
    await shoot(phone.page, "09-reconnecting")
    await phone.context.set_offline(False)
    await peer.wait_for(
        lambda: peer.generation >= 2 and peer.frames_by_generation.get(peer.generation, 0) > 5,
        timeout=30,
    )
    assert_counting_up(await sample_counters(peer, 3))
    await expect(status).to_have_text(LIVE_TEXT)


async def test_typed_pin_flow_reaches_waiting(live_server: LiveServer, phone: Phone) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token)
    pin = created["session"]["pin"]
    page = phone.page

    await page.goto(live_server.url + "/")
    pin_input = page.get_by_label("Enter the 6-digit code from your technician")
    await expect(pin_input).to_have_attribute("inputmode", "numeric")
    await shoot(page, "01-start")
    await pin_input.fill(f"{pin[:3]} - {pin[3:]}")  # as pasted from a message
    await expect(pin_input).to_have_value(pin)
    await page.get_by_role("button", name="Continue").click()
    await walk_to_waiting(page, skip=True)
    session_id = created["session"]["id"]
    await wait_for_state(live_server, tech.token, session_id, "waiting")

    await page.reload()  # the customer token in sessionStorage brings the session back
    await expect(heading(page)).to_have_text("Waiting for your technician")
    await wait_js(page, "document.getElementById('preview').videoWidth > 0")
    await page.get_by_role("button", name="End session").click()
    await expect(page.get_by_role("alertdialog")).to_contain_text("End the session?")
    await page.get_by_role("alertdialog").get_by_role("button", name="End session").click()
    await expect(page.locator("#ended-reason")).to_have_text("You ended the session.")
    await wait_for_state(live_server, tech.token, session_id, "closed_by_customer")
    assert phone.errors == []


async def test_decline_ends_the_session(live_server: LiveServer, phone: Phone) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    page = phone.page
    await page.goto(live_server.url + link_path(created))
    await page.get_by_role("button", name="Skip").click()
    await page.get_by_role("button", name="Turn on camera").click()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_role("button", name="Decline").click()

    await expect(page.locator("#ended-reason")).to_have_text(
        "You declined the licence agreement, so the session has ended."
    )
    await wait_for_state(live_server, tech.token, created["session"]["id"], "closed_by_customer")
    assert await page.evaluate("document.getElementById('preview').srcObject") is None
    assert phone.errors == []


async def submit_pin(page: Page, pin: str) -> Any:
    await page.get_by_label("Enter the 6-digit code from your technician").fill(pin)
    await page.get_by_role("button", name="Continue").click()
    return page.get_by_role("alert")


async def test_pin_errors_each_say_what_to_do(live_server: LiveServer, phone: Phone) -> None:
    live_server.restart(pin_validity_seconds=3, pin_free_failures=2, pin_backoff_seconds=30.0)
    tech = live_server.technician()
    used = live_server.create_session(tech.token)["session"]
    expiring = live_server.create_session(tech.token)["session"]
    assert live_server.redeem(used["pin"]).status_code == 200
    page = phone.page
    await page.goto(live_server.url + "/")

    alert = await submit_pin(page, "12345")
    await expect(alert).to_have_text("Enter all 6 digits of your code.")

    # used, expired and unknown codes all get the same answer: a guesser learns nothing
    not_valid = (
        "This code is not valid. Check the digits, or ask your technician for the link "
        "to your session."
    )
    alert = await submit_pin(page, used["pin"])
    await expect(alert).to_have_text(not_valid)
    await wait_until_expired(live_server, tech.token, expiring["id"])
    alert = await submit_pin(page, expiring["pin"])
    await expect(alert).to_have_text(not_valid)

    unknown = "000000" if "000000" not in (used["pin"], expiring["pin"]) else "999999"
    alert = await submit_pin(page, unknown)
    await expect(alert).to_have_text(not_valid)
    await shoot(page, "02-pin-error")
    alert = await submit_pin(page, unknown)
    await expect(alert).to_have_text(re.compile(r"Too many attempts\. Try again in \d+ s\."))
    await expect(page.get_by_role("button", name="Continue")).to_be_disabled()
    # 4xx answers are logged by Chromium as failed resources; nothing else may be.
    assert all("status of 4" in error for error in phone.errors), phone.errors


async def test_spent_pin_budget_points_to_the_link(live_server: LiveServer, phone: Phone) -> None:
    live_server.restart(pin_failures_burst_global=1)
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    page = phone.page
    await page.goto(live_server.url + "/")
    await submit_pin(page, "999999" if created["session"]["pin"] != "999999" else "999998")
    alert = await submit_pin(page, created["session"]["pin"])  # even the right one waits
    await expect(alert).to_have_text(
        "Too many attempts. Use the link in your invitation, or try again later."
    )
    await shoot(page, "02b-pin-paused")
    await page.goto(live_server.url + link_path(created))  # the link still works
    await expect(heading(page)).to_have_text("How it works")
    assert all("status of 4" in error for error in phone.errors), phone.errors


async def wait_until_expired(server: LiveServer, token: str, session_id: str) -> None:
    """Waits until the session's PIN is past the expiry time the server gave it (the
    server compares with the same clock). Trying it meanwhile would use it up."""
    session = server.api("GET", f"/sessions/{session_id}", token).json()
    expires = datetime.fromisoformat(session["pin_expires_at"].replace("Z", "+00:00"))
    while datetime.now(UTC) <= expires:
        await asyncio.sleep(0.1)


async def test_refused_camera_explains_and_retries(
    live_server: LiveServer, asking_browser: Browser
) -> None:
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    phone = await open_phone(asking_browser)
    try:
        page = phone.page
        await page.goto(live_server.url + link_path(created))
        await page.get_by_role("button", name="OK").click()
        await page.get_by_role("button", name="Turn on camera").click()
        await expect(heading(page)).to_have_text("Camera access is blocked")
        await expect(page.locator("#permission-help li").first).to_contain_text("Chrome:")
        await shoot(page, "04b-permission-denied")

        await phone.context.grant_permissions(["camera", "microphone"], origin=live_server.url)
        await page.get_by_role("button", name="Try again").click()
        await expect(heading(page)).to_have_text("This is your camera")
        assert phone.errors == []
    finally:
        await phone.context.close()


async def test_insecure_page_refuses_to_run(live_server: LiveServer, phone: Phone) -> None:
    port = urlparse(live_server.url).port
    await phone.page.goto(f"http://{INSECURE_HOST}:{port}/")
    await expect(heading(phone.page)).to_have_text("Open this page over HTTPS")
    await expect(phone.page.locator("#screen-start")).to_be_hidden()
    await shoot(phone.page, "00-insecure")


async def test_dutch_phone_gets_dutch_and_can_switch(
    live_server: LiveServer, browser: Browser
) -> None:
    dutch = await open_phone(browser, locale="nl-NL")
    try:
        page = dutch.page
        await page.goto(live_server.url + "/")
        await expect(heading(page)).to_have_text("Neem deel aan uw supportsessie")
        await expect(page.locator("html")).to_have_attribute("lang", "nl")
        await shoot(page, "01b-start-nl")
        await page.get_by_role("button", name="Switch to English").click()
        await expect(heading(page)).to_have_text("Join your support session")
        await expect(
            page.get_by_role("button", name="Schakel over naar Nederlands")
        ).to_be_visible()
        assert dutch.errors == []
    finally:
        await dutch.context.close()
