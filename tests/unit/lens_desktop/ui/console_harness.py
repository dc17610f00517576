"""A signed-in MainWindow on real parts (live_server, EventSocket, PeerSession)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings
from ui_factories import RecordingPrompter, signed_in_client

from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.notify import Notifier
from lens_desktop.ui.services import ConsoleServices
from tests.qt_fixtures import SignalRecorder, wait_until

NO_AUDIO = AudioStatus(False, "Audio unavailable: this test machine has no sound device.")


@dataclass
class Console:
    window: MainWindow
    services: ConsoleServices
    tech: Any
    prompter: RecordingPrompter
    notices: SignalRecorder

    def row_states(self) -> dict[str, str]:
        return {s.name: s.state for s in self.window.model.sessions()}


@asynccontextmanager
async def console_window(
    qtbot: Any,
    live_server: Any,
    settings: QSettings,
    credentials: CredentialStore,
    permissions: list[str] | None = None,
) -> AsyncIterator[Console]:
    client, technician, config, tech = await signed_in_client(live_server, permissions)
    events = EventSocket()
    services = ConsoleServices(
        live_server.url,
        technician,
        config,
        client,
        events,
        credentials,
        None,
        NO_AUDIO,
        PeerSession,
    )
    prompter = RecordingPrompter()
    notifier = Notifier(sound=lambda: None)
    window = MainWindow(services, settings, prompter, notifier)
    qtbot.addWidget(window)
    window.show()
    events.start(live_server.url, client.token or "")
    console = Console(window, services, tech, prompter, SignalRecorder(notifier.notified))
    try:
        await wait_until(lambda: events.state == "connected")
        yield console
    finally:
        await window.shutdown(end_sessions=False)
        await events.close()
        client.close()
