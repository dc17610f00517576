"""Issue 18 point 3, the phone's side: a second technician ("guest") joins a live session.

Chromium is the customer (fake camera clip whose frames carry a counter, fake 440 Hz
microphone); the owner and the guest are real aiortc technicians (tests/technician_peer.py)
whose voices are tones of 660 and 1000 Hz. The owner invites, the guest accepts: the phone
makes a second peer connection to the guest (video whose counter moves, the customer's
voice mixed with the owner's), plays the guest's voice, draws the guest's annotation on
a layer of its own (the same id as the owner's replaces nothing) with an orange pointer,
and ignores a freeze from the guest. Hold stops the guest's video too; the guest leaving
closes the second connection while the owner's video carries on. Also: a guest who joins
while held gets nothing until resume, a reload offers both anew (Dutch text), and without
WebAudio both technicians get the bare microphone.
Screenshots: artifacts/customer/guest-joined.png, guest-joined-nl.png, guest-left-nl.png.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.async_api import Page, expect
from PySide6.QtGui import QImage

from lens_desktop.tools.photo import request_message
from lens_server.models import PERMISSIONS
from tests.e2e.conftest import Phone
from tests.e2e.seed_helpers import tone_level
from tests.e2e.test_annotations_phone import colour_near, picture_mapper
from tests.e2e.test_customer_web import (
    assert_counting_up,
    link_path,
    sample_counters,
    wait_for_state,
    wait_js,
    walk_to_waiting,
)
from tests.live_server import LiveServer, Tech
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "customer"
LIVE_TEXT = "Your technician can now see and hear you."
LIVE_TEXT_TWO = "Your technicians can now see and hear you."
HOLD_TEXT = "Your technician put the session on hold. Your camera and microphone are off."
MIC_HZ, OWNER_HZ, GUEST_HZ = 440.0, 660.0, 1000.0  # the mic beeps at 880 Hz
OWNER_RED, GUEST_BLUE = "#ff1744", "#2979ff"
GUEST_POINTER = "#ff9100"  # guest_view.js GUEST_POINTER_COLOUR


@dataclass
class Call:
    """A live session with both technicians on it."""

    page: Page
    session_id: str
    owner: Tech
    guest: Tech
    owner_peer: TechnicianPeer
    guest_peer: TechnicianPeer


def share(samples: np.ndarray, freq: float) -> float:
    """The share of the spectrum's energy within 15 Hz of `freq`."""
    return tone_level(samples, freq, 48_000)[1]


def annotation(colour: str, points: list[list[float]]) -> dict[str, Any]:
    """A rectangle with the id "a1": both technicians use it, as two consoles would."""
    shape = {"id": "a1", "kind": "rectangle", "colour": colour, "width": 3, "points": points}
    return {"type": "annot", "v": 1, "op": "set", "annotation": shape}


async def frames_keep_coming(peer: TechnicianPeer, more: int = 15) -> None:
    frames = peer.frames_received
    await peer.wait_for(lambda: peer.frames_received > frames + more, timeout=20)


async def hears(peer: TechnicianPeer, timeout: float = 15) -> np.ndarray:
    """The newest full second of what `peer` receives, once one has arrived."""
    await peer.wait_for(lambda: len(peer.audio_tail) >= 48_000, timeout=timeout)
    return peer.audio_tail.copy()


async def join_guest(server: LiveServer, call_owner: Tech, session_id: str, guest: Tech) -> None:
    guest_id = server.api("GET", "/me", guest.token).json()["id"]
    body = {"to_technician_id": guest_id, "comment": "A second pair of eyes, please"}
    invited = server.api("POST", f"/sessions/{session_id}/guest", call_owner.token, json=body)
    assert invited.status_code == 200, invited.text
    accepted = server.api("POST", f"/sessions/{session_id}/guest/accept", guest.token)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["guest"]["state"] == "joined"


