"""``lens-desktop``: the Technician Console's entry point and composition root.

One QApplication, one qasync event loop, one ``ConsoleApp`` that walks the technician
through sign-in -> console window -> sign-out (or expiry) -> sign-in again, and on the
way out closes everything it built, in order: the window's tasks and peers, the event
socket, the HTTP client, the audio devices and the chime. The interface language is
chosen and installed before the first window (lens_desktop/ui/language.py).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QLocale, QSettings, QTranslator
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from lens_desktop import platform_libs, resources
from lens_desktop.demo import DemoInfo, DemoServer, DemoServerError
from lens_desktop.live_check import add_arguments as add_live_check_arguments
from lens_desktop.live_check import options_from_args as live_check_options
from lens_desktop.live_check import run_live_check
from lens_desktop.net.errors import ApiError
from lens_desktop.stop_signals import StopSignals
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import (
    choose_language,
    install_translators,
    remove_translators,
    translate,
)
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.notify import Notifier
from lens_desktop.ui.prompts import MessageBoxPrompter, Prompter
from lens_desktop.ui.services import ConsoleServices, PeerFactory, SignInServices
from lens_desktop.ui.settings_dialog import ConsoleSettings, load_settings
from lens_desktop.ui.sign_in import SignedIn, SignInDialog

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioEngine, AudioStatus
    from lens_desktop.media.chime import Chime
    from lens_desktop.net.client import ServerClient
    from lens_desktop.net.credentials import CredentialStore, StoredLogin
    from lens_desktop.net.events import EventSocket

log = logging.getLogger(__name__)

LAST_SERVER_KEY = "sign_in/server_url"
LAST_EMAIL_KEY = "sign_in/email"


def expired_text() -> str:
    return translate("Console", "Your sign-in has expired. Please sign in again.")


def customer_command() -> str:
    """``lens-customer`` as a command that works as printed: the script installed beside
    this Python (a venv's bin folder is rarely on the user's PATH), else the module."""
    script = Path(sys.executable).with_name(
        "lens-customer.exe" if sys.platform == "win32" else "lens-customer"
    )
    if script.is_file():
        return shlex.quote(str(script))
    return f"{shlex.quote(sys.executable)} -m lens_customer.cli"


def demo_guide(info: DemoInfo) -> str:
    """What a new user does next in demo mode, shown in the empty session pane."""
    return translate(
        "Console",
        "Demo mode: a local Lens server runs at {url}; you are signed in as {email}.\n\n"
        "1. Press New Session (Ctrl+N), type a name, and create a session: PIN code, or "
        "Email with \u201csend on my behalf\u201d (the email is written to\n"
        "    {outbox}).\n"
        "2. Be the customer: open the link from that email in a browser on this computer "
        "(or open {url}/ and type the PIN) \u2014 or run:\n"
        "    {customer} --server {url} --pin <PIN>\n"
        "3. When the customer appears in the list as Waiting, select it and press Start.",
    ).format(url=info.url, email=info.email, outbox=info.outbox, customer=customer_command())


class ConsoleApp:
    """The console's life cycle; everything it builds it also closes."""

    def __init__(
        self,
        settings: QSettings,
        credentials: CredentialStore,
        client_factory: Callable[..., ServerClient],
        events_factory: Callable[[], EventSocket],
        peer_factory: PeerFactory,
        audio_status: AudioStatus,
        audio_factory: Callable[[ConsoleSettings], AudioEngine | None],
        prompter: Prompter | None = None,
        notifier: Notifier | None = None,
        server_url: str | None = None,
        demo: DemoInfo | None = None,
        chime: Chime | None = None,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._client_factory = client_factory
        self._events_factory = events_factory
        self._peer_factory = peer_factory
        self._audio_status = audio_status
        self._audio_factory = audio_factory
        self._prompter = prompter or MessageBoxPrompter()
        self._notifier = notifier
        self._server_url = demo.url if demo else server_url
        self._demo = demo
        self._chime = chime
        self._audio: AudioEngine | None = None
        self._quitting = False
        self._finish_console: Callable[[str], None] | None = None
        self.sign_in_dialog: SignInDialog | None = None
        self.window: MainWindow | None = None

    def request_quit(self) -> None:
        """Leave as Quit does, without asking (Ctrl+C, SIGTERM): sessions are ended,
        everything is closed, ``run()`` returns 0."""
        self._quitting = True
        if self._finish_console is not None:
            self._finish_console("quit")
        elif self.sign_in_dialog is not None:
            self.sign_in_dialog.reject()

    async def run(self) -> int:
        """Sign in, run the console, repeat after a sign-out; 0 once the technician quits."""
        self._audio = self._audio_factory(load_settings(self._settings))
        try:
            if self._demo is not None:
                signed, notice = await self._demo_sign_in(self._demo)
            else:
                signed, notice = await self._restore_login()
            while True:
                if signed is None:
                    if self._quitting:
                        return 0
                    signed = await self.sign_in(notice)
                    if signed is None:
                        return 0
                outcome, notice = await self.run_console(signed)
                signed = None
                if outcome == "quit":
                    return 0
        finally:
            if self._audio is not None:
                await self._audio.close()
            if self._chime is not None:
                self._chime.close()

    # -- sign-in ---------------------------------------------------------------------

    async def _restore_login(self) -> tuple[SignedIn | None, str]:
        """Reuse a remembered token when it still works (and the server matches)."""
        stored = await asyncio.get_running_loop().run_in_executor(None, self._credentials.load)
        if stored is None or (self._server_url and stored.server_url != self._server_url):
            return None, ""
        client = self._client_factory(stored.server_url, stored.token)
        try:
            technician = await client.me()
        except ApiError as exc:
            client.close()
            return None, self._restore_failed(exc, stored)
        return SignedIn(stored.server_url, client, technician, remembered=True), ""

    async def _demo_sign_in(self, demo: DemoInfo) -> tuple[SignedIn | None, str]:
        """Demo mode signs the demo technician in; the token is not remembered."""
        client = self._client_factory(demo.url)
        try:
            technician = await client.login(demo.email, demo.password)
        except ApiError as exc:
            client.close()
            return None, translate(
                "Console", "Could not sign in to the demo server: {error}"
            ).format(error=describe_error(exc))
        return SignedIn(demo.url, client, technician, remembered=False), ""

    def _restore_failed(self, exc: ApiError, stored: StoredLogin) -> str:
        if exc.is_auth_failure:
            self._credentials.clear()
            return translate("Console", "Your saved sign-in has expired. Please sign in again.")
        return translate("Console", "Could not sign in with your saved sign-in: {error}").format(
            error=describe_error(exc)
        )

    async def sign_in(self, notice: str = "") -> SignedIn | None:
        """Show the sign-in dialog; None when the technician cancels."""
        dialog = SignInDialog(SignInServices(self._credentials, self._client_factory))
        dialog.prefill(
            self._server_url or str(self._settings.value(LAST_SERVER_KEY, "") or ""),
            str(self._settings.value(LAST_EMAIL_KEY, "") or ""),
        )
        dialog.show_notice(notice)
        result: asyncio.Future[SignedIn | None] = asyncio.get_running_loop().create_future()

        def finish(signed: SignedIn | None) -> None:
            if not result.done():
                result.set_result(signed)

        dialog.signed_in.connect(finish)
        dialog.rejected.connect(lambda: finish(None))
        self.sign_in_dialog = dialog
        dialog.show()
        try:
            signed = await result
        finally:
            self.sign_in_dialog = None
            await dialog.tasks.close()
            dialog.deleteLater()
        if signed is not None:
            self._settings.setValue(LAST_SERVER_KEY, signed.server_url)
            self._settings.setValue(LAST_EMAIL_KEY, signed.technician.email)
        return signed

    # -- the console -------------------------------------------------------------------

    async def run_console(self, signed: SignedIn) -> tuple[str, str]:
        """Run the window until quit, sign-out or expiry: ("quit"|"signed_out"|"expired", notice)."""
        try:
            config = await signed.client.config()
        except ApiError as exc:
            signed.client.close()
            return "expired" if exc.is_auth_failure else "signed_out", describe_error(exc)
        events = self._events_factory()
        services = ConsoleServices(
            signed.server_url,
            signed.technician,
            config,
            signed.client,
            events,
            self._credentials,
            self._audio,
            self._audio_status,
            self._peer_factory,
        )
        window = MainWindow(services, self._settings, self._prompter, self._notifier)
        outcome = self._await_outcome(window)
        self.window = window
        if self._demo is not None:
            window.show_guide(demo_guide(self._demo))
        window.show()
        assert signed.client.token is not None
        events.start(signed.server_url, signed.client.token)
        kind, notice = "quit", ""
        try:
            kind, notice = await outcome
        finally:
            await self._close_console(window, services, kind)
        return kind, notice

    def _await_outcome(self, window: MainWindow) -> asyncio.Future[tuple[str, str]]:
        outcome: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()

        def finish(kind: str, notice: str = "") -> None:
            if not outcome.done():
                outcome.set_result((kind, notice))

        window.quit_requested.connect(lambda: finish("quit"))
        window.sign_out_requested.connect(lambda: finish("signed_out"))
        window.session_expired.connect(lambda text: finish("expired", text or expired_text()))
        self._finish_console = finish
        if self._quitting:
            finish("quit")
        return outcome

    async def _close_console(
        self, window: MainWindow, services: ConsoleServices, kind: str
    ) -> None:
        self._finish_console = None
        await window.shutdown(end_sessions=kind != "expired")
        await services.events.close()
        if kind == "signed_out":
            await self._sign_out(services)
        elif kind == "expired":
            await asyncio.get_running_loop().run_in_executor(None, self._credentials.clear)
        services.client.close()
        window.close_for_app()
        window.deleteLater()
        self.window = None

    async def _sign_out(self, services: ConsoleServices) -> None:
        """Revoke the token on the server and forget it here."""
        try:
            await services.client.logout()
        except ApiError as exc:
            log.warning("sign-out: the server did not revoke the token: %s", exc.message)
        await asyncio.get_running_loop().run_in_executor(None, self._credentials.clear)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="lens-desktop", description="Lens Technician Console")
    parser.add_argument("--server", metavar="URL", help="the Lens server to sign in to")
    parser.add_argument(
        "--demo", action="store_true", help="run against an embedded local demo server"
    )
    parser.add_argument("--self-check", action="store_true", help="check the installation")
    add_live_check_arguments(parser)
    return parser.parse_args(argv)


