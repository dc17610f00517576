"""CredentialStore with a real (in-memory) keyring backend and with keyring's fail
backend, which is what a machine without a usable keyring has."""

from __future__ import annotations

import keyring
import keyring.errors
import pytest
from keyring.backends import fail

from lens_desktop.net.credentials import CredentialStore, StoredLogin
from tests.fakes import MemoryKeyring


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backend, which must never hold a token."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def test_save_load_clear_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = CredentialStore()
    assert store.available() == (True, "")
    assert store.load() is None
    store.save("https://lens.example.com", "tess@example.com", "tok-123")
    assert store.load() == StoredLogin("https://lens.example.com", "tess@example.com", "tok-123")
    [(service, _)] = memory_keyring.secrets
    assert service == "lens-console"
    store.clear()
    assert store.load() is None
    store.clear()  # nothing stored is not an error


def test_separate_services_do_not_see_each_other(memory_keyring: MemoryKeyring) -> None:
    CredentialStore("lens-a").save("https://a", "a@example.com", "ta")
    assert CredentialStore("lens-b").load() is None
    assert CredentialStore("lens-a").load() == StoredLogin("https://a", "a@example.com", "ta")


def test_damaged_entry_loads_as_nothing(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.set_password("lens-console", "last-login", "{not json")
    assert CredentialStore().load() is None


def test_fail_backend_is_unavailable_with_a_reason() -> None:
    store = CredentialStore(backend=fail.Keyring())
    ok, reason = store.available()
    assert not ok
    assert "no system keyring" in reason and reason.startswith("Cannot remember the sign-in")
    assert store.load() is None
    store.clear()
    with pytest.raises(keyring.errors.KeyringError):
        store.save("https://lens.example.com", "tess@example.com", "tok")


def test_plaintext_backend_is_refused_and_gets_no_token() -> None:
    backend = PlaintextKeyring()
    store = CredentialStore(backend=backend)
    ok, reason = store.available()
    assert not ok and "plain file" in reason
    with pytest.raises(keyring.errors.KeyringError):
        store.save("https://lens.example.com", "tess@example.com", "tok")
    assert backend.secrets == {}
