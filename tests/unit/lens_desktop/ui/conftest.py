"""UI test helpers: an in-memory keyring and a signed-in client against live_server.

Async tests run on a qasync loop through tests/unit/lens_desktop/conftest.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QSettings

from lens_desktop.net.credentials import CredentialStore
from tests.fakes import MemoryKeyring

# No display on CI or on this machine; a developer's own setting wins.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def memory_keyring() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def credentials(memory_keyring: MemoryKeyring) -> CredentialStore:
    return CredentialStore(service="lens-console-test", backend=memory_keyring)


@pytest.fixture
def settings(tmp_path) -> Iterator[QSettings]:
    """A QSettings file of the test's own, never the user's."""
    store = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    yield store
    store.sync()


@pytest.fixture(autouse=True)
def _keep_running_when_windows_close(qapp) -> Iterator[None]:
    """As in the product (app.py): closing the last window must not stop the qasync
    loop under a running test; the console decides when to end."""
    qapp.setQuitOnLastWindowClosed(False)
    yield
