"""'Remember me': the sign-in token lives only in the operating system's keyring.

A token is as good as a password until it expires, so it is never written to a plain
file: no QSettings, no keyrings.alt plaintext backend. When the machine has no usable
keyring, :meth:`CredentialStore.available` says why and the UI disables "remember me".

The blocking keyring calls (D-Bus on Linux) are quick; the UI may still run them in an
executor.
"""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import dataclass

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import fail
from PySide6.QtCore import QCoreApplication

log = logging.getLogger(__name__)
translate = QCoreApplication.translate
"""Reasons are shown to the technician, in the interface language (lupdate finds these)."""

ENTRY = "last-login"
"""The keyring user name under which the one remembered login is stored."""


@dataclass(frozen=True)
class StoredLogin:
    """A remembered sign-in: where, who, and the bearer token."""

    server_url: str
    email: str
    token: str


def unusable_reason(backend: KeyringBackend) -> str | None:
    """Why ``backend`` must not hold a token, or None when it may."""
    if isinstance(backend, fail.Keyring):
        return translate("Credentials", "no system keyring is available on this computer")
    module = type(backend).__module__
    if module.startswith("keyrings.alt") or "plaintext" in type(backend).__name__.lower():
        return translate(
            "Credentials", "the only keyring available stores passwords in a plain file"
        )
    return None


class CredentialStore:
    """Saves, loads and forgets the one remembered login in the OS keyring."""

    def __init__(self, service: str = "lens-console", backend: KeyringBackend | None = None):
        self._service = service
        self._backend = backend

    def _keyring(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def available(self) -> tuple[bool, str]:
        """(True, "") when a token can be remembered, else (False, reason for a person)."""
        try:
            backend = self._keyring()
            reason = unusable_reason(backend)
            if reason is None:
                backend.get_password(self._service, ENTRY)
        except keyring.errors.KeyringError as exc:
            reason = translate(
                "Credentials", "the system keyring cannot be used ({detail})"
            ).format(detail=exc or type(exc).__name__)
        if reason is None:
            return True, ""
        return False, translate("Credentials", "Cannot remember the sign-in: {reason}.").format(
            reason=reason
        )

    def save(self, server_url: str, email: str, token: str) -> None:
        """Remember a login; raises keyring.errors.KeyringError if that is impossible."""
        ok, reason = self.available()
        if not ok:
            raise keyring.errors.NoKeyringError(reason)
        entry = json.dumps({"server_url": server_url, "email": email, "token": token})
        self._keyring().set_password(self._service, ENTRY, entry)

    def load(self) -> StoredLogin | None:
        """The remembered login, or None (nothing stored, no keyring, or damaged entry)."""
        if not self.available()[0]:
            return None
        try:
            raw = self._keyring().get_password(self._service, ENTRY)
        except keyring.errors.KeyringError as exc:
            log.warning("cannot read the keyring: %s", exc)
            return None
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return StoredLogin(str(data["server_url"]), str(data["email"]), str(data["token"]))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a damaged keyring entry for %s", self._service)
            return None

    def clear(self) -> None:
        """Forget the remembered login; nothing stored is not an error."""
        if not self.available()[0]:
            return
        with contextlib.suppress(keyring.errors.PasswordDeleteError):
            self._keyring().delete_password(self._service, ENTRY)
