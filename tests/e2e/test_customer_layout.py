"""The customer page on small phones, upright and on their side, in English and Dutch:
every screen fits without sideways scrolling, the live controls stay in one row (or one
column), the customer sees the whole picture the technician sees, the page names who
is calling and speaks the invitation's language, and the refused-camera screen has a
way out. Screens are saved under artifacts/customer/layout/."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Playwright, ViewportSize, expect

from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS
from tests.e2e.conftest import INSECURE_HOST, Phone, open_phone
from tests.e2e.test_customer_web import heading, link_path, wait_for_state, wait_js
from tests.live_server import LiveServer, Tech
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "customer" / "layout"
PORTRAIT: list[ViewportSize] = [{"width": 320, "height": 568}, {"width": 360, "height": 640}]
LANDSCAPE: list[ViewportSize] = [{"width": 568, "height": 320}, {"width": 640, "height": 360}]
VIEWPORTS = PORTRAIT + LANDSCAPE
ORGANISATION = "Acme Repairs"
SUPPORT = "help@acme.example"
LOGO_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32" viewBox="0 0 32 32">'
    '<rect width="32" height="32" rx="6" fill="#d9480f"/>'
    '<path d="M8 24 16 8 24 24" stroke="#fff" stroke-width="3" fill="none"/></svg>'
)

# Everything on screen a customer reads or taps must lie inside the viewport's width and
# show its whole text; buttons over the camera picture must also lie inside its height.
FIT_PROBLEMS = """() => {
  const vw = innerWidth, vh = innerHeight, problems = [];
  const page = document.documentElement;
  if (page.scrollWidth > vw) problems.push(`page is ${page.scrollWidth}px wide in ${vw}px`);
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${
    (el.textContent || el.value || '').trim().slice(0, 30)}"`;
  const shown = 'h1, h2, p, label, button, input, li, .brand-name, .caller-technician';
  for (const el of document.querySelectorAll(shown)) {
    if (el.closest('[hidden], .visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // hidden or visually hidden
    if (box.left < -0.5 || box.right > vw + 0.5) problems.push(`${name(el)} spans ${box.left}..${box.right}`);
    if (el.scrollWidth > el.clientWidth + 1) problems.push(`${name(el)} is cut: ${el.scrollWidth} > ${el.clientWidth}`);
    const floating = el.closest('.controls, .dialog, .screen.overlay');
    if (floating && el.tagName === 'BUTTON' && (box.top < -0.5 || box.bottom > vh + 0.5)) {
      problems.push(`${name(el)} is off screen vertically: ${box.top}..${box.bottom} of ${vh}`);
    }
  }
  return problems;
}"""


async def settle(page: Page) -> None:
    """Two animation frames: the resize observer and the layout have run."""
    await page.evaluate(
        "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
    )


async def check_fits(page: Page, label: str, shots_for: str | None = None) -> None:
    """Checks the current screen at every viewport; saves each for `shots_for`'s language."""
    for size in VIEWPORTS:
        await page.set_viewport_size(size)
        await settle(page)
        where = f"{size['width']}x{size['height']}"
        problems = await page.evaluate(FIT_PROBLEMS)
        if shots_for:
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / f"{shots_for}-{where}-{label}.png"))
        assert problems == [], f"{label} at {where}: {problems}"
    await page.set_viewport_size(PORTRAIT[1])
    await settle(page)


def serve_organisation(server: LiveServer, folder: Path) -> None:
    logo = folder / "acme.svg"
    logo.write_text(LOGO_SVG, encoding="utf-8")
    server.restart(
        organisation_name=ORGANISATION, support_email=SUPPORT, organisation_logo=str(logo)
    )


async def open_as_link(server: LiveServer, phone: Phone, tech: Tech, language: str) -> str:
    created = server.create_session(tech.token, method="link", language=language)
    await phone.page.goto(server.url + link_path(created))
    return str(created["session"]["id"])


# -- 7: every screen fits -----------------------------------------------------------------