async def start_call(server: LiveServer, phone: Phone) -> Call:
    assert "invite_technician" in PERMISSIONS  # the default group has every permission
    owner, guest = server.technician(), server.technician()
    created = server.create_session(owner.token, method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(server, owner.token, session_id, "waiting")
    owner_peer = await TechnicianPeer.connect(server.url, owner.token, session_id)
    owner_peer.voice_freq = OWNER_HZ
    server.start_session(owner.token, session_id)
    await owner_peer.wait_for_frames(10, timeout=30)
    guest_peer = await TechnicianPeer.connect(server.url, guest.token, session_id)
    guest_peer.voice_freq = GUEST_HZ
    return Call(phone.page, session_id, owner, guest, owner_peer, guest_peer)


async def test_a_guest_technician_sees_hears_draws_and_leaves(
    live_server: LiveServer, phone: Phone
) -> None:
    call = await start_call(live_server, phone)
    page = call.page
    try:
        owner_generation = await page.evaluate("lensDebug.generation")
        await join_guest(live_server, call.owner, call.session_id, call.guest)
        await wait_js(page, "lensDebug.guest.connectionState === 'connected'", timeout=30)
        notice = page.locator("#guest-notice")
        await expect(notice).to_have_text(
            f"{call.guest.display_name} joined: a second technician now sees and hears you"
        )
        await expect(page.locator("#caller-technician")).to_have_text(
            f"Technicians: {call.owner.display_name} and {call.guest.display_name}"
        )
        await expect(page.locator("#status")).to_have_text(LIVE_TEXT_TWO)
        # The guest's own generations, signalled through the server as the owner's are.
        assert await page.evaluate("lensDebug.guest.generation") == call.guest_peer.generation
        assert await page.evaluate("lensDebug.generation") == owner_generation

        await check_video(call)
        await check_voices(call)
        await check_drawings(call)
        await check_freeze_ignored(call)
        await check_mute(call)
        await check_hold(call, live_server)
        await check_path_loss(call)
        await check_leave(call, live_server)
        assert phone.errors == []
    finally:
        await call.guest_peer.close()
        await call.owner_peer.close()


async def check_video(call: Call) -> None:
    """The guest gets the camera's moving picture; the owner keeps getting it."""
    await call.guest_peer.wait_for_frames(20, timeout=30)
    assert_counting_up(await sample_counters(call.guest_peer, 5))
    assert_counting_up(await sample_counters(call.owner_peer, 5))
    sent = await call.page.evaluate("lensDebug.guest.stats")
    assert sent["frameWidth"] > 0 and sent["framesSent"] > 0


async def check_voices(call: Call) -> None:
    """Each technician hears the customer (the 440 Hz microphone, dominant) with the
    other technician softer; the phone plays the guest's voice."""
    voice = await call.page.evaluate("lensDebug.guest.voice")
    assert voice["mixing"], voice
    deadline = time.monotonic() + 15
    while True:
        guest_hears, owner_hears = await hears(call.guest_peer), await hears(call.owner_peer)
        guest_ok = share(guest_hears, OWNER_HZ) > 0.02
        owner_ok = share(owner_hears, GUEST_HZ) > 0.02
        if guest_ok and owner_ok:
            break
        assert time.monotonic() < deadline, (
            share(guest_hears, OWNER_HZ),
            share(owner_hears, GUEST_HZ),
        )
        await asyncio.sleep(0.25)
    for samples, other in ((guest_hears, OWNER_HZ), (owner_hears, GUEST_HZ)):
        dominant, mic_share = tone_level(samples, MIC_HZ, 48_000)
        print(f"heard: {MIC_HZ:.0f} Hz {mic_share:.2f}, {other:.0f} Hz {share(samples, other):.2f}")
        assert abs(dominant - MIC_HZ) <= 10, dominant
        assert mic_share > share(samples, other) > 0.02
    await wait_js(
        call.page, "lensDebug.guest.playing && lensDebug.guest.audio.packetsReceived > 50"
    )


async def check_drawings(call: Call) -> None:
    """The guest's rectangle "a1" and pointer land on the phone beside the owner's "a1"."""
    page = call.page
    assert call.owner_peer.send_control(annotation(OWNER_RED, [[0.1, 0.1], [0.4, 0.45]]))
    assert call.guest_peer.send_control(annotation(GUEST_BLUE, [[0.55, 0.15], [0.9, 0.55]]))
    assert call.guest_peer.send_control({"type": "pointer", "v": 1, "x": 0.7, "y": 0.75})
    await wait_js(
        page,
        "lensDebug.annotations.ids.length === 1 && lensDebug.guest.annotations.ids.length === 1",
    )
    await wait_js(page, "lensDebug.guest.annotations.pointer && lensDebug.guest.annotations.drawn")
    assert (await page.evaluate("lensDebug.annotations"))["pointer"] is None
    SHOTS.mkdir(parents=True, exist_ok=True)
    png = await page.screenshot(path=str(SHOTS / "guest-joined.png"))
    image = QImage.fromData(png, "PNG")
    to_page = await picture_mapper(page)
    assert colour_near(image, to_page(0.1, 0.275), OWNER_RED)  # the owner's left edge
    assert colour_near(image, to_page(0.9, 0.35), GUEST_BLUE)  # the guest's right edge
    assert colour_near(image, to_page(0.7, 0.75), GUEST_POINTER)


async def check_freeze_ignored(call: Call) -> None:
    """Freeze, camera requests, HD photos and the recording badge are the owner's: from
    the guest they do nothing."""
    page = call.page
    owner_seen = len(call.owner_peer.control_messages)
    messages = [
        {
            "type": "freeze", "v": 1, "id": "g1", "width": 16, "height": 16,
            "mime": "image/jpeg", "size": 100, "chunks": 1,
        },
        {"type": "camera_request", "v": 1, "id": "r1", "action": "torch", "value": True},
        request_message("p1"),
        {"type": "recording", "v": 1, "on": True},
    ]  # fmt: skip
    ignored = (await page.evaluate("lensDebug.guest"))["ignored"]
    for message in messages:
        assert call.guest_peer.send_control(message)
    await wait_js(page, f"lensDebug.guest.ignored >= {ignored + len(messages)}")
    state = await page.evaluate("lensDebug.freeze")
    assert not state["frozen"] and state["loading"] is None
    await expect(page.locator("#freeze-sign")).to_be_hidden()
    await expect(page.locator("#recording-badge")).to_be_hidden()
    assert (await page.evaluate("lensDebug.cameraRequests"))["results"] == []
    assert (await page.evaluate("lensDebug.hdPhoto"))["results"] == []
    # and nothing went to anyone in answer (the owner's channel included)
    answers = call.owner_peer.control_messages[owner_seen:] + call.guest_peer.control_messages
    assert not [m for m in answers if str(m.get("type")).startswith(("photo", "camera_"))]


async def check_mute(call: Call) -> None:
    """Mute silences the customer for both technicians; they still hear each other."""
    page = call.page
    await page.get_by_role("button", name="Mute").click()
    await asyncio.sleep(1.5)  # a second of audio sent after the mute
    for peer, other in ((call.guest_peer, OWNER_HZ), (call.owner_peer, GUEST_HZ)):
        samples = await hears(peer)
        assert share(samples, MIC_HZ) < 0.05 < share(samples, other)
    await page.get_by_role("button", name="Unmute").click()


async def check_hold(call: Call, server: LiveServer) -> None:
    """Hold: nothing goes to the guest either; resume brings its video back."""
    page = call.page
    server.api("POST", f"/sessions/{call.session_id}/hold", call.owner.token).raise_for_status()
    await expect(page.locator("#status")).to_have_text(HOLD_TEXT)
    await wait_js(page, "lensDebug.guest.sentCamera === null && lensDebug.guest.sentAudio === null")
    await asyncio.sleep(0.5)
    before = await page.evaluate("lensDebug.guestSent()")
    frames = call.guest_peer.frames_received
    await asyncio.sleep(1.5)
    after = await page.evaluate("lensDebug.guestSent()")
    assert after == before, (before, after)
    assert call.guest_peer.frames_received <= frames + 1
    server.api("POST", f"/sessions/{call.session_id}/resume", call.owner.token).raise_for_status()
    await expect(page.locator("#status")).to_have_text(LIVE_TEXT_TWO)
    await frames_keep_coming(call.guest_peer)
    await frames_keep_coming(call.owner_peer)


async def new_generation_flows(peer: TechnicianPeer, before: int) -> None:
    await peer.wait_for(
        lambda: peer.generation > before and peer.frames_by_generation.get(peer.generation, 0) > 5,
        timeout=30,
    )


async def check_path_loss(call: Call) -> None:
    """The guest's media path dies: the phone offers the guest a new connection (its
    next generation) and leaves the owner's alone. The owner's path dies (a network
    change): both are offered anew."""
    page = call.page
    owner_generation, guest_generation = call.owner_peer.generation, call.guest_peer.generation
    await call.guest_peer.drop_media()
    await new_generation_flows(call.guest_peer, guest_generation)
    assert call.owner_peer.generation == owner_generation
    assert await page.evaluate("lensDebug.guest.generation") == call.guest_peer.generation
    guest_generation = call.guest_peer.generation
    await call.owner_peer.drop_media()
    await new_generation_flows(call.owner_peer, owner_generation)
    await new_generation_flows(call.guest_peer, guest_generation)
    await wait_js(page, "lensDebug.guest.connectionState === 'connected'", timeout=20)
    await expect(page.locator("#status")).to_have_text(LIVE_TEXT_TWO, timeout=20000)


async def check_leave(call: Call, server: LiveServer) -> None:
    """The guest leaves: the phone closes the second connection and says so; the
    guest's drawings go with them; the owner's video carries on."""
    page = call.page
    left = server.api("POST", f"/sessions/{call.session_id}/guest/leave", call.guest.token)
    assert left.status_code == 200, left.text
    await wait_js(page, "!lensDebug.guest.open")
    await expect(page.locator("#guest-notice")).to_have_text(f"{call.guest.display_name} left")
    state = await page.evaluate("lensDebug.guest")
    assert state["annotations"]["ids"] == [] and not state["playing"]
    assert state["voice"]["mixing"] is False
    assert (await page.evaluate("lensDebug.annotations"))["ids"] == ["a1"]
    await expect(page.locator("#caller-technician")).to_have_text(
        f"Technician: {call.owner.display_name}"
    )
    await expect(page.locator("#status")).to_have_text(LIVE_TEXT)
    frames = call.guest_peer.frames_received
    await frames_keep_coming(call.owner_peer)
    assert call.guest_peer.frames_received <= frames + 1  # nothing more for the guest
    assert_counting_up(await sample_counters(call.owner_peer, 5))
    # The owner hears the bare microphone again.
    await asyncio.sleep(1.0)
    assert share(await hears(call.owner_peer), GUEST_HZ) < 0.01


async def test_a_guest_joining_a_held_session_gets_nothing_until_resume_and_survives_a_reload(
    live_server: LiveServer, phone: Phone
) -> None:
    """A guest connection made while held starts without tracks; resume gives it the
    camera. A reload offers both technicians anew (the guest's count goes on), and the
    Dutch customer reads who is there in Dutch."""
    call = await start_call(live_server, phone)
    page, status = call.page, call.page.locator("#status")
    hold = f"/sessions/{call.session_id}/hold"
    try:
        live_server.api("POST", hold, call.owner.token).raise_for_status()
        await expect(status).to_have_text(HOLD_TEXT)
        await join_guest(live_server, call.owner, call.session_id, call.guest)
        await wait_js(page, "lensDebug.guest.connectionState === 'connected'", timeout=30)
        assert await page.evaluate("lensDebug.guest.sentCamera") is None
        before = await page.evaluate("lensDebug.guestSent()")
        await asyncio.sleep(1.5)
        assert await page.evaluate("lensDebug.guestSent()") == before
        assert call.guest_peer.frames_received == 0

        resume = f"/sessions/{call.session_id}/resume"
        live_server.api("POST", resume, call.owner.token).raise_for_status()
        await expect(status).to_have_text(LIVE_TEXT_TWO)
        await call.guest_peer.wait_for_frames(10, timeout=20)

        owner_generation, guest_generation = call.owner_peer.generation, call.guest_peer.generation
        await page.reload()
        # Said again after the reload, and again when the customer switches language.
        notice = page.locator("#guest-notice")
        await expect(notice).to_contain_text(f"{call.guest.display_name} joined")
        await page.get_by_role("button", name="Schakel over naar Nederlands").click()
        await expect(notice).to_have_text(
            f"{call.guest.display_name} doet mee: een tweede technicus ziet en hoort u nu"
        )
        await expect(status).to_have_text("Uw technici kunnen u nu zien en horen.", timeout=30000)
        await expect(page.locator("#caller-technician")).to_have_text(
            f"Technici: {call.owner.display_name} en {call.guest.display_name}"
        )
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "guest-joined-nl.png"))
        await new_generation_flows(call.owner_peer, owner_generation)
        await new_generation_flows(call.guest_peer, guest_generation)
        assert await page.evaluate("lensDebug.guest.generation") == guest_generation + 1
        left = live_server.api("POST", f"/sessions/{call.session_id}/guest/leave", call.guest.token)
        assert left.status_code == 200, left.text
        await expect(notice).to_have_text(f"{call.guest.display_name} is vertrokken")
        await expect(status).to_have_text("Uw technicus kan u nu zien en horen.")
        await page.screenshot(path=str(SHOTS / "guest-left-nl.png"))
        await page.get_by_role("button", name="Switch to English").click()
        assert phone.errors == []
    finally:
        await call.guest_peer.close()
        await call.owner_peer.close()


