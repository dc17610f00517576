"""The session tab's Camera button (issue 15, point 6): the technician switches the
phone's camera, turns its flashlight on or off, zooms, and focuses at a point of the
picture, as far as the phone's camera can (docs/protocol.md, "Camera requests").

The phone reports what its camera can do (``camera_caps``) when the control channel
opens and whenever that changes; until then the button is off and says why, and each
item the camera cannot do is disabled with a tooltip saying so. Every request waits for
the phone's ``camera_result``; a refusal or failure is shown in words beside the button
and over the picture (never a dialog) for a few seconds. Focus is a mode: "Focus at a point" arms it, and the
next click on the picture (no drawing tool is active meanwhile) focuses there.
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QLabel, QMenu, QSizePolicy, QToolButton, QWidget
from typing_extensions import override

from lens_desktop.tools.camera import (
    CameraCaps,
    CameraResult,
    is_camera_message,
    parse_camera_message,
    request_message,
)
from lens_desktop.ui.annotation_canvas import AnnotationCanvas
from lens_desktop.ui.annotation_layer import to_frame
from lens_desktop.ui.language import translate
from lens_desktop.ui.widgets import ERROR_STYLE, NOTE_STYLE

log = logging.getLogger(__name__)

CAMERA_SHORTCUT = QKeySequence(Qt.Key.Key_C)
ANSWER_TIMEOUT_MS = 6000
"""A request the phone has not answered by then is given up (the phone went away)."""
NOTICE_MS = 6000
REASON_TEXTS = {
    "not_supported": QT_TRANSLATE_NOOP("CameraControls", "The customer's camera cannot do that."),
    "paused": QT_TRANSLATE_NOOP(
        "CameraControls", "The customer paused the camera: the phone refused the request."
    ),
    "on_hold": QT_TRANSLATE_NOOP(
        "CameraControls", "The session is on hold: the phone refused the request."
    ),
    "busy": QT_TRANSLATE_NOOP(
        "CameraControls", "The phone is still busy with the previous camera request."
    ),
    "invalid": QT_TRANSLATE_NOOP("CameraControls", "The phone refused the value asked for."),
    "failed": QT_TRANSLATE_NOOP("CameraControls", "The customer's camera could not do that."),
}
ACTION_NAMES = {
    "switch": QT_TRANSLATE_NOOP("CameraControls", "Switch camera"),
    "torch": QT_TRANSLATE_NOOP("CameraControls", "Flashlight"),
    "zoom": QT_TRANSLATE_NOOP("CameraControls", "Zoom"),
    "focus": QT_TRANSLATE_NOOP("CameraControls", "Focus"),
}


def result_text(action: str, result: CameraResult) -> str:
    """What the technician reads about a request the phone did not do."""
    name = translate("CameraControls", ACTION_NAMES.get(action, ACTION_NAMES["switch"]))
    reason = translate("CameraControls", REASON_TEXTS.get(result.reason or "failed", ""))
    return f"{name}: {reason}"


class CameraControls(QObject):
    """The Camera button with its menu, and the line beside it that says what happened."""

    focus_armed_changed = Signal(bool)

    def __init__(self, send: Any, canvas: AnnotationCanvas, parent: QWidget) -> None:
        super().__init__(parent)
        self._send = send
        self._canvas = canvas
        self._pane = canvas.pane
        self.caps: CameraCaps | None = None
        self._pending: dict[str, str] = {}
        self._counter = 0
        self.button = QToolButton(parent)
        self.button.setText(translate("CameraControls", "Camera"))
        self.button.setShortcut(CAMERA_SHORTCUT)  # Alt+C is the Console menu
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self.button)
        self.menu.setToolTipsVisible(True)
        self.button.setMenu(self.menu)
        self.switch = self._action(translate("CameraControls", "&Switch camera"))
        self.torch = self._action(translate("CameraControls", "&Flashlight"))
        self.torch.setCheckable(True)
        self.zoom_in = self._action(translate("CameraControls", "Zoom &in"))
        self.zoom_out = self._action(translate("CameraControls", "Zoom &out"))
        self.focus = self._action(translate("CameraControls", "Focus at a &point…"))
        self.focus.setCheckable(True)
        self.status = QLabel(parent)
        # A long reason must not widen the window: the line takes the room there is, and
        # its tooltip has the whole text.
        self.status.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.status.setAccessibleName(translate("CameraControls", "Camera request"))
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(NOTICE_MS)
        self._answer_timer = QTimer(self)
        self._answer_timer.setSingleShot(True)
        self._answer_timer.setInterval(ANSWER_TIMEOUT_MS)
        self._connect_signals()
        self._apply_caps()

    def _action(self, text: str) -> QAction:
        action = QAction(text, self.menu)
        self.menu.addAction(action)
        return action

    def _connect_signals(self) -> None:
        self.switch.triggered.connect(self.on_switch_triggered)
        self.torch.triggered.connect(self.on_torch_triggered)
        self.zoom_in.triggered.connect(self.on_zoom_in_triggered)
        self.zoom_out.triggered.connect(self.on_zoom_out_triggered)
        self.focus.toggled.connect(self.on_focus_toggled)
        self._canvas.tool_changed.connect(self.on_canvas_tool_changed)
        self._notice_timer.timeout.connect(self.on_notice_timer_timeout)
        self._answer_timer.timeout.connect(self.on_answer_timer_timeout)

    # -- from the phone --------------------------------------------------------------

    def on_control(self, message: dict[str, Any]) -> None:
        """A control message from the phone; only the camera's are ours."""
        if not is_camera_message(message):
            return
        parsed = parse_camera_message(message)
        if isinstance(parsed, CameraCaps):
            self.caps = parsed
            self._apply_caps()
        elif isinstance(parsed, CameraResult):
            self._on_result(parsed)
        else:
            log.warning("ignoring camera message: %s", parsed.reason)

    def on_channel_opened(self, generation: int) -> None:
        """A new connection: its phone (maybe another one) reports its camera anew."""
        del generation
        self.caps = None
        self._pending.clear()
        self._answer_timer.stop()
        self._apply_caps()

    def _on_result(self, result: CameraResult) -> None:
        action = self._pending.pop(result.id, None)
        if action is None:
            log.warning("ignoring camera result for unknown request %s", result.id)
            return
        if not self._pending:
            self._answer_timer.stop()
        if result.ok:
            self._say("", error=False)
        else:
            log.info("camera request %s refused: %s %s", action, result.reason, result.message)
            text = result_text(action, result)
            self._say(text, error=True)
            self._canvas.show_notice(text)  # over the picture too: the row may be full
        self._apply_caps()

    # -- the menu --------------------------------------------------------------------

    def on_switch_triggered(self) -> None:
        self._request("switch")

    def on_torch_triggered(self, checked: bool) -> None:
        self._request("torch", checked)

    def on_zoom_in_triggered(self) -> None:
        if self.caps is not None and self.caps.zoom is not None:
            self._request("zoom", self.caps.zoom.stepped(+1))

    def on_zoom_out_triggered(self) -> None:
        if self.caps is not None and self.caps.zoom is not None:
            self._request("zoom", self.caps.zoom.stepped(-1))

    def on_focus_toggled(self, checked: bool) -> None:
        if checked:
            self._canvas.set_tool(None)  # the next click focuses, it does not draw
            self._pane.installEventFilter(self)
            self._pane.setCursor(Qt.CursorShape.CrossCursor)
            self._say(
                translate("CameraControls", "Click the picture where the camera should focus."),
                error=False,
            )
        else:
            self._pane.removeEventFilter(self)
            self._pane.unsetCursor()
            if self.status.text() and not self._pending:
                self._say("")
        self.focus_armed_changed.emit(checked)

    def on_canvas_tool_changed(self, tool: object) -> None:
        if tool is not None and self.focus.isChecked():
            self.focus.setChecked(False)  # a drawing tool takes the mouse back

    @property
    def waiting(self) -> bool:
        """A request is out and its answer not in yet (the items are off meanwhile)."""
        return bool(self._pending)

    @property
    def focus_armed(self) -> bool:
        return self.focus.isChecked()

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self._pane
            and event.type() == QEvent.Type.MouseButtonPress
            and isinstance(event, QMouseEvent)
            and event.button() == Qt.MouseButton.LeftButton
        ):
            point = to_frame(event.position(), self._pane.picture_rect())
            if point is None:
                return False  # on the bars beside the picture: still armed
            self.focus.setChecked(False)
            self._request("focus", point)
            return True
        return False

    def focus_at(self, x: float, y: float) -> bool:
        """Focus at (x, y) of the frame, as a click there does while armed."""
        if not self.focus.isEnabled():
            return False
        self.focus.setChecked(False)
        return self._request("focus", (x, y))

    def _request(self, action: str, value: Any = None) -> bool:
        self._counter += 1
        request_id = f"c{self._counter}"
        if not self._send(request_message(request_id, action, value)):
            self._say(translate("CameraControls", "The customer's phone is not connected."))
            self._apply_caps()
            return False
        self._pending[request_id] = action
        self._answer_timer.start()
        self._say(translate("CameraControls", "Asking the customer's phone…"), error=False)
        self._apply_caps()
        return True

    def on_answer_timer_timeout(self) -> None:
        if self._pending:
            self._pending.clear()
            text = translate("CameraControls", "The customer's phone did not answer.")
            self._say(text)
            self._canvas.show_notice(text)
            self._apply_caps()

    def on_notice_timer_timeout(self) -> None:
        if not self.focus.isChecked():
            self.status.clear()

    # -- what is offered ---------------------------------------------------------------

    def _apply_caps(self) -> None:
        """Offer only what the phone's camera can do; say why the rest is off."""
        caps, waiting = self.caps, bool(self._pending)
        self.button.setEnabled(caps is not None)
        if caps is None:
            self.button.setToolTip(
                translate(
                    "CameraControls",
                    "The customer's phone has not said what its camera can do yet.",
                )
            )
            if self.focus.isChecked():
                self.focus.setChecked(False)
            for action in self.menu.actions():
                action.setEnabled(False)
            return
        self.button.setToolTip(
            translate("CameraControls", "Switch, light, zoom or focus the customer's camera (C)")
        )
        cannot = translate("CameraControls", "The customer's camera cannot do this.")
        zoom = caps.zoom
        offers = {
            self.switch: (
                caps.can_switch,
                translate("CameraControls", "Switch between the phone's front and back camera"),
                translate("CameraControls", "The customer's phone has only one camera."),
            ),
            self.torch: (
                caps.torch,
                translate("CameraControls", "Turn the phone's flashlight on or off"),
                translate(
                    "CameraControls", "The customer's camera has no flashlight it can control."
                ),
            ),
            self.zoom_in: (
                zoom is not None and zoom.value < zoom.max,
                translate("CameraControls", "Zoom the customer's camera in"),
                cannot,
            ),
            self.zoom_out: (
                zoom is not None and zoom.value > zoom.min,
                translate("CameraControls", "Zoom the customer's camera out"),
                cannot,
            ),
            self.focus: (
                caps.focus_point,
                translate("CameraControls", "Then click the picture where the camera should focus"),
                translate("CameraControls", "The customer's camera cannot focus at a point."),
            ),
        }
        for action, (able, tip, why) in offers.items():
            action.setEnabled(able and not waiting)
            action.setToolTip(tip if able else why)
        self.torch.setChecked(caps.torch_on)
        if zoom is not None:
            now = translate("CameraControls", "now {value:g}x, from {low:g}x to {high:g}x")
            now = now.format(value=zoom.value, low=zoom.min, high=zoom.max)
            for action in (self.zoom_in, self.zoom_out):
                action.setToolTip(f"{action.toolTip()} ({now})")

    def _say(self, text: str, error: bool = True) -> None:
        self.status.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)
        self.status.setText(text)
        self.status.setToolTip(text)
        if text:
            self._notice_timer.start()
