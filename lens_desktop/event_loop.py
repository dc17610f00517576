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
"""

from __future__ import annotations

import qasync
import shiboken6


class ConsoleEventLoop(qasync.QEventLoop):  # type: ignore[misc]
    """``qasync.QEventLoop`` whose ``close()`` also destroys its timer QObject."""

    def close(self) -> None:
        timer = getattr(self, "_timer", None)
        super().close()
        if timer is not None and shiboken6.isValid(timer):
            shiboken6.delete(timer)
