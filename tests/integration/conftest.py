"""Integration tests of the console's net/ and media/ (test_console_*.py) run their
async tests on a qasync loop, as the console does; the others keep a plain loop."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.qt_fixtures import qasync_loop_factories, qt_garbage_collected

__all__ = ["pytest_asyncio_loop_factories", "qt_garbage_collected"]


def pytest_asyncio_loop_factories(config: Any, item: Any) -> Any:
    del config
    if item.path.name.startswith("test_console_"):
        return qasync_loop_factories(item)
    return {"asyncio": asyncio.new_event_loop}


# The server's tests, and the OpenAPI fuzzing (it finds what PostgreSQL refuses and
# SQLite takes, such as a NUL in text).
BOTH_DATABASES = ("test_server_", "test_openapi_conformance")


def pytest_generate_tests(metafunc: Any) -> None:
    """The server's own tests and the OpenAPI conformance run on SQLite and on
    PostgreSQL (ids ``sqlite``, ``postgres``), but for a few marked ``sqlite_only``;
    the console, browser and demo tests keep SQLite."""
    module = metafunc.module.__name__.rsplit(".", 1)[-1]
    if not module.startswith(BOTH_DATABASES) or "database_url" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("database_url", ["sqlite"], indirect=True)
    else:
        metafunc.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
