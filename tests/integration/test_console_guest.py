"""A second technician (issue 18 point 3) on two real consoles (the owner's and the
colleague's ConsoleApp, offscreen) against a live server: Invite colleague… lists the
colleague, the colleague's console shows the invitation with Join / Decline, Join opens
a tab in guest mode (what a guest has and what it has not), Leave closes it; Decline,
Withdraw, Remove and End each clear the guest and say so; a refused Join says why in
words; an owner without ``invite_technician`` has the action off with the reason. The
customer is REST only here (tests/e2e/test_guest_consoles.py has the phone's media).
Screenshots:
artifacts/console/guest-owner.png, guest-invitation.png, guest-tab.png."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QTabBar, QWidget

from lens_desktop.net.models import GuestInfo, SessionInfo
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_model import SessionTableModel
from lens_desktop.ui.session_tab import SessionTab
from lens_server.models import PERMISSIONS
from tests.e2e.seed_helpers import Console, running_console, sign_in, status_text
from tests.e2e.test_seed_flow import start_session
from tests.live_server import LiveServer, Tech
from tests.qt_fixtures import wait_until

COMMENT = "The router's LEDs: is that the fibre fault?"


@dataclass
class Pair:
    owner: Tech
    guest: Tech
    owner_console: Console
    guest_console: Console
    owner_window: MainWindow
    guest_window: MainWindow
    session_id: str
    tab: SessionTab
    """The owner's tab of the live session."""

    @property
    def guest_tab(self) -> SessionTab | None:
        return self.guest_window.session_tab_widgets.get(self.session_id)


@pytest.fixture(autouse=True)
def quit_by_the_loop(qapp: Any) -> Iterator[None]:
    """As app.main() has it: the loop, not the last closed window, ends the console."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
    qapp.setQuitOnLastWindowClosed(True)


@asynccontextmanager
async def two_consoles(
    server: LiveServer, folder: Path, owner_permissions: list[str] | None = None
) -> AsyncIterator[Pair]:
    """Both technicians signed in on their own console; the owner's session with Ann
    Smith started from the owner's window (its customer joined over REST)."""
    owner = server.technician(owner_permissions)
    guest = server.technician()
    (folder / "owner").mkdir()
    (folder / "guest").mkdir()
    async with (
        running_console(server, folder / "owner", audio=False) as owner_console,
        running_console(server, folder / "guest", audio=False) as guest_console,
    ):
        owner_window = await sign_in(owner_console, server, owner)
        guest_window = await sign_in(guest_console, server, guest)
        session, _customer = server.join_waiting(owner.token, "Ann Smith")
        await wait_until(lambda: owner_window.model.row_of(session["id"]) is not None, timeout=10)
        tab = await start_session(owner_window, session["id"])
        yield Pair(
            owner,
            guest,
            owner_console,
            guest_console,
            owner_window,
            guest_window,
            session["id"],
            tab,
        )
        assert await guest_console.quit() == 0
        assert await owner_console.quit() == 0


def guest_id(server: LiveServer, tech: Tech) -> int:
    return int(server.api("GET", "/me", tech.token).json()["id"])


def invite_over_rest(server: LiveServer, pair: Pair) -> None:
    answer = server.api(
        "POST",
        f"/sessions/{pair.session_id}/guest",
        pair.owner.token,
        json={"to_technician_id": guest_id(server, pair.guest), "comment": COMMENT},
    )
    assert answer.status_code == 200, answer.text


async def invitation_shown(pair: Pair) -> None:
    bar = pair.guest_window.guests.bar
    await wait_until(lambda: bar.isVisible() and bar.session_id == pair.session_id, timeout=10)


async def joined(pair: Pair) -> SessionTab:
    await invitation_shown(pair)
    pair.guest_window.guests.bar.accept_button.click()
    await wait_until(lambda: pair.guest_tab is not None, timeout=10)
    await wait_until(lambda: pair.tab.guest_control.status.text().endswith("is with you"))
    tab = pair.guest_tab
    assert tab is not None
    return tab


