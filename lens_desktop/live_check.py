"""``lens-desktop --live-check``: proves an installed console can run a real session.

``--self-check`` shows that every native part loads; this goes one step further, the
way an IT admin checks a new installation against their own server: sign in, create a
PIN session, wait for a phone (or ``lens-customer``) to join, press Start, and paint
the customer's video in a real video pane until enough frames have arrived, then end
the session. Each step prints one ``ok``/``FAIL`` line; the exit code is 0 only when
every step passed.

It uses the console's own parts (ServerClient, EventSocket, PeerSession with its
newest-frame reader, VideoPane), not a copy of them, so a frozen bundle that passes it
can receive and paint video. Sound is left out: ``--self-check`` covers PortAudio, and
a check that plays into the admin's speakers would be a surprise.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from lens_desktop.ui.tasks import TaskOwner

if TYPE_CHECKING:
    from lens_desktop.media.frames import VideoFrame
    from lens_desktop.media.peer import PeerSession
    from lens_desktop.net.client import ServerClient
    from lens_desktop.net.events import EventSocket
    from lens_desktop.net.models import SessionInfo
    from lens_desktop.ui.video_pane import VideoPane

SESSION_NAME = "Live check"
DEFAULT_FRAMES = 30
DEFAULT_WAIT_S = 300.0
VIDEO_TIMEOUT_S = 30.0
"""From Start to the last frame wanted: far above the 1 s bar, for slow machines."""


class StepFailed(Exception):
    """A step of the check failed; the message says what and what to do."""


@dataclass(frozen=True)
class LiveCheckOptions:
    server_url: str
    email: str
    password: str
    frames: int = DEFAULT_FRAMES
    wait_s: float = DEFAULT_WAIT_S


class LiveCheck:
    """One run of the check; everything it opens it closes, whatever step fails."""

    def __init__(self, options: LiveCheckOptions, out: TextIO = sys.stdout) -> None:
        self._options = options
        self._out = out
        self._client: ServerClient | None = None
        self._events: EventSocket | None = None
        self._peer: PeerSession | None = None
        self._pane: VideoPane | None = None
        self._session: SessionInfo | None = None
        self._updates: asyncio.Queue[SessionInfo] = asyncio.Queue()
        self._first_frame_at: float | None = None
        self._auth_failure = ""
        self._enough_video: asyncio.Event = asyncio.Event()
        self._tasks = TaskOwner("live-check")

    async def run(self) -> int:
        try:
            await self._sign_in()
            await self._create_session()
            await self._wait_for_customer()
            await self._receive_video()
            await self._end_session()
        except StepFailed as exc:
            self._say(False, str(exc))
            self._out.write("lens-desktop live check: FAILED\n")
            return 1
        finally:
            await self._close()
        self._out.write("lens-desktop live check: passed\n")
        return 0

    # -- steps -----------------------------------------------------------------------

    async def _sign_in(self) -> None:
        from lens_desktop.net.client import ServerClient
        from lens_desktop.net.errors import ApiError

        self._client = ServerClient(self._options.server_url)
        try:
            technician = await self._client.login(self._options.email, self._options.password)
        except ApiError as exc:
            raise StepFailed(f"sign-in: {exc.message}") from exc
        self._say(True, f"sign-in: {technician.email} on {self._client.base_url}")

    async def _create_session(self) -> None:
        from lens_desktop.net.errors import ApiError

        client = self._require_client()
        try:
            created = await client.create_session(SESSION_NAME, "pin")
        except ApiError as exc:
            raise StepFailed(f"create session: {exc.message}") from exc
        self._session = created.session
        pin = created.session.pin
        self._say(True, f"session: PIN {pin}, valid until {created.session.pin_expires_at}")
        self._out.write(
            f"     now join as the customer: open {client.base_url}/ on a phone and type the "
            f"PIN, or run\n     lens-customer --server {client.base_url} --pin {pin}\n"
        )
        self._out.flush()

    async def _wait_for_customer(self) -> None:
        from lens_desktop.net.events import EventSocket

        session, client = self._require_session(), self._require_client()
        self._events = EventSocket()
        self._events.session_changed.connect(self._on_events_session_changed)
        self._events.snapshot.connect(self._on_events_snapshot)
        self._events.auth_failed.connect(self._on_events_auth_failed)
        assert client.token is not None
        self._events.start(client.base_url, client.token)
        began = time.monotonic()
        try:
            async with asyncio.timeout(self._options.wait_s):
                await self._until_state(session.id, "waiting")
        except TimeoutError:
            raise StepFailed(
                f"customer: nobody joined within {self._options.wait_s:.0f} s "
                "(is the phone on the server's address, and did it accept the licence?)"
            ) from None
        self._say(True, f"customer: waiting after {time.monotonic() - began:.1f} s")

    async def _receive_video(self) -> None:
        from lens_desktop.net.errors import ApiError

        session, client = self._require_session(), self._require_client()
        self._peer = self._make_peer(session, await client.config())
        started = time.monotonic()
        try:
            await client.start(session.id)
        except ApiError as exc:
            raise StepFailed(f"start: {exc.message}") from exc
        pane = self._pane
        assert pane is not None
        try:
            async with asyncio.timeout(VIDEO_TIMEOUT_S):
                await self._enough_video.wait()
        except TimeoutError:
            raise StepFailed(
                f"video: {pane.frames_painted} of {self._options.frames} frames painted in "
                f"{VIDEO_TIMEOUT_S:.0f} s (peer {self._peer.state}); a firewall between this "
                "computer and the phone, or missing TURN servers, can cause this"
            ) from None
        first = (self._first_frame_at or started) - started
        last = pane.last_painted_frame
        assert last is not None
        self._say(
            True,
            f"video: {pane.frames_painted} frames painted, {last.width}x{last.height}, "
            f"first {first:.2f} s after Start",
        )

    async def _end_session(self) -> None:
        from lens_desktop.net.errors import ApiError

        session, client = self._require_session(), self._require_client()
        try:
            ended = await client.end(session.id)
        except ApiError as exc:
            raise StepFailed(f"end: {exc.message}") from exc
        self._session = None
        self._say(True, f"end: session {ended.state.replace('_', ' ')}")

    # -- parts -----------------------------------------------------------------------

    def _make_peer(self, session: SessionInfo, config: Any) -> PeerSession:
        from lens_desktop.media.peer import PeerSession
        from lens_desktop.ui.video_pane import VideoPane

        events = self._events
        assert events is not None
        peer = PeerSession(
            session.id,
            config.ice_servers,
            lambda data: events.send_signal(session.id, data),
        )
        self._pane = VideoPane()
        self._pane.setWindowTitle("Lens live check")
        self._pane.resize(640, 360)
        self._pane.show()
        peer.frame_ready.connect(self._on_peer_frame_ready)
        self._pane.display_area_changed.connect(peer.set_display_area)
        peer.set_display_area(self._pane.display_area())
        events.signal_received.connect(self._on_events_signal_received)
        return peer

    def _on_events_signal_received(self, session_id: str, data: dict[str, Any]) -> None:
        if self._peer is not None and self._session is not None and session_id == self._session.id:
            self._tasks.spawn(self._peer.handle_signal(data))

    def _on_peer_frame_ready(self, frame: VideoFrame) -> None:
        pane = self._pane
        if pane is None:
            return
        if self._first_frame_at is None:
            self._first_frame_at = time.monotonic()
        pane.show_frame(frame)
        # The pane counts what it painted; by this frame's arrival the earlier ones are.
        if pane.frames_painted >= self._options.frames:
            self._enough_video.set()

    def _on_events_session_changed(self, session: SessionInfo) -> None:
        self._updates.put_nowait(session)

    def _on_events_auth_failed(self, text: str) -> None:
        self._auth_failure = text
        if self._session is not None:
            self._updates.put_nowait(self._session)  # wakes _until_state to report it

    def _on_events_snapshot(self, sessions: list[SessionInfo]) -> None:
        for session in sessions:
            self._updates.put_nowait(session)

    async def _until_state(self, session_id: str, state: str) -> None:
        while True:
            update = await self._updates.get()
            if self._auth_failure:
                raise StepFailed(
                    f"customer: the server closed the event socket: {self._auth_failure}"
                )
            if update.id != session_id:
                continue
            if update.state == state:
                return
            if update.is_final:
                raise StepFailed(f"customer: the session ended ({update.state}) before Start")

    async def _close(self) -> None:
        await self._tasks.close()
        if self._session is not None and self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.end(self._session.id)  # never leave a session behind
        if self._peer is not None:
            await self._peer.close()
        if self._events is not None:
            await self._events.close()
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.logout()
            self._client.close()
        if self._pane is not None:
            self._pane.close()
            self._pane.deleteLater()

    def _require_client(self) -> ServerClient:
        assert self._client is not None
        return self._client

    def _require_session(self) -> SessionInfo:
        assert self._session is not None
        return self._session

    def _say(self, ok: bool, text: str) -> None:
        self._out.write(f"{'ok' if ok else 'FAIL':<4} {text}\n")
        self._out.flush()


def read_password(stdin: TextIO = sys.stdin) -> str:
    """The password from a prompt, or the first line of piped input (never an argument,
    where it would show in the process list and the shell history)."""
    if stdin.isatty():
        return getpass.getpass("Password: ")
    return stdin.readline().rstrip("\r\n")


def options_from_args(args: argparse.Namespace, stdin: TextIO = sys.stdin) -> LiveCheckOptions:
    if not args.server or not args.email:
        raise SystemExit("lens-desktop: --live-check needs --server URL and --email ADDRESS")
    return LiveCheckOptions(
        server_url=args.server,
        email=args.email,
        password=read_password(stdin),
        frames=args.frames,
        wait_s=args.wait,
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("live check (--live-check)")
    group.add_argument(
        "--live-check",
        action="store_true",
        help="sign in, create a PIN session, wait for a customer, show their video, end",
    )
    group.add_argument("--email", metavar="ADDRESS", help="the technician to sign in as")
    group.add_argument(
        "--frames", type=int, default=DEFAULT_FRAMES, help="frames to paint before ending"
    )
    group.add_argument(
        "--wait",
        type=float,
        default=DEFAULT_WAIT_S,
        metavar="SECONDS",
        help="how long to wait for the customer to join",
    )


def run_live_check(options: LiveCheckOptions, argv0: Sequence[str] = ("lens-desktop",)) -> int:
    """Run the check on a qasync loop over a QApplication (offscreen works)."""
    from PySide6.QtWidgets import QApplication

    from lens_desktop.event_loop import ConsoleEventLoop

    app = QApplication.instance() or QApplication(list(argv0))
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    check = LiveCheck(options)
    return asyncio.run(check.run(), loop_factory=lambda: ConsoleEventLoop(app))
