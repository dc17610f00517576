"""`lens-desktop --demo`: the embedded server process, signed in without a dialog, the
first steps shown in the window, and the server stopped when the console quits."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import requests
from keyring.backends import fail
from PySide6.QtCore import QSettings

from lens_desktop.app import ConsoleApp
from lens_desktop.demo import DemoServer
from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from tests.qt_fixtures import wait_until


async def test_demo_mode_signs_in_and_guides_the_user(
    qapp: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    qapp.setQuitOnLastWindowClosed(False)
    server = DemoServer(tmp_path / "demo")
    info = await asyncio.to_thread(server.start)
    console = ConsoleApp(
        settings=QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat),
        credentials=CredentialStore(service="lens-demo-it", backend=fail.Keyring()),
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=AudioStatus(False, "Audio unavailable: no sound device here."),
        audio_factory=lambda _settings: None,
        demo=info,
    )
    run = asyncio.ensure_future(console.run())
    try:
        await wait_until(lambda: console.window is not None, timeout=15)
        window = console.window
        assert console.sign_in_dialog is None  # signed in by itself
        await wait_until(lambda: window.connection_label.text() == f"Connected to {info.url}")
        guide = window.placeholder.text()
        assert info.url in guide and str(info.outbox) in guide
        assert f"lens-customer --server {info.url} --pin <PIN>" in guide

        window.new_session_action.trigger()
        dialog = window.new_session_dialog
        dialog.name.setText("Ann")
        dialog.tabs.setCurrentWidget(dialog.email_page)
        dialog.email_page.use_server.setChecked(True)
        dialog.email_page.to.setText("ann@example.com")
        dialog.email_page.action.click()
        await wait_until(lambda: dialog.session is not None, timeout=10)
        await wait_until(lambda: len(list(info.outbox.glob("*.eml"))) == 1)
        mail = next(info.outbox.glob("*.eml")).read_text()
        assert dialog.session.link in mail and dialog.session.pin in mail
        dialog.reject()
        window.grab().save(str(artifacts_dir / "console" / "demo_mode.png"))

        window.close()
        assert await asyncio.wait_for(run, 15) == 0
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        server.close()
        server.close()  # idempotent
    try:
        await asyncio.to_thread(requests.get, f"{info.url}/healthz", timeout=1)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the demo server still answers after close()")
