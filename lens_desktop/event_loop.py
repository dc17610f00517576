"""The console's one asyncio loop: qasync's, closed so that no Qt timer outlives it.

qasync 0.28's ``QEventLoop.close()`` only marks its timer object stopped; every QTimer
that object started for a pending ``call_later`` stays registered with Qt until it
fires. The closed loop and that object sit in reference cycles, so Python's cyclic GC
frees them whenever it next runs, and that may be in another thread (uvicorn's, an
HTTP executor's, aiortc's). Qt cannot unregister timers from another thread ("QObject::
~QObject: Timers cannot be stopped from another thread"), and the next timer event in
the GUI thread then dispatches to freed memory: SIGSEGV in
``QTimerInfoList::activateTimers``. Deleting the timer object right after closing, in the
GUI thread, unregisters its timers at once. tests/unit/lens_desktop/test_event_loop.py
reproduces the crash's recipe and checks it is gone.

A ``call_soon_threadsafe`` from another thread (the media thread posts its results this
way) is a queued Qt signal; one still queued when the loop closes is delivered after,
and qasync then calls ``call_soon`` on the closed loop, whose timer object is gone
("Internal C++ object (_SimpleTimer) already deleted"). Such late callbacks are
dropped: a closed loop runs nothing.

qasync runs each callback from a Qt timer event, so a nested Qt event loop (a
``processEvents()`` while a coroutine runs: QTest's mouse moves, a modal ``exec()``)
would run callbacks *inside* a task's step. A callback that steps another task then
fails ("Cannot enter into task ... while another task ... is being executed") and that
task is lost for good: it never finishes, and whoever awaits it (a tab's shutdown)
waits for ever. asyncio never runs a callback inside a task's step, and neither does
this loop: a callback that comes due during one waits for the next turn.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
import shiboken6

REDEFER_SECONDS = 0.002
"""How soon a callback that came due inside a task's step is tried again (not 0: in a
modal loop a 0 ms timer would spin a core until the dialog closes)."""


class _BetweenSteps:
    """A loop callback that runs only when no task of its loop is running."""

    __slots__ = ("handle", "loop")

    def __init__(self, handle: asyncio.Handle, loop: ConsoleEventLoop) -> None:
        self.handle = handle
        self.loop = loop

    @property
    def _cancelled(self) -> bool:  # read by qasync's timer before ``_run``
        return self.handle.cancelled()

    def _run(self) -> None:
        if asyncio.current_task(self.loop) is not None:  # a nested Qt event loop
            self.loop.add_timer_callback(self, REDEFER_SECONDS)
        else:
            self.handle._run()

    def __repr__(self) -> str:
        return repr(self.handle)


class ConsoleEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """``qasync.QEventLoop`` whose ``close()`` also destroys its timer QObject and that
    never runs a callback inside a task's step."""

    def call_soon(
        self, callback: Callable[..., Any], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        if self.is_closed():  # a thread-safe call delivered after close(): drop it
            handle = asyncio.Handle(callback, args, self, context)
            handle.cancel()
            return handle
        return super().call_soon(callback, *args, context=context)  # type: ignore[no-any-return]

    def _add_callback(self, handle: asyncio.Handle, delay: float = 0) -> asyncio.Handle:
        self.add_timer_callback(_BetweenSteps(handle, self), delay)
        return handle

    def add_timer_callback(self, callback: _BetweenSteps, delay: float) -> None:
        super()._add_callback(callback, delay)

    def close(self) -> None:
        timer = getattr(self, "_timer", None)
        super().close()
        if timer is not None and shiboken6.isValid(timer):
            shiboken6.delete(timer)