async def test_without_webaudio_each_technician_hears_the_microphone_alone(
    live_server: LiveServer, phone: Phone
) -> None:
    """The mix is a nicety: a browser without WebAudio sends both technicians the bare
    microphone track, and the call goes on."""
    await phone.page.add_init_script("delete window.AudioContext;")
    call = await start_call(live_server, phone)
    page = call.page
    try:
        await join_guest(live_server, call.owner, call.session_id, call.guest)
        await wait_js(page, "lensDebug.guest.connectionState === 'connected'", timeout=30)
        voice = await page.evaluate("lensDebug.guest.voice")
        assert voice["failed"] and not voice["mixing"], voice
        assert await page.evaluate("lensDebug.guest.sentAudio") != "MediaStreamAudioDestinationNode"
        await call.guest_peer.wait_for_frames(10, timeout=30)
        await asyncio.sleep(1.0)
        for peer, other in ((call.guest_peer, OWNER_HZ), (call.owner_peer, GUEST_HZ)):
            samples = await hears(peer)
            assert abs(tone_level(samples, MIC_HZ, 48_000)[0] - MIC_HZ) <= 10
            assert share(samples, other) < 0.01
        await wait_js(page, "lensDebug.guest.playing")
        assert phone.errors == []
    finally:
        await call.guest_peer.close()
        await call.owner_peer.close()
