"""Issue 18 point 2: transfer, with a Chromium customer (fake camera clip whose frames
carry a counter), a first technician who is a real aiortc peer (tests/technician_peer.py)
and a second who is the real console (ConsoleApp, offscreen).

Accepted: the console shows the Incoming transfer with the comment, Accept opens a tab,
and the phone's video reaches it through a new peer connection with nothing done on
the phone. Declined and timed out: the Incoming bar goes away and the video keeps
reaching the first technician. Screenshots: artifacts/console/transfer-incoming.png,
artifacts/customer/transferring.png.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from lens_customer import CustomerOptions, HeadlessCustomer
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_model import SessionTableModel
from tests.e2e.conftest import MediaFiles, Phone
from tests.e2e.seed_helpers import (
    assert_counting_up,
    painted_counters,
    running_console,
    sign_in,
    status_text,
)
from tests.e2e.test_customer_web import link_path, wait_for_state, walk_to_waiting
from tests.e2e.test_seed_flow import (
    CLIP_FRAMES,
    SMALL,
    chromium_phone,
    seed_media,
    settle_qt,
    start_session,
)
from tests.live_server import LiveServer, Tech
from tests.qt_fixtures import qt_garbage_collected, wait_until
from tests.technician_peer import TechnicianPeer

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected", "seed_media", "settle_qt"]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"
PHONE_SHOTS = SHOTS.parent / "customer"
COMMENT = "Printer shows E-42 after the paper tray; needs a second-line look."
TRANSFERRING_TEXT = "Your technician is passing this session to a colleague. Please stay here."


async def live_with_first_technician(
    server: LiveServer, phone: Phone
) -> tuple[Tech, str, TechnicianPeer]:
    """A session by link, the phone walked to waiting, started by an aiortc technician
    whose peer receives frames."""
    tech = server.technician()
    created = server.create_session(tech.token, "Ann", method="link")
    session_id = created["session"]["id"]
    await phone.page.goto(server.url + link_path(created))
    await walk_to_waiting(phone.page, skip=True)
    await wait_for_state(server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(server.url, tech.token, session_id)
    server.start_session(tech.token, session_id)
    await peer.wait_for_frames(10, timeout=30)
    return tech, session_id, peer


def offer_transfer(server: LiveServer, sender: Tech, session_id: str, to: Tech) -> None:
    receiver_id = server.api("GET", "/me", to.token).json()["id"]
    server.api(
        "POST",
        f"/sessions/{session_id}/transfer",
        sender.token,
        json={"to_technician_id": receiver_id, "comment": COMMENT},
    ).raise_for_status()


async def incoming_shown(window: MainWindow, session_id: str) -> None:
    bar = window.incoming_bar
    await wait_until(lambda: bar.isVisible() and bar.session_id == session_id, timeout=10)
    assert "Incoming transfer from Technician" in bar.text.text()
    assert f"Comment: {COMMENT}" in bar.text.text()
    assert status_text(window, session_id).startswith("Incoming from Technician")


def headless_customer(pin: str, server: str) -> HeadlessCustomer:
    options = CustomerOptions(
        server=server, pin=pin, sources=SMALL, audio_out=False, stats_interval=0
    )
    return HeadlessCustomer(options, report=lambda _line: None)


async def columns_fit(window: MainWindow) -> None:
    """The list's columns have taken their contents' widths (laid out lazily)."""
    table, header = window.table, window.table.horizontalHeader()
    status = SessionTableModel.STATUS
    await wait_until(
        lambda: header.sectionSize(status) >= table.sizeHintForColumn(status), timeout=5
    )


async def frames_still_reach(peer: TechnicianPeer, more: int = 15) -> None:
    frames = peer.frames_received
    await peer.wait_for(lambda: peer.frames_received > frames + more, timeout=20)


async def test_accepted_transfer_moves_the_video_to_the_second_console(
    live_server: LiveServer, settle_qt: Any, seed_media: MediaFiles, tmp_path: Path
) -> None:
    receiver = live_server.technician()
    async with (
        running_console(live_server, tmp_path, audio=False) as console,
        chromium_phone(seed_media) as phone,
    ):
        window = await sign_in(console, live_server, receiver)
        sender, session_id, peer = await live_with_first_technician(live_server, phone)
        try:
            generation = await phone.page.evaluate("lensDebug.generation")
            offer_transfer(live_server, sender, session_id, receiver)
            await incoming_shown(window, session_id)
            await expect(phone.page.get_by_role("status")).to_have_text(TRANSFERRING_TEXT)
            PHONE_SHOTS.mkdir(parents=True, exist_ok=True)
            await phone.page.screenshot(path=str(PHONE_SHOTS / "transferring.png"))
            await frames_still_reach(peer, 5)  # the media stays with the sender meanwhile
            SHOTS.mkdir(parents=True, exist_ok=True)
            await columns_fit(window)
            assert window.grab().save(str(SHOTS / "transfer-incoming.png"))

            window.incoming_bar.accept_button.click()
            await wait_until(lambda: session_id in window.session_tab_widgets, timeout=10)
            pane = window.session_tab_widgets[session_id].video.pane
            await wait_until(lambda: pane.frames_painted >= 5, timeout=30)
            assert_counting_up(await painted_counters(pane, 5), CLIP_FRAMES)
            assert not window.incoming_bar.isVisible()
            # A new peer connection of the next generation, with no tap on the phone.
            assert await phone.page.evaluate("lensDebug.generation") == generation + 1
            await expect(phone.page.get_by_role("status")).to_have_text(
                "Your technician can now see and hear you."
            )
            caller = phone.page.locator("#caller-technician")
            await expect(caller).to_contain_text(receiver.display_name)
            events = live_server.api("GET", f"/sessions/{session_id}/events", receiver.token)
            actions = [e["action"] for e in events.json()["events"]]
            assert actions[-2:] == ["transfer requested", "transfer accepted"]
            # the first technician lost it: its peer gets nothing new
            assert (
                live_server.api("GET", f"/sessions/{session_id}", sender.token).status_code == 404
            )
        finally:
            await peer.close()
        assert await console.quit() == 0


async def test_declined_transfer_stays_with_the_first_technician(
    live_server: LiveServer, settle_qt: Any, seed_media: MediaFiles, tmp_path: Path
) -> None:
    receiver = live_server.technician()
    async with (
        running_console(live_server, tmp_path, audio=False) as console,
        chromium_phone(seed_media) as phone,
    ):
        window = await sign_in(console, live_server, receiver)
        sender, session_id, peer = await live_with_first_technician(live_server, phone)
        try:
            generation = await phone.page.evaluate("lensDebug.generation")
            offer_transfer(live_server, sender, session_id, receiver)
            await incoming_shown(window, session_id)
            window.incoming_bar.decline_button.click()
            await wait_for_state(live_server, sender.token, session_id, "active")
            await wait_until(lambda: window.model.row_of(session_id) is None, timeout=10)
            assert not window.incoming_bar.isVisible() and window.session_tab_widgets == {}
            await frames_still_reach(peer)
            assert await phone.page.evaluate("lensDebug.generation") == generation
            await expect(phone.page.get_by_role("status")).to_have_text(
                "Your technician can now see and hear you."
            )
        finally:
            await peer.close()
        assert await console.quit() == 0


async def test_unanswered_transfer_times_out_back_to_the_first_technician(
    live_server: LiveServer, settle_qt: Any, seed_media: MediaFiles, tmp_path: Path
) -> None:
    live_server.restart(transfer_timeout_seconds=3)
    receiver = live_server.technician()
    async with (
        running_console(live_server, tmp_path, audio=False) as console,
        chromium_phone(seed_media) as phone,
    ):
        window = await sign_in(console, live_server, receiver)
        sender, session_id, peer = await live_with_first_technician(live_server, phone)
        try:
            offer_transfer(live_server, sender, session_id, receiver)
            await incoming_shown(window, session_id)
            await wait_for_state(live_server, sender.token, session_id, "active", timeout=15)
            await wait_until(lambda: not window.incoming_bar.isVisible(), timeout=10)
            assert window.model.row_of(session_id) is None
            await frames_still_reach(peer)
            events = live_server.api("GET", f"/sessions/{session_id}/events", sender.token)
            last = events.json()["events"][-1]
            assert (last["actor"], last["action"]) == ("system", "transfer timed out")
        finally:
            await peer.close()
        assert await console.quit() == 0


async def test_two_consoles_hand_a_session_over_through_their_windows(
    live_server: LiveServer, settle_qt: Any, tmp_path: Path
) -> None:
    """Both technicians on the real console (the customer headless, to keep it light):
    Transfer in the sender's tab, the dialog, Accept in the receiver's bar; the sender's
    tab closes and the receiver's paints the customer's picture."""
    sender, receiver = live_server.technician(), live_server.technician()
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        running_console(live_server, tmp_path / "a", audio=False) as first,
        running_console(live_server, tmp_path / "b", audio=False) as second,
    ):
        window_a = await sign_in(first, live_server, sender)
        window_b = await sign_in(second, live_server, receiver)
        created = live_server.create_session(sender.token, "Bob")["session"]
        customer = headless_customer(created["pin"], live_server.url)
        try:
            await customer.join()
            await wait_until(lambda: window_a.model.row_of(created["id"]) is not None, timeout=10)
            await wait_for_state(live_server, sender.token, created["id"], "waiting")
            tab_a = await start_session(window_a, created["id"])
            await wait_until(lambda: tab_a.video.pane.frames_painted >= 3, timeout=20)

            tab_a.transfer.button.click()
            dialog = tab_a.transfer.dialog
            assert dialog is not None
            await wait_until(lambda: dialog.targets.count() == 1, timeout=10)
            assert dialog.targets.item(0).text().endswith("— online")
            dialog.targets.item(0).setSelected(True)
            dialog.comment.setPlainText("Over to you")
            dialog.send_button.click()
            await wait_until(lambda: tab_a.transfer.button.text() == "Cancel transf&er", timeout=10)
            assert status_text(window_a, created["id"]).startswith("Transferring to Technician")

            await wait_until(lambda: window_b.incoming_bar.isVisible(), timeout=10)
            window_b.incoming_bar.accept_button.click()
            await wait_until(lambda: created["id"] in window_b.session_tab_widgets, timeout=10)
            pane = window_b.session_tab_widgets[created["id"]].video.pane
            await wait_until(lambda: pane.frames_painted >= 5, timeout=20)
            await wait_until(lambda: window_a.session_tab_widgets == {}, timeout=10)
            assert window_a.model.row_of(created["id"]) is None
            assert "is now with Technician" in window_a.statusBar().currentMessage()
        finally:
            await customer.close()
        assert await first.quit() == 0
        assert await second.quit() == 0
