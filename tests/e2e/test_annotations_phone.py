"""Issue 14, points 1, 2 and 6 on the phone: what the technician draws and points at
shows on the customer's picture (Chromium with the fake 1280x720 camera) at the same
place of the picture, in the same colour; a reload gets the set again; hostile data-
channel messages leave the page working. The technician is a real aiortc peer that
sends through the console's own model, link and replay (lens_desktop.tools).

Screenshots under artifacts/customer/annotations-*.png."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect
from PySide6.QtGui import QImage

from lens_desktop.tools import protocol
from lens_desktop.tools.annotations import PALETTE, AnnotationModel
from lens_desktop.tools.link import AnnotationLink
from tests.e2e.conftest import Phone
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

RED, YELLOW, GREEN, BLUE = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3]
POINTER = "#ff00ff"  # annotations.js POINTER_COLOUR

# Frame points that lie on each drawing's line, and the colour expected there.
RECT = [(0.1, 0.1), (0.4, 0.45)]
ELLIPSE = [(0.55, 0.15), (0.9, 0.55)]
ARROW = [(0.15, 0.7), (0.45, 0.9)]
MARKER = (0.75, 0.78)
ON_LINES = {
    "rectangle": ((0.1, 0.275), RED),  # left edge, half-way down
    "ellipse": ((0.9, 0.35), BLUE),  # rightmost point
    "arrow": ((0.3, 0.8), GREEN),  # half-way along
}


@dataclass
class Live:
    page: Page
    peer: TechnicianPeer
    model: AnnotationModel
    link: AnnotationLink
    opened: list[int]


@pytest_asyncio.fixture(loop_scope="module")
async def live(live_server: LiveServer, phone: Phone) -> AsyncIterator[Live]:
    """A live session whose technician replays its annotations on every new channel,
    as the console's session tab does."""
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    model = AnnotationModel()
    link = AnnotationLink(model, peer.send_control)
    opened: list[int] = []

    def on_channel_open() -> None:
        opened.append(peer.generation)
        link.replay()

    peer.on_channel_open = on_channel_open
    live_server.start_session(tech.token, session_id)
    try:
        await expect(phone.page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
        await peer.wait_for(lambda: bool(opened) and peer.frames_received > 5, timeout=30)
        yield Live(phone.page, peer, model, link, opened)
    finally:
        link.close()
        await peer.close()
    assert phone.errors == []


# -- reading the phone's screen --------------------------------------------------------


async def picture_mapper(page: Page) -> Any:
    """Frame coordinates -> page pixels, from the video element's box and the frame's
    size (object-fit: contain, centred), worked out here independently of the page."""
    box = await page.evaluate(
        """() => {
            const v = document.getElementById('preview');
            const r = v.getBoundingClientRect();
            return {left: r.left, top: r.top, w: v.clientWidth, h: v.clientHeight,
                    vw: v.videoWidth, vh: v.videoHeight};
        }"""
    )
    assert (box["vw"], box["vh"]) == (1280, 720)
    scale = min(box["w"] / box["vw"], box["h"] / box["vh"])
    width, height = box["vw"] * scale, box["vh"] * scale
    left = box["left"] + (box["w"] - width) / 2
    top = box["top"] + (box["h"] - height) / 2

    def to_page(x: float, y: float) -> tuple[int, int]:
        return round(left + x * width), round(top + y * height)

    return to_page


async def screen(page: Page, name: str) -> QImage:
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = await page.screenshot(path=str(SHOTS / f"annotations-{name}.png"))
    image = QImage.fromData(png, "PNG")
    assert not image.isNull()
    return image


def colour_near(image: QImage, spot: tuple[int, int], colour: str, radius: int = 3) -> bool:
    """Some pixel within ``radius`` of ``spot`` has ``colour`` (anti-aliased lines are
    a few pixels wide and their edges blend with the picture)."""
    want = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    x0, y0 = spot
    for y in range(y0 - radius, y0 + radius + 1):
        for x in range(x0 - radius, x0 + radius + 1):
            pixel = image.pixelColor(x, y)
            got = (pixel.red(), pixel.green(), pixel.blue())
            if all(abs(g - w) <= 40 for g, w in zip(got, want, strict=True)):
                return True
    return False


def expected_spots(to_page: Any) -> dict[str, tuple[tuple[int, int], str]]:
    spots = {name: (to_page(*point), colour) for name, (point, colour) in ON_LINES.items()}
    # The marker's disc beside its number (radius 3 % of the picture height).
    centre_x, centre_y = to_page(*MARKER)
    spots["marker"] = ((centre_x - 5, centre_y - 5), YELLOW)
    return spots


async def annotations_state(page: Page) -> dict[str, Any]:
    return dict(await page.evaluate("window.lensDebug.annotations"))


async def wait_drawn(page: Page, ids: list[str], timeout: float = 10.0) -> None:
    """The page holds exactly ``ids`` and has drawn everything it took."""
    wanted = json.dumps(ids, separators=(",", ":"))
    state = "window.lensDebug.annotations"
    await wait_js(page, f"JSON.stringify({state}.ids) === '{wanted}' && {state}.drawn", timeout)


async def wait_redrawn(page: Page, ids: list[str], change: Any) -> None:
    """Make ``change`` (a resize, a class) and wait until the page has drawn after it."""
    before = (await annotations_state(page))["draws"]
    await change()
    await wait_js(page, f"window.lensDebug.annotations.draws > {before}")
    await wait_drawn(page, ids)


async def draw_the_set(live: Live) -> list[str]:
    model = live.model
    items = [
        model.add("rectangle", RECT, colour=RED, width=3),
        model.add("ellipse", ELLIPSE, colour=BLUE, width=3),
        model.add("arrow", ARROW, colour=GREEN, width=3),
        model.add("marker", [MARKER], colour=YELLOW),
        # the other kinds, for the eye (screenshots): they are not sampled
        model.add("pen", [(0.05 + i / 100, 0.6 + (i % 5) / 100) for i in range(20)], width=1),
        model.add("highlighter", [(0.5, 0.62), (0.7, 0.62)], colour=YELLOW),
        model.add("text", [(0.45, 0.66)], colour=PALETTE[4], text="Open here"),
    ]
    return [item.id for item in items]


async def assert_drawn_at_their_spots(page: Page, name: str) -> None:
    to_page = await picture_mapper(page)
    image = await screen(page, name)
    for what, (spot, colour) in expected_spots(to_page).items():
        assert colour_near(image, spot, colour), f"{what}: no {colour} near {spot}"


async def assert_video_playing(page: Page) -> None:
    before = await page.evaluate("document.getElementById('preview').currentTime")
    await wait_js(page, f"document.getElementById('preview').currentTime > {before + 0.2}")


# -- the tests -----------------------------------------------------------------------


async def test_drawings_and_pointer_show_on_the_picture_and_come_back_after_a_reload(
    live: Live,
) -> None:
    page = live.page
    to_page = await picture_mapper(page)
    bare = await screen(page, "1-bare")
    for what, (spot, colour) in expected_spots(to_page).items():
        assert not colour_near(bare, spot, colour), f"{what}: {colour} already at {spot}"

    ids = await draw_the_set(live)
    await wait_drawn(page, ids)
    await assert_drawn_at_their_spots(page, "2-drawn")

    # The pointer: a bright dot that follows the mouse and goes when it leaves.
    live.link.send_pointer(0.5, 0.3)
    await wait_js(page, "window.lensDebug.annotations.pointer?.x === 0.5")
    shot = await screen(page, "3-pointer")
    assert colour_near(shot, to_page(0.5, 0.3), POINTER)
    moves = (await annotations_state(page))["pointerMoves"]
    started = time.monotonic()
    for step in range(60):  # two seconds of mouse moves at 30 a second
        live.link.send_pointer(0.2 + step / 200, 0.6)
        await page.wait_for_timeout(1000 / 30)
    assert time.monotonic() - started < 4
    await wait_js(page, "window.lensDebug.annotations.pointer?.x === 0.495")
    assert (await annotations_state(page))["pointerMoves"] == moves + 60  # none dropped
    await wait_drawn(page, ids)
    shot = await screen(page, "4-pointer-moved")
    assert colour_near(shot, to_page(0.495, 0.6), POINTER)
    assert not colour_near(shot, to_page(0.5, 0.3), POINTER)
    live.link.send_pointer(None)
    await wait_js(page, "window.lensDebug.annotations.pointer === null")
    await wait_drawn(page, ids)
    shot = await screen(page, "5-pointer-gone")
    assert not colour_near(shot, to_page(0.495, 0.6), POINTER)
    # A console that stops sending: the dot goes by itself after about a second.
    live.link.send_pointer(0.4, 0.4)
    await wait_js(page, "window.lensDebug.annotations.pointer !== null")
    shown = time.monotonic()
    await wait_js(page, "window.lensDebug.annotations.pointer === null", timeout=5)
    assert 0.7 < time.monotonic() - shown < 3

    # Erase one and undo: the phone follows.
    live.model.remove(ids[1])
    await wait_drawn(page, [ids[0], *ids[2:]])
    live.model.undo()  # back in its old place in the drawing order
    await wait_drawn(page, ids)

    # The phone turns to landscape: the picture now fills the height, with bars at the
    # sides, and the drawings move with it. Then the front camera's mirrored preview.
    await wait_redrawn(page, ids, lambda: page.set_viewport_size({"width": 844, "height": 390}))
    await assert_drawn_at_their_spots(page, "6-landscape")
    await wait_redrawn(
        page,
        ids,
        lambda: page.evaluate("document.getElementById('preview').classList.add('mirrored')"),
    )
    to_page = await picture_mapper(page)
    shot = await screen(page, "7-mirrored")
    x, y = ON_LINES["rectangle"][0]
    assert colour_near(shot, to_page(1 - x, y), RED)
    assert not colour_near(shot, to_page(x, y), RED)
    await wait_redrawn(
        page,
        ids,
        lambda: page.evaluate("document.getElementById('preview').classList.remove('mirrored')"),
    )

    # The customer reloads: a new connection, and the technician's set comes back.
    generation = live.peer.generation
    await page.reload()
    await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=30000)
    await live.peer.wait_for(lambda: live.opened[-1] > generation, timeout=30)
    await wait_drawn(page, ids)
    await assert_drawn_at_their_spots(page, "8-after-reload")
    await assert_video_playing(page)


