"""Issue 16 C and D on a real server that goes away and comes back: while the console
cannot hear it the list says it may be out of date and the actions that need the
server are off (and say why); after the resync the selection is still there."""

from __future__ import annotations

import asyncio
from pathlib import Path

from console_harness import console_window
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton

from lens_desktop.ui.session_model import SessionTableModel
from tests.qt_fixtures import wait_until

OFFLINE_TIP = "Not available while the console is reconnecting to the server."


def buttons_enabled(window) -> dict[str, bool]:  # type: ignore[no-untyped-def]
    found = {}
    for action in (window.start_action, window.hold_action, window.end_action):
        button = window.toolbar.widgetForAction(action)
        assert isinstance(button, QAbstractButton)
        found[action.text().replace("&", "")] = button.isEnabled()
    return found


async def test_losing_the_server_marks_the_list_stale_and_the_resync_keeps_the_selection(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        live_server.join_waiting(console.tech.token, "Bob")
        await wait_until(lambda: len(window.model.sessions()) == 2)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        await window.tasks.wait_idle()
        window.select_session(session["id"])
        assert buttons_enabled(window) == {"Start": False, "Hold": True, "End": True}
        assert not window.offline_banner.isVisible()

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, live_server.stop)
        await wait_until(lambda: window.offline_banner.isVisible(), timeout=10)
        assert window.offline_banner.text().startswith("Connection to the server lost.")
        assert window.connection_label.text() == "Reconnecting…"
        assert "bold" in window.connection_label.styleSheet()
        assert buttons_enabled(window) == {"Start": False, "Hold": False, "End": False}
        assert window.hold_action.toolTip() == OFFLINE_TIP
        row = window.model.row_of(session["id"])
        status = window.model.index(row, SessionTableModel.STATUS)
        assert window.model.data(status, Qt.ItemDataRole.ToolTipRole).startswith("Out of date")
        shots = artifacts_dir / "console"
        shots.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(shots / "main_window_offline.png"))
        # Enter on a waiting row does nothing while offline either.
        window.select_session(next(s.id for s in window.model.sessions() if s.name == "Bob"))
        window.on_start_action_triggered()
        assert buttons_enabled(window)["Start"] is False
        window.select_session(session["id"])

        await loop.run_in_executor(None, live_server.start)
        await wait_until(lambda: not window.offline_banner.isVisible(), timeout=10)
        await wait_until(lambda: window.connection_label.text().startswith("Connected"))
        assert window.selected_session() is not None
        assert window.selected_session().id == session["id"]  # C: still selected
        assert buttons_enabled(window) == {"Start": False, "Hold": True, "End": True}
        assert window.hold_action.toolTip() == "Hold"
        assert window.model.data(status, Qt.ItemDataRole.ToolTipRole) is None
        assert window.connection_label.styleSheet() == ""
        assert console.row_states() == {"Ann": "active", "Bob": "waiting"}
        assert window.grab().save(str(shots / "main_window_back_online.png"))


async def test_the_selected_row_stays_selected_across_a_resync(
    qtbot, live_server, settings, credentials
) -> None:
    """Issue 16 C: the snapshot after a reconnect used to clear the selection, so Hold
    and End went grey while the session's tab was still open."""
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window, events = console.window, console.services.events
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        await window.tasks.wait_idle()
        assert buttons_enabled(window) == {"Start": False, "Hold": True, "End": True}
        reconnects = events.reconnects
        events.drop_connection()
        await wait_until(lambda: events.reconnects > reconnects and events.state == "connected")
        await wait_until(lambda: console.row_states() == {"Ann": "active"})
        selected = window.selected_session()
        assert selected is not None and selected.id == session["id"]
        assert buttons_enabled(window) == {"Start": False, "Hold": True, "End": True}

        window.table.clearSelection()  # nothing selected: the open tab's row is kept
        events.drop_connection()
        await wait_until(lambda: events.reconnects > reconnects + 1 and events.state == "connected")
        # "connected" comes with the server's ready; the snapshot follows it.
        await wait_until(lambda: window.selected_session() is not None)
        selected = window.selected_session()
        assert selected is not None and selected.id == session["id"]
