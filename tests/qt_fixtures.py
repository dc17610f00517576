"""Shared Qt + qasync helpers for console tests (net/, media/, ui/).

The console runs one asyncio loop on top of Qt (qasync). Async tests must run on the
same kind of loop, otherwise Qt signals emitted by the code under test are never
delivered. pytest-asyncio picks the loop through its ``pytest_asyncio_loop_factories``
hook; a conftest enables it with::

    from tests.qt_fixtures import qasync_loop_factories

    def pytest_asyncio_loop_factories(config, item):
        return qasync_loop_factories(item)

and imports ``qt_garbage_collected`` (an autouse fixture) next to it. Inside an async
test never use ``qtbot.waitSignal`` (it spins a nested Qt loop that
never returns control to asyncio); await ``next_emission(signal)`` or
``wait_until(predicate)`` instead.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from lens_desktop.event_loop import ConsoleEventLoop
from lens_desktop.gui_gc import GuiThreadCollector


def qt_app() -> QApplication:
    """The one QApplication of the test process (pytest-qt's ``qapp`` reuses it)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([])
    assert isinstance(app, QApplication)
    gui_thread_gc(app)
    return app


_collector: list[GuiThreadCollector] = []


def gui_thread_gc(app: QApplication) -> None:
    """As the console does (``run_console``): cyclic GC only in the GUI thread, never in
    uvicorn's, the media thread or an executor, where freeing a QObject crashes Qt
    later. Once per process, whoever created the QApplication (pytest-qt's ``qapp``)."""
    if not _collector:
        _collector.append(GuiThreadCollector(app))


def new_qasync_loop() -> asyncio.AbstractEventLoop:
    """A fresh qasync loop over the process-wide QApplication."""
    return ConsoleEventLoop(qt_app())


def qasync_loop_factories(item: Any) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    """The loop factory mapping for ``pytest_asyncio_loop_factories``.

    One factory only, so the test ids stay unchanged.
    """
    del item
    return {"qasync": new_qasync_loop}


@pytest.fixture(autouse=True)
def qt_garbage_collected() -> Iterator[None]:
    """Collect garbage in the GUI thread after each test.

    Each async test gets a fresh qasync loop; the closed loop (with its QTimer-owning
    helper) and the test's QObjects sit in reference cycles. Left alone, Python's
    cyclic GC may run in another thread (uvicorn's, an executor's) and destroy them
    there: Qt warns "Timers cannot be stopped from another thread" or crashes.
    """
    yield
    app = QApplication.instance()
    if isinstance(app, QApplication):
        gui_thread_gc(app)
    gc.collect()


async def next_emission(signal: Any, timeout: float = 5.0) -> tuple[Any, ...]:
    """Wait for the next emission of a Qt signal and return its arguments."""
    future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

    def on_emit(*args: Any) -> None:
        if not future.done():
            future.set_result(args)

    signal.connect(on_emit)
    try:
        return await asyncio.wait_for(future, timeout)
    finally:
        signal.disconnect(on_emit)


async def wait_until(
    predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01
) -> None:
    """Poll ``predicate`` on the running loop until it is true or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)


class SignalRecorder:
    """Records every emission of a Qt signal, so a test can assert whole sequences."""

    def __init__(self, signal: Any) -> None:
        self.emissions: list[tuple[Any, ...]] = []
        self._signal = signal
        signal.connect(self._on_emit)

    def _on_emit(self, *args: Any) -> None:
        self.emissions.append(args)

    @property
    def values(self) -> list[Any]:
        """The first argument of each emission."""
        return [args[0] for args in self.emissions]

    async def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        """Wait until some emission's first argument satisfies ``predicate``; return it."""
        await wait_until(lambda: any(predicate(v) for v in self.values), timeout)
        return next(v for v in self.values if predicate(v))

    def disconnect(self) -> None:
        self._signal.disconnect(self._on_emit)
