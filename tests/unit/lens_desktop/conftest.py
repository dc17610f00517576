"""Console unit tests run their async tests on a qasync loop, as the console does."""

from __future__ import annotations

from typing import Any

from tests.qt_fixtures import qasync_loop_factories, qt_garbage_collected

__all__ = ["pytest_asyncio_loop_factories", "qt_garbage_collected"]


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Any:
    del config
    return qasync_loop_factories(item)