TEXT = {
    "en": {
        "start": "Join your support session",
        "continue": "Continue",
        "tutorial": "How it works",
        "ok": "OK",
        "permission": "Camera and microphone",
        "camera_on": "Turn on camera",
        "preview": "This is your camera",
        "eula": "Licence agreement",
        "accept": "Accept",
        "waiting": "Waiting for your technician",
        "end": "End session",
        "cancel": "Cancel",
        "ended": "Session ended",
        "pin_label": "Enter the 6-digit code from your technician",
        "retry": "Try again",
        "ended_by_you": "You ended the session.",
    },
    "nl": {
        "start": "Neem deel aan uw supportsessie",
        "continue": "Doorgaan",
        "tutorial": "Zo werkt het",
        "ok": "OK",
        "permission": "Camera en microfoon",
        "camera_on": "Camera aanzetten",
        "preview": "Dit is uw camera",
        "eula": re.compile("^Licentie\u00ad?overeenkomst$"),
        "accept": "Accepteren",
        "waiting": "Wachten op uw technicus",
        "end": "Sessie beëindigen",
        "cancel": "Annuleren",
        "ended": "Sessie beëindigd",
        "pin_label": "Voer de 6-cijferige code van uw technicus in",
        "retry": "Opnieuw proberen",
        "ended_by_you": "U hebt de sessie beëindigd.",
    },
}


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_every_screen_fits_small_phones_both_ways(
    live_server: LiveServer, browser: Browser, tmp_path: Path, language: str
) -> None:
    serve_organisation(live_server, tmp_path)
    text = TEXT[language]
    shots = language if language == "nl" else None
    tech = live_server.technician()
    phone = await open_phone(browser, locale="nl-NL" if language == "nl" else "en-US")
    try:
        page = phone.page
        await page.goto(live_server.url + "/join/not-a-real-link")
        await expect(page.get_by_role("alert")).to_be_visible()
        await check_fits(page, "00-link-error", shots)
        await page.goto(live_server.url + "/")
        await expect(heading(page)).to_have_text(text["start"])
        await check_fits(page, "01-start", shots)
        await page.get_by_label(text["pin_label"]).fill("12345")
        await page.get_by_role("button", name=text["continue"]).click()
        await expect(page.get_by_role("alert")).to_be_visible()
        await check_fits(page, "02-pin-error", shots)

        created = live_server.create_session(tech.token, language=language)["session"]
        await page.get_by_label(text["pin_label"]).fill(created["pin"])
        await check_fits(page, "03-pin-typed", shots)
        await page.get_by_role("button", name=text["continue"]).click()
        await walk_and_check(page, text, shots)

        live_server.start_session(tech.token, created["id"])
        await expect(page.locator("#screen-live")).to_be_visible()
        await check_fits(page, "10-live", shots)
        live_server.api("POST", f"/sessions/{created['id']}/end", tech.token).raise_for_status()
        await expect(heading(page)).to_have_text(text["ended"])
        await check_fits(page, "11-ended", shots)
    finally:
        await phone.context.close()


async def walk_and_check(page: Page, text: dict[str, Any], shots: str | None) -> None:
    await walk_to_waiting_in(page, text, check=lambda label: check_fits(page, label, shots))
    await check_fits(page, "08-waiting", shots)
    await page.get_by_role("button", name=text["end"]).click()
    await expect(page.get_by_role("alertdialog")).to_be_visible()
    await check_fits(page, "09-confirm-end", shots)
    await page.get_by_role("button", name=text["cancel"]).click()


async def walk_to_waiting_in(
    page: Page, text: dict[str, Any], check: Callable[[str], Awaitable[None]] | None = None
) -> None:
    """Tutorial -> camera -> preview -> licence -> waiting in the language of `text`,
    checking each screen on the way with `check`."""

    async def checked(label: str) -> None:
        if check is not None:
            await check(label)

    await expect(heading(page)).to_have_text(text["tutorial"])
    await checked("04-tutorial")
    await page.get_by_role("button", name=text["ok"], exact=True).click()
    await expect(heading(page)).to_have_text(text["permission"])
    await checked("05-permission")
    await page.get_by_role("button", name=text["camera_on"]).click()
    await expect(heading(page)).to_have_text(text["preview"])
    await wait_js(page, "document.getElementById('preview').videoWidth > 0")
    await checked("06-preview")
    await page.get_by_role("button", name=text["continue"]).click()
    await expect(heading(page)).to_have_text(text["eula"])
    await expect(page.locator("#eula-text p").nth(1)).to_be_visible()
    await checked("07-eula")
    await page.get_by_role("button", name=text["accept"]).click()
    await expect(heading(page)).to_have_text(text["waiting"])


