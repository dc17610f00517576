"""A group that forces recording (issue 15 point 4, docs/decisions/0036): the console
records the session by itself when the customer connects, with no click and without
``record_sessions``; the button says it is required and cannot stop it; the phone is
told; a folder that cannot be written says so and the next folder from Settings
starts it; the audit log says the recording was forced."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolTip

from lens_customer.sources import PatternVideoTrack, ToneAudioTrack
from lens_desktop.net.client import ServerClient
from lens_desktop.net.models import SessionInfo, Technician
from lens_desktop.ui.session_tab import SessionTab
from lens_server import admin
from tests.integration.test_console_freeze import services as freeze_services
from tests.integration.test_console_media import Customer
from tests.integration.test_console_recording import read_recording, recording_messages
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until

FORCED_NOTE = "forced by the group's recording policy"


def force_recording(live_server: LiveServer, email: str) -> None:
    """What ``lens-server admin group recording <group> forced`` does."""
    database = live_server.database()
    try:
        with database.session() as db:
            group = admin._technician(db, email).group.name
            admin.set_recording_policy(db, group, "forced")
    finally:
        database.close()


@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform's tooltip
async def test_a_forced_session_records_on_start_without_a_click_and_cannot_be_stopped(
    qtbot: Any, artifacts_dir: Path, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician(["lens_sessions", "private_sessions", "connect_pin"])
    force_recording(live_server, tech.email)
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    me = Technician.from_json(live_server.api("GET", "/me", tech.token).json())
    assert me.recording_forced and not me.may("record_sessions")
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Bo: boiler", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    services = freeze_services(sent, client)
    services.technician = me
    tab = SessionTab(info, services)
    qtbot.addWidget(tab)
    tab.resize(1000, 560)
    tab.show()
    control = tab.recording
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    tab.recordings_folder = str(blocker / "sub")  # Settings points at a folder it cannot make
    customer = Customer(PatternVideoTrack(640, 360, 30), ToneAudioTrack(freq=1000.0))
    shots = artifacts_dir / "console"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        assert control.button.isEnabled() and control.button.text() == "Recording required"
        assert "records every session" in control.button.toolTip()
        assert not control.recording  # nothing to record before the customer connects
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=20)

        # The required recording tried to start by itself: the folder's clear message.
        await wait_until(lambda: control.message.isVisible(), timeout=5)
        assert "Recording could not start" in control.message.text()
        assert str(blocker / "sub") in control.message.text()
        assert not control.recording and control.button.isEnabled()

        # Settings gives a folder that works: the recording starts, still no click.
        folder = tmp_path / "Forced recordings"
        tab.recordings_folder = str(folder)
        assert control.recording and not control.message.isVisible()
        assert control.button.isChecked() and control.button.text() == "Recording required"
        await wait_until(lambda: recording_messages(customer) == [True], timeout=5)

        # The technician cannot stop it: a click or Ctrl+R shows why and changes nothing.
        recorder = control.recorder
        qtbot.mouseClick(control.button, Qt.MouseButton.LeftButton)
        assert QToolTip.isVisible() and "cannot be stopped" in QToolTip.text()
        qtbot.keyClick(tab, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
        assert control.recorder is recorder and control.button.isChecked()
        recorder = control.recorder
        assert recorder is not None
        await wait_until(lambda: recorder.video_frames >= 60, timeout=15)
        assert control.sign.isVisible() and control.sign.text().startswith("● REC 00:0")
        assert tab.grab().save(str(shots / "recording_forced.png"))
        assert recording_messages(customer) == [True]
    finally:
        await tab.shutdown()  # End: the file is closed, the phone and the log told
        await customer.pc.close()
        client.close()
    assert recorder.error is None
    [path] = recorder.files
    assert path.parent == folder and "_Bo_boiler_" in path.name
    found = read_recording(path)
    assert [s[0] for s in found["streams"]] == ["video", "audio", "audio"]
    assert len(found["counters"]) >= 60 and found["counters"] == sorted(found["counters"])
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    recorded = [(e["action"], e["detail"]) for e in events["events"] if "recording" in e["action"]]
    assert recorded == [("recording_started", FORCED_NOTE), ("recording_stopped", "")]


async def test_a_forced_recording_continues_across_a_reconnect_and_tells_the_new_channel(
    qtbot: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician(["lens_sessions", "private_sessions", "connect_pin"])
    force_recording(live_server, tech.email)
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Bo", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    services = freeze_services(sent, client)
    services.technician = Technician.from_json(live_server.api("GET", "/me", tech.token).json())
    tab = SessionTab(info, services)
    qtbot.addWidget(tab)
    tab.recordings_folder = str(tmp_path)
    first = Customer(PatternVideoTrack(320, 240, 30))
    second = Customer(PatternVideoTrack(320, 240, 30))
    control = tab.recording
    try:
        await tab.peer.handle_signal(await first.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await first.accept(sent[-1])
        await wait_until(lambda: recording_messages(first) == [True], timeout=15)
        recorder = control.recorder
        assert recorder is not None
        await wait_until(lambda: recorder.video_frames >= 20, timeout=15)
        answers = len(sent)
        await tab.peer.handle_signal(await second.offer(2))  # the phone reconnected
        await wait_until(lambda: len(sent) > answers, timeout=10)
        await second.accept(sent[-1])
        await wait_until(lambda: recording_messages(second) == [True], timeout=10)
        await wait_until(lambda: len(recorder.files) == 2 and recorder.video_frames > 50, 15)
        assert control.recorder is recorder and control.button.isChecked()
    finally:
        await tab.shutdown()
        await first.pc.close()
        await second.pc.close()
        client.close()
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    actions = [e["action"] for e in events["events"] if "recording" in e["action"]]
    assert actions == ["recording_started", "recording_stopped"]  # one recording, two parts
