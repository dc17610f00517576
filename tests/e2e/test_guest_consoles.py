"""Issue 18 point 3 end to end: a second technician. Debian's Chromium is the customer
(the fake camera's counted clip and a fake tone), the owner and the colleague are two
real consoles (ConsoleApp, each with its PeerSession and its AudioEngine on the null
sink). The owner invites through the dialog, the colleague joins from the invitation
bar; the phone then makes a second peer connection to the colleague's console, whose
guest tab paints the customer's frames while the owner's goes on painting them; the
colleague's drawing and pointer land on the phone's guest layer; the colleague's group
forcing recording does not make its console record the owner's session; and each console
plays the customer's tone (told apart by muting the other's speaker).
Leave closes the guest's tab and the owner's picture goes on.

The tone is 770 Hz, not the usual 440 Hz: other tests on this shared machine play 440
Hz into the same null sink, and this test must know whose speaker it hears.
Screenshots: artifacts/console/guest-live-owner.png, guest-live-guest.png,
artifacts/customer/guest-joined.png.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from lens_customer.pattern import write_tone_wav, write_y4m
from lens_desktop.ui.session_tab import SessionTab
from tests.e2e.conftest import MediaFiles
from tests.e2e.seed_helpers import (
    SinkListener,
    assert_counting_up,
    painted_counters,
    running_console,
    sign_in,
    wait_for_state,
    wait_js,
)
from tests.e2e.test_customer_web import LIVE_TEXT, link_path, walk_to_waiting
from tests.e2e.test_seed_flow import chromium_phone, settle_qt, start_session
from tests.integration.test_console_forced_recording import force_recording
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected", "settle_qt"]  # fixtures, for this module too

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
PHONE_SHOTS = SHOTS.parent / "customer"
CLIP_FPS = 30
CLIP_FRAMES = 60
TONE = 770.0
COMMENT = "Second opinion on the wiring, please."


@pytest.fixture(scope="module")
def guest_media(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    """A small counted clip (two aiortc decoders run on a busy machine) and a pure tone."""
    folder = tmp_path_factory.mktemp("guest-media")
    clip = write_y4m(folder / "pattern-360p.y4m", 640, 360, CLIP_FPS, CLIP_FRAMES / CLIP_FPS)
    return MediaFiles(clip, write_tone_wav(folder / "tone-770.wav", freq=TONE, seconds=5.0))


async def painting(tab: SessionTab, more: int = 5) -> None:
    """The tab's pane paints new frames of the clip, its counter going up."""
    pane = tab.video.pane
    wanted = pane.frames_painted + more
    await wait_until(lambda: pane.frames_painted >= wanted, timeout=30)
    assert_counting_up(await painted_counters(pane, 4), CLIP_FRAMES)


def set_speaker(tab: SessionTab, on: bool) -> None:
    if tab.speaker_mute.isChecked() == on:
        tab.speaker_mute.click()  # the tab's Mute speaker, as the technician presses it


async def heard_from(listener: SinkListener, playing: SessionTab, other: SessionTab) -> None:
    """Both speakers muted until the sink is quiet, then this console's alone on: the
    tone the sink plays then is this console's."""
    set_speaker(playing, False)
    set_speaker(other, False)
    await wait_until(lambda: not listener.hears(TONE), timeout=10, interval=0.05)
    set_speaker(playing, True)
    await wait_until(lambda: listener.hears(TONE), timeout=20, interval=0.05)


async def invite_through_the_dialog(tab: SessionTab, guest_name: str) -> None:
    tab.guest_control.button.click()
    dialog = tab.guest_control.dialog
    assert dialog is not None
    await wait_until(lambda: dialog.targets.count() == 1, timeout=10)
    assert dialog.targets.item(0).text().startswith(f"{guest_name} <")
    dialog.targets.item(0).setSelected(True)
    dialog.comment.setPlainText(COMMENT)
    dialog.send_button.click()
    await wait_until(lambda: tab.guest_control.status.text() == f"Inviting {guest_name}…")


