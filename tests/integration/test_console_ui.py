"""The whole console on real parts: sign in, create a PIN session, a headless customer
(aiortc) joins and streams, Start shows its video in a tab, Hold/Resume, the customer
hangs up, the technician quits. Audio is left to tests/integration/test_console_media.py
(the console here runs as on a machine without a sound device)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, QSize

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from lens_desktop.app import ConsoleApp
from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.ui.video_pane import fit_rect
from tests.fakes import RecordingPrompter
from tests.qt_fixtures import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display here or on CI

SMALL = SourceSpec(width=320, height=180, fps=15, audio="none")
NO_AUDIO = AudioStatus(False, "Audio unavailable: no sound device on this test machine.")


def state_of(live_server: Any, token: str, session_id: str) -> str:
    return str(live_server.api("GET", f"/sessions/{session_id}", token).json()["state"])


async def test_console_end_to_end_with_a_headless_customer(
    qapp, live_server, tmp_path: Path, artifacts_dir: Path
) -> None:
    qapp.setQuitOnLastWindowClosed(False)  # as app.main() does
    tech = live_server.technician()
    prompter = RecordingPrompter()
    from keyring.backends import fail

    console = ConsoleApp(
        settings=QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat),
        credentials=CredentialStore(service="lens-ui-it", backend=fail.Keyring()),
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=NO_AUDIO,
        audio_factory=lambda _settings: None,
        prompter=prompter,
        server_url=live_server.url,
    )
    run = asyncio.ensure_future(console.run())
    customer: HeadlessCustomer | None = None
    try:
        await wait_until(lambda: console.sign_in_dialog is not None)
        dialog = console.sign_in_dialog
        assert dialog.server_url.text() == live_server.url
        dialog.email.setText(tech.email)
        dialog.password.setText(tech.password)
        dialog.sign_in_button.click()
        await wait_until(lambda: console.window is not None)
        window = console.window
        await wait_until(
            lambda: window.connection_label.text() == f"Connected to {live_server.url}"
        )

        window.new_session_action.trigger()
        new = window.new_session_dialog
        new.name.setText("Ann")
        new.pin_page.action.click()
        await wait_until(lambda: new.session is not None)
        pin = new.pin_page.pin_display.pin.text().replace(" ", "")
        session_id = new.session.id
        new.reject()

        options = CustomerOptions(
            server=live_server.url, pin=pin, sources=SMALL, audio_out=False, stats_interval=0
        )
        customer = HeadlessCustomer(options, report=lambda _line: None)
        await customer.join()
        await wait_until(
            lambda: (
                (s := window.model.session_by_id(session_id)) is not None and s.state == "waiting"
            )
        )

        window.select_session(session_id)
        assert window.start_action.isEnabled()
        window.start_action.trigger()
        await wait_until(lambda: session_id in window.session_tab_widgets)
        tab = window.session_tab_widgets[session_id]
        await customer.wait_active()
        await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=15)
        assert tab.video.pane.overlay == ""
        assert tab.video.pane.last_painted_frame.width == 320
        # Frames come converted to the size the pane shows them at (no scaling in paint).
        pane = tab.video.pane
        await wait_until(
            lambda: (
                pane.last_painted_frame.image.size()
                == fit_rect(QSize(320, pane.last_painted_frame.height), pane.size()).size()
            )
        )
        window.grab().save(str(artifacts_dir / "console" / "session_tab_live.png"))

        window.hold_action.trigger()
        await wait_until(lambda: tab.video.pane.overlay == "On hold")
        window.hold_action.trigger()
        await wait_until(lambda: tab.video.pane.overlay == "")

        await customer.leave()
        await wait_until(lambda: window.session_tab_widgets == {})
        assert prompter.notices == ["Ann ended the session."]
        assert state_of(live_server, tech.token, session_id) == "closed_by_customer"

        window.close()
        assert await asyncio.wait_for(run, 10) == 0
        assert prompter.questions == []  # no session was open any more
    finally:
        if customer is not None:
            await customer.close()
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
