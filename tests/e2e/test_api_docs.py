"""/docs and /redoc, when the api_docs setting turns them on, render in a real browser
under their CSP with no network beyond this server (the assets are self-hosted)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from tests.chromium import CHROMIUM, HEADLESS_FLAGS
from tests.live_server import LiveServer, running

pytestmark = pytest.mark.browser


@pytest.fixture
def docs_server(tmp_path: Path) -> Iterator[LiveServer]:
    with running(LiveServer(tmp_path / "server", api_docs=True)) as server:
        yield server


@pytest.fixture
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=list(HEADLESS_FLAGS))
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page whose console errors and completed off-server requests are kept."""

    def __init__(self, page: Page, origin: str) -> None:
        self.page = page
        self.errors: list[str] = []
        self.elsewhere: list[str] = []
        page.on("console", self.on_console)
        # Finished requests: one the CSP blocks is reported as started, then failed.
        page.on("requestfinished", lambda request: self.on_request(request, origin))

    def on_console(self, message: ConsoleMessage) -> None:
        # ReDoc's bundle shows its vendor's logo from cdn.redoc.ly; the page CSP keeps
        # it out (no request leaves), which is what we want, not a fault of the page.
        if message.type == "error" and "cdn.redoc.ly/redoc/logo-mini.svg" not in message.text:
            self.errors.append(message.text)

    def on_request(self, request: Request, origin: str) -> None:
        if not request.url.startswith((origin, "data:", "blob:")):
            self.elsewhere.append(request.url)


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        ("/docs", ".opblock-summary-path[data-path='/api/v1/sessions']"),
        ("/redoc", "text='/api/v1/sessions/{session_id}/events'"),
    ],
)
def test_docs_page_renders_the_api_under_its_csp(
    docs_server: LiveServer, browser: Browser, artifacts_dir: Path, path: str, shown: str
) -> None:
    watched = Watched(browser.new_page(), docs_server.url)
    response = watched.page.goto(f"{docs_server.url}{path}")
    assert response is not None and response.status == 200
    watched.page.locator(shown).first.wait_for(state="attached", timeout=20_000)
    watched.page.screenshot(path=str(artifacts_dir / f"api-docs-{path.strip('/')}.png"))
    assert watched.errors == []  # a CSP refusal shows up here
    assert watched.elsewhere == []
