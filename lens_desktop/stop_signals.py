"""Ctrl+C, SIGTERM and SIGHUP end the console the way Quit does, quietly.

Python runs a signal handler only when the interpreter next gets control, and while
Qt's event loop waits in C++ that may be never: Ctrl+C would do nothing until the mouse
moved, then raise KeyboardInterrupt (a traceback) out of whatever slot ran. So the
handlers here are woken through ``signal.set_wakeup_fd`` and a QSocketNotifier, and they
only queue ``on_stop``: the console then ends its sessions, closes and exits 0-style
through its normal path. A second signal while that runs ends the process at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QTimer

STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class StopSignals(QObject):
    """Installs the handlers for as long as it lives; ``close()`` puts the old ones back
    (idempotent). ``received`` is the first signal number, or 0."""

    def __init__(self, on_stop: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_stop = on_stop
        self.received = 0
        self._reader, self._writer = socket.socketpair()
        for end in (self._reader, self._writer):
            end.setblocking(False)
        self._old_wakeup = signal.set_wakeup_fd(self._writer.fileno())
        self._old_handlers = {sig: signal.signal(sig, self._on_signal) for sig in STOP_SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self.on_notifier_activated)
        self._closed = False

    def on_notifier_activated(self) -> None:
        """Only wakes Python, which runs the pending handler first; drains the bytes."""
        with contextlib.suppress(OSError):
            while self._reader.recv(512):
                pass

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        del frame
        if self.received:  # asked twice: the technician (or init) means it
            sys.stderr.write("lens-desktop: stopped\n")
            sys.stderr.flush()
            os._exit(128 + signum)
        self.received = signum
        QTimer.singleShot(0, self._on_stop)  # not inside whatever code was interrupted

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._notifier.setEnabled(False)
        for sig, handler in self._old_handlers.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._old_wakeup)
        self._reader.close()
        self._writer.close()
