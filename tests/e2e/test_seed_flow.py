"""The whole seed procedure end to end, every step through real parts.

A real server mails through a real SMTP sink; the real console (ConsoleApp with its
ServerClient, EventSocket, PeerSession and AudioEngine on the PulseAudio null sink)
runs offscreen on the same qasync loop as Playwright; the customer is Debian's
Chromium with a fake camera (a y4m clip whose frames carry a counter) and a fake
microphone (a 660 Hz tone), or the headless customer. Screens are saved under
artifacts/seed/.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, async_playwright, expect
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices, QKeySequence
from PySide6.QtTest import QTest

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from lens_customer.pattern import write_tone_wav, write_y4m
from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.new_session import NewSessionDialog
from tests.chromium import CHROMIUM
from tests.e2e.conftest import MediaFiles, Phone, chromium_args, open_phone
from tests.e2e.seed_helpers import (
    Console,
    SinkListener,
    SinkTone,
    assert_counting_up,
    find_link,
    install_page_analyser,
    on_screen_counter,
    page_tone,
    painted_counters,
    plain_body,
    running_console,
    sign_in,
    status_text,
    toolbar_click,
    wait_for_state,
    wait_js,
    wait_page_hears,
)
from tests.fakes import MailtoCatcher
from tests.live_server import LiveServer, Tech
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display here or on CI

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected"]  # an autouse fixture, for this module too

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "seed"
CLIP_FPS = 30
CLIP_FRAMES = 60
CUSTOMER_TONE = 660.0
TECHNICIAN_TONE = 550.0
"""Not 440 Hz: other tests on a shared machine play that into the same sink."""
CUSTOMER_ADDRESS = "ann@example.com"
SMALL = SourceSpec(width=640, height=360, fps=15, audio="none")
"""Big enough for the stamp's cells to survive VP8 at a low bitrate; no audio."""
SEED_EVENTS = ["created", "email sent", "joined", "accepted licence", "started", "ended"]


