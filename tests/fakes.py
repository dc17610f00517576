"""Hand-written stand-ins for what this machine does not have, shared by the tests."""

from __future__ import annotations

from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError
from PySide6.QtCore import QObject, QUrl, Slot


class MemoryKeyring(KeyringBackend):
    """A keyring backend that keeps secrets in a dict: this machine has no OS keyring
    (no Secret Service), and a plaintext file backend must never be used."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError(username)


class RecordingPrompter:
    """The console's question object for tests: a canned answer, every text recorded."""

    def __init__(self, answer: bool = True) -> None:
        self.answer = answer
        self.questions: list[str] = []
        self.notices: list[str] = []

    def confirm(self, parent: Any, title: str, text: str) -> bool:
        del parent, title
        self.questions.append(text)
        return self.answer

    def inform(self, parent: Any, title: str, text: str) -> None:
        del parent, title
        self.notices.append(text)


class MailtoCatcher(QObject):
    """Stands in for the desktop's mail program: QDesktopServices hands it mailto URLs
    (``QDesktopServices.setUrlHandler("mailto", catcher, "open_url")``)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open_url(self, url: QUrl) -> None:
        self.urls.append(QUrl(url))
