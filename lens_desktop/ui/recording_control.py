"""The session tab's Record button and its red "● REC 00:42" sign (issue 15 point 4).

Start opens a :class:`~lens_desktop.media.recorder.Recorder` in the folder chosen in
Settings and hands it to the peer, which feeds it from the media thread; Stop (or End,
the phone leaving for good, the console quitting) takes it back and closes the file on
a worker thread, so nothing waits on the disk. The phone is told on the data channel
(docs/protocol.md, "Recording (version 1)") and the audit log gets
``recording_started`` / ``recording_stopped``. A write that fails (disk full, folder
gone) stops the recording with a message beside the button; the session goes on.

A group that forces recording (``recording_forced``, docs/decisions/0036) needs no
click: the recording starts when the customer's connection of the active session is
up (its control channel opens, so the phone is told at once), the button says it is
required and stays pressed (a click shows why instead of stopping), and a start that failed (a folder that cannot be
written) is tried again when Settings gives another folder or the button is pressed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QToolButton, QToolTip, QWidget

from lens_desktop.media.recorder import Recorder, RecordingError
from lens_desktop.ui.language import translate
from lens_desktop.ui.settings_dialog import default_recordings_folder
from lens_desktop.ui.widgets import ERROR_STYLE

if TYPE_CHECKING:
    from lens_desktop.media.peer import PeerSession

log = logging.getLogger(__name__)

RECORD_SHORTCUT = QKeySequence("Ctrl+R")
PERMISSION = "record_sessions"
TICK_MS = 500
REC_STYLE = "color: #d00000; font-weight: bold;"


def elapsed_text(seconds: float) -> str:
    """``00:42``, ``12:05``, ``1:02:03``."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


