"""Browser fixtures: Debian's Chromium through Playwright, with a fake camera that plays
a generated 720p clip whose frames carry a counter (lens_customer.pattern), and a fake
microphone that plays a generated tone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    ViewportSize,
    async_playwright,
)

from lens_customer.pattern import write_tone_wav, write_y4m
from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS
from tests.qt_fixtures import qasync_loop_factories

CLIP_FPS = 30
CLIP_SECONDS = 2.0
CLIP_FRAMES = round(CLIP_FPS * CLIP_SECONDS)
MOBILE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
# A name that resolves to the test server but is not "potentially trustworthy" to
# Chromium: pages opened through it over http are not a secure context.
INSECURE_HOST = "lens.test"


@dataclass(frozen=True)
class MediaFiles:
    clip: Path
    tone: Path


@pytest.fixture(scope="session")
def media_files(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    folder = tmp_path_factory.mktemp("fake-media")
    clip = write_y4m(folder / "pattern-720p.y4m", 1280, 720, CLIP_FPS, CLIP_SECONDS)
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=5.0, marks=True)
    return MediaFiles(clip, tone)


def chromium_args(media: MediaFiles, fake_ui: bool = True) -> list[str]:
    """Without the fake UI, camera prompts go to the real (headless: refusing) UI and
    only permissions granted through Playwright count."""
    fake_ui_flag, fake_device_flag = FAKE_MEDIA_FLAGS
    args = [
        *HEADLESS_FLAGS,
        fake_device_flag,
        f"--use-file-for-fake-video-capture={media.clip}",
        f"--use-file-for-fake-audio-capture={media.tone}",
        f"--host-resolver-rules=MAP {INSECURE_HOST} 127.0.0.1",
    ]
    return [*args, fake_ui_flag] if fake_ui else args


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(playwright: Playwright, media_files: MediaFiles) -> AsyncIterator[Browser]:
    launched = await playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=chromium_args(media_files)
    )
    try:
        yield launched
    finally:
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def asking_browser(playwright: Playwright, media_files: MediaFiles) -> AsyncIterator[Browser]:
    """A browser whose camera prompt is not answered "yes" by itself."""
    launched = await playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=chromium_args(media_files, fake_ui=False)
    )
    try:
        yield launched
    finally:
        await launched.close()


@dataclass
class Phone:
    """A mobile-sized browser tab, and every error the page logged."""

    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)


async def open_phone(browser: Browser, locale: str = "en-US") -> Phone:
    context = await browser.new_context(
        viewport=MOBILE_VIEWPORT,
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale=locale,
    )
    page = await context.new_page()
    phone = Phone(context, page)
    page.on("console", phone.on_console)
    page.on("pageerror", lambda error: phone.errors.append(f"uncaught: {error}"))
    return phone


@pytest_asyncio.fixture(loop_scope="module")
async def phone(browser: Browser) -> AsyncIterator[Phone]:
    opened = await open_phone(browser)
    try:
        yield opened
    finally:
        await opened.context.close()


# --- test_seed_flow.py: the console and the browser on one qasync loop ------------------


QASYNC_TEST_FILES = (
    "test_seed_flow.py",
    "test_server_restart.py",
    "test_turn_console.py",
    "test_console_tools_phone.py",
    "test_chat_phone.py",
    "test_hd_photo_phone.py",
    "test_transfer_phone.py",
    "test_guest_consoles.py",
)


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Any:
    """The seed-flow test drives the Qt console and Chromium together, so its loop is a
    qasync loop over the QApplication; the other browser tests keep a plain asyncio
    loop (one factory each: test ids unchanged)."""
    del config
    if item.path.name in QASYNC_TEST_FILES:
        return qasync_loop_factories(item)
    return {"asyncio": asyncio.new_event_loop}