async def test_insecure_page_fits(live_server: LiveServer, browser: Browser) -> None:
    phone = await open_phone(browser, locale="nl-NL")
    try:
        port = live_server.port
        await phone.page.goto(f"http://{INSECURE_HOST}:{port}/")
        await expect(heading(phone.page)).to_have_text("Open deze pagina via HTTPS")
        await check_fits(phone.page, "00-insecure", "nl")
    finally:
        await phone.context.close()


# -- 8: controls in one row, the whole picture in view ----------------------------------

# Where the picture is drawn inside the <video> box (object-fit and object-position),
# how much of the camera frame is on screen, and how much of it page elements cover.
PICTURE = """() => {
  const video = document.getElementById('preview');
  const box = video.getBoundingClientRect();
  const style = getComputedStyle(video);
  const fw = video.videoWidth, fh = video.videoHeight;
  const scales = [box.width / fw, box.height / fh];
  const scale = style.objectFit === 'cover' ? Math.max(...scales) : Math.min(...scales);
  const w = fw * scale, h = fh * scale;
  const [px, py] = style.objectPosition.split(' ').map((v) => parseFloat(v) / 100);
  const pic = { left: box.left + (box.width - w) * px, top: box.top + (box.height - h) * py };
  pic.right = pic.left + w;
  pic.bottom = pic.top + h;
  const view = { left: Math.max(pic.left, box.left, 0), top: Math.max(pic.top, box.top, 0),
    right: Math.min(pic.right, box.right, innerWidth), bottom: Math.min(pic.bottom, box.bottom, innerHeight) };
  const area = (r) => Math.max(0, r.right - r.left) * Math.max(0, r.bottom - r.top);
  let covered = 0;
  for (const selector of ['.topbar', '#status', '.screen:not([hidden]) .controls',
                          '.screen.overlay:not([hidden]):not(.live)', '#stage-badge']) {
    const el = document.querySelector(selector);
    if (!el || el.closest('[hidden]')) continue;
    const r = el.getBoundingClientRect();
    covered += area({ left: Math.max(r.left, view.left), top: Math.max(r.top, view.top),
      right: Math.min(r.right, view.right), bottom: Math.min(r.bottom, view.bottom) });
  }
  return {
    frame: [fw, fh],
    fit: style.objectFit,
    widthShown: (view.right - view.left) / w,
    heightShown: (view.bottom - view.top) / h,
    covered: covered / area(view),
    topbar: document.querySelector('.topbar').getBoundingClientRect().height / innerHeight,
  };
}"""

CONTROL_BOXES = """() => [...document.querySelectorAll('#screen-live .control')]
  .filter((button) => !button.hidden)
  .map((button) => { const r = button.getBoundingClientRect();
    return { top: Math.round(r.top), left: Math.round(r.left), name: button.textContent.trim() }; })"""


@pytest_asyncio.fixture(loop_scope="module")
async def two_camera_browser(playwright: Playwright) -> AsyncIterator[Browser]:
    """A phone with a front and a rear camera (Chromium's generated pattern, 1280x720 as
    the page asks), so the live bar has the switch button too: five buttons with chat."""
    launched = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *HEADLESS_FLAGS,
            FAKE_MEDIA_FLAGS[0],
            f"{FAKE_MEDIA_FLAGS[1]}=device-count=2",
        ],
    )
    try:
        yield launched
    finally:
        await launched.close()


