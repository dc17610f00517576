"""Issue 15, point 6 on the phone: the technician's camera requests. The customer's
phone (Chromium with two fake cameras, as a phone's front and back ones) reports what its
camera can do when the control channel opens; a "switch" request swaps cameras (the new
track goes to the technician and drawings still land), with a toast saying what the
technician changed; the fake cameras have no flashlight, zoom or focus point, so those
requests are answered "not_supported"; a request while the customer paused the camera or
the session is on hold is refused with the reason; malformed requests are ignored.
Every message the phone sends passes the console's strict parser. The technician is a
real aiortc peer on the real data channel. Screenshots: artifacts/customer/camera-toast.png
and camera-toast-nl.png."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, Playwright, expect

from lens_desktop.tools.annotations import AnnotationModel
from lens_desktop.tools.camera import CameraCaps, CameraResult, parse_camera_message
from lens_desktop.tools.link import AnnotationLink
from lens_desktop.ui.camera_controls import result_text
from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS
from tests.e2e.conftest import MediaFiles, Phone, open_phone
from tests.e2e.test_customer_web import SHOTS, link_path, wait_for_state, wait_js, walk_to_waiting
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

TOAST = "#camera-toast"
TIMINGS: dict[str, list[int]] = {}
"""Request to answer, ms, per action: written to artifacts/customer/camera-timing.json."""
DEBUG = "window.lensDebug.cameraRequests"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(playwright: Playwright, media_files: MediaFiles) -> AsyncIterator[Browser]:
    """Chromium's generated fake cameras (a file plays on one camera only). Its second
    fake camera is a depth camera (16-bit grey) that WebRTC does not encode; a phone
    lists no such camera, so the phone page is shown the other two (``TWO_CAMERAS``)."""
    fake_ui, _ = FAKE_MEDIA_FLAGS
    launched = await playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *HEADLESS_FLAGS,
            fake_ui,
            "--use-fake-device-for-media-stream=device-count=3",
            f"--use-file-for-fake-audio-capture={media_files.tone}",
        ],
    )
    try:
        yield launched
    finally:
        await launched.close()


TWO_CAMERAS = """
(() => {
  const list = MediaDevices.prototype.enumerateDevices;
  MediaDevices.prototype.enumerateDevices = async function () {
    return (await list.call(this)).filter((device) => device.label !== 'fake_device_1');
  };
})();
"""


@pytest_asyncio.fixture(loop_scope="module")
async def phone(browser: Browser) -> AsyncIterator[Phone]:
    opened = await open_phone(browser)
    await opened.context.add_init_script(TWO_CAMERAS)
    try:
        yield opened
    finally:
        await opened.context.close()


@dataclass
class Live:
    page: Page
    peer: TechnicianPeer
    server: LiveServer
    token: str
    session_id: str
    link: AnnotationLink
    model: AnnotationModel


@pytest_asyncio.fixture(loop_scope="module")
async def live(live_server: LiveServer, phone: Phone) -> AsyncIterator[Live]:
    tech = live_server.technician()
    created = live_server.create_session(tech.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(live_server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(live_server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(live_server.url, tech.token, session_id)
    model = AnnotationModel()
    link = AnnotationLink(model, peer.send_control)
    live_server.start_session(tech.token, session_id)
    try:
        await peer.wait_for(lambda: peer.channel is not None and peer.frames_received > 5, 30)
        yield Live(phone.page, peer, live_server, tech.token, session_id, link, model)
    finally:
        link.close()
        await peer.close()
    assert phone.errors == []


def camera_messages(peer: TechnicianPeer) -> list[CameraCaps | CameraResult]:
    """What the phone said about its camera, through the console's strict parser."""
    parsed = []
    for message in peer.control_messages:
        if message.get("type") in ("camera_caps", "camera_result"):
            item = parse_camera_message(message)
            assert isinstance(item, CameraCaps | CameraResult), (message, item)
            parsed.append(item)
    return parsed


def newest_caps(peer: TechnicianPeer) -> CameraCaps | None:
    caps = [m for m in camera_messages(peer) if isinstance(m, CameraCaps)]
    return caps[-1] if caps else None


async def ask(live: Live, request_id: str, action: str, value: Any = None) -> CameraResult:
    """Sends a request and returns the phone's answer to it; the fresh caps follow."""
    message: dict[str, Any] = {"type": "camera_request", "v": 1, "id": request_id}
    message["action"] = action
    if value is not None:
        message["value"] = value
    started = time.monotonic()
    assert live.peer.send_control(message)
    before = len(live.peer.control_messages)

    def answered() -> CameraResult | None:
        for item in camera_messages(live.peer):
            if isinstance(item, CameraResult) and item.id == request_id:
                return item
        return None

    await live.peer.wait_for(lambda: answered() is not None, timeout=15)
    TIMINGS.setdefault(action, []).append(round((time.monotonic() - started) * 1000))
    await live.peer.wait_for(
        lambda: any(m.get("type") == "camera_caps" for m in live.peer.control_messages[before:])
    )
    result = answered()
    assert result is not None
    return result


async def track_label(page: Page) -> str:
    return await page.evaluate(
        "document.getElementById('preview').srcObject.getVideoTracks()[0].label"
    )