@pytest.mark.audio
@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform's tooltip
async def test_both_consoles_see_and_hear_the_chromium_customer(
    live_server: LiveServer, settle_qt: Any, guest_media: MediaFiles, tmp_path: Path
) -> None:
    owner, colleague = live_server.technician(), live_server.technician()
    force_recording(live_server, colleague.email)  # the colleague's own sessions, not this
    (tmp_path / "owner").mkdir()
    (tmp_path / "guest").mkdir()
    listener = SinkListener()
    listener.start()
    try:
        async with (
            running_console(live_server, tmp_path / "owner", audio=True) as first,
            running_console(live_server, tmp_path / "guest", audio=True) as second,
            chromium_phone(guest_media) as phone,
        ):
            window_a = await sign_in(first, live_server, owner)
            window_b = await sign_in(second, live_server, colleague)
            created = live_server.create_session(owner.token, "Ann Smith", method="link")
            session_id = created["session"]["id"]
            page = phone.page
            await page.goto(live_server.url + link_path(created))
            await walk_to_waiting(page, skip=True)
            await wait_for_state(window_a, session_id, "waiting", timeout=15)
            owner_tab: SessionTab = await start_session(window_a, session_id)
            await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
            await painting(owner_tab)

            await invite_through_the_dialog(owner_tab, colleague.display_name)
            bar = window_b.guests.bar
            await wait_until(lambda: bar.isVisible() and bar.session_id == session_id, timeout=10)
            assert COMMENT in bar.text.text()
            bar.accept_button.click()
            await wait_until(lambda: session_id in window_b.session_tab_widgets, timeout=10)
            guest_tab = window_b.session_tab_widgets[session_id]
            assert guest_tab.guest_mode

            # Both pictures: the phone's second peer connection reaches the colleague,
            # and the owner's keeps painting.
            await painting(guest_tab)
            await painting(owner_tab)
            await expect(page.locator("body")).to_contain_text(colleague.display_name)
            SHOTS.mkdir(parents=True, exist_ok=True)
            PHONE_SHOTS.mkdir(parents=True, exist_ok=True)
            assert window_a.grab().save(str(SHOTS / "guest-live-owner.png"))
            assert window_b.grab().save(str(SHOTS / "guest-live-guest.png"))
            await page.screenshot(path=str(PHONE_SHOTS / "guest-joined.png"))

            # The guest draws and points over its own connection: the phone's guest layer.
            guest_tab.annotations.add("marker", [(0.3, 0.6)], colour="#2979ff")
            assert guest_tab.annotation_link.send_pointer(0.7, 0.25)
            await wait_js(page, "lensDebug.guest.annotations.ids.length === 1", timeout=10)
            await wait_js(page, "lensDebug.guest.annotations.pointer !== null", timeout=10)
            pointer = await page.evaluate("lensDebug.guest.annotations.pointer")
            assert abs(pointer["x"] - 0.7) < 0.01 and abs(pointer["y"] - 0.25) < 0.01
            owner_layer = await page.evaluate("lensDebug.annotations")
            assert owner_layer["ids"] == [] and owner_layer["pointer"] is None
            # The session is the owner's: the colleague's forced recording does not apply
            # (the guest's control channel is open: the drawing came over it).
            assert guest_tab.recording.recorder is None and not guest_tab.recording.forced
            events = live_server.api("GET", f"/sessions/{session_id}/events", owner.token)
            assert not [e for e in events.json()["events"] if "recording" in e["action"]]

            # Both voices: each console plays the customer's tone on its own.
            await heard_from(listener, guest_tab, owner_tab)
            await heard_from(listener, owner_tab, guest_tab)
            assert all(engine.frames_played > 0 for engine in first.engines + second.engines)

            # The colleague leaves: the tab closes, the owner's picture goes on.
            assert guest_tab.visit is not None
            guest_tab.visit.leave_button.click()
            await wait_until(lambda: window_b.session_tab_widgets == {}, timeout=20)
            await wait_until(lambda: not owner_tab.guest_control.status.isVisible(), timeout=10)
            await painting(owner_tab)
            assert phone.errors == []
            assert await second.quit() == 0
            assert await first.quit() == 0
    finally:
        listener.close()
