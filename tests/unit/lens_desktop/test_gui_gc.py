"""Cyclic garbage is collected on the GUI thread, by the automatic collector's rules."""

from __future__ import annotations

import gc
import os
import threading

from PySide6.QtCore import QObject

from lens_desktop.gui_gc import GuiThreadCollector
from lens_desktop.media.media_loop import set_realtime
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


def realtime_allowed() -> bool:
    """Whether this process may make a thread real-time (asked in a throwaway thread)."""
    allowed: list[bool] = []
    probe = threading.Thread(target=lambda: allowed.append(set_realtime(0, 1)))
    probe.start()
    probe.join()
    return allowed[0]


def test_a_collection_runs_at_real_time_priority_where_allowed_then_the_thread_is_normal() -> None:
    """A collection holds the GIL: it must not lose its core to normal threads halfway
    and hold up the real-time media thread (the bench saw 50-130 ms stalls)."""
    app = qt_app()
    before = gc.isenabled()
    policies: list[int] = []

    def on_gc(phase: str, _info: dict[str, int]) -> None:
        if phase == "start" and threading.current_thread() is threading.main_thread():
            policies.append(os.sched_getscheduler(0))

    collector = GuiThreadCollector(app, interval_ms=10_000)
    gc.callbacks.append(on_gc)
    try:
        _ = [[] for _ in range(5 * gc.get_threshold()[0])]
        assert collector.collect_due() == 0
    finally:
        gc.callbacks.remove(on_gc)
        collector.stop()
        if not before:
            gc.disable()
    boosted = realtime_allowed()
    assert policies == [os.SCHED_FIFO if boosted else os.SCHED_OTHER]
    assert collector.boosted == int(boosted)
    assert os.sched_getscheduler(0) == os.SCHED_OTHER  # the GUI thread runs normally again
