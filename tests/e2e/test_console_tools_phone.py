"""Issue 14 end to end through the real console and Chromium: what the technician draws
with the session tab's tool bar shows on the phone's screenshot in its colour at the
mapped spot; Freeze shows the console's frozen frame on the phone (the same frame
counter, read from the still the phone holds); the pointer moves on the phone; a tap on
the phone shows a ring on the console. Screens go to artifacts/tools/.

The console is ConsoleApp with its ServerClient, EventSocket and PeerSession (no audio:
the seed flow covers sound), offscreen on the same qasync loop as Playwright; the phone
is Debian's Chromium with the fake 1280x720 camera whose frames carry a counter.
"""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lens_customer.pattern import read_stamp
from lens_desktop.tools.annotations import PALETTE
from lens_desktop.ui.annotation_layer import to_pane
from lens_desktop.ui.session_tab import SessionTab
from tests.e2e.chromium_session import started_with_chromium
from tests.e2e.conftest import MediaFiles
from tests.e2e.seed_helpers import (
    counter_in,
    qimage_array,
    wait_js,
)
from tests.e2e.test_annotations_phone import colour_near, picture_mapper
from tests.e2e.test_customer_web import LIVE_TEXT
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected"]  # an autouse fixture, for this module too

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "tools"
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
RED, YELLOW, GREEN, BLUE = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]
POINTER = "#ff00ff"  # annotations.js POINTER_COLOUR
TAP_RING = "#00e5ff"

# (key, colour key, frame points dragged or clicked, a frame point on the line, colour)
TOOLS = [
    ("r", "1", [(0.1, 0.1), (0.4, 0.45)], (0.1, 0.275), RED),
    ("e", "4", [(0.55, 0.15), (0.9, 0.55)], (0.9, 0.35), BLUE),
    ("a", "3", [(0.15, 0.7), (0.45, 0.9)], (0.3, 0.8), GREEN),
]
MARKER = (0.75, 0.78)


@pytest.fixture
def settle_qt(qapp: Any) -> Any:
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


def at(tab: SessionTab, point: tuple[float, float]) -> QPoint:
    return to_pane(point, tab.video.pane.picture_rect()).toPoint()


async def drag(tab: SessionTab, points: list[tuple[float, float]]) -> None:
    """Press, move through the points, release; the loop gets a turn between the steps
    as it does between real mouse events (QTest runs Qt's events inside the test)."""
    pane = tab.video.pane
    QTest.mousePress(pane, LEFT, NONE, at(tab, points[0]))
    await asyncio.sleep(0.02)
    for point in points[1:]:
        QTest.mouseMove(pane, at(tab, point))
        await asyncio.sleep(0.02)
    QTest.mouseRelease(pane, LEFT, NONE, at(tab, points[-1]))
    await asyncio.sleep(0.02)


def hover(tab: SessionTab, point: tuple[float, float]) -> None:
    """The mouse moves over the picture with no button down. Sent to the pane itself:
    QTest's move goes through the offscreen platform's cursor, which hands it to
    whichever top-level window it finds at that spot (not always the console's)."""
    pane = tab.video.pane
    local = QPointF(at(tab, point))
    event = QMouseEvent(
        QEvent.Type.MouseMove,
        local,
        QPointF(pane.mapToGlobal(local.toPoint())),
        Qt.MouseButton.NoButton,
        Qt.MouseButton.NoButton,
        NONE,
    )
    QApplication.sendEvent(pane, event)


async def key(tab: SessionTab, text: str) -> None:
    QTest.keyClick(tab.video.pane, text)
    await asyncio.sleep(0.02)


async def shot(page: Page, name: str) -> QImage:
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = await page.screenshot(path=str(SHOTS / f"{name}.png"))
    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    return image


async def phone_still_counter(page: Page) -> int:
    """The counter in the still the phone shows, read at the still's own size."""
    data_url = await page.evaluate(
        """() => {
            const img = document.getElementById('still');
            const c = document.createElement('canvas');
            c.width = img.naturalWidth; c.height = img.naturalHeight;
            c.getContext('2d').drawImage(img, 0, 0);
            return c.toDataURL('image/png');
        }"""
    )
    image = QImage.fromData(base64.b64decode(data_url.split(",", 1)[1]), "PNG")
    assert (image.width(), image.height()) == (1280, 720)
    stamp = read_stamp(qimage_array(image))
    assert stamp is not None, "the phone's still carries no readable stamp"
    return stamp[0]


