"""The media thread: one plain asyncio loop that carries the console's session media.

aiortc is Python: ICE, DTLS, SRTP, RTP/RTCP, the receive buffers and the feed of the
audio playout all run as callbacks on an asyncio loop. On the GUI thread's loop
(qasync) they waited behind every paint, layout and dialog, and on a loaded machine
behind the GUI thread's own turn for a core: decoded audio then reached the playout
buffer in bursts of up to 170 ms, and the speaker ran dry (docs/performance.md). Here
they get a thread of their own, so the GUI thread only paints and handles the UI.

The thread asks for real-time scheduling at a low priority (``MEDIA_RT_PRIORITY``)
where the OS allows it, else for nice -10 (:func:`raise_priority`): on a busy machine
the packets of the customer's voice then no longer wait for a core behind other
programs. Where both are refused it runs at normal priority, and
:attr:`MediaLoop.priority` says which it got.

Code on the GUI thread reaches the loop only through :meth:`MediaLoop.run` (await a
coroutine there) and :meth:`MediaLoop.call_soon`; the media code reaches the GUI
thread only through the GUI loop's ``call_soon_threadsafe`` (see ``PeerSession``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

MEDIA_RT_PRIORITY = 3
"""SCHED_RR priority asked for the media thread: above all normal work, below PulseAudio
(5 by default) and the PortAudio callbacks (``audio.CALLBACK_PRIORITY``, 10), so the
sound server and the speaker's callback still preempt it."""
MEDIA_NICE = -10
"""Nice value asked for when real-time scheduling is refused: on Linux a nice -10 thread
gets ~10 times the CPU share of a normal one when the cores are contended."""
PRIORITIES = ("realtime", "nice", "normal")


def set_realtime(tid: int, priority: int, *, round_robin: bool = False) -> bool:
    """Ask for real-time scheduling of thread ``tid`` (0: the calling thread): FIFO, or
    round-robin with ``SCHED_RESET_ON_FORK`` (threads it starts run normally). False
    where the OS has no such policy or refuses it."""
    name = "SCHED_RR" if round_robin else "SCHED_FIFO"
    policy = getattr(os, name, None)
    if policy is None:
        return False
    if round_robin:
        policy |= getattr(os, "SCHED_RESET_ON_FORK", 0)
    try:
        os.sched_setscheduler(tid, policy, os.sched_param(priority))
    except OSError:
        return False
    return True


def raise_priority(allowed: tuple[str, ...] = PRIORITIES) -> str:
    """Raise the calling thread's (not the process's) priority as far as the OS allows;
    returns what it got: "realtime", "nice" or "normal".

    Real-time is asked with ``SCHED_RESET_ON_FORK``, so the threads this one starts
    (decoders, converters, executors) run at normal priority: only the loop itself,
    ~0.2 core, runs ahead of the machine's normal work, and the kernel's real-time
    throttling (95 % of a core by default) bounds even a runaway loop. The nice value is
    inherited by the threads started later. Allowed for root, with ``CAP_SYS_NICE``, or
    with ``rtprio`` / ``nice`` limits (``/etc/security/limits.conf``).
    """
    if "realtime" in allowed and set_realtime(0, MEDIA_RT_PRIORITY, round_robin=True):
        return "realtime"
    if "nice" in allowed and hasattr(os, "setpriority") and hasattr(threading, "get_native_id"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), MEDIA_NICE)
        except OSError:
            pass
        else:
            return "nice"
    return "normal"


class MediaLoop:
    """An asyncio loop running in a daemon thread of its own."""

    def __init__(self, name: str = "lens-media", priorities: tuple[str, ...] = PRIORITIES):
        self.name = name
        self._priorities = priorities
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._main, name=name, daemon=True)
        self._ready = threading.Event()
        self.priority = "normal"
        """What :func:`raise_priority` got for the thread (set once it runs)."""

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self._loop.is_running()

    def start(self) -> None:
        """Start the thread and wait until its loop runs."""
        self._thread.start()
        self._ready.wait()

    def in_thread(self) -> bool:
        """True when called from the media thread itself."""
        return threading.get_ident() == self._thread.ident

    def _main(self) -> None:
        self.priority = raise_priority(self._priorities)
        if self.priority == "normal":
            log.info("media thread runs at normal priority (raising it was refused)")
        asyncio.set_event_loop(self._loop)
        self._loop.call_soon(self._ready.set)
        try:
            self._loop.run_forever()
        finally:
            self._finish()

    def _finish(self) -> None:
        """After stop(): cancel what is left, then close the loop."""
        tasks = asyncio.all_tasks(self._loop)
        for task in tasks:
            task.cancel()
        if tasks:
            self._loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self._loop.run_until_complete(self._loop.shutdown_asyncgens())
        self._loop.run_until_complete(self._loop.shutdown_default_executor())
        self._loop.close()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the media loop and await its result from any loop.

        Cancelling the caller cancels ``coro``; on the media thread itself ``coro`` is
        simply awaited.
        """
        if self.in_thread():
            return await coro
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return await asyncio.wrap_future(future)

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call ``callback(*args)`` on the media thread (never raises once stopped)."""
        with contextlib.suppress(RuntimeError):  # loop closed: nothing left to do
            self._loop.call_soon_threadsafe(callback, *args)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop (its remaining tasks are cancelled) and join the thread."""
        if not self._thread.is_alive():
            return
        self.call_soon(self._loop.stop)
        self._thread.join(timeout)


_shared: MediaLoop | None = None
_shared_lock = threading.Lock()


def shared_media_loop() -> MediaLoop:
    """The process's media loop, started on first use; it lives as long as the process
    (a daemon thread: it never holds up exit)."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.running:
            _shared = MediaLoop()
            _shared.start()
        return _shared


class CallerLoop:
    """Runs the media on the caller's own loop, as the console did before the media
    thread: for before/after benches (``bench/media_console.py --gui-loop``) and tests
    that show what the media thread changes. Same interface as :class:`MediaLoop`."""

    priority = "normal"

    def __init__(self) -> None:
        self._loop = asyncio.get_event_loop()

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return await coro

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(callback, *args)