class RecordingControl(QObject):
    """The Record toggle, the REC sign, the error line, and the recorder behind them."""

    def __init__(
        self,
        parent: QWidget,
        peer: PeerSession,
        allowed: bool,
        session: Callable[[], tuple[str, str]],
        report: Callable[[str], Coroutine[Any, Any, None]],
        spawn: Callable[[Coroutine[Any, Any, None]], object],
        forced: bool = False,
    ) -> None:
        super().__init__(parent)
        self._peer = peer
        self._session = session
        self._report = report
        self._spawn = spawn
        self.forced = forced
        """The group's policy: every session is recorded, and the technician cannot stop it."""
        self._folder = default_recordings_folder()
        self.recorder: Recorder | None = None
        self._recorded = False
        self._refused = False
        self.button = QToolButton(parent)
        self.button.setText(translate("SessionTab", "Record"))
        self.button.setCheckable(True)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setShortcut(RECORD_SHORTCUT)
        if forced:
            self.button.setText(translate("SessionTab", "Recording required"))
            self.button.setToolTip(
                translate(
                    "SessionTab",
                    "Your technician group records every session: the recording starts by "
                    "itself when the customer is connected and cannot be stopped. The "
                    "customer sees that you record.",
                )
            )
        elif allowed:
            self.button.setToolTip(
                translate(
                    "SessionTab",
                    "Record the customer's video and both voices to a file (Ctrl+R); "
                    "the customer sees that you record",
                )
            )
        else:
            self.button.setEnabled(False)
            self.button.setToolTip(
                translate(
                    "SessionTab",
                    "Your technician group does not allow recording sessions "
                    "(permission record_sessions).",
                )
            )
        self.sign = QLabel(parent)
        self.sign.setStyleSheet(REC_STYLE)
        self.sign.setAccessibleName(translate("SessionTab", "Recording"))
        self.sign.hide()
        self.message = QLabel(parent)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.on_timer_timeout)
        self.button.toggled.connect(self.on_button_toggled)

    @property
    def recording(self) -> bool:
        return self.recorder is not None

    @property
    def folder(self) -> str:
        """Where recordings go (Settings; the main window sets it)."""
        return self._folder

    @folder.setter
    def folder(self, folder: str) -> None:
        self._folder = folder
        if self.forced and self._refused and self.recorder is None:
            self.start()  # the required recording could not start; try the new folder

    # -- slots -----------------------------------------------------------------------

    def on_button_toggled(self, checked: bool) -> None:
        if checked and self.recorder is None:
            self.start()
        elif not checked and self.recorder is not None and self.forced:
            self._check(True)  # required by the group: not the technician's to stop
            corner = self.button.mapToGlobal(self.button.rect().bottomLeft())
            QToolTip.showText(corner, self.button.toolTip(), self.button)
        elif not checked and self.recorder is not None:
            self._spawn(self.stop())

    def on_timer_timeout(self) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        if recorder.error is not None or not recorder.running:
            self._spawn(self.stop())
            return
        self.sign.setText(
            translate("SessionTab", "● REC {time}").format(
                time=elapsed_text(time.monotonic() - recorder.started_at)
            )
        )

    # -- peer events (called by the tab) ---------------------------------------------

    def peer_state_changed(self, state: str) -> None:
        """The connection failed: close the part (a valid file); a new connection
        continues in the next part. The peer closed for good: stop."""
        if self.recorder is None:
            return
        if state == "failed":
            self.recorder.end_segment()
        elif state == "closed":
            self._spawn(self.stop())

    def channel_opened(self) -> None:
        """A new control channel: the phone is told again whether it is recorded. The
        first one of a session whose group forces recording starts the recording."""
        if self.forced and not self._recorded and self.recorder is None:
            self.start()
        elif self.recorder is not None or self._recorded:
            self._tell_phone(self.recorder is not None)

    # -- start and stop --------------------------------------------------------------

    def start(self) -> bool:
        folder = Path(self.folder).expanduser()
        name, session_id = self._session()
        self.message.hide()
        try:
            recorder = Recorder(folder, name, session_id)
        except RecordingError as exc:
            self._show(
                translate(
                    "SessionTab",
                    "Recording could not start: the folder {folder} cannot be written ({reason}). "
                    "Choose another folder in Settings.",
                ).format(folder=str(folder), reason=str(exc).removeprefix(f"{folder}: "))
            )
            self._uncheck()
            self._refused = True
            return False
        self.recorder = recorder
        self._recorded = True
        self._refused = False
        self._peer.set_recorder(recorder)
        self._tell_phone(True)
        self._spawn(self._report("recording_started"))
        self.sign.setText(translate("SessionTab", "● REC {time}").format(time=elapsed_text(0)))
        self.sign.setToolTip(str(recorder.files[0]))
        self.sign.show()
        self._timer.start()
        if not self.button.isChecked():
            self._check(True)
        return True

    async def stop(self) -> None:
        """Take the recorder from the peer, close its file off the GUI thread, tell the
        phone and the audit log; the reason on screen if it stopped on its own."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        self._timer.stop()
        self._peer.set_recorder(None)
        self.sign.hide()
        self._uncheck()
        self._tell_phone(False)
        await asyncio.get_running_loop().run_in_executor(None, recorder.stop)
        await self._report("recording_stopped")
        if recorder.error is not None:
            self._show(
                translate(
                    "SessionTab",
                    "Recording stopped: {reason}. What was recorded until then is saved in {file}.",
                ).format(reason=recorder.error, file=str(recorder.files[-1]))
            )
        if recorder.dropped:
            log.warning("the recording dropped %d media items (writer behind)", recorder.dropped)

    # -- helpers ---------------------------------------------------------------------

    def _tell_phone(self, on: bool) -> None:
        self._peer.send_control({"type": "recording", "v": 1, "on": on})

    def _show(self, text: str) -> None:
        self.message.setText(text)
        self.message.show()

    def _uncheck(self) -> None:
        self._check(False)

    def _check(self, checked: bool) -> None:
        self.button.blockSignals(True)
        self.button.setChecked(checked)
        self.button.blockSignals(False)