def owner_as_the_guest_sees(pair: Pair) -> str:
    """The owner's name, as the session view gives it to the guest's console
    (``technician_name``)."""
    return pair.owner.display_name


def test_the_list_words_a_colleagues_session(qapp: Any) -> None:
    del qapp
    now = datetime.now(UTC)
    guest = GuestInfo(9, "Bob Jones", "invited", "Look at the fuse box", now)
    session = SessionInfo("s1", "lens", "Ann", "active", "pin", "123456", None, None, now, None, now, None, technician_id=3, guest=guest, technician_name="Alice Smith")  # fmt: skip
    model = SessionTableModel()
    model.technician_id = 9
    model.set_sessions([session])
    status = model.index(0, SessionTableModel.STATUS)
    assert status.data() == "Invitation from Alice Smith"
    assert status.data(Qt.ItemDataRole.ToolTipRole) == (
        "Alice Smith's session: you are with them as a guest.\nLook at the fuse box"
    )
    model.apply(replace(session, guest=replace(guest, state="joined")))
    assert status.data() == "With Alice Smith"
    model.technician_id = 3  # the owner's list
    assert status.data() == "Active"
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "Bob Jones is with you"


def shown(widget: QWidget) -> bool:
    """Visible as far as the tab goes (the tab itself is shown)."""
    return not widget.isHidden()


def audit(server: LiveServer, pair: Pair) -> list[tuple[str, str]]:
    answer = server.api("GET", f"/sessions/{pair.session_id}/events", pair.owner.token)
    return [(e["actor"], e["action"]) for e in answer.json()["events"]]


