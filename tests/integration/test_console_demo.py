"""`lens-desktop --demo`: the embedded server process, signed in without a dialog, the
first steps shown in the window, and the server stopped when the console quits."""

from __future__ import annotations

import asyncio
import shlex
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from keyring.backends import fail
from PySide6.QtCore import QSettings

from lens_desktop.app import ConsoleApp, demo_guide
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
        assert f"/lens-customer --server {info.url} --pin <PIN>" in guide

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


def test_the_guide_s_customer_command_works_as_printed(qapp: Any, tmp_path: Path) -> None:
    """Step 2 of the guide, pasted into a shell whose PATH has no venv in it (a new
    user's terminal): the headless customer joins with the PIN."""
    del qapp
    server = DemoServer(tmp_path / "demo")
    info = server.start()
    customer = None
    http = requests.Session()
    try:
        line = next(x.strip() for x in demo_guide(info).splitlines() if "--pin <PIN>" in x)
        token = http.post(
            f"{info.url}/api/v1/auth/login",
            json={"email": info.email, "password": info.password},
            timeout=10,
        ).json()["token"]
        http.headers["Authorization"] = f"Bearer {token}"
        created = http.post(
            f"{info.url}/api/v1/sessions", json={"type": "lens", "name": "Ann", "method": "pin"}
        ).json()["session"]
        with (tmp_path / "customer.err").open("wb") as errors:
            customer = subprocess.Popen(
                shlex.split(line.replace("<PIN>", created["pin"])),
                env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
                stdout=subprocess.DEVNULL,
                stderr=errors,
            )
        session_url = f"{info.url}/api/v1/sessions/{created['id']}"
        deadline = time.monotonic() + 30
        while http.get(session_url).json()["state"] != "waiting":
            assert customer.poll() is None, (tmp_path / "customer.err").read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        http.post(f"{session_url}/end")
        assert customer.wait(15) == 0
    finally:
        if customer is not None and customer.poll() is None:
            customer.kill()
            customer.wait()
        server.close()
        http.close()