def make_tray(app: QApplication) -> QSystemTrayIcon | None:
    """A tray icon for 'customer waiting' balloons, where the desktop has a tray."""
    if not QSystemTrayIcon.isSystemTrayAvailable():
        return None
    tray = QSystemTrayIcon(resources.tray_icon(), app)
    tray.setToolTip(translate("Console", "Lens Technician Console"))
    tray.show()
    return tray


def make_chime(settings: QSettings) -> Chime:
    """The new-session sound on the output device chosen in the settings (read at each
    chime), with the system beep where PortAudio cannot play it."""
    from lens_desktop.media.chime import Chime

    return Chime(
        resources.new_session_sound_path(),
        fallback=QApplication.beep,
        output_device=lambda: load_settings(settings).output_device,
    )


def make_audio(status: AudioStatus) -> Callable[[ConsoleSettings], AudioEngine | None]:
    def factory(settings: ConsoleSettings) -> AudioEngine | None:
        from lens_desktop.media.audio import AudioEngine, AudioUnavailable

        if not status.available:
            return None
        try:
            return AudioEngine(settings.input_device, settings.output_device)
        except AudioUnavailable as exc:
            log.warning("%s", exc)
            return None

    return factory


def build_console(
    app: QApplication, server_url: str | None, demo: DemoInfo | None = None
) -> ConsoleApp:
    """The product's wiring: real client, socket, keyring, peer and audio."""
    import qasync  # noqa: F401  (fail early and clearly if it is missing)

    from lens_desktop.media.audio import AudioEngine
    from lens_desktop.media.peer import PeerSession
    from lens_desktop.net.client import ServerClient
    from lens_desktop.net.credentials import CredentialStore
    from lens_desktop.net.events import EventSocket

    status = AudioEngine.probe()
    settings = QSettings()
    chime = make_chime(settings)
    return ConsoleApp(
        settings=settings,
        credentials=CredentialStore(),
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=status,
        audio_factory=make_audio(status),
        notifier=Notifier(make_tray(app), sound=chime.play),
        server_url=server_url,
        demo=demo,
        chime=chime,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.self_check:
        from lens_desktop.self_check import run_self_check

        return run_self_check()
    if args.live_check:
        return run_live_check(live_check_options(args))
    if not display_usable():
        return 3
    try:
        return run_console(args.server) if not args.demo else run_demo()
    except KeyboardInterrupt:  # Ctrl+C before the window's loop ran: nothing to close
        return 130


def display_usable() -> bool:
    """Qt aborts the process (no Python code runs after) when its X11 plugin cannot
    load; say which libraries are missing instead (lens_desktop/platform_libs.py)."""
    if not platform_libs.xcb_in_use():
        return True
    missing = platform_libs.find_missing()
    if missing is None:
        return True
    print(f"lens-desktop: {missing.message()}", file=sys.stderr)
    return False


def run_demo() -> int:
    """The console against an embedded server that never outlives it (demo.py)."""
    server = DemoServer()
    print("lens-desktop: starting the embedded Lens server\u2026", flush=True)
    try:
        info = server.start()
        print(f"lens-desktop: the embedded Lens server runs at {info.url}", flush=True)
        return run_console(info.url, info)
    except DemoServerError as exc:
        print(f"lens-desktop: {exc}", file=sys.stderr)
        return 2
    finally:
        server.close()


def install_language(app: QApplication, settings: QSettings) -> list[QTranslator]:
    """The translators of the technician's language (or the system's), installed before
    any window is built; the caller keeps them for as long as the console runs."""
    language = choose_language(load_settings(settings).language, QLocale.system().name())
    log.info("interface language: %s", language)
    return install_translators(app, language)


def run_console(server_url: str | None, demo: DemoInfo | None = None) -> int:
    from lens_desktop.event_loop import ConsoleEventLoop
    from lens_desktop.gui_gc import GuiThreadCollector

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Lens")
    app.setApplicationName("Lens Console")
    app.setWindowIcon(resources.app_icon())
    # The loop, not Qt, decides when the console ends (after everything is closed).
    app.setQuitOnLastWindowClosed(False)
    translators = install_language(app, QSettings())
    console = build_console(app, server_url, demo)
    collector = GuiThreadCollector(app)  # no QObject freed by GC in another thread
    stop = StopSignals(console.request_quit)
    try:
        code = asyncio.run(console.run(), loop_factory=lambda: ConsoleEventLoop(app))
        return 128 + stop.received if stop.received else code
    finally:
        stop.close()
        collector.stop()
        remove_translators(app, translators)


if __name__ == "__main__":
    sys.exit(main())
