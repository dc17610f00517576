"""Getting the technician's attention when a customer starts waiting.

A tray balloon where the desktop has a system tray, and a sound: the console hands in
the chime's ``play`` (lens_desktop/media/chime.py, which beeps itself where it cannot
play), tests a silent one. ``notified`` lets a test see what the technician was told.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon


class Notifier(QObject):
    notified = Signal(str, str)
    """(title, text) of every notice shown."""

    def __init__(
        self,
        tray: QSystemTrayIcon | None = None,
        sound: Callable[[], None] = QApplication.beep,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._sound = sound

    def notify(self, title: str, text: str) -> None:
        if self._tray is not None and self._tray.isVisible():
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, 8000)
        self._sound()
        self.notified.emit(title, text)