async def test_invite_join_and_leave_through_both_windows(
    live_server: LiveServer, tmp_path: Path, artifacts_dir: Path
) -> None:
    shots = artifacts_dir / "console"
    shots.mkdir(parents=True, exist_ok=True)
    async with two_consoles(live_server, tmp_path) as pair:
        control = pair.tab.guest_control
        owner_window, guest_window = pair.owner_window, pair.guest_window
        assert control.button.isEnabled() and shown(control.button)
        assert "Ctrl+I" in control.button.toolTip()
        assert owner_window.guests.invite_action.isEnabled()
        assert owner_window.guests.invite_action.shortcut().toString() == "Ctrl+I"
        assert not shown(control.status) and not shown(control.remove_button)

        # Ctrl+I (the Session menu's action) opens the dialog of the current tab.
        owner_window.activateWindow()
        await wait_until(lambda: QApplication.activeWindow() is owner_window, timeout=5)
        QTest.keyClick(owner_window, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
        dialog = control.dialog
        assert dialog is not None and dialog.windowTitle() == "Invite a colleague"
        await wait_until(lambda: dialog.targets.count() == 1, timeout=10)
        line = dialog.targets.item(0).text()
        assert line == f"{pair.guest.display_name} <{pair.guest.email}> — online"
        dialog.on_send_clicked()
        assert dialog.error.text() == "Choose the colleague to invite."
        dialog.targets.setFocus()
        dialog.targets.setCurrentRow(0)
        dialog.targets.item(0).setSelected(True)
        dialog.comment.setPlainText(COMMENT)
        assert dialog.send_button.text() == "&Invite"
        dialog.send_button.click()
        await wait_until(lambda: control.dialog is None, timeout=10)
        await wait_until(lambda: control.status.text() == f"Inviting {pair.guest.display_name}…")
        assert shown(control.remove_button) and control.remove_button.text() == "With&draw"
        assert not control.button.isEnabled()
        assert control.button.toolTip().startswith("One colleague at a time")

        # The colleague's console: the invitation, over the list, and the row.
        await invitation_shown(pair)
        bar = guest_window.guests.bar
        owner_name = owner_as_the_guest_sees(pair)
        assert bar.text.text() == f"{owner_name} invites you to join 'Ann Smith': {COMMENT}"
        assert bar.accept_button.text() == "&Join" and bar.decline_button.text() == "Decli&ne"
        assert status_text(guest_window, pair.session_id) == f"Invitation from {owner_name}"
        guest_window.select_session(pair.session_id)
        assert not guest_window.hold_action.isEnabled()
        assert not guest_window.end_action.isEnabled()
        assert guest_window.grab().save(str(shots / "guest-invitation.png"))

        tab = await joined(pair)
        assert tab.guest_mode and not bar.isVisible()
        assert status_text(guest_window, pair.session_id) == f"With {owner_name}"
        # What a guest has: picture, audio, statistics, snapshots, drawing, Leave.
        for widget in (
            tab.video,
            tab.drawing_tools,
            tab.show_stats,
            tab.snapshot_button,
            tab.mic_mute,
            tab.speaker_mute,
            tab.volume,
            tab.view_controls,
        ):
            assert shown(widget), widget
        assert tab.visit is not None and shown(tab.visit.leave_button)
        assert tab.visit.label.text() == f"Guest in {owner_name}'s session"
        # ... and what runs the session stays the owner's.
        for widget in (
            tab.freeze,
            tab.hd_photo.button,
            tab.chat_toggle,
            tab.camera_controls.button,
            tab.recording.button,
            tab.transfer.button,
            tab.guest_control.button,
        ):
            assert not shown(widget), widget
        assert tab.freeze.shortcut().isEmpty() and tab.recording.button.shortcut().isEmpty()
        assert tab.hd_photo.action not in tab.stage.actions()
        assert not guest_window.guests.invite_action.isEnabled()
        index = guest_window.session_tabs.indexOf(tab)
        close = guest_window.session_tabs.tabBar().tabButton(
            index, QTabBar.ButtonPosition.RightSide
        )
        assert close is not None and close.toolTip() == "Leave the colleague's session"
        assert guest_window.grab().save(str(shots / "guest-tab.png"))

        control = pair.tab.guest_control
        assert control.status.text() == f"{pair.guest.display_name} is with you"
        assert control.remove_button.text() == "Rem&ove"
        assert not pair.tab.transfer.button.isEnabled()  # the server refuses it meanwhile
        assert owner_window.grab().save(str(shots / "guest-owner.png"))

        tab.visit.leave_button.click()
        await wait_until(lambda: pair.guest_tab is None, timeout=10)
        await wait_until(lambda: guest_window.model.row_of(pair.session_id) is None)
        assert guest_window.statusBar().currentMessage() == (
            f"You left {owner_name}'s session with Ann Smith."
        )
        assert pair.guest_console.prompter.notices == []
        await wait_until(lambda: not shown(control.status), timeout=10)
        assert control.button.isEnabled() and pair.tab.transfer.button.isEnabled()
        # The guest's console reported nothing of its own: no activity, no alive.
        assert audit(live_server, pair)[-3:] == [
            (f"technician:{pair.owner.email}", "colleague invited"),
            (f"technician:{pair.guest.email}", "colleague joined"),
            (f"technician:{pair.guest.email}", "colleague left"),
        ]


async def test_the_colleague_declines(live_server: LiveServer, tmp_path: Path) -> None:
    async with two_consoles(live_server, tmp_path) as pair:
        invite_over_rest(live_server, pair)
        await invitation_shown(pair)
        bar = pair.guest_window.guests.bar
        bar.decline_button.click()
        await wait_until(lambda: not bar.isVisible(), timeout=10)
        await wait_until(lambda: pair.guest_window.model.row_of(pair.session_id) is None)
        await wait_until(lambda: not shown(pair.tab.guest_control.status), timeout=10)
        assert pair.guest_console.prompter.notices == []
        assert pair.guest_window.session_tab_widgets == {}

        invite_over_rest(live_server, pair)  # again; joined, the tab's close button leaves
        tab = await joined(pair)
        tabs = pair.guest_window.session_tabs
        close = tabs.tabBar().tabButton(tabs.indexOf(tab), QTabBar.ButtonPosition.RightSide)
        assert isinstance(close, QAbstractButton)
        close.click()
        await wait_until(lambda: pair.guest_tab is None, timeout=10)
        await wait_until(lambda: not shown(pair.tab.guest_control.status), timeout=10)
        assert pair.guest_console.prompter.notices == []
        assert audit(live_server, pair)[-1] == (f"technician:{pair.guest.email}", "colleague left")


async def test_the_owner_withdraws_the_invitation(live_server: LiveServer, tmp_path: Path) -> None:
    async with two_consoles(live_server, tmp_path) as pair:
        invite_over_rest(live_server, pair)
        await invitation_shown(pair)
        control = pair.tab.guest_control
        await wait_until(lambda: control.remove_button.text() == "With&draw", timeout=10)
        control.remove_button.click()
        bar = pair.guest_window.guests.bar
        await wait_until(lambda: not bar.isVisible(), timeout=10)
        assert pair.guest_window.model.row_of(pair.session_id) is None
        assert "is no longer open" in pair.guest_window.statusBar().currentMessage()
        await wait_until(lambda: control.button.isEnabled(), timeout=10)


async def test_removed_then_ended_closes_the_guest_tab_with_the_reason(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with two_consoles(live_server, tmp_path) as pair:
        invite_over_rest(live_server, pair)
        await joined(pair)
        owner_name = owner_as_the_guest_sees(pair)
        pair.tab.guest_control.remove_button.click()
        await wait_until(lambda: pair.guest_tab is None, timeout=10)
        notices = pair.guest_console.prompter.notices
        assert notices == [f"{owner_name} ended your visit to 'Ann Smith'."]

        invite_over_rest(live_server, pair)  # again: the owner holds, then ends
        tab = await joined(pair)
        live_server.api("POST", f"/sessions/{pair.session_id}/hold", pair.owner.token)
        await wait_until(lambda: tab.video.pane.overlay == "On hold", timeout=10)
        pair.owner_window.select_session(pair.session_id)
        pair.owner_window.end_action.trigger()
        await wait_until(lambda: pair.guest_tab is None, timeout=10)
        assert notices[-1] == "The session with Ann Smith ended."
        assert pair.guest_window.model.row_of(pair.session_id) is None


async def test_without_the_permission_invite_is_off_and_says_why(
    live_server: LiveServer, tmp_path: Path
) -> None:
    allowed = [p for p in PERMISSIONS if p != "invite_technician"]
    async with two_consoles(live_server, tmp_path, owner_permissions=allowed) as pair:
        control = pair.tab.guest_control
        assert not control.button.isEnabled()
        assert control.button.toolTip() == (
            "Your group is not allowed to invite colleagues into a session "
            "(permission invite_technician)."
        )
        action = pair.owner_window.guests.invite_action
        assert not action.isEnabled() and action.toolTip() == control.button.toolTip()
        action.trigger()
        assert control.dialog is None


async def test_joining_with_an_active_session_of_ones_own_is_refused_in_words(
    live_server: LiveServer, tmp_path: Path
) -> None:
    async with two_consoles(live_server, tmp_path) as pair:
        own, _customer = live_server.join_waiting(pair.guest.token, "Bea Own")
        live_server.start_session(pair.guest.token, own["id"])
        invite_over_rest(live_server, pair)
        await invitation_shown(pair)
        bar = pair.guest_window.guests.bar
        bar.accept_button.click()
        notices = pair.guest_console.prompter.notices
        await wait_until(lambda: len(notices) == 1, timeout=10)
        assert notices[0] == (
            "You already have an active Lens session (Bea Own). "
            "End it or put it on hold before joining a colleague's session."
        )
        assert pair.guest_tab is None
        await wait_until(lambda: bar.accept_button.isEnabled(), timeout=5)  # to try again
        assert bar.isVisible()
