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
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import Context
from typing import Any

import qasync
import shiboken6


class ConsoleEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """``qasync.QEventLoop`` whose ``close()`` also destroys its timer QObject."""

    def call_soon(
        self, callback: Callable[..., Any], *args: Any, context: Context | None = None
    ) -> asyncio.Handle:
        if self.is_closed():  # a thread-safe call delivered after close(): drop it
            handle = asyncio.Handle(callback, args, self, context)
            handle.cancel()
            return handle
        return super().call_soon(callback, *args, context=context)  # type: ignore[no-any-return]

    def close(self) -> None:
        timer = getattr(self, "_timer", None)
        super().close()
        if timer is not None and shiboken6.isValid(timer):
            shiboken6.delete(timer)
