"""Issue 15 point 1 end to end: chat between the real console and Chromium, through the
server. The customer writes while waiting; the console's tab shows it when the session
starts (counted as unread on the Chat button); the technician's reply pops up on the
phone as a banner with a badge, links as links and markup as text; the phone answers
from its panel; after a reload the phone shows the whole conversation again.
Screenshots: artifacts/customer/chat.png, artifacts/console/chat-e2e.png.

The console is ConsoleApp (ServerClient, EventSocket, PeerSession; no audio) offscreen
on the same qasync loop as Playwright.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from lens_desktop.ui.session_tab import SessionTab
from tests.e2e.conftest import MediaFiles
from tests.e2e.seed_helpers import running_console, sign_in, wait_for_state, wait_js
from tests.e2e.test_customer_web import LIVE_TEXT, link_path, walk_to_waiting
from tests.e2e.test_seed_flow import chromium_phone, start_session
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected"]

ROOT = Path(__file__).resolve().parents[2] / "artifacts"
FIRST = "Hello, the <b>red</b> light blinks"
REPLY = "Please read https://example.com/help?x=1&y=2. Then <i>wait</i>"
ANSWER = "Done, it is green now"


@pytest.fixture
def settle_qt(qapp: Any) -> Any:
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


async def phone_sends(page: Page, text: str) -> None:
    await page.locator("#chat-input").fill(text)
    await page.locator("#chat-input").press("Enter")
    await expect(page.locator("#chat-input")).to_have_value("")


async def phone_texts(page: Page) -> list[str]:
    return list(await page.locator("#chat-list .chat-text").all_text_contents())


async def test_chat_between_console_and_phone_survives_a_reload(
    live_server: LiveServer, settle_qt: Any, media_files: MediaFiles, tmp_path: Path
) -> None:
    tech = live_server.technician()
    async with (
        running_console(live_server, tmp_path, audio=False) as console,
        chromium_phone(media_files) as phone,
    ):
        window = await sign_in(console, live_server, tech)
        created = live_server.create_session(tech.token, name="Ann", method="link")
        session_id = created["session"]["id"]
        page = phone.page
        await page.goto(live_server.url + link_path(created))
        await walk_to_waiting(page, skip=True)

        # Phone -> technician while waiting: the panel opens from the waiting screen.
        await page.get_by_role("button", name="Chat with your technician").click()
        await expect(page.locator("#chat-panel")).to_be_visible()
        await expect(page.locator("#chat-empty")).to_be_visible()
        await phone_sends(page, FIRST)
        assert await phone_texts(page) == [FIRST]
        await page.locator("#chat-close").click()
        await expect(page.locator("#chat-panel")).to_be_hidden()

        await wait_for_state(window, session_id, "waiting", timeout=15)
        tab: SessionTab = await start_session(window, session_id)
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        await wait_until(lambda: len(tab.chat.messages) == 1, timeout=10)
        assert tab.chat_toggle.text() == "Chat (1 new)"
        tab.chat_toggle.click()
        assert tab.chat.conversation.toPlainText().endswith(FIRST)  # markup as text

        # Technician -> phone: a banner and a badge while the phone's panel is closed.
        tab.chat.input.setText(REPLY)
        QTest.keyClick(tab.chat.input, Qt.Key.Key_Return)
        await wait_until(lambda: len(tab.chat.messages) == 2, timeout=10)
        banner = page.locator("#chat-banner")
        await expect(banner).to_be_visible(timeout=5000)
        await expect(banner).to_contain_text(REPLY)
        await expect(page.locator("#ctl-chat .chat-badge")).to_have_text("1")
        (ROOT / "customer").mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ROOT / "customer" / "chat-banner.png"))
        await page.locator("#ctl-chat").click()
        await expect(banner).to_be_hidden()
        await expect(page.locator("#ctl-chat .chat-badge")).to_be_hidden()
        assert await phone_texts(page) == [FIRST, REPLY]
        links = page.locator("#chat-list a")
        await expect(links).to_have_count(1)
        assert await links.get_attribute("href") == "https://example.com/help?x=1&y=2"
        assert await page.locator("#chat-list b, #chat-list i").count() == 0

        # Phone -> technician while live.
        await phone_sends(page, ANSWER)
        await wait_until(lambda: len(tab.chat.messages) == 3, timeout=10)
        assert tab.chat.messages[-1].text == ANSWER
        assert tab.chat.messages[-1].sender_name == "Ann"
        (ROOT / "console").mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ROOT / "customer" / "chat.png"))
        assert window.grab().save(str(ROOT / "console" / "chat-e2e.png"))

        # A reload: the page resumes its session and shows the conversation again.
        await page.reload()
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        await wait_js(page, "window.lensDebug.chat.messages.length === 3", timeout=10)
        chat = await page.evaluate("window.lensDebug.chat")
        assert [m["text"] for m in chat["messages"]] == [FIRST, REPLY, ANSWER]
        assert chat["banner"] is None  # old news does not pop up again
        await page.locator("#ctl-chat").click()
        assert await phone_texts(page) == [FIRST, REPLY, ANSWER]
        # In Dutch: the page's own words change, the messages stay as written.
        await page.get_by_role("button", name="Schakel over naar Nederlands").click()
        await expect(page.locator("#chat-input")).to_have_attribute(
            "placeholder", "Typ een bericht…"
        )
        await expect(page.locator("#chat-list .chat-meta").first).to_contain_text("U · ")
        await expect(page.locator("#chat-send")).to_have_text("Versturen")
        assert await phone_texts(page) == [FIRST, REPLY, ANSWER]
        await page.screenshot(path=str(ROOT / "customer" / "chat-nl.png"))

        assert await console.quit() == 0
        assert phone.errors == []
