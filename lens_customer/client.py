"""The headless customer: joins a session and behaves like the phone's web app.

The rules mirror the customer web app (lens_server/static/customer/session.js) so the
console sees the same thing from either: redeem, accept, open /ws/customer, and when
the session is `active` offer a peer connection of the next generation.  After a
socket drop or a failed peer, the next offer carries a fresh generation.  When a
second technician has joined (the session's `guest`), a second peer connection goes to
them, its signals tagged `peer: "guest"` and its generations counted apart; the same
sources feed both, and the guest's voice plays beside the technician's.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import time
from collections.abc import Callable, Coroutine
from typing import Any

from lens_customer.api import CustomerApi, CustomerError, parse_link, websocket_url
from lens_customer.options import CustomerOptions
from lens_customer.peer import CustomerPeer, PeerStats
from lens_customer.playback import AudioSink
from lens_customer.signaling import CustomerSocket, Message
from lens_customer.sources import MediaSources, open_sources

log = logging.getLogger(__name__)

FINAL_STATES = frozenset({"closed_by_technician", "closed_by_customer", "timed_out", "expired"})
MEDIA_STATES = frozenset({"active", "on_hold", "reconnecting", "transferring"})

# Final state -> (what to tell the person, exit code).
OUTCOMES = {
    "closed_by_technician": ("The technician ended the session.", 0),
    "closed_by_customer": ("You left the session.", 0),
    "timed_out": ("The session timed out: the connection was lost for too long.", 2),
    "expired": ("The session expired before the technician started it.", 2),
}


class HeadlessCustomer:
    """A scriptable phone.  join(), then wait_active() / run(), then close().

    `report` receives the human status lines (the command line prints them; tests
    may collect them).
    """

    def __init__(
        self,
        options: CustomerOptions,
        *,
        sources: MediaSources | None = None,
        report: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.session: dict[str, Any] = {}
        self.ice_servers: list[dict[str, Any]] = []
        self.generation = 0
        self.peer: CustomerPeer | None = None
        self.sources = sources
        self.api: CustomerApi | None = None
        self.socket: CustomerSocket | None = None
        self.failure: CustomerError | None = None
        self._report = report or (lambda line: print(line, flush=True))
        self._changed = asyncio.Event()
        self.sink = AudioSink(play=options.audio_out, on_frame=self._notify)
        self._left = False
        self._restart_wanted = False
        self._negotiating = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self._last_stats: PeerStats | None = None
        self._closed = False
        self.chat: list[dict[str, Any]] = []
        """Chat messages pushed on the socket (both sides'), in arrival order."""
        self.guest_peer: CustomerPeer | None = None
        """The peer connection to a second technician who has joined, if any."""
        self.guest_generation = 0
        self.guest_sink = AudioSink(play=options.audio_out, on_frame=self._notify)
        self._guest_name: str | None = None
        self._guest_restart_wanted = False
        self._guest_negotiating = False

    # -- what callers read ---------------------------------------------------------

    @property
    def state(self) -> str:
        return str(self.session.get("state", ""))

    @property
    def frames_sent(self) -> int:
        """Video frames the source has produced for the encoder so far."""
        return self.sources.frames_sent() if self.sources is not None else 0

    @property
    def audio_frames_sent(self) -> int:
        audio = self.sources.audio if self.sources is not None else None
        return int(getattr(audio, "frames_sent", 0))

    @property
    def done(self) -> bool:
        return self.state in FINAL_STATES or self.failure is not None

    # -- joining -------------------------------------------------------------------

    async def join(self) -> dict[str, Any]:
        """Redeems the PIN or link, accepts the licence (or declines) and connects.

        The media sources are opened first, so a missing file or camera fails before
        the single-use PIN is spent.
        """
        base_url, credentials = self._target()
        if self.sources is None and not self.options.decline:
            self.sources = _open_sources(self.options)
        self.api = CustomerApi(base_url)
        redeemed = await self.api.redeem(**credentials)
        self.ice_servers = redeemed.ice_servers
        self._set_session(redeemed.session)
        if self.options.decline:
            self._set_session(await self.api.decline())
            self._report("You declined the licence agreement; the session is closed.")
            return self.session
        self._set_session(await self.api.accept())
        self._connect(base_url, redeemed.customer_token)
        return self.session

    def _target(self) -> tuple[str, dict[str, str]]:
        """Server URL and redeem arguments from --link or --server/--pin."""
        if self.options.link:
            base_url, token = parse_link(self.options.link)
            return base_url, {"link_token": token}
        if self.options.server and self.options.pin:
            return self.options.server.rstrip("/"), {"pin": self.options.pin.strip()}
        raise CustomerError("Give an invitation link, or a server address and a PIN.", "usage")

    def _connect(self, base_url: str, token: str) -> None:
        url = websocket_url(base_url, "/ws/customer")
        self.socket = CustomerSocket(url, token, self.on_socket_message, self.on_socket_ready)
        self._spawn(self._run_socket(self.socket))
        if self.options.stats_interval > 0:
            self._spawn(self._print_stats())

    async def _run_socket(self, socket: CustomerSocket) -> None:
        try:
            await socket.run()
        except CustomerError as error:
            self.failure = error
            self._notify()

    # -- waiting -------------------------------------------------------------------

    async def wait_for(self, predicate: Callable[[], bool], timeout: float | None = 10.0) -> None:
        """Waits until predicate() holds, re-checking on every change of session, peer
        or received audio; raises
        CustomerError if the session fails first, TimeoutError on timeout."""
        async with asyncio.timeout(timeout):
            while not predicate():
                if self.failure is not None:
                    raise self.failure
                changed = self._changed
                await changed.wait()

    async def wait_state(self, *states: str, timeout: float = 10.0) -> str:
        await self.wait_for(lambda: self.state in states or self.done, timeout)
        return self.state

    async def wait_active(self, timeout: float = 10.0) -> None:
        """Waits until the technician has started the session."""
        state = await self.wait_state("active", timeout=timeout)
        if state != "active":
            raise CustomerError(f"The session ended ({state}) before it became active.", state)

    async def wait_connected(self, timeout: float = 10.0) -> None:
        """Waits until the current peer connection is connected (media flows)."""

        def connected() -> bool:
            return self.peer is not None and self.peer.connection_state == "connected"

        await self.wait_for(lambda: connected() or self.done, timeout)

    async def run(self, stop: asyncio.Event | None = None) -> int:
        """Runs until the session ends or `stop` is set (then leaves).

        Returns 0 for an ordinary ending (reported as a line); raises CustomerError
        for one the person must act on (token refused, timed out, expired).
        """
        stop = stop or asyncio.Event()
        stopper = self._spawn(stop.wait())
        stopper.add_done_callback(lambda _task: self._notify())
        await self.wait_for(lambda: self.done or stop.is_set(), timeout=None)
        if stop.is_set() and not self.done:
            await self.leave()
        return self.outcome()

    def outcome(self) -> int:
        """Reports an ordinary ending and returns 0, or raises CustomerError."""
        if self.failure is not None and self.state not in FINAL_STATES:
            raise self.failure
        message, code = OUTCOMES.get(self.state, (f"Session state: {self.state}.", 0))
        if code:
            raise CustomerError(message, self.state)
        self._report(message)
        return code

    # -- leaving -------------------------------------------------------------------

    async def send_chat(self, text: str) -> dict[str, Any]:
        """Chat to the technician; CustomerError with the server's reason if refused."""
        if self.api is None:
            raise CustomerError("Join the session before chatting.", "not_joined")
        return await self.api.send_chat(text)

    async def leave(self) -> None:
        """Tells the server the customer left (state closed_by_customer)."""
        if self.api is None or self._left or self.state in FINAL_STATES:
            return
        self._left = True
        self._set_session(await self.api.leave())

    async def close(self) -> None:
        """Closes peer, socket, audio and sources; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.socket is not None:
            await self.socket.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for peer in (self.peer, self.guest_peer):
            if peer is not None:
                await peer.close()
        await self.sink.close()
        await self.guest_sink.close()
        if self.sources is not None:
            self.sources.close()
        if self.api is not None:
            self.api.close()

    # -- socket events -------------------------------------------------------------

    def on_socket_message(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "session" and isinstance(message.get("session"), dict):
            self._set_session(message["session"])
            self._ensure_peer()
            self._ensure_guest_peer()
        elif kind == "config" and isinstance(message.get("ice_servers"), list):
            self.ice_servers = message["ice_servers"]
        elif kind == "signal" and isinstance(message.get("data"), dict):
            self._spawn(self._on_signal(message["data"]))
        elif kind == "chat" and isinstance(message.get("message"), dict):
            self.chat.append(message["message"])
            self._notify()
        elif kind == "error":
            log.warning("server: %s (%s)", message.get("message"), message.get("code"))

    def on_socket_ready(self) -> None:
        """After a reconnect the console may have dropped our media path: start over
        with a new generation, as the web app does."""
        if self.socket is not None and self.socket.reconnects and self.peer is not None:
            self._restart_wanted = True
        if self.socket is not None and self.socket.reconnects and self.guest_peer is not None:
            self._guest_restart_wanted = True
        self._ensure_peer()
        self._ensure_guest_peer()

    def _set_session(self, session: dict[str, Any]) -> None:
        previous = self.state
        # An accepted transfer: a new generation for the new technician, as the web app.
        if int(session.get("handovers") or 0) > int(self.session.get("handovers") or 0):
            self._restart_wanted = self.peer is not None
        self.session = {**self.session, **session}
        if self.state != previous:
            self._report(f"session {self.session.get('name', '')!s}: {self.state}")
            if self.state in FINAL_STATES and self.socket is not None:
                self._spawn(self.socket.close())  # a final session has nothing more to say
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- the peer connection ---------------------------------------------------------

    def _ensure_peer(self) -> None:
        """Starts a new generation when the session wants media and none is healthy."""
        if self._negotiating or self.sources is None or self.state not in MEDIA_STATES:
            return
        if self.socket is None or not self.socket.ready.is_set() or self._closed:
            return
        if self.peer is not None and not self._restart_wanted:
            return
        self._restart_wanted = False
        self._negotiating = True
        self._spawn(self._new_generation())

    async def _new_generation(self) -> None:
        assert self.sources is not None and self.socket is not None
        try:
            if self.peer is not None:
                await self.peer.close()
            self.generation += 1
            self.peer = CustomerPeer(
                self.generation,
                self.ice_servers,
                self.sources,
                self.sink,
                self._send_signal,
                self.on_peer_failed,
            )
            self._notify()
            await self.peer.offer()
        finally:
            self._negotiating = False
        self._ensure_peer()

    async def _send_signal(self, data: dict[str, Any]) -> None:
        if self.socket is not None:
            await self.socket.send({"type": "signal", "data": data})

    async def _send_guest_signal(self, data: dict[str, Any]) -> None:
        await self._send_signal({**data, "peer": "guest"})

    # -- the second technician's peer connection -------------------------------------

    def _guest_wanted(self) -> str | None:
        """The name of a second technician who has joined, while media flows."""
        guest = self.session.get("guest")
        if not isinstance(guest, dict) or self.state not in MEDIA_STATES:
            return None
        return str(guest.get("name") or "")

    def _ensure_guest_peer(self) -> None:
        """Connects to a second technician who joined, and lets one who left go."""
        if self._guest_negotiating or self.sources is None or self._closed:
            return
        name = self._guest_wanted()
        if name is None:
            if self.guest_peer is not None:
                self._report(f"{self._guest_name or 'The second technician'} left")
                peer, self.guest_peer, self._guest_name = self.guest_peer, None, None
                self._spawn(peer.close())
                self._notify()
            return
        if self.socket is None or not self.socket.ready.is_set():
            return
        fresh = self.guest_peer is None or name != self._guest_name
        if not fresh and not self._guest_restart_wanted:
            return
        if fresh:
            self._report(f"{name} joined as a second technician")
        self._guest_name = name
        self._guest_restart_wanted = False
        self._guest_negotiating = True
        self._spawn(self._new_guest_generation())

    async def _new_guest_generation(self) -> None:
        assert self.sources is not None
        try:
            if self.guest_peer is not None:
                await self.guest_peer.close()
            self.guest_generation += 1
            self.guest_peer = CustomerPeer(
                self.guest_generation,
                self.ice_servers,
                self.sources,
                self.guest_sink,
                self._send_guest_signal,
                self.on_guest_peer_failed,
            )
            self._notify()
            await self.guest_peer.offer()
        finally:
            self._guest_negotiating = False
        self._ensure_guest_peer()

    def on_guest_peer_failed(self, peer: CustomerPeer) -> None:
        if peer is self.guest_peer:
            self._report(f"connection to {self._guest_name} lost; reconnecting")
            self._guest_restart_wanted = True
            self._ensure_guest_peer()

    async def _on_signal(self, data: dict[str, Any]) -> None:
        guest = data.get("peer") == "guest"
        peer = self.guest_peer if guest else self.peer
        if peer is None or data.get("generation") != peer.generation:
            log.debug("ignoring signal %s of another generation", data.get("kind"))
            return
        try:
            await peer.on_signal(data)
        except Exception as error:  # a bad answer or candidate: start a fresh link
            log.warning("signal %s failed (%s); starting a new connection", data.get("kind"), error)
            (self.on_guest_peer_failed if guest else self.on_peer_failed)(peer)
        self._notify()

    def on_peer_failed(self, peer: CustomerPeer) -> None:
        if peer is self.peer:
            self._report(f"connection {peer.generation} lost; reconnecting")
            self._restart_wanted = True
            self._ensure_peer()

    # -- statistics ----------------------------------------------------------------

    async def _print_stats(self) -> None:
        while True:
            await asyncio.sleep(self.options.stats_interval)
            if self.peer is not None:
                self._report(await self.stats_line(self.peer))

    async def stats_line(self, peer: CustomerPeer) -> str:
        """One status line: state, what is sent, bitrate since the last line, RTT."""
        stats = await peer.stats()
        last, self._last_stats = self._last_stats, stats
        kbps = 0.0
        if last is not None and stats.at > last.at:
            delta = stats.video_bytes_sent - last.video_bytes_sent
            kbps = max(0.0, delta * 8 / 1000 / (stats.at - last.at))
        rtt = f"{stats.round_trip_ms:.0f} ms" if stats.round_trip_ms is not None else "-"
        return (
            f"[{time.strftime('%H:%M:%S')}] {self.state} gen {peer.generation} "
            f"{stats.connection_state} | video {self._resolution()} "
            f"{self.frames_sent} frames, {kbps:.0f} kbit/s | rtt {rtt}"
        )

    def _resolution(self) -> str:
        video = self.sources.video if self.sources is not None else None
        width, height = getattr(video, "width", None), getattr(video, "height", None)
        return f"{width}x{height}" if width and height else "source size"

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Starts a task this customer owns; close() cancels whatever still runs."""
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("customer task failed", exc_info=task.exception())


def _open_sources(options: CustomerOptions) -> MediaSources:
    try:
        return open_sources(options.sources)
    except (ValueError, OSError) as error:
        raise CustomerError(f"Cannot open the media source: {error}", "source") from error


async def run_customer(
    options: CustomerOptions, report: Callable[[str], None] | None = None
) -> int:
    """The whole run of `lens-customer`: join, stream until the end, leave on SIGINT.

    Returns the process exit code: 0 for an ordinary ending, 2 for an error the person
    can act on (the message goes to stderr as one line).
    """
    customer = HeadlessCustomer(options, report=report)
    stop = asyncio.Event()
    installed = _on_interrupt(stop.set)
    try:
        await customer.join()
        if options.decline:
            return 0
        return await customer.run(stop)
    except CustomerError as error:
        print(f"lens-customer: {error.message}", file=sys.stderr, flush=True)
        return 2
    finally:
        _remove_interrupt(installed)
        await customer.close()


def _on_interrupt(callback: Callable[[], None]) -> list[signal.Signals]:
    """Routes SIGINT/SIGTERM to `callback` so Ctrl+C leaves the session cleanly.
    (Windows' loop has no signal handlers; there Ctrl+C stays KeyboardInterrupt.)"""
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, callback)
        except (NotImplementedError, RuntimeError):
            continue
        installed.append(signum)
    return installed


def _remove_interrupt(installed: list[signal.Signals]) -> None:
    loop = asyncio.get_running_loop()
    for signum in installed:
        loop.remove_signal_handler(signum)
