"""Questions and notices for the technician, behind a small object the window is handed.

The window never calls ``QMessageBox`` directly: tests hand it a ``Prompter`` with canned
answers (a hand-written fake, not a mock), the product hands it ``MessageBoxPrompter``.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


class Prompter(Protocol):
    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        """Ask a yes/no question; True means go ahead."""
        ...

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        """Tell the technician something without blocking the console."""
        ...


class MessageBoxPrompter:
    """The product's prompter: a modal question, non-modal notices."""

    def confirm(self, parent: QWidget | None, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            parent,
            title,
            text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def inform(self, parent: QWidget | None, title: str, text: str) -> None:
        # Non-modal: a customer hanging up must not freeze the console behind a dialog.
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