async def test_live_controls_one_row_upright_one_column_on_its_side(
    live_server: LiveServer, two_camera_browser: Browser
) -> None:
    tech = live_server.technician()
    phone = await open_phone(two_camera_browser)
    try:
        page = phone.page
        session_id = await open_as_link(live_server, phone, tech, "en")
        await walk_to_waiting_in(page, TEXT["en"])
        live_server.start_session(tech.token, session_id)
        await expect(page.locator("#screen-live")).to_be_visible()
        await expect(page.get_by_role("button", name="Switch camera")).to_be_attached()
        await check_bar(page, 5, "five")  # mic, camera, switch, chat, end
        await page.get_by_role("button", name="Nederlands").click()
        await check_fits(page, "10-live-five-buttons", "nl")

        # Chromium's fake cameras have no light; a phone whose camera reports one shows
        # the light button too (app.js, afterCameraOpened): six buttons.
        await page.evaluate("document.getElementById('ctl-torch').hidden = false")
        await check_bar(page, 6, "six")
        await check_fits(page, "10-live-six-buttons", "nl")
        await expect(page.get_by_role("button", name="Lamp")).to_be_visible()
        assert phone.errors == []
    finally:
        await phone.context.close()


async def check_bar(page: Page, count: int, label: str) -> None:
    """One row upright, one column on its side; the whole picture, hardly covered.
    The figures go to live-<label>-buttons.json beside the screenshots."""
    assert len(await page.evaluate(CONTROL_BOXES)) == count
    figures = {}
    for size in [*PORTRAIT, {"width": 390, "height": 844}]:
        boxes, picture = await measure_live(page, size, label)
        figures[f"{size['width']}x{size['height']}"] = picture
        assert len({box["top"] for box in boxes}) == 1, f"not one row at {size}: {boxes}"
        assert_whole_picture(picture, size)
    for size in [*LANDSCAPE, {"width": 844, "height": 390}]:
        boxes, picture = await measure_live(page, size, label)
        figures[f"{size['width']}x{size['height']}"] = picture
        assert len({box["left"] for box in boxes}) == 1, f"not one column at {size}: {boxes}"
        assert_whole_picture(picture, size)
        assert picture["topbar"] <= 0.2, (size, picture)
    (SHOTS / f"live-{label}-buttons.json").write_text(json.dumps(figures, indent=1))


async def measure_live(
    page: Page, size: ViewportSize, label: str
) -> tuple[list[Any], dict[str, Any]]:
    await page.set_viewport_size(size)
    await settle(page)
    where = f"{size['width']}x{size['height']}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"live-{label}-buttons-{where}.png"))
    return await page.evaluate(CONTROL_BOXES), await page.evaluate(PICTURE)


def assert_whole_picture(picture: dict[str, Any], size: ViewportSize) -> None:
    """The customer sees every pixel of the frame the technician sees."""
    assert picture["widthShown"] >= 0.999 and picture["heightShown"] >= 0.999, (size, picture)
    assert picture["covered"] <= 0.2, (size, picture)


async def test_preview_shows_the_whole_landscape_frame_upright(
    live_server: LiveServer, phone: Phone
) -> None:
    """A 1280x720 camera on an upright 360 px phone: letterboxed, not cropped to a
    quarter of its width."""
    tech = live_server.technician()
    await open_as_link(live_server, phone, tech, "en")
    page = phone.page
    await page.get_by_role("button", name="Skip").click()
    await page.get_by_role("button", name="Turn on camera").click()
    await wait_js(page, "document.getElementById('preview').videoWidth > 0")
    for size in PORTRAIT:
        await page.set_viewport_size(size)
        await settle(page)
        picture = await page.evaluate(PICTURE)
        assert picture["frame"] == [1280, 720]
        assert_whole_picture(picture, size)
    assert phone.errors == []


# -- 9: who is calling ------------------------------------------------------------------


