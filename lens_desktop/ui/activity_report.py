"""Keeps a live session from its idle time-out while it is in use.

The server cannot see the media (it flows peer to peer), so the console tells it: at
most every ``interval`` seconds, and only if since the last report a video frame
arrived or the technician used the session tab (a key, a click, the wheel, a pointer
move over the video). With neither, no report goes out, and the server's sweep ends
an active session once its group's idle time-out has passed since the last one
(docs/decisions/0037-group-timeouts.md). Audio is not counted: a phone sends packets
through silence as well, so their arrival says nothing about use."""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from typing_extensions import override

INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
    }
)


class ActivityReporter(QObject):
    """Reports the activity of one session tab through ``send(session_id)``."""

    def __init__(
        self,
        session_id: str,
        interval_seconds: int,
        send: Callable[[str], None],
        watched: QWidget,
    ) -> None:
        super().__init__(watched)
        self._session_id = session_id
        self._send = send
        self._watched = watched
        self._noted = False
        self._last = time.monotonic()
        self.reports = 0
        """How many reports went out (for tests and the log)."""
        self._timer = QTimer(self)
        self._timer.setInterval(max(1, interval_seconds) * 1000)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._timer.start()
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def note(self) -> None:
        """Something happened (a frame arrived): the next tick reports it."""
        self._noted = True
        self._last = time.monotonic()

    def idle_seconds(self) -> float:
        """Seconds since the last video frame or input (or since the tab opened)."""
        return time.monotonic() - self._last

    def on_timer_timeout(self) -> None:
        if self._noted:
            self._noted = False
            self.reports += 1
            self._send(self._session_id)

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() in INPUT_EVENTS
            and isinstance(watched, QWidget)
            and (watched is self._watched or self._watched.isAncestorOf(watched))
        ):
            self.note()
        return False

    def close(self) -> None:
        """Stop reporting and watching; safe to call twice."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
