"""Python's cyclic garbage collection, run on the GUI thread only.

The console's QObjects (widgets, the peer's signal hub, qasync's helpers) end up in
reference cycles, and Python's cyclic GC frees them whenever it next runs: in whichever
thread allocated enough to trigger it, which is as often the media thread, the HTTP
executor's or uvicorn's (demo mode) as the GUI thread. A QObject destroyed in another
thread than its own leaves Qt's event dispatch with dangling pointers (the console's
test suite crashed in ``processEvents`` that way, twice in ~20 runs, after
``lens_desktop.event_loop`` had fixed the one case of qasync's timer object).
:class:`GuiThreadCollector` turns the automatic collection off and runs the same
generational schedule from a QTimer in the GUI thread instead.

A collection holds the GIL. Run automatically, most of them ran in the real-time media
thread, which no normal thread preempts; on the GUI thread, a collection that lost its
core held every thread, the media thread included, until it got the core back. The
bench saw the media loop's 5 ms timer fire 50-130 ms late in 4 of 5 runs this way, and
in none of 5 with the automatic collector. So each collection runs at the media
thread's real-time priority where the OS allows it (the same privilege the media
thread uses), and the thread's own scheduling is restored right after.
"""

from __future__ import annotations

import gc
import os

from PySide6.QtCore import QObject, QTimer

from lens_desktop.media.media_loop import MEDIA_RT_PRIORITY, set_realtime

CHECK_INTERVAL_MS = 100
"""How often the counts are checked: the automatic collector's own thresholds decide
whether anything is collected, so this only bounds how late a collection runs."""


class GuiThreadCollector(QObject):
    """Disables the automatic cyclic GC while it lives and collects from a timer on
    the thread it was created in, by the thresholds the automatic collector would use."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS):
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self.collections = [0, 0, 0]
        self.boosted = 0
        """Collections run at real-time priority (0 where the OS refuses it)."""
        self._may_boost = hasattr(os, "sched_getscheduler") and hasattr(os, "SCHED_OTHER")
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect_due)
        gc.disable()
        self._timer.start(interval_ms)

    def collect_due(self) -> int | None:
        """Collect the oldest generation whose count passed its threshold (and the
        younger ones with it); the generation collected, or None."""
        counts = gc.get_count()
        generation = None
        for gen, (count, threshold) in enumerate(zip(counts, self._thresholds, strict=True)):
            if threshold <= 0 or count <= threshold:
                break
            generation = gen
        if generation is not None:
            self._collect(generation)
            self.collections[generation] += 1
        return generation

    def _collect(self, generation: int) -> None:
        """gc.collect at the media thread's real-time priority, if the OS allows it and
        this thread runs normally (its policy and priority are put back after)."""
        boosted = False
        if self._may_boost and os.sched_getscheduler(0) == os.SCHED_OTHER:
            boosted = set_realtime(0, MEDIA_RT_PRIORITY)
            self._may_boost = boosted  # refused once: not asked again
        try:
            gc.collect(generation)
        finally:
            if boosted:
                os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
                self.boosted += 1

    def stop(self) -> None:
        """Hand collection back to Python's automatic collector."""
        self._timer.stop()
        gc.enable()