async def test_page_names_the_technician_and_the_organisation(
    live_server: LiveServer, phone: Phone, tmp_path: Path
) -> None:
    serve_organisation(live_server, tmp_path)
    tech = live_server.technician()
    page = phone.page
    session_id = await open_as_link(live_server, phone, tech, "en")
    banner = page.locator(".topbar")
    logo = page.locator("#org-logo")

    async def banner_names_both() -> None:
        await expect(banner).to_contain_text(ORGANISATION)
        await expect(banner).to_contain_text(f"Technician: {tech.display_name}")
        await expect(logo).to_be_visible()
        assert await logo.evaluate("img => img.complete && img.naturalWidth") == 32

    await expect(heading(page)).to_have_text("How it works")
    await banner_names_both()
    await expect(page.locator("#tutorial-caller")).to_have_text(
        f"Your technician is {tech.display_name}, of {ORGANISATION}."
    )
    await expect(page.locator("#tutorial-support")).to_have_text(
        f"Questions about this session? Write to {SUPPORT}."
    )
    await page.get_by_role("button", name="Skip").click()
    await page.get_by_role("button", name="Turn on camera").click()
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Licence agreement")
    await banner_names_both()
    await expect(page.locator("#eula-caller")).to_have_text(
        f"The technician named in your invitation is {tech.display_name}, of {ORGANISATION}."
    )
    await page.get_by_role("button", name="Accept").click()
    live_server.start_session(tech.token, session_id)
    await expect(page.locator("#screen-live")).to_be_visible()
    await banner_names_both()
    await page.get_by_role("button", name="Nederlands").click()
    await expect(banner).to_contain_text(f"Technicus: {tech.display_name}")
    assert phone.errors == []


# -- 10: the invitation's language --------------------------------------------------------


async def test_invitation_language_wins_over_the_phone_and_a_switch_holds(
    live_server: LiveServer, phone: Phone
) -> None:
    """An English phone opening a Dutch invitation reads Dutch; the customer's switch to
    English then holds for the session, a reload included."""
    tech = live_server.technician()
    page = phone.page
    await open_as_link(live_server, phone, tech, "nl")
    await expect(heading(page)).to_have_text("Zo werkt het")
    await expect(page.locator("html")).to_have_attribute("lang", "nl")
    await page.get_by_role("button", name="Switch to English").click()
    await expect(heading(page)).to_have_text("How it works")
    await page.reload()
    await expect(heading(page)).to_have_text("How it works")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    assert phone.errors == []


async def test_dutch_microphone_button_speaks_of_the_microphone(
    live_server: LiveServer, phone: Phone
) -> None:
    tech = live_server.technician()
    page = phone.page
    session_id = await open_as_link(live_server, phone, tech, "nl")
    await walk_to_waiting_in(page, TEXT["nl"])
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    try:
        live_server.start_session(tech.token, session_id)
        status = page.get_by_role("status")
        await expect(status).to_have_text("Uw technicus kan u nu zien en horen.", timeout=20000)
        await page.get_by_role("button", name="Microfoon uit").click()
        await peer.wait_for(lambda: peer.control_messages[-1:] == [{"type": "mic", "muted": True}])
        await expect(status).to_have_text("Microfoon uit. Uw technicus kan u zien maar niet horen.")
        await expect(page.get_by_role("button", name="Microfoon aan")).to_be_visible()
    finally:
        await peer.close()


# -- 12: the refused camera has a way out -------------------------------------------------


@pytest.mark.parametrize("language", ["en", "nl"])
async def test_refused_camera_screen_fits_and_offers_leave_and_retry(
    live_server: LiveServer, asking_browser: Browser, language: str
) -> None:
    text = TEXT[language]
    tech = live_server.technician()
    phone = await open_phone(asking_browser, locale="nl-NL" if language == "nl" else "en-US")
    try:
        page = phone.page
        session_id = await open_as_link(live_server, phone, tech, language)
        await page.get_by_role("button", name=text["ok"], exact=True).click()
        await page.get_by_role("button", name=text["camera_on"]).click()
        await expect(page.locator("#permission-help li").first).to_be_visible()
        await expect(page.get_by_role("button", name=text["retry"])).to_be_visible()
        await check_fits(page, "05b-camera-refused", language if language == "nl" else None)

        await page.get_by_role("button", name=text["end"]).click()
        dialog = page.get_by_role("alertdialog")
        await dialog.get_by_role("button", name=text["end"]).click()
        await expect(page.locator("#ended-reason")).to_have_text(text["ended_by_you"])
        await wait_for_state(live_server, tech.token, session_id, "closed_by_customer")
        assert phone.errors == []
    finally:
        await phone.context.close()