# -- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_media(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    """A small counted clip (cheap for aiortc to decode on a busy machine) and a pure
    tone (no marks: its spectrum is one line the console's side can look for)."""
    folder = tmp_path_factory.mktemp("seed-media")
    clip = write_y4m(folder / "pattern-360p.y4m", 640, 360, CLIP_FPS, CLIP_FRAMES / CLIP_FPS)
    tone = write_tone_wav(folder / "tone-660.wav", freq=CUSTOMER_TONE, seconds=5.0)
    return MediaFiles(clip, tone)


@asynccontextmanager
async def chromium_phone(media: MediaFiles) -> AsyncIterator[Phone]:
    """Chromium with the seed media, started inside the test: on a qasync loop, work
    left over from an async fixture can run after the loop stopped (qasync processes
    events once more then), which kills Playwright's reader. Playwright's headless
    Chromium is muted (--mute-audio): the page still receives and decodes the
    technician's audio, which is what the test measures, and no second speaker feeds
    the null sink the console's microphone records."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=chromium_args(media)
        )
        try:
            phone = await open_phone(browser)
            yield phone
            await phone.context.close()
        finally:
            await browser.close()


@pytest.fixture
def settle_qt(qapp: Any) -> Any:
    """The QApplication as app.main() sets it up: the loop, not the last closed
    window, decides when the console ends."""
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


# -- steps -----------------------------------------------------------------------------


def save(window: MainWindow, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SHOTS / name))


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / name))


async def open_new_session(window: MainWindow) -> NewSessionDialog:
    """Ctrl+N, as the technician presses it (the New Session action's shortcut)."""
    assert window.new_session_action.shortcut() == QKeySequence("Ctrl+N")
    window.activateWindow()
    await wait_until(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    await wait_until(lambda: window.new_session_dialog is not None)
    dialog = window.new_session_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Create New Session"
    return dialog


def fill_email_form(dialog: NewSessionDialog, name: str, by_server: bool) -> None:
    dialog.session_type.setCurrentIndex(dialog.session_type.findText("Rescue Lens"))
    assert dialog.session_type.currentData() == "lens"
    QTest.keyClicks(dialog.name, name)
    dialog.tabs.setCurrentWidget(dialog.email_page)
    page = dialog.email_page
    (page.use_server if by_server else page.use_client).click()
    if by_server:
        QTest.keyClicks(page.to, CUSTOMER_ADDRESS)
    assert page.action.text() == "E&mail link"


async def create_by_email(window: MainWindow, name: str, by_server: bool) -> NewSessionDialog:
    dialog = await open_new_session(window)
    fill_email_form(dialog, name, by_server)
    dialog.email_page.action.click()
    await wait_until(lambda: dialog.session is not None, timeout=10)
    await wait_until(lambda: dialog.email_page.result.isVisible(), timeout=5)
    return dialog


def created(dialog: NewSessionDialog) -> SessionInfo:
    session = dialog.session
    assert session is not None, "the dialog created no session"
    return session


def check_email(server: LiveServer, dialog: NewSessionDialog) -> str:
    """The one email the server sent: to the customer, with the link and the PIN the
    console shows; returns the link."""
    assert len(server.smtp.messages) == 1
    message = server.smtp.messages[0]
    assert message["To"] == CUSTOMER_ADDRESS
    session = created(dialog)
    body = plain_body(message)
    link = find_link(body)
    assert link == session.link and link.startswith(server.url + "/join/")
    pin = session.pin or ""
    assert len(pin) == 6 and pin.isdigit()
    assert pin in body
    assert dialog.email_page.pin_display.pin.text().replace(" ", "") == session.pin
    return link


def heading(page: Page) -> Any:
    return page.locator(".screen:not([hidden]) h1")


async def walk_to_waiting(page: Page) -> None:
    """Tutorial, camera permission, preview, licence: as the customer taps through."""
    await expect(heading(page)).to_have_text("How it works")
    await page.get_by_role("button", name="OK").click()
    await expect(heading(page)).to_have_text("Camera and microphone")
    await page.get_by_role("button", name="Turn on camera").click()
    await expect(heading(page)).to_have_text("This is your camera")
    await wait_js(page, "document.getElementById('preview').videoWidth > 0")
    await page.get_by_role("button", name="Continue").click()
    await expect(heading(page)).to_have_text("Licence agreement")
    await page.get_by_role("button", name="Accept").click()
    await expect(heading(page)).to_have_text("Waiting for your technician")


async def start_session(window: MainWindow, session_id: str) -> Any:
    """Select the row, press Start; returns the session's tab once it exists."""
    window.select_session(session_id)
    assert window.selected_session() is not None
    toolbar_click(window, window.start_action)
    await wait_until(lambda: session_id in window.session_tab_widgets, timeout=10)
    return window.session_tab_widgets[session_id]


def audit_actions(server: LiveServer, token: str, session_id: str) -> list[str]:
    response = server.api("GET", f"/sessions/{session_id}/events", token)
    assert response.status_code == 200, response.text
    return [event["action"] for event in response.json()["events"]]


# -- the seed procedure in Chromium ----------------------------------------------------


@pytest.mark.audio
async def test_seed_flow_email_invite_to_chromium_with_video_sound_and_end(
    live_server: LiveServer, settle_qt: Any, seed_media: MediaFiles, tmp_path: Path
) -> None:
    tech = live_server.technician()
    listener = SinkListener()
    listener.start()  # warm the null sink's monitor up while the rest happens
    try:
        async with (
            running_console(live_server, tmp_path, audio=True) as console,
            chromium_phone(seed_media) as phone,
        ):
            await seed_flow(live_server, tech, console, phone, listener)
    finally:
        listener.close()


async def seed_flow(
    server: LiveServer, tech: Tech, console: Console, phone: Phone, listener: SinkListener
) -> None:
    window = await sign_in(console, server, tech)
    dialog = await create_by_email(window, "Ann", by_server=True)
    assert dialog.email_page.result.text() == f"Email sent to {CUSTOMER_ADDRESS}."
    link = check_email(server, dialog)
    session_id = created(dialog).id
    dialog.reject()

    page = phone.page
    await page.goto(link)
    await walk_to_waiting(page)
    await wait_for_state(window, session_id, "waiting", timeout=10)
    assert status_text(window, session_id) == "Waiting"
    save(window, "01-console-waiting.png")

    tab = await start_session(window, session_id)
    await check_live_video(window, tab.video.pane)
    await check_customer_sound_reaches_console(listener, console)
    await check_technician_sound_reaches_page(page)
    await expect(page.get_by_role("status")).to_have_text(
        "Your technician can now see and hear you."
    )
    await shoot(page, "03-customer-live.png")

    window.select_session(session_id)
    toolbar_click(window, window.end_action)
    await expect(heading(page)).to_have_text("Session ended")
    await expect(page.locator("#ended-reason")).to_have_text("Your technician ended the session.")
    await shoot(page, "04-customer-ended.png")
    await wait_until(lambda: window.session_tab_widgets == {}, timeout=10)
    await wait_for_state(window, session_id, "closed_by_technician", timeout=5)
    assert audit_actions(server, tech.token, session_id) == SEED_EVENTS
    assert await console.quit() == 0
    assert console.prompter.notices == [] and console.prompter.questions == []
    assert phone.errors == []


async def check_live_video(window: MainWindow, pane: Any) -> None:
    """The pane paints the customer's camera: counters advance, and the stamp can be
    read back from the pixels on screen."""
    await wait_until(lambda: pane.frames_painted >= 5, timeout=20)
    assert_counting_up(await painted_counters(pane, 5), CLIP_FRAMES)
    assert pane.overlay == ""
    assert on_screen_counter(pane) in range(CLIP_FRAMES)
    save(window, "02-console-live.png")


async def check_customer_sound_reaches_console(listener: SinkListener, console: Console) -> None:
    """The phone's 660 Hz tone plays on the console's output, the null sink."""
    await wait_until(lambda: listener.hears(CUSTOMER_TONE), timeout=15, interval=0.05)
    assert len(console.engines) == 1 and console.engines[0].frames_played > 0


async def check_technician_sound_reaches_page(page: Page) -> None:
    """A 550 Hz tone played into the sink is what the console's microphone records;
    it reaches the page, where it was absent before."""
    await wait_js(page, "lensDebug.audio.playing && lensDebug.audio.packetsReceived > 20")
    await install_page_analyser(page)
    # The console's microphone also records its own speaker (the sink), so the page
    # hears the phone's 660 Hz come back: proof that the analyser sees the stream.
    await wait_page_hears(page, CUSTOMER_TONE)
    before = await page_tone(page, TECHNICIAN_TONE)
    tone = SinkTone(TECHNICIAN_TONE)
    tone.start()
    try:
        await wait_page_hears(page, TECHNICIAN_TONE, above=before["peak"] + 15)
    finally:
        tone.close()
    assert await page.evaluate("lensDebug.audio.totalAudioEnergy") > 0


# -- variants --------------------------------------------------------------------------


def headless_customer(link: str) -> HeadlessCustomer:
    options = CustomerOptions(link=link, sources=SMALL, audio_out=False, stats_interval=0)
    return HeadlessCustomer(options, report=lambda _line: None)


async def test_email_invite_to_a_headless_customer(
    live_server: LiveServer, settle_qt: Any, tmp_path: Path
) -> None:
    async with running_console(live_server, tmp_path, audio=False) as console:
        await headless_flow(live_server, console)


async def headless_flow(live_server: LiveServer, console: Console) -> None:
    tech = live_server.technician()
    window = await sign_in(console, live_server, tech)
    dialog = await create_by_email(window, "Bob", by_server=True)
    link = check_email(live_server, dialog)
    session_id = created(dialog).id
    dialog.reject()

    customer = headless_customer(link)
    try:
        await customer.join()
        await wait_for_state(window, session_id, "waiting", timeout=10)
        assert status_text(window, session_id) == "Waiting"
        tab = await start_session(window, session_id)
        await customer.wait_active()
        await wait_until(lambda: tab.video.pane.frames_painted >= 3, timeout=20)
        assert_counting_up(await painted_counters(tab.video.pane, 4))

        toolbar_click(window, window.end_action)
        await customer.wait_for(lambda: customer.done, timeout=10)
        assert customer.state == "closed_by_technician" and customer.outcome() == 0
        await wait_until(lambda: window.session_tab_widgets == {}, timeout=10)
        assert audit_actions(live_server, tech.token, session_id) == SEED_EVENTS
    finally:
        await customer.close()
    assert await console.quit() == 0


async def test_default_email_client_gets_the_invitation(
    live_server: LiveServer, settle_qt: Any, tmp_path: Path
) -> None:
    async with running_console(live_server, tmp_path, audio=False) as console:
        await mail_client_flow(live_server, console)


async def mail_client_flow(live_server: LiveServer, console: Console) -> None:
    tech = live_server.technician()
    window = await sign_in(console, live_server, tech)
    catcher = MailtoCatcher()
    QDesktopServices.setUrlHandler("mailto", catcher, "open_url")  # type: ignore[arg-type]
    try:
        dialog = await create_by_email(window, "Cleo", by_server=False)
    finally:
        QDesktopServices.unsetUrlHandler("mailto")
    assert dialog.email_page.result.text() == (
        "Your email program opened with the invitation. Send it from there."
    )
    assert live_server.smtp.messages == []  # nothing went out through the server
    session_id = created(dialog).id
    dialog.reject()

    assert len(catcher.urls) == 1
    mailto = urlsplit(bytes(catcher.urls[0].toEncoded().data()).decode())
    assert mailto.scheme == "mailto"
    fields = parse_qs(mailto.query)
    assert fields["subject"] == [f"Your support session with {tech.display_name}"]
    body = fields["body"][0]
    link = find_link(body)
    assert (created(dialog).pin or "-") in body

    customer = headless_customer(link)
    try:
        await customer.join()
        await wait_for_state(window, session_id, "waiting", timeout=10)
        assert status_text(window, session_id) == "Waiting"
    finally:
        await customer.close()
    assert await console.quit() == 0
