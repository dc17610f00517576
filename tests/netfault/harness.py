"""The parts the network-fault tests share: Chromium as the phone inside its namespace
(tests/netns.py), walked through the real flow to a live session, and a watch on what
the technician's side paints (the clip's frame counter advancing).

Everything is real: the server on 127.10.255.1, Chromium in the phone namespace with
its fake camera playing a counted clip, the technician peer (aiortc) in this process.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.async_api import Browser, Page, Playwright

from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS
from tests.live_server import LiveServer, Tech
from tests.netns import PhoneNetwork
from tests.technician_peer import TechnicianPeer

CLIP_FPS = 30
CLIP_SECONDS = 2.0
CLIP_FRAMES = round(CLIP_FPS * CLIP_SECONDS)
WATCH_EVERY_S = 0.02


async def launch_phone(
    pw: Playwright, network: PhoneNetwork, clip: Path, tone: Path, folder: Path
) -> Browser:
    """Chromium inside the phone namespace (a wrapper script as executable_path:
    Playwright drives it over pipes, which cross namespaces)."""
    return await pw.chromium.launch(
        executable_path=str(network.wrapper(folder, CHROMIUM)),
        headless=True,
        args=[
            *HEADLESS_FLAGS,
            *FAKE_MEDIA_FLAGS,
            f"--use-file-for-fake-video-capture={clip}",
            f"--use-file-for-fake-audio-capture={tone}",
        ],
    )


async def walk_to_waiting(page: Page) -> None:
    """Tutorial -> camera -> preview -> licence, as a customer taps through."""
    for name in ("OK", "Turn on camera", "Continue", "Accept"):
        await page.get_by_role("button", name=name).click()


async def wait_state(server: LiveServer, token: str, session_id: str, state: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        response = await asyncio.to_thread(server.api, "GET", f"/sessions/{session_id}", token)
        if response.json()["state"] == state:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"session never reached {state}: {response.json()['state']}")
        await asyncio.sleep(0.05)


@dataclass
class Phone:
    page: Page
    session_id: str
    tech: Tech
    errors: list[str] = field(default_factory=list)


@contextlib.asynccontextmanager
async def phone_waiting(browser: Browser, server: LiveServer, tech: Tech) -> AsyncIterator[Phone]:
    """A session by link whose customer (the phone) is waiting for the technician."""
    created = await asyncio.to_thread(server.create_session, tech.token, "Net", "link")
    session_id = created["session"]["id"]
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    phone = Phone(page, session_id, tech)
    page.on("console", lambda m: phone.errors.append(m.text) if m.type == "error" else None)
    try:
        await page.goto(server.url + urlparse(created["session"]["link"]).path)
        await walk_to_waiting(page)
        await wait_state(server, tech.token, session_id, "waiting")
        yield phone
    finally:
        await context.close()


@dataclass
class PaintWatch:
    """When the technician's side shows a new frame: (time.monotonic(), counter) each
    time the newest frame's counter changes, sampled every WATCH_EVERY_S."""

    peer: TechnicianPeer
    advances: list[tuple[float, int]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        seen = -1
        while True:
            if self.peer.frames_received != seen:
                seen = self.peer.frames_received
                counter = self.peer.newest_counter()
                last = self.advances[-1][1] if self.advances else None
                if counter is not None and counter != last:
                    self.advances.append((time.monotonic(), counter))
            await asyncio.sleep(WATCH_EVERY_S)

    def start(self) -> None:
        self.task = asyncio.ensure_future(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    def since(self, start: float) -> list[tuple[float, int]]:
        return [a for a in self.advances if a[0] >= start]

    async def wait_advancing(self, after: float, frames: int, timeout: float) -> float:
        """Waits until the counter has advanced `frames` times after `after`; returns
        the time of the first of those advances."""
        deadline = time.monotonic() + timeout
        while len(self.since(after)) < frames:
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"the technician's view did not resume within {timeout:.0f} s "
                    f"({len(self.since(after))} new frames)"
                )
            await asyncio.sleep(0.05)
        return self.since(after)[0][0]


def longest_gap(times: list[float], start: float, end: float) -> float:
    """The longest time (s) between `start`, successive paints, and `end`."""
    inside = [start, *(t for t in times if start <= t <= end), end]
    return max(b - a for a, b in itertools.pairwise(inside))


def js_number(value: Any) -> float:
    return float(value) if value is not None else 0.0
