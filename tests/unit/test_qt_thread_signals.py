"""Regression: Qt signals emitted from plain Python threads under a qasync loop.

PySide6 6.12.0 on Python 3.11 aborts the process (bool_dealloc) after many such
emissions, and qasync emits one per call_soon_threadsafe, i.e. per decoded frame
(docs/decisions/0001-python-and-pyside.md). The scenario runs in a child process so an
abort fails this test instead of killing pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

THREADS = 4
PER_THREAD = 5000

CHILD = textwrap.dedent(
    f"""
    import asyncio, threading
    from lens_desktop.event_loop import ConsoleEventLoop
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QApplication

    class Emitter(QObject):
        value = Signal(int)
        flag = Signal(bool)

    async def main():
        loop = asyncio.get_running_loop()
        emitter = Emitter()
        values, flags = [], []
        emitter.value.connect(values.append)
        emitter.flag.connect(flags.append)
        expected = {THREADS} * {PER_THREAD}
        done = loop.create_future()

        def check(_=None):
            if len(values) == expected and len(flags) == expected and not done.done():
                done.set_result(None)

        emitter.value.connect(check)

        def work(base):
            for i in range({PER_THREAD}):
                emitter.flag.emit(i % 2 == 0)
                emitter.value.emit(base + i)
                loop.call_soon_threadsafe(check)

        threads = [threading.Thread(target=work, args=(n * {PER_THREAD},))
                   for n in range({THREADS})]
        for t in threads:
            t.start()
        await asyncio.wait_for(done, 60)
        for t in threads:
            t.join()
        assert sorted(values) == list(range(expected)), "lost or duplicated emissions"
        assert flags.count(True) == expected // 2
        print("ALL", len(values))

    app = QApplication([])
    asyncio.run(main(), loop_factory=lambda: ConsoleEventLoop(app))
    """
)


def test_many_signals_from_plain_threads_all_arrive_and_the_process_survives() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120, env=env
    )
    assert result.returncode == 0, f"child died ({result.returncode}):\n{result.stderr[-3000:]}"
    assert f"ALL {THREADS * PER_THREAD}" in result.stdout
