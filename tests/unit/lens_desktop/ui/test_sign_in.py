"""Sign-in, remember me, sign-out and expiry through ConsoleApp on a real server."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from console_harness import NO_AUDIO
from keyring.backends import fail
from ui_factories import RecordingPrompter

from lens_desktop.app import ConsoleApp
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.ui.services import SignInServices
from lens_desktop.ui.sign_in import SignedIn, SignInDialog
from tests.qt_fixtures import wait_until


def make_app(settings, credentials, server_url=None) -> ConsoleApp:
    return ConsoleApp(
        settings=settings,
        credentials=credentials,
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=NO_AUDIO,
        audio_factory=lambda _: None,
        prompter=RecordingPrompter(),
        server_url=server_url,
    )


def fill(dialog: SignInDialog, url: str, email: str, password: str, remember: bool) -> None:
    dialog.server_url.setText(url)
    dialog.email.setText(email)
    dialog.password.setText(password)
    dialog.remember.setChecked(remember)


def token_works(live_server, token: str) -> bool:
    return live_server.api("GET", "/me", token).status_code == 200


async def test_form_is_checked_inline(qtbot, credentials, artifacts_dir: Path) -> None:
    dialog = SignInDialog(SignInServices(credentials, ServerClient))
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, "lens.example.com", "", "", remember=False)
    dialog.sign_in_button.click()
    assert not dialog.tasks.busy
    assert (
        dialog.errors["server_url"].text().startswith("The server address must start with https://")
    )
    assert dialog.errors["email"].isVisible() and dialog.errors["password"].isVisible()
    (artifacts_dir / "console").mkdir(exist_ok=True)
    dialog.grab().save(str(artifacts_dir / "console" / "sign_in_errors.png"))


async def test_wrong_password_is_said_in_plain_words(qtbot, live_server, credentials) -> None:
    tech = live_server.technician()
    dialog = SignInDialog(SignInServices(credentials, ServerClient))
    qtbot.addWidget(dialog)
    dialog.show()
    fill(dialog, live_server.url, tech.email, "not-the-password", remember=False)
    dialog.sign_in_button.click()
    assert dialog.busy.isVisible()
    await dialog.tasks.wait_idle()
    assert not dialog.busy.isVisible()
    assert dialog.server_error.isVisible() and dialog.server_error.text()
    assert "Traceback" not in dialog.server_error.text()
    assert dialog.result() == 0


async def test_unreachable_server_is_explained(qtbot, credentials) -> None:
    dialog = SignInDialog(SignInServices(credentials, ServerClient))
    qtbot.addWidget(dialog)
    fill(dialog, "http://127.0.0.1:9", "a@b.example", "pw", remember=False)
    dialog.sign_in_button.click()
    await dialog.tasks.wait_idle()
    assert dialog.server_error.text().startswith(
        "Cannot reach the Lens server at http://127.0.0.1:9"
    )


async def test_without_a_keyring_remember_me_is_disabled_with_the_reason(qtbot) -> None:
    store = CredentialStore(service="lens-console-test", backend=fail.Keyring())
    dialog = SignInDialog(SignInServices(store, ServerClient))
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.remember.isEnabled()
    assert dialog.remember_reason.isVisible()
    assert "no system keyring is available" in dialog.remember_reason.text()


async def test_remember_me_sign_out_and_coming_back(
    qtbot, live_server, settings, credentials, artifacts_dir: Path
) -> None:
    tech = live_server.technician()
    console = make_app(settings, credentials)
    run = asyncio.ensure_future(console.run())
    try:
        await wait_until(lambda: console.sign_in_dialog is not None)
        dialog = console.sign_in_dialog
        fill(dialog, live_server.url, tech.email, tech.password, remember=True)
        dialog.grab().save(str(artifacts_dir / "console" / "sign_in.png"))
        dialog.sign_in_button.click()
        await wait_until(lambda: console.window is not None)
        stored = credentials.load()
        assert (
            stored is not None
            and stored.email == tech.email
            and token_works(live_server, stored.token)
        )
        window = console.window
        await wait_until(
            lambda: window.connection_label.text() == f"Connected to {live_server.url}"
        )
        window.sign_out_action.trigger()
        await wait_until(lambda: console.sign_in_dialog is not None)
        assert credentials.load() is None
        assert not token_works(live_server, stored.token)
        assert console.sign_in_dialog.email.text() == tech.email  # prefilled from settings
        console.sign_in_dialog.reject()
        assert await asyncio.wait_for(run, 10) == 0
    finally:
        run.cancel()


async def test_a_remembered_token_signs_in_directly_and_expiry_returns_to_sign_in(
    qtbot, live_server, settings, credentials
) -> None:
    tech = live_server.technician()
    credentials.save(live_server.url, tech.email, tech.token)
    console = make_app(settings, credentials)
    run = asyncio.ensure_future(console.run())
    try:
        await wait_until(lambda: console.window is not None)
        assert console.sign_in_dialog is None
        window = console.window
        session, _ = live_server.join_waiting(tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        live_server.api("POST", "/auth/logout", tech.token)  # revoked elsewhere
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: console.sign_in_dialog is not None)
        dialog = console.sign_in_dialog
        assert dialog.notice.text() == "Your sign-in has expired. Please sign in again."
        assert dialog.notice.isVisible()
        assert credentials.load() is None
        dialog.reject()
        assert await asyncio.wait_for(run, 10) == 0
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)


async def test_a_revoked_remembered_token_asks_to_sign_in_again(
    qtbot, live_server, settings, credentials
) -> None:
    tech = live_server.technician()
    credentials.save(live_server.url, tech.email, tech.token)
    live_server.api("POST", "/auth/logout", tech.token)
    console = make_app(settings, credentials)
    run = asyncio.ensure_future(console.run())
    try:
        await wait_until(lambda: console.sign_in_dialog is not None)
        notice = console.sign_in_dialog.notice.text()
        assert notice == "Your saved sign-in has expired. Please sign in again."
        assert credentials.load() is None
        console.sign_in_dialog.reject()
        assert await asyncio.wait_for(run, 10) == 0
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)


async def test_too_many_attempts_counts_down_then_signs_in(
    qtbot, live_server, credentials, artifacts_dir: Path
) -> None:
    live_server.restart(login_free_failures=1, login_backoff_seconds=6.0)
    tech = live_server.technician()
    dialog = SignInDialog(SignInServices(credentials, ServerClient))
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(2):  # the second wrong password starts a 6 s wait
        wrong = {"email": tech.email, "password": "wrong"}
        assert live_server.http.post("/api/v1/auth/login", json=wrong).status_code == 401
    fill(dialog, live_server.url, tech.email, tech.password, remember=False)
    dialog.sign_in_button.click()
    await dialog.tasks.wait_idle()
    countdown = re.compile(r"Too many attempts\. Try again in ([1-6]) s\.")
    shown = countdown.fullmatch(dialog.server_error.text())
    assert shown, (dialog.server_error.text(), dialog.result())
    assert dialog.server_error.isVisible() and not dialog.sign_in_button.isEnabled()
    (artifacts_dir / "console").mkdir(exist_ok=True)
    dialog.grab().save(str(artifacts_dir / "console" / "sign_in_wait.png"))
    later = f"Too many attempts. Try again in {int(shown.group(1)) - 1} s."
    await wait_until(lambda: dialog.server_error.text() == later, timeout=3)
    assert not dialog.sign_in_button.isEnabled()
    await wait_until(dialog.sign_in_button.isEnabled, timeout=7)
    assert not dialog.server_error.isVisible()
    signed_in: list[SignedIn] = []
    dialog.signed_in.connect(signed_in.append)
    dialog.sign_in_button.click()
    await wait_until(lambda: bool(signed_in), timeout=10)
    assert signed_in[0].technician.email == tech.email
    signed_in[0].client.close()
