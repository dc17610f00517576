"""The console's loop leaves no Qt timer behind when it closes (lens_desktop/event_loop.py).

The recipe of the crash it fixes: a loop closes with a ``call_later`` pending, the closed
loop is collected by a GC pass in another thread, and the GUI thread goes on processing
events. With plain ``qasync.QEventLoop`` that prints "Timers cannot be stopped from
another thread" and dies with SIGSEGV once the orphaned timer fires. It runs in a child
process so that a regression is a failed test, not a crashed test run.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

from lens_desktop.event_loop import ConsoleEventLoop

RECIPE = textwrap.dedent(
    """
    import asyncio, gc, threading, time
    from PySide6.QtWidgets import QApplication
    from lens_desktop.event_loop import ConsoleEventLoop

    app = QApplication([])

    async def leave_a_timer_pending():
        asyncio.get_running_loop().call_later(0.2, lambda: None)
        await asyncio.sleep(0.01)

    for _ in range(3):
        asyncio.run(leave_a_timer_pending(), loop_factory=lambda: ConsoleEventLoop(app))
        gc.disable()  # the closed loop is now garbage only the next collection frees
        collector = threading.Thread(target=gc.collect)
        collector.start()
        collector.join()
        gc.enable()
        deadline = time.monotonic() + 0.5  # past the pending timer's due time
        while time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
    print("survived")
    """
)


def test_a_thread_safe_call_delivered_after_close_is_dropped(qapp: Any) -> None:
    """The media thread posts with call_soon_threadsafe; one that is still queued when
    the loop closes must neither run nor raise from inside Qt's event loop."""
    loop = ConsoleEventLoop(qapp)
    ran: list[int] = []
    poster = threading.Thread(target=loop.call_soon_threadsafe, args=(ran.append, 1))
    poster.start()
    poster.join()
    loop.close()
    errors: list[BaseException] = []
    hook, sys.excepthook = sys.excepthook, lambda *info: errors.append(info[1])
    try:
        qapp.processEvents()  # delivers the queued signal to the closed loop
    finally:
        sys.excepthook = hook
    assert ran == [] and errors == []


def test_a_closed_loop_collected_in_another_thread_leaves_no_timer_to_crash_on() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", RECIPE], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, f"exit {result.returncode}: {result.stderr}"
    assert result.stdout.strip() == "survived"
    assert "Timers cannot be stopped from another thread" not in result.stderr


async def test_a_nested_qt_event_loop_inside_a_task_loses_no_task(qapp: Any) -> None:
    """QTest's mouse move, like any ``processEvents()`` inside a coroutine, runs Qt's
    timer events there. Plain qasync then steps another task inside this one; asyncio
    refuses ("Cannot enter into task") and that task never finishes, so a tab's
    shutdown that awaits it hangs. Here it runs once this coroutine yields."""
    steps: list[str] = []

    async def report() -> str:
        steps.append("started")
        await asyncio.sleep(0)
        steps.append("finished")
        return "sent"

    task = asyncio.get_running_loop().create_task(report())
    woken = asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.05)
    deadline = time.monotonic() + 0.2
    while time.monotonic() < deadline:  # the nested loop: due callbacks come up here
        qapp.processEvents()
        time.sleep(0.005)  # noqa: ASYNC251 (blocking on purpose: a nested loop)
    assert steps == [], "nothing of another task runs inside this one's step"
    done, _ = await asyncio.wait({task, woken}, timeout=2)  # no cancel: a lost task
    assert task in done, "the task was lost"  # would never finish cancelling either
    assert task.result() == "sent" and woken in done  # nor is a thread's result lost
    assert steps == ["started", "finished"]


async def test_a_cancelled_callback_does_not_run(qapp: Any) -> None:
    del qapp
    ran: list[int] = []
    loop = asyncio.get_running_loop()
    loop.call_soon(ran.append, 1).cancel()
    loop.call_later(0.01, ran.append, 2)
    await asyncio.sleep(0.05)
    assert ran == [2]