async def test_the_phone_reports_its_camera_and_does_what_it_can(live: Live) -> None:
    page, peer = live.page, live.peer
    await peer.wait_for(lambda: newest_caps(peer) is not None, timeout=10)
    caps = newest_caps(peer)
    # Two cameras to switch between; Chromium's fake ones have no flashlight, no zoom
    # and no focus point.
    assert caps == CameraCaps(("user", "environment"), "environment", False, False, None, False)
    assert await track_label(page) == "fake_device_0"
    await expect(page.locator(TOAST)).to_be_hidden()

    # Switch: the other camera goes to the technician, the customer is told.
    result = await ask(live, "r1", "switch")
    assert result == CameraResult("r1", True)
    assert newest_caps(peer).current == "user"
    assert await track_label(page) == "fake_device_2"
    toast = page.locator(TOAST)
    await expect(toast).to_be_visible()
    await expect(toast).to_have_text("Your technician switched to the front camera")
    assert await page.evaluate("window.lensDebug.sentCamera") == "fake_device_2"
    frames = peer.frames_received
    await peer.wait_for(lambda: peer.frames_received > frames + 10, timeout=10)
    # The new camera's picture arrives, and the preview mirrors the front camera.
    assert await page.evaluate("document.getElementById('preview').classList.contains('mirrored')")
    # Drawings keep landing after the switch.
    live.model.add("rectangle", [(0.1, 0.1), (0.4, 0.4)])
    await wait_js(
        page, "window.lensDebug.annotations.ids.length === 1 && window.lensDebug.annotations.drawn"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "camera-toast.png"))

    # What the fake camera cannot do is answered as such, and the console says so.
    for request_id, action, value in (
        ("r2", "torch", True),
        ("r3", "zoom", 2.0),
        ("r4", "focus", {"x": 0.5, "y": 0.5}),
    ):
        result = await ask(live, request_id, action, value)
        assert result == CameraResult(request_id, False, "not_supported")
        assert result_text(action, result).endswith("The customer's camera cannot do that.")

    # Back to the rear camera.
    assert (await ask(live, "r5", "switch")).ok
    assert newest_caps(peer).current == "environment"
    assert await track_label(page) == "fake_device_0"
    await expect(toast).to_have_text("Your technician switched to the back camera")
    # A switch reopens a camera (getUserMedia); a refusal is a message each way.
    assert max(TIMINGS["switch"]) < 5000 and max(TIMINGS["torch"]) < 1000, TIMINGS

    # A Dutch customer reads it in Dutch.
    await page.get_by_role("button", name="Schakel over naar Nederlands").click()
    assert (await ask(live, "r6", "switch")).ok
    await expect(toast).to_have_text("Uw technicus heeft de camera aan de voorkant gekozen")
    frames = peer.frames_received
    await peer.wait_for(lambda: peer.frames_received > frames + 10, timeout=10)
    await page.screenshot(path=str(SHOTS / "camera-toast-nl.png"))
    await page.get_by_role("button", name="Switch to English").click()
    assert (await ask(live, "r7", "switch")).ok
    assert await track_label(page) == "fake_device_0"
    (SHOTS / "camera-timing.json").write_text(json.dumps(TIMINGS, indent=1))


async def test_requests_are_refused_while_paused_or_held_and_bad_ones_ignored(
    live: Live,
) -> None:
    page, peer = live.page, live.peer
    await peer.wait_for(lambda: newest_caps(peer) is not None, timeout=10)

    # Malformed requests: no answer, no error, nothing changes.
    for bad in (
        {"type": "camera_request", "v": 2, "id": "b1", "action": "switch"},
        {"type": "camera_request", "v": 1, "id": "b 2", "action": "switch"},
        {"type": "camera_request", "v": 1, "id": "b3", "action": "pan"},
        {"type": "camera_request", "v": 1, "id": "b4", "action": "torch", "value": "on"},
        {"type": "camera_request", "v": 1, "id": "b5", "action": "zoom", "value": -1},
        {
            "type": "camera_request",
            "v": 1,
            "id": "b6",
            "action": "focus",
            "value": {"x": 2, "y": 0},
        },
        {"type": "camera_request", "v": 1, "id": "b7", "action": "switch", "extra": 1},
    ):
        assert peer.send_control(bad)
    assert peer.send_raw("{not json")
    assert peer.send_raw(json.dumps({"type": "camera_request", "pad": "x" * 70_000}))
    await wait_js(page, f"{DEBUG}.ignored === 7")
    assert await track_label(page) == "fake_device_0"
    assert not any(
        isinstance(m, CameraResult) and m.id.startswith("b") for m in camera_messages(peer)
    )

    # The customer paused the camera: refused, and nothing switched.
    await page.locator("#ctl-camera").click()
    result = await ask(live, "p1", "switch")
    assert result == CameraResult("p1", False, "paused")
    assert "paused the camera" in result_text("switch", result)
    assert await track_label(page) == "fake_device_0"
    await page.locator("#ctl-camera").click()

    # On hold: refused too.
    hold = f"/sessions/{live.session_id}/hold"
    live.server.api("POST", hold, live.token).raise_for_status()
    await wait_js(page, "window.lensDebug.held")
    result = await ask(live, "h1", "switch")
    assert result == CameraResult("h1", False, "on_hold")
    live.server.api("POST", f"/sessions/{live.session_id}/resume", live.token).raise_for_status()
    await wait_js(page, "!window.lensDebug.held")
    assert (await ask(live, "h2", "switch")).ok
    assert await track_label(page) == "fake_device_2"
