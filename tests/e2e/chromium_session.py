"""One started session between the real console and Chromium as the customer: the
set-up most console-and-phone end-to-end tests share (sign in, invite by link, the
phone walks to waiting, Start). What each test does once the tab exists is its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Page

from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_tab import SessionTab
from tests.e2e.conftest import MediaFiles, Phone
from tests.e2e.seed_helpers import Console, running_console, sign_in, wait_for_state
from tests.e2e.test_customer_web import link_path, walk_to_waiting
from tests.e2e.test_seed_flow import chromium_phone, start_session
from tests.live_server import LiveServer, Tech


@dataclass
class StartedSession:
    console: Console
    window: MainWindow
    page: Page
    session_id: str
    tab: SessionTab
    phone: Phone


@asynccontextmanager
async def started_with_chromium(
    server: LiveServer, folder: Path, media: MediaFiles, tech: Tech, *, audio: bool = False
) -> AsyncIterator[StartedSession]:
    """The console signed in as ``tech`` and Chromium on the session's link; yielded
    right after Start, before the customer's media is up (a test may still set the
    tab up for it, a recording folder for instance)."""
    async with (
        running_console(server, folder, audio=audio) as console,
        chromium_phone(media) as phone,
    ):
        window = await sign_in(console, server, tech)
        created = server.create_session(tech.token, method="link")
        session_id = created["session"]["id"]
        page = phone.page
        await page.goto(server.url + link_path(created))
        await walk_to_waiting(page, skip=True)
        await wait_for_state(window, session_id, "waiting", timeout=15)
        tab: SessionTab = await start_session(window, session_id)
        yield StartedSession(console, window, page, session_id, tab, phone)
