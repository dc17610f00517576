"""Time-outs per group, as the console shows them (issue 18 point 1), on real parts: the
signed-in console against a live server whose technician's group has short time-outs.
A waiting customer's row turns red and counts down to the waiting time-out (the
screenshot), then the list and status bar say which time-out ended it. A headless
customer's live video keeps an active session past its idle time-out (the console
reports it); once the video stops the session times out, pushed to the console and
to the phone, and the console says why."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from keyring.backends import fail
from PySide6.QtCore import QSettings, Qt

from lens_customer import CustomerOptions, HeadlessCustomer
from lens_customer.sources import MediaSources
from lens_desktop.app import ConsoleApp
from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_model import URGENT_BACKGROUND, SessionTableModel
from tests.fakes import RecordingPrompter
from tests.integration.test_console_picture_stall import StoppableTrack
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NO_AUDIO = AudioStatus(False, "Audio unavailable: no sound device on this test machine.")


def group_timeouts(live_server: LiveServer, token: str, group: str, **values: int) -> None:
    answer = live_server.api("PUT", f"/admin/groups/{group}/timeouts", token, json=values)
    assert answer.status_code == 200, answer.text


async def signed_in(console: ConsoleApp, tech: Any, live_server: LiveServer) -> MainWindow:
    await wait_until(lambda: console.sign_in_dialog is not None)
    dialog = console.sign_in_dialog
    dialog.email.setText(tech.email)
    dialog.password.setText(tech.password)
    dialog.sign_in_button.click()
    await wait_until(lambda: console.window is not None)
    window = console.window
    await wait_until(lambda: window.connection_label.text() == f"Connected to {live_server.url}")
    return window


def status_of(model: SessionTableModel, session_id: str) -> str:
    row = model.row_of(session_id)
    return "" if row is None else str(model.data(model.index(row, model.STATUS)))


@asynccontextmanager
async def console_for(
    qapp: Any, live_server: LiveServer, tech: Any, tmp_path: Path, prompter: RecordingPrompter
) -> AsyncIterator[tuple[MainWindow, asyncio.Future[int]]]:
    """The whole console (ConsoleApp), signed in as ``tech``: (window, its run)."""
    qapp.setQuitOnLastWindowClosed(False)
    console = ConsoleApp(
        settings=QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat),
        credentials=CredentialStore(service="lens-timeouts-it", backend=fail.Keyring()),
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=NO_AUDIO,
        audio_factory=lambda _settings: None,
        prompter=prompter,
        server_url=live_server.url,
    )
    run = asyncio.ensure_future(console.run())
    try:
        yield await signed_in(console, tech, live_server), run
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)


def group_of(tech: Any) -> str:
    return f"group-{tech.email.removeprefix('tech').split('@')[0]}"


async def test_pin_validity_and_connecting_timeouts_say_which_in_the_list(
    qapp: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician()
    group_timeouts(live_server, tech.token, group_of(tech), pin_validity=2, connecting=3)
    prompter = RecordingPrompter()
    async with console_for(qapp, live_server, tech, tmp_path, prompter) as (window, run):
        model = window.model
        unused = live_server.create_session(tech.token, "Cid")["session"]
        joined = live_server.create_session(tech.token, "Dee")["session"]
        assert live_server.redeem(pin=joined["pin"]).status_code == 200
        await wait_until(lambda: status_of(model, unused["id"]) == "Expired", timeout=8)
        cell = model.index(model.row_of(unused["id"]), SessionTableModel.STATUS)
        assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == (
            "The session with Cid expired: the PIN and link were not used within 2 seconds."
        )
        await wait_until(lambda: status_of(model, joined["id"]) == "Timed out", timeout=8)
        dee_said = (
            "The session with Dee timed out: the customer joined but did not accept "
            "the licence within 3 seconds."
        )
        assert window.statusBar().currentMessage() == dee_said
        cell = model.index(model.row_of(joined["id"]), SessionTableModel.STATUS)
        assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == dee_said
        assert prompter.notices == []  # neither had a tab: the list and status bar say it
        window.close()
        assert await asyncio.wait_for(run, 10) == 0


async def test_waiting_row_turns_red_with_time_left_then_idle_time_out_ends_a_live_session(
    qapp: Any, live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    tech = live_server.technician()
    group_timeouts(live_server, tech.token, group_of(tech), waiting=8, waiting_warning=2, idle=2)
    prompter = RecordingPrompter()
    customer: HeadlessCustomer | None = None
    track = StoppableTrack()
    async with console_for(qapp, live_server, tech, tmp_path, prompter) as (window, run):
        try:
            model = window.model
            window.resize(900, 420)
            later = live_server.create_session(tech.token, "Ann")["session"]
            bob, _ = await asyncio.to_thread(live_server.join_waiting, tech.token, "Bob")

            # The waiting warning: red, bold, and the time left before the waiting time-out.
            await wait_until(lambda: model.is_urgent(bob["id"]), timeout=6)
            await wait_until(lambda: "times out in 00:0" in status_of(model, bob["id"]), timeout=2)
            assert re.fullmatch(r"Waiting, times out in 00:0[0-6]", status_of(model, bob["id"]))
            row = model.row_of(bob["id"])
            cell = model.index(row, SessionTableModel.NAME)
            assert model.data(cell, Qt.ItemDataRole.BackgroundRole).color() == URGENT_BACKGROUND
            assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == (
                "The customer has waited long. Start the session, or it ends by itself after "
                "8 seconds of waiting."
            )
            assert not model.is_urgent(later["id"])
            window.table.clearSelection()
            shots = artifacts_dir / "console"
            shots.mkdir(parents=True, exist_ok=True)
            assert window.grab().save(str(shots / "waiting_row_red.png"))

            # The waiting time-out: the row says "Timed out" and the status bar says why.
            await wait_until(lambda: status_of(model, bob["id"]) == "Timed out", timeout=10)
            bob_said = "The session with Bob timed out: it waited 8 seconds without being started."
            assert window.statusBar().currentMessage() == bob_said
            bob_row = model.index(model.row_of(bob["id"]), SessionTableModel.STATUS)
            assert model.data(bob_row, Qt.ItemDataRole.ToolTipRole) == bob_said

            # The idle time-out: video keeps the session alive past it, then stops.
            options = CustomerOptions(
                server=live_server.url, pin=later["pin"], audio_out=False, stats_interval=0
            )
            customer = HeadlessCustomer(
                options, sources=MediaSources(video=track), report=lambda _line: None
            )
            await customer.join()
            await wait_until(lambda: status_of(model, later["id"]).startswith("Waiting"))
            window.select_session(later["id"])
            window.start_action.trigger()
            await wait_until(lambda: later["id"] in window.session_tab_widgets)
            tab = window.session_tab_widgets[later["id"]]
            await customer.wait_active()
            await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=15)
            await asyncio.sleep(5)  # two and a half idle time-outs with video
            assert customer.state == "active" and status_of(model, later["id"]) == "Active"
            assert tab.activity.reports >= 3

            track.sending = False  # the camera's picture stops; nobody touches the console
            pane = tab.video.pane
            await wait_until(lambda: "this session ends in" in pane.overlay, timeout=5)
            assert pane.overlay.endswith(
                "No video and no action: this session ends in 00:01 unless you use it."
            )
            assert tab.grab().save(str(shots / "idle_warning.png"))
            await customer.wait_state("timed_out", timeout=10)
            await wait_until(lambda: window.session_tab_widgets == {}, timeout=5)
            assert prompter.notices[-1] == (
                "The session with Ann timed out: no video and no action for 2 seconds."
            )
            events = live_server.api("GET", f"/sessions/{later['id']}/events", tech.token).json()
            last = events["events"][-1]
            assert (last["actor"], last["action"], last["state"]) == ("system", "idle", "timed_out")
            assert "active idle time-out 2 s" in last["detail"]

            window.close()
            assert await asyncio.wait_for(run, 10) == 0
        finally:
            if customer is not None:
                await customer.close()
