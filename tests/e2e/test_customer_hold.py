"""Issue 15, point 7: a real hold. While the technician holds the session the phone
(Chromium, fake camera and microphone) sends no video and no audio at all: its
outbound RTP byte counters stay flat and the technician (a real aiortc peer) receives
no frames; the phone says so, in English and Dutch. Resume brings both back within a
second. The customer's own pause and mute land in the session's events.

Screenshots: artifacts/customer/hold.png, hold-nl.png."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from playwright.async_api import Page, expect

from tests.e2e.conftest import Phone
from tests.e2e.test_customer_web import HOLD_TEXT, LIVE_TEXT, SHOTS, start_live, wait_js
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

HOLD_TEXT_NL = "Uw technicus heeft de sessie in de wacht gezet. Uw camera en microfoon staan uit."
FLAT_FOR_S = 2.5
RESUME_BAR_S = 1.0


async def sent(page: Page) -> dict[str, int]:
    """Bytes the phone's peer connection has sent so far, read from getStats now."""
    return {kind: count for kind, (count, _) in (await sent_counts(page)).items()}


async def sent_counts(page: Page) -> dict[str, tuple[int, int]]:
    """{video, audio}: (bytesSent, packetsSent) of the phone's outbound RTP, now."""
    numbers: dict[str, Any] = await page.evaluate("lensDebug.sent()")
    return {
        kind: (int(numbers[kind]["bytesSent"]), int(numbers[kind]["packetsSent"]))
        for kind in ("video", "audio")
    }


async def events(server: LiveServer, token: str, session_id: str) -> list[tuple[str, str]]:
    response = server.api("GET", f"/sessions/{session_id}/events", token)
    assert response.status_code == 200, response.text
    return [(e["actor"], e["action"]) for e in response.json()["events"]]


async def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"))


async def check_pause_and_mute_are_logged(
    page: Page, server: LiveServer, token: str, session_id: str
) -> None:
    for name in ("Pause camera", "Resume camera", "Mute", "Unmute"):
        await page.get_by_role("button", name=name).click()
    wanted = [
        ("customer", "camera_paused"),
        ("customer", "camera_resumed"),
        ("customer", "mic_muted"),
        ("customer", "mic_unmuted"),
    ]
    deadline = time.monotonic() + 5
    while (await events(server, token, session_id))[-4:] != wanted:
        assert time.monotonic() < deadline, await events(server, token, session_id)
        await asyncio.sleep(0.1)
    await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT)


async def check_hold_sends_nothing(page: Page, peer: TechnicianPeer, ready: str) -> None:
    """Once ``ready`` holds on the page: video and audio bytes and packets sent stay
    flat for FLAT_FOR_S, and no frame reaches the technician."""
    await wait_js(page, ready, timeout=30)
    await asyncio.sleep(0.3)  # packets already on the wire when the tracks went
    first, frames = await sent_counts(page), peer.frames_received
    samples = [first]
    started = time.monotonic()
    while time.monotonic() - started < FLAT_FOR_S:
        await asyncio.sleep(0.25)
        samples.append(await sent_counts(page))
    assert all(sample == first for sample in samples), samples
    assert peer.frames_received == frames


async def resume_and_time_it(
    page: Page, server: LiveServer, token: str, session_id: str, peer: TechnicianPeer
) -> str:
    """Resume: the phone's video and audio bytes grow again and the technician gets a
    frame, each within RESUME_BAR_S of asking; returns the figures as a line."""
    held = await sent(page)
    frames = peer.frames_received
    asked = time.monotonic()
    server.api("POST", f"/sessions/{session_id}/resume", token).raise_for_status()
    while True:
        now = await sent(page)
        if now["video"] > held["video"] and now["audio"] > held["audio"]:
            break
        assert time.monotonic() - asked < RESUME_BAR_S, (held, now)
        await asyncio.sleep(0.02)
    bytes_s = time.monotonic() - asked
    await peer.wait_for(lambda: peer.frames_received > frames, timeout=RESUME_BAR_S)
    first_frame_s = time.monotonic() - asked
    assert first_frame_s < RESUME_BAR_S
    await peer.wait_for(lambda: peer.frames_received > frames + 5, timeout=5)
    five_s = time.monotonic() - asked
    await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT)
    dimmed = "document.getElementById('preview').classList.contains('held')"
    assert not await page.evaluate(dimmed)
    return (
        f"bytes again after {bytes_s * 1000:.0f} ms, the technician's first frame after "
        f"{first_frame_s * 1000:.0f} ms, 5 frames after {five_s * 1000:.0f} ms"
    )


async def test_hold_stops_camera_and_microphone_and_resume_brings_them_back(
    live_server: LiveServer, phone: Phone
) -> None:
    page = phone.page
    tech, session_id, peer = await start_live(live_server, phone)
    hold = f"/sessions/{session_id}/hold"
    try:
        status = page.get_by_role("status")
        await expect(status).to_have_text(LIVE_TEXT, timeout=30000)
        await peer.wait_for(lambda: peer.frames_received > 10, timeout=30)
        before = await sent(page)
        await asyncio.sleep(0.5)
        flowing = await sent(page)
        assert flowing["video"] > before["video"] and flowing["audio"] > before["audio"]

        live_server.api("POST", hold, tech.token).raise_for_status()
        await expect(status).to_have_text(HOLD_TEXT)
        # The customer's own picture dims, as when they pause it themselves.
        assert await page.evaluate("document.getElementById('preview').classList.contains('held')")
        await check_hold_sends_nothing(page, peer, "lensDebug.timing.holdMs !== undefined")
        await shoot(page, "hold")
        # The Dutch customer reads the same, in Dutch.
        await page.get_by_role("button", name="Schakel over naar Nederlands").click()
        await expect(status).to_have_text(HOLD_TEXT_NL)
        await shoot(page, "hold-nl")
        await page.get_by_role("button", name="Switch to English").click()
        await expect(status).to_have_text(HOLD_TEXT)
        first = await resume_and_time_it(page, live_server, tech.token, session_id, peer)
        timing = await page.evaluate("lensDebug.timing")

        # Held again, and the customer reloads: the new connection starts without
        # tracks, and resume gives that connection the camera and microphone.
        live_server.api("POST", hold, tech.token).raise_for_status()
        await expect(status).to_have_text(HOLD_TEXT)
        generation = peer.generation
        await page.reload()
        await expect(status).to_have_text(HOLD_TEXT, timeout=30000)
        await peer.wait_for(lambda: peer.generation > generation, timeout=30)
        await check_hold_sends_nothing(
            page, peer, "lensDebug.held && lensDebug.linkState === 'live'"
        )
        second = await resume_and_time_it(page, live_server, tech.token, session_id, peer)
        print(
            f"hold: senders dropped {timing['holdMs']:.1f} ms after the push; resume: {first} "
            f"(senders back {timing['resumeMs']:.1f} ms after the push); after a reload "
            f"while held: {second}"
        )

        await check_pause_and_mute_are_logged(page, live_server, tech.token, session_id)
        assert phone.errors == []
    finally:
        await peer.close()
