"""Fixtures for the network-fault tests: the phone's namespace, a server every path
reaches, the fake camera's clip, and Playwright. Every set-up is undone in a finalizer,
also when a test fails half-way (tests/netns.py PhoneNetwork.close)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Playwright, async_playwright

from lens_customer.pattern import write_tone_wav, write_y4m
from tests.live_server import LiveServer, running
from tests.netfault.harness import CLIP_FPS, CLIP_SECONDS
from tests.netns import SERVER_ADDRESS, PhoneNetwork


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a network-fault test (marker `netfault`); those with the
    playwright fixture drive Chromium (`browser`)."""
    for item in items:
        if "tests/netfault/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.netfault)
            if "playwright" in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Media:
    clip: Path
    tone: Path


@pytest.fixture(scope="session")
def netfault_media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    folder = tmp_path_factory.mktemp("netfault-media")
    clip = write_y4m(folder / "pattern-720p.y4m", 1280, 720, CLIP_FPS, CLIP_SECONDS)
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=5.0, marks=True)
    return Media(clip, tone)


@pytest.fixture
def network() -> Iterator[PhoneNetwork]:
    """The phone's namespace (no path yet); fails, never skips, without root."""
    with PhoneNetwork() as built:
        yield built


@pytest.fixture
def path_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The server on 127.10.255.1, which the phone reaches over any of its paths."""
    with running(LiveServer(tmp_path / "server", host=SERVER_ADDRESS)) as server:
        yield server


@pytest_asyncio.fixture
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as running:
        yield running
