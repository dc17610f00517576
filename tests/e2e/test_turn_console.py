"""Media through coturn only, to the real console: the console (ConsoleApp with its
PeerSession and AudioEngine on the PulseAudio null sink, as in test_seed_flow.py) signs
in and takes its TURN credentials from /config; the Chromium customer is told to use
relay candidates only. The console paints the customer's counted frames and plays
the customer's tone, the phone's media path is a coturn relay, and coturn's log shows
both allocations under the ids Lens gave them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from lens_customer.pattern import write_tone_wav, write_y4m
from tests.coturn import running_coturn
from tests.e2e.conftest import MediaFiles
from tests.e2e.seed_helpers import SinkListener, running_console, sign_in, wait_for_state, wait_js
from tests.e2e.test_seed_flow import (
    CLIP_FPS,
    CLIP_FRAMES,
    CUSTOMER_TONE,
    check_customer_sound_reaches_console,
    check_live_video,
    chromium_phone,
    start_session,
    walk_to_waiting,
)
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser, pytest.mark.audio]
__all__ = ["qt_garbage_collected"]  # an autouse fixture, for this module too

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "turn"


@pytest.fixture
def turn_media(tmp_path: Path) -> MediaFiles:
    clip = write_y4m(tmp_path / "pattern-360p.y4m", 640, 360, CLIP_FPS, CLIP_FRAMES / CLIP_FPS)
    tone = write_tone_wav(tmp_path / "tone-660.wav", freq=CUSTOMER_TONE, seconds=5.0)
    return MediaFiles(clip, tone)


async def test_relay_only_customer_gives_the_console_video_and_sound_through_coturn(
    live_server: LiveServer, qapp: Any, turn_media: MediaFiles, tmp_path: Path
) -> None:
    qapp.setQuitOnLastWindowClosed(False)  # as app.main() sets it up
    listener = SinkListener()
    listener.start()
    try:
        with running_coturn(tmp_path / "coturn") as coturn:
            live_server.restart(
                turn_secret=coturn.secret,
                turn_urls=tuple(coturn.urls),
                turn_credential_lifetime_seconds=600,
                ice_transport_policy="relay",
            )
            tech = live_server.technician()
            tech_id = live_server.api("GET", "/me", tech.token).json()["id"]
            async with (
                running_console(live_server, tmp_path / "console", audio=True) as console,
                chromium_phone(turn_media) as phone,
            ):
                window = await sign_in(console, live_server, tech)
                created = live_server.create_session(tech.token, method="link")
                session_id = created["session"]["id"]
                await phone.page.goto(created["session"]["link"])
                await walk_to_waiting(phone.page)
                await wait_for_state(window, session_id, "waiting", timeout=10)

                tab = await start_session(window, session_id)
                await check_live_video(window, tab.video.pane)
                await check_customer_sound_reaches_console(listener, console)
                await expect(phone.page.get_by_role("status")).to_have_text(
                    "Your technician can now see and hear you."
                )

                assert await phone.page.evaluate("lensDebug.iceTransportPolicy") == "relay"
                await wait_js(phone.page, "lensDebug.path !== null")
                path = await phone.page.evaluate("lensDebug.path")
                assert path["local"] == "relay", path
                SHOTS.mkdir(parents=True, exist_ok=True)
                assert window.grab().save(str(SHOTS / "console-live-through-turn.png"))
                await phone.page.screenshot(path=str(SHOTS / "phone-live-relay-only.png"))

                log = coturn.log_text()
                for ident in (f"session-{session_id}", f"technician-{tech_id}"):
                    assert f":{ident}>: incoming packet ALLOCATE processed, success" in log
                assert "Ann" not in log

                window.select_session(session_id)
                live_server.api("POST", f"/sessions/{session_id}/end", tech.token)
                await wait_until(lambda: window.session_tab_widgets == {}, timeout=10)
                assert await console.quit() == 0
                assert phone.errors == []
    finally:
        listener.close()