def ring_on_console(tab: SessionTab, point: tuple[float, float]) -> bool:
    """The cyan tap ring near ``point`` of the frame on the console's screen."""
    pane = tab.video.pane
    image = pane.grab().toImage()
    centre = at(tab, point)
    for radius in range(4, 30):
        for dx, dy in ((radius, 0), (-radius, 0), (0, radius), (0, -radius)):
            if colour_near(image, (centre.x() + dx, centre.y() + dy), TAP_RING, radius=1):
                return True
    return False


async def test_console_tools_reach_the_chromium_phone_and_its_tap_comes_back(
    live_server: LiveServer, settle_qt: Any, media_files: MediaFiles, tmp_path: Path
) -> None:
    tech = live_server.technician()
    async with started_with_chromium(live_server, tmp_path, media_files, tech) as live:
        window, page = live.window, live.page
        tab, phone, console = live.tab, live.phone, live.console
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        pane = tab.video.pane
        await wait_until(lambda: pane.frames_painted >= 10, timeout=30)
        window.activateWindow()
        tab.video.pane.setFocus()
        # The fake camera's stripes scroll: annotations that stick to objects would ride
        # them (tests/integration/test_console_tracking.py covers that); here the spots
        # must stay where they were drawn.
        tab.tracking_link.set_enabled(False)

        # Each tool through its key, in its colour, dragged on the console's picture.
        for tool, colour, points, _, _ in TOOLS:
            await key(tab, tool)
            await key(tab, colour)
            await drag(tab, points)
        await key(tab, "m")
        await key(tab, "2")
        QTest.mouseClick(pane, LEFT, NONE, at(tab, MARKER))
        await asyncio.sleep(0.05)
        kinds = [a.kind for a in tab.annotations.annotations()]
        assert kinds == ["rectangle", "ellipse", "arrow", "marker"]
        await wait_js(page, "window.lensDebug.annotations.ids.length === 4", timeout=10)
        await wait_js(page, "window.lensDebug.annotations.drawn", timeout=10)

        # Freeze: the phone shows the console's frozen frame, the same counter. Frozen,
        # the drawings stay put on both sides (nothing moves under them).
        await key(tab, "f")
        if not pane.frozen:  # offscreen Qt may not route the shortcut: the button then
            tab.freeze.click()
        await wait_until(lambda: pane.frozen and pane.frame is not None, timeout=5)
        await wait_until(lambda: pane.frame is not None and pane.frame.width == 1280, timeout=10)
        assert pane.frame is not None
        console_counter = counter_in(pane.frame.image)
        await wait_js(page, "window.lensDebug.freeze.shownId !== null", timeout=15)
        await expect(page.locator("#still")).to_be_visible()
        assert await phone_still_counter(page) == console_counter
        await asyncio.sleep(0.3)
        to_page = await picture_mapper(page)
        image = await shot(page, "phone-frozen-with-drawings")
        for _, _, _, on_line, colour in TOOLS:
            spot = to_page(*on_line)
            assert colour_near(image, spot, colour), f"no {colour} near {spot} on the phone"
        centre_x, centre_y = to_page(*MARKER)
        assert colour_near(image, (centre_x - 5, centre_y - 5), YELLOW)
        SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(SHOTS / "console-frozen-with-drawings.png"))

        # The pointer moves on the phone as the technician's mouse does.
        tab.drawing_tools.tool_actions["pointer"].trigger()  # the tool bar's button
        assert tab.canvas.tool == "pointer"
        for x in (0.3, 0.35, 0.4):
            hover(tab, (x, 0.5))
            await asyncio.sleep(0.1)
        assert tab.canvas.pointer is not None, "no pointer on the console"
        await wait_js(page, "window.lensDebug.annotations.pointer !== null", timeout=5)
        pointer = await page.evaluate("window.lensDebug.annotations.pointer")
        assert abs(pointer["x"] - 0.4) < 0.01 and abs(pointer["y"] - 0.5) < 0.01
        image = await shot(page, "phone-pointer")
        assert colour_near(image, to_page(0.4, 0.5), POINTER, radius=6)

        # The customer taps the picture: a ring at that spot on the console.
        spot = to_page(0.62, 0.3)
        await page.mouse.click(*spot)
        await wait_until(lambda: ring_on_console(tab, (0.62, 0.3)), timeout=5)
        assert window.grab().save(str(SHOTS / "console-customer-tap.png"))

        assert await console.quit() == 0
        assert phone.errors == []