async def test_hostile_messages_leave_the_page_working(live: Live) -> None:
    page = live.page
    ids = await draw_the_set(live)
    await wait_drawn(page, ids)
    good = protocol.set_message(live.model.annotations()[0])
    hostile = [
        "x" * 70_000,  # oversized
        "{not json",
        "[" * 30_000 + "]" * 30_000,
        '{"type": "pointer", "v": 1, "x": NaN, "y": 0.5}',
        json.dumps({"type": "annot", "v": 2, "op": "clear"}),  # a future version
        json.dumps({"type": "annot", "v": 1, "op": "explode"}),
        json.dumps({**good, "annotation": {**good["annotation"], "kind": "blob"}}),
        json.dumps({**good, "annotation": {**good["annotation"], "colour": "url(x)"}}),
        json.dumps({**good, "annotation": {**good["annotation"], "points": [[0.1, 0.2]] * 3}}),
        json.dumps({**good, "annotation": {**good["annotation"], "text": "x" * 201}}),
        json.dumps({"type": "pointer", "v": 1, "x": 1e999, "y": 0.5}),
        json.dumps({"type": "pointer", "v": 1, "x": "0.5", "y": 0.5}),
        json.dumps({"type": "annot", "v": 1, "op": "remove", "id": {"toString": 1}}),
        "null",
        "[]",
    ]
    for text in hostile:
        assert live.peer.send_raw(text)
    # A flood: 5,000 new annotations. The page keeps its bound of 200 and drops the rest.
    for i in range(5000):
        wire = {"id": f"f{i}", "kind": "pen", "colour": "#ffffff", "width": 1,
                "points": [[0.99, 0.99]]}  # fmt: skip
        live.peer.send_control({"type": "annot", "v": 1, "op": "set", "annotation": wire})
    # 8 hostile frames reach the layer (the others are not JSON objects: peer.js drops
    # them) and all but 193 of the flood find the page full.
    await wait_js(page, "window.lensDebug.annotations.rejected === 8 + 5000 - 193", timeout=30)
    state = await annotations_state(page)
    assert len(state["ids"]) == 200 and state["ids"][:7] == ids
    await assert_video_playing(page)
    await assert_drawn_at_their_spots(page, "9-after-hostile")

    # The console's replay brings the page back to exactly its set.
    live.link.replay()
    await wait_drawn(page, ids)
    await assert_drawn_at_their_spots(page, "10-replayed")
