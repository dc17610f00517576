"""The main window on a real server: pushed list updates, Start/Hold/End, tabs, closing."""

from __future__ import annotations

from pathlib import Path

from console_harness import console_window
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtTest import QTest
from ui_factories import RecordingPrompter, draw_test_frame

from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_model import SessionTableModel
from lens_desktop.ui.video_pane import fit_rect
from tests.qt_fixtures import wait_until


async def test_a_waiting_customer_appears_in_the_list_with_a_notice(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        assert window.connection_label.text() == f"Connected to {live_server.url}"
        live_server.create_session(console.tech.token, "Bob")
        await wait_until(lambda: console.row_states() == {"Bob": "connecting"})
        live_server.join_waiting(console.tech.token, "Ann Smith")
        await wait_until(lambda: console.row_states().get("Ann Smith") == "waiting")
        assert console.notices.values == ["Customer waiting"]
        assert console.notices.emissions[0][1] == "Ann Smith is waiting for you."
        row = window.model.row_of(
            next(s.id for s in window.model.sessions() if s.name == "Ann Smith")
        )
        assert window.model.data(window.model.index(row, SessionTableModel.STATUS)) == "Waiting"
        window.table.selectRow(row)
        assert window.start_action.isEnabled() and not window.hold_action.isEnabled()
        (artifacts_dir / "console").mkdir(exist_ok=True)
        window.grab().save(str(artifacts_dir / "console" / "main_window_waiting.png"))


async def test_enter_starts_the_selected_session_in_a_tab_named_after_the_customer(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.table.setFocus()
        QTest.keyClick(window.table, Qt.Key.Key_Return)
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        await window.tasks.wait_idle()
        assert window.session_tabs.tabText(0) == "Ann"
        state = live_server.api("GET", f"/sessions/{session['id']}", console.tech.token).json()[
            "state"
        ]
        assert state == "active"
        tab = window.session_tab_widgets[session["id"]]
        assert tab.video.pane.overlay == "Connecting…"
        assert tab.audio_note.text() == "Audio unavailable: this test machine has no sound device."
        assert not tab.mic_mute.isEnabled()
        frame = draw_test_frame()
        tab.on_peer_frame_ready(frame)
        assert tab.video.pane.overlay == ""  # the picture says it is connected
        tab.show_stats.setChecked(True)
        tab.on_peer_stats_changed(
            {
                "resolution": "1280x720",
                "fps": 30.0,
                "bitrate_kbps": 2400.0,
                "packet_loss_pct": 0.0,
                "rtt_ms": 3.2,
            }
        )
        window.grab().save(str(artifacts_dir / "console" / "session_tab.png"))
        assert tab.video.pane.frames_painted == 1
        assert tab.video.pane.last_painted_frame is frame
        assert tab.stats.text().startswith("1280\u00d7720  ·  30 fps  ·  2,400 kbps")


async def test_a_second_start_is_explained_not_thrown(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        first, _ = live_server.join_waiting(console.tech.token, "Ann")
        second, _ = live_server.join_waiting(console.tech.token, "Bob")
        live_server.start_session(console.tech.token, first["id"])
        await wait_until(lambda: console.row_states() == {"Ann": "active", "Bob": "waiting"})
        window.select_session(second["id"])
        window.start_action.trigger()
        await window.tasks.wait_idle()
        assert console.prompter.notices == [
            "You already have an active Lens session (Ann). "
            "End it or put it on hold before starting another."
        ]
        assert window.session_tab_widgets == {}


async def test_a_session_on_hold_frees_start_and_resume_is_explained(
    qtbot, live_server, settings, credentials
) -> None:
    """One *active* session per technician: with Ann on hold, Start on Bob works; then
    Resume on Ann is refused with a message naming Bob, the session that is active."""
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        ann, _ = live_server.join_waiting(console.tech.token, "Ann")
        bob, _ = live_server.join_waiting(console.tech.token, "Bob")
        live_server.start_session(console.tech.token, ann["id"])
        live_server.api("POST", f"/sessions/{ann['id']}/hold", console.tech.token)
        await wait_until(lambda: console.row_states() == {"Ann": "on_hold", "Bob": "waiting"})
        window.select_session(bob["id"])
        window.start_action.trigger()
        await wait_until(lambda: bob["id"] in window.session_tab_widgets)
        await window.tasks.wait_idle()
        assert console.row_states() == {"Ann": "on_hold", "Bob": "active"}
        window.select_session(ann["id"])
        assert window.hold_action.text() == "&Resume"
        window.hold_action.trigger()
        await window.tasks.wait_idle()
        assert console.prompter.notices == [
            "You already have an active Lens session (Bob). "
            "End it or put it on hold before resuming this one."
        ]
        assert console.row_states() == {"Ann": "on_hold", "Bob": "active"}


async def _start_live(console, live_server, name: str):  # type: ignore[no-untyped-def]
    """Starts a waiting session from the window; its tab, showing a test frame."""
    window = console.window
    session, _ = live_server.join_waiting(console.tech.token, name)
    await wait_until(lambda: window.model.row_of(session["id"]) is not None)
    window.select_session(session["id"])
    window.start_action.trigger()
    await wait_until(lambda: session["id"] in window.session_tab_widgets)
    tab = window.session_tab_widgets[session["id"]]
    tab.on_peer_frame_ready(draw_test_frame())
    return session, tab


def _picture(tab) -> QRect:  # type: ignore[no-untyped-def]
    """Where a 1280x720 frame is painted in the tab's video pane."""
    return fit_rect(QSize(1280, 720), tab.video.pane.size())


async def test_a_live_session_shrinks_the_list_and_the_picture_gets_the_room(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    """Issue 16: in an 1100x760 window the list kept a third and the picture got
    756x425 (791x445 here). Now the list shows two rows while a session is live."""
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        window.resize(1100, 760)
        await wait_until(lambda: window.splitter.sizes()[0] > 0)
        browsing = window.splitter.sizes()
        _, tab = await _start_live(console, live_server, "Ann")
        await wait_until(lambda: _picture(tab).width() >= 930)
        picture = _picture(tab)
        assert (picture.width(), picture.height()) >= (930, 523)
        assert window.splitter.sizes()[0] <= 110
        assert window.table.viewport().height() >= 2 * window.table.rowHeight(0)  # 2 rows show
        window.grab().save(str(artifacts_dir / "console" / "live_session_layout.png"))

        window.end_action.trigger()
        await wait_until(lambda: window.session_tab_widgets == {})
        assert window.splitter.sizes() == browsing  # the list gets its room back


async def test_each_layout_keeps_the_technician_s_splitter_sizes(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        window.resize(1100, 760)
        await wait_until(lambda: window.splitter.sizes()[0] > 0)
        window.splitter.setSizes([250, 436])
        browsing = window.splitter.sizes()
        await _start_live(console, live_server, "Ann")
        window.splitter.setSizes([140, 546])
        live = window.splitter.sizes()
        window.end_action.trigger()
        await wait_until(lambda: window.session_tab_widgets == {})
        assert window.splitter.sizes() == browsing
        await _start_live(console, live_server, "Bob")
        assert window.splitter.sizes() == live
        window.save_geometry()
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window  # a new window, as after a restart: sizes from QSettings
        window.resize(1100, 760)
        await wait_until(lambda: window.splitter.sizes()[0] > 0)
        assert window.splitter.sizes()[0] == browsing[0]
        await _start_live(console, live_server, "Cid")
        assert window.splitter.sizes()[0] == live[0]


async def test_the_empty_window_points_to_new_session(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    """With no customer in the list, "select a waiting customer" pointed nowhere."""
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        window.resize(1100, 760)
        assert window.model.rowCount() == 0
        assert window.stack.currentWidget() is window.placeholder
        assert window.placeholder.text() == (
            "No active session.\nTo help a customer, press New Session (Ctrl+N) and invite "
            "them.\nWhen they appear in the list as Waiting, select them and press Start."
        )
        window.grab().save(str(artifacts_dir / "console" / "empty_window.png"))


async def test_hold_resume_and_end_follow_the_server(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        tab = window.session_tab_widgets[session["id"]]
        window.hold_action.trigger()
        await wait_until(lambda: tab.video.pane.overlay == "On hold")
        assert window.hold_action.text() == "&Resume"
        window.hold_action.trigger()
        await wait_until(lambda: tab.session.state == "active")
        assert window.hold_action.text() == "&Hold"
        window.end_action.trigger()
        await wait_until(lambda: window.session_tab_widgets == {})
        await window.tasks.wait_idle()
        assert console.row_states() == {"Ann": "closed_by_technician"}
        assert window.stack.currentWidget() is window.placeholder
        assert console.prompter.notices == []


async def test_customer_hanging_up_closes_the_tab_with_a_message(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, customer = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        assert live_server.api("POST", "/customer/leave", customer).status_code == 200
        await wait_until(lambda: window.session_tab_widgets == {})
        assert console.prompter.notices == ["Ann ended the session."]


async def test_closing_during_a_session_asks_first(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        quits: list[bool] = []
        window.quit_requested.connect(lambda: quits.append(True))
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        console.prompter.answer = False
        assert not window.close()
        assert window.isVisible() and quits == []
        assert "You are in a session with Ann." in console.prompter.questions[0]
        console.prompter.answer = True
        assert window.close()
        assert quits == [True]


async def test_ctrl_n_opens_the_new_session_dialog(
    qtbot, live_server, settings, credentials
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert window.new_session_dialog is not None
        assert window.new_session_dialog.isVisible()
        window.new_session_dialog.reject()


async def test_window_geometry_is_restored(qtbot, live_server, settings, credentials) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        console.window.resize(720, 520)
        console.window.splitter.setSizes([300, 300])
        console.window.save_geometry()
        services = console.services
    again = MainWindow(services, settings, RecordingPrompter())
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (720, 520)
    assert settings.value("main_window/splitter") is not None
