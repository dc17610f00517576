"""Issue 14, points 3 and 5 on the phone: the technician freezes the picture and the
customer's phone (Chromium, fake 1280x720 camera) shows exactly that frame in place of
the live preview, with a sign, and the technician's drawings land on the same pixels of
it; a reload while frozen gets the still again; unfreeze returns to live. A tap on the
picture reaches the technician in the frame's own coordinates. The technician is a real
aiortc peer that freezes one of its own decoded frames through lens_desktop.tools.freeze.

Screenshots under artifacts/customer/freeze-*.png."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import av
import cv2
import numpy as np
import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from PySide6.QtGui import QImage

from lens_desktop.tools.annotations import PALETTE, AnnotationModel
from lens_desktop.tools.freeze import FreezeLink, Still, make_still, still_messages
from lens_desktop.tools.link import AnnotationLink
from tests.e2e.conftest import Phone
from tests.e2e.test_annotations_phone import colour_near, wait_drawn
from tests.e2e.test_customer_web import (
    LIVE_TEXT,
    SHOTS,
    link_path,
    wait_for_state,
    wait_js,
    walk_to_waiting,
)
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

RED = PALETTE[0]
SIGN = "Frozen by your technician"
STATE = "window.lensDebug.freeze"


@dataclass
class Live:
    page: Page
    peer: TechnicianPeer
    model: AnnotationModel
    link: AnnotationLink
    freeze: FreezeLink
    opened: list[int]


@pytest_asyncio.fixture(loop_scope="module")
async def live(live_server: LiveServer, phone: Phone) -> AsyncIterator[Live]:
    """A live session whose technician replays its annotations, then its freeze, on
    every new channel, as the console's session tab does."""
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    model = AnnotationModel()
    link = AnnotationLink(model, peer.send_control)
    freeze = FreezeLink(peer.send_control)
    opened: list[int] = []

    def on_channel_open() -> None:
        opened.append(peer.generation)
        link.replay()
        freeze.replay()

    peer.on_channel_open = on_channel_open
    live_server.start_session(tech.token, session_id)
    try:
        await expect(phone.page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
        await peer.wait_for(lambda: bool(opened) and peer.frames_received > 5, timeout=30)
        # The phone's encoder ramps up: freeze a frame at the camera's full size.
        await peer.wait_for(
            lambda: peer.newest_frame is not None and peer.newest_frame.width == 1280, timeout=30
        )
        yield Live(phone.page, peer, model, link, freeze, opened)
    finally:
        link.close()
        await peer.close()
    assert phone.errors == []


# -- reading the phone's screen --------------------------------------------------------


async def picture_box(page: Page, element: str) -> dict[str, float]:
    """Where ``element``'s picture is on the page (object-fit: contain, centred),
    worked out here independently of the page's own code."""
    box = await page.evaluate(
        """(id) => {
            const e = document.getElementById(id);
            const r = e.getBoundingClientRect();
            return {left: r.left, top: r.top, w: e.clientWidth, h: e.clientHeight,
                    fw: e.videoWidth ?? e.naturalWidth, fh: e.videoHeight ?? e.naturalHeight};
        }""",
        element,
    )
    scale = min(box["w"] / box["fw"], box["h"] / box["fh"])
    width, height = box["fw"] * scale, box["fh"] * scale
    left = box["left"] + (box["w"] - width) / 2
    top = box["top"] + (box["h"] - height) / 2
    return {"left": left, "top": top, "width": width, "height": height}


def to_page(box: dict[str, float], x: float, y: float) -> tuple[int, int]:
    return round(box["left"] + x * box["width"]), round(box["top"] + y * box["height"])


async def screen(page: Page, name: str) -> QImage:
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = await page.screenshot(path=str(SHOTS / f"freeze-{name}.png"))
    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    return image


def qimage_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    rows = np.frombuffer(image.constBits(), np.uint8, count=h * stride).reshape(h, stride)
    return rows[:, : w * 3].reshape(h, w, 3).copy()


def picture_on_screen(
    image: QImage, box: dict[str, float], size: tuple[int, int], band: tuple[float, float] = (0, 1)
) -> np.ndarray:
    """The picture's part of a screenshot (only the rows of ``band``, as fractions of its
    height), inset a pixel against edge blending, as RGB at ``size``."""
    rgb = qimage_rgb(image)
    left, right = round(box["left"]) + 1, round(box["left"] + box["width"]) - 1
    top = round(box["top"] + band[0] * box["height"]) + 1
    bottom = round(box["top"] + band[1] * box["height"]) - 1
    return cv2.resize(rgb[top:bottom, left:right], size, interpolation=cv2.INTER_AREA)


def small(
    frame: av.VideoFrame, size: tuple[int, int], band: tuple[float, float] = (0, 1)
) -> np.ndarray:
    rgb = frame.to_ndarray(format="rgb24")
    rows = rgb[round(band[0] * frame.height) : round(band[1] * frame.height)]
    return cv2.resize(rows, size, interpolation=cv2.INTER_AREA)


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


SIZE = (64, 36)


async def freeze_newest(live: Live) -> tuple[av.VideoFrame, Still]:
    frame = live.peer.newest_frame
    assert frame is not None
    still = make_still(frame, live.freeze.next_id())
    assert live.freeze.freeze(still)
    await wait_js(live.page, f"{STATE}.shownId === '{still.id}'")
    return frame, still


async def tap_at(live: Live, point: tuple[int, int]) -> dict[str, Any]:
    count = len([m for m in live.peer.control_messages if m.get("type") == "tap"])
    await live.page.mouse.click(*point)
    await live.peer.wait_for(
        lambda: len([m for m in live.peer.control_messages if m.get("type") == "tap"]) > count
    )
    return [m for m in live.peer.control_messages if m.get("type") == "tap"][-1]


# -- the tests -----------------------------------------------------------------------


async def test_the_frozen_frame_replaces_the_live_picture_until_unfrozen(live: Live) -> None:
    page = live.page
    sign = page.locator("#freeze-sign")
    await expect(sign).to_be_hidden()

    frame, still = await freeze_newest(live)
    await expect(sign).to_be_visible()
    await expect(sign).to_have_text(SIGN)
    await expect(page.locator("#still")).to_be_visible()
    hidden = await page.evaluate("getComputedStyle(document.getElementById('preview')).visibility")
    assert hidden == "hidden"  # the live preview is no longer shown

    box = await picture_box(page, "still")
    assert await picture_box(page, "preview") == box  # same letterbox as the live picture
    first = await screen(page, "1-frozen")
    shown = picture_on_screen(first, box, SIZE)
    assert difference(shown, small(frame, SIZE)) < 8  # the frame that was sent
    # ... and it stays: the camera moves on, the picture on the phone does not.
    await live.peer.wait_for_frames(live.peer.frames_received + 30, timeout=10)
    later = picture_on_screen(await screen(page, "2-still-later"), box, SIZE)
    assert difference(later, shown) < 1
    assert difference(small(live.peer.newest_frame, SIZE), small(frame, SIZE)) > 2  # it did move

    # A drawing made on the still lands on the same spot of it.
    rect = live.model.add("rectangle", [(0.2, 0.2), (0.6, 0.7)], colour=RED, width=3)
    await wait_drawn(page, [rect.id])
    assert (await page.evaluate("window.lensDebug.annotations"))["surface"] == "still"
    drawn = await screen(page, "3-drawn-on-still")
    assert colour_near(drawn, to_page(box, 0.2, 0.45), RED)  # its left edge
    assert colour_near(drawn, to_page(box, 0.6, 0.3), RED)  # its right edge
    assert not colour_near(drawn, to_page(box, 0.4, 0.45), RED)  # not inside

    # A reload while frozen: a new connection, and the technician's still comes back.
    generation = live.peer.generation
    await page.reload()
    await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
    await live.peer.wait_for(lambda: live.opened[-1] > generation, timeout=30)
    await wait_js(page, f"{STATE}.shownId === '{still.id}'")
    await wait_drawn(page, [rect.id])
    await expect(sign).to_be_visible()
    box = await picture_box(page, "still")
    reloaded = await screen(page, "4-after-reload")
    assert difference(picture_on_screen(reloaded, box, SIZE), shown) < 3
    assert colour_near(reloaded, to_page(box, 0.2, 0.45), RED)

    # The front camera's preview is mirrored: so is the still, and so are the drawings.
    await page.evaluate("document.getElementById('preview').classList.add('mirrored')")
    await wait_js(page, "document.getElementById('still').classList.contains('mirrored')")
    await wait_drawn(page, [rect.id])
    mirrored = picture_on_screen(await screen(page, "5-mirrored"), box, SIZE)
    assert difference(mirrored, shown[:, ::-1]) < 3
    await page.evaluate("document.getElementById('preview').classList.remove('mirrored')")
    await wait_js(page, "!document.getElementById('still').classList.contains('mirrored')")

    # The phone turns to landscape: the still and the drawing move with the picture.
    before = (await page.evaluate("window.lensDebug.annotations"))["draws"]
    await page.set_viewport_size({"width": 844, "height": 390})
    await wait_js(page, f"window.lensDebug.annotations.draws > {before}")
    await wait_drawn(page, [rect.id])
    box = await picture_box(page, "still")
    assert await picture_box(page, "preview") == box
    turned = await screen(page, "5b-landscape")
    middle = (0.2, 0.75)  # the sign and the status line lie over the top and bottom
    assert difference(picture_on_screen(turned, box, SIZE, middle), small(frame, SIZE, middle)) < 8
    assert colour_near(turned, to_page(box, 0.2, 0.45), RED)
    await expect(sign).to_be_in_viewport()

    # Unfreeze: back to the live picture.
    live.link.model.clear()
    assert live.freeze.unfreeze()
    await wait_js(page, f"!{STATE}.frozen && {STATE}.shownId === null")
    await expect(sign).to_be_hidden()
    await expect(page.locator("#still")).to_be_hidden()
    visible = await page.evaluate("getComputedStyle(document.getElementById('preview')).visibility")
    assert visible == "visible"
    before = await page.evaluate("document.getElementById('preview').currentTime")
    await wait_js(page, f"document.getElementById('preview').currentTime > {before + 0.2}")
    box = await picture_box(page, "preview")
    await live.peer.wait_for_frames(live.peer.frames_received + 15, timeout=10)
    back = picture_on_screen(await screen(page, "6-live-again"), box, SIZE)
    assert difference(back, shown) > 2  # the camera's picture, not the still


async def test_a_tap_reaches_the_technician_at_that_spot_of_the_frame(live: Live) -> None:
    page = live.page
    box = await picture_box(page, "preview")
    tap = await tap_at(live, to_page(box, 0.3, 0.6))
    assert tap["v"] == 1 and set(tap) == {"type", "v", "x", "y"}
    assert abs(tap["x"] - 0.3) < 0.01 and abs(tap["y"] - 0.6) < 0.01
    await expect(page.locator(".tap-echo")).to_have_count(1)
    await screen(page, "7-tap-echo")
    await expect(page.locator(".tap-echo")).to_have_count(0, timeout=3000)

    # On the letterbox bars, or a drag, or on the controls: no tap.
    await page.wait_for_timeout(300)
    count = len(live.peer.control_messages)
    await page.mouse.click(box["left"] + box["width"] / 2, box["top"] - 5)  # the bar above
    await page.mouse.move(*to_page(box, 0.2, 0.2))
    await page.mouse.down()
    await page.mouse.move(*to_page(box, 0.4, 0.4), steps=5)
    await page.mouse.up()
    await page.get_by_role("button", name="Mute").click()
    await page.get_by_role("button", name="Unmute").click()
    await page.wait_for_timeout(500)
    assert not [m for m in live.peer.control_messages[count:] if m.get("type") == "tap"]

    # On the frozen still, mirrored: the frame's own coordinates all the same.
    await page.evaluate("document.getElementById('preview').classList.add('mirrored')")
    await freeze_newest(live)
    box = await picture_box(page, "still")
    tap = await tap_at(live, to_page(box, 1 - 0.75, 0.25))
    assert abs(tap["x"] - 0.75) < 0.01 and abs(tap["y"] - 0.25) < 0.01
    live.freeze.unfreeze()
    await page.evaluate("document.getElementById('preview').classList.remove('mirrored')")
    await wait_js(page, f"!{STATE}.frozen")

    # A burst of taps: at most four a second reach the technician.
    await page.wait_for_timeout(300)
    count = len(live.peer.control_messages)
    dropped = (await page.evaluate("window.lensDebug.taps"))["dropped"]
    started = time.monotonic()
    for i in range(12):
        await page.mouse.click(*to_page(box, 0.1 + i / 20, 0.5))
        await page.wait_for_timeout(40)
    elapsed = time.monotonic() - started
    await page.wait_for_timeout(500)
    taps = [m for m in live.peer.control_messages[count:] if m.get("type") == "tap"]
    assert 1 <= len(taps) <= 1 + int(elapsed / 0.25), (elapsed, taps)
    assert (await page.evaluate("window.lensDebug.taps"))["dropped"] == dropped + 12 - len(taps)


async def test_hostile_freeze_messages_are_dropped_and_a_good_still_still_shows(
    live: Live,
) -> None:
    page = live.page
    good = still_messages(make_still(live.peer.newest_frame, "g1"))
    start, chunk = good[0], good[1]
    hostile = [
        {**start, "width": 5000},
        {**start, "size": 9 * 1024 * 1024},
        {**start, "chunks": 201},
        {**start, "mime": "image/svg+xml"},
        {**start, "id": "<script>"},
        {**chunk, "id": "nobody"},  # no freeze in progress
        start,
        {**chunk, "index": 1},  # out of order: discards g1
        start,
        {**chunk, "data": "!!not base64!!"},
        start,
        {**chunk, "data": "A" * 48_004},  # oversized
        {**start, "chunks": 1, "size": 10},
        {**chunk, "data": "QUFBQUFBQUFBQUFB"},  # 12 bytes for a 10-byte still
        {**start, "v": 2},
    ]
    rejected = (await page.evaluate(STATE))["rejected"]
    for message in hostile:
        assert live.peer.send_raw(json.dumps(message))
    # A JPEG that is not of the announced size is refused as well.
    tiny = make_still(live.peer.newest_frame.reformat(width=320, height=180), "t1")
    for message in still_messages(tiny):
        if message["type"] == "freeze":
            message["width"], message["height"] = 1280, 720
        live.peer.send_control(message)
    await wait_js(page, f"{STATE}.rejected === {rejected + 12}", timeout=10)
    state = await page.evaluate(STATE)
    assert state["shownId"] is None and state["loading"] is None

    # The page works on: a good still shows (the sign shows its progress while it
    # comes), and unfreeze takes it away.
    assert len(good) >= 3
    for message in good[:2]:
        live.peer.send_control(message)
    await wait_js(page, f"{STATE}.loading?.received > 0")
    progress = page.locator("#freeze-progress")
    await expect(progress).to_be_visible()
    value = float(await progress.evaluate("(p) => p.value"))
    assert 0 < value < 1
    await screen(page, "0-loading")
    for message in good[2:]:
        live.peer.send_control(message)
    await wait_js(page, f"{STATE}.shownId === 'g1'")
    await expect(progress).to_be_hidden()
    await screen(page, "8-after-hostile")
    live.freeze.unfreeze()
    await wait_js(page, f"!{STATE}.frozen")
