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
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

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
            gc.collect(generation)
            self.collections[generation] += 1
        return generation

    def stop(self) -> None:
        """Hand collection back to Python's automatic collector."""
        self._timer.stop()
        gc.enable()
