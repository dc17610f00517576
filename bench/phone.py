"""Debian's Chromium as the customer's phone, for the benchmarks that drive the real
customer page (annotations, photo, guest)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Page, ViewportSize, async_playwright

from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS

PORTRAIT: ViewportSize = {"width": 390, "height": 844}


@asynccontextmanager
async def phone_page(
    clip: Path, tone: Path, viewport: ViewportSize = PORTRAIT, *extra_args: str
) -> AsyncIterator[Page]:
    """One phone-sized page whose fake camera plays ``clip`` and fake microphone
    ``tone``; the browser closes on the way out."""
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *HEADLESS_FLAGS,
                *FAKE_MEDIA_FLAGS,
                f"--use-file-for-fake-video-capture={clip}",
                f"--use-file-for-fake-audio-capture={tone}",
                *extra_args,
            ],
        )
        try:
            context = await browser.new_context(
                viewport=viewport, device_scale_factor=1, is_mobile=True, has_touch=True
            )
            yield await context.new_page()
        finally:
            await browser.close()
