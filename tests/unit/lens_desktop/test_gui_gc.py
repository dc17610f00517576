"""Cyclic garbage is collected on the GUI thread, by the automatic collector's rules."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from lens_desktop.gui_gc import GuiThreadCollector
from tests.qt_fixtures import qt_app, wait_until


class Cycle(QObject):
    freed_in: list[str] = []

    def __init__(self) -> None:
        super().__init__()
        self.me = self

    def __del__(self) -> None:
        Cycle.freed_in.append(threading.current_thread().name)


async def test_a_cycle_made_garbage_is_freed_on_the_gui_thread_not_the_allocating_one() -> None:
    qt_app()
    assert not gc.isenabled()  # the suite's collector (tests.qt_fixtures) is running
    Cycle.freed_in.clear()
    Cycle()  # unreachable at once, but a cycle: only the cyclic GC frees it
    stop = threading.Event()

    def allocate() -> None:  # enough for many automatic collections, were GC enabled
        while not stop.is_set():
            _ = [[] for _ in range(1000)]

    worker = threading.Thread(target=allocate, name="allocator")
    worker.start()
    try:
        await wait_until(lambda: bool(Cycle.freed_in), timeout=5)
    finally:
        stop.set()
        worker.join()
    assert Cycle.freed_in == ["MainThread"]


def test_the_collector_follows_the_thresholds_and_hands_back_on_stop() -> None:
    app = qt_app()
    before = gc.isenabled()
    collector = GuiThreadCollector(app, interval_ms=10_000)
    try:
        gc.collect()
        assert collector.collect_due() is None  # nothing allocated since
        _ = [[] for _ in range(5 * gc.get_threshold()[0])]
        assert collector.collect_due() == 0
    finally:
        collector.stop()
        if not before:
            gc.disable()  # the suite's own collector keeps running
