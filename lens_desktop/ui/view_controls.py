"""The view controls of a session tab: mode, zoom and full screen (issue 15 point 5).

Every control is an action with its keys in its tooltip; the actions are also added to
the video stage, so that their keys work while it is full screen (a window shortcut
answers in any window one of its widgets is shown in).

Keys: + (or =) and - zoom a level about the centre, Ctrl+0 goes back to Fit at 100 %,
F11 toggles full screen and Esc leaves it; the mouse wheel zooms about the cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from lens_desktop.media.frames import VIEW_MODES, ViewMode
from lens_desktop.ui.annotation_tools import with_key
from lens_desktop.ui.language import translate
from lens_desktop.ui.video_pane import VideoPane
from lens_desktop.ui.video_stage import VideoStage
from lens_desktop.ui.view_geometry import MAX_ZOOM, MIN_ZOOM, zoom_text

MODE_TEXTS: dict[ViewMode, str] = {
    "fit": QT_TRANSLATE_NOOP("ViewControls", "Fit"),
    "actual": QT_TRANSLATE_NOOP("ViewControls", "Actual size"),
    "stretch": QT_TRANSLATE_NOOP("ViewControls", "Stretch"),
}


class ViewControls(QWidget):
    """Mode combo, zoom out, the zoom in per cent, zoom in, full screen."""

    def __init__(self, pane: VideoPane, stage: VideoStage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pane = pane
        self.stage = stage
        self.mode = QComboBox(self)
        for mode in VIEW_MODES:
            self.mode.addItem(translate("ViewControls", MODE_TEXTS[mode]), mode)
        self.mode.setToolTip(
            translate(
                "ViewControls",
                "View: Fit shows the whole picture, Actual size a camera pixel per "
                "screen pixel, Stretch fills the area",
            )
        )
        self.mode.setAccessibleName(translate("ViewControls", "View"))
        self.zoom_in_action = self._action(
            translate("ViewControls", "Zoom in"),
            translate("ViewControls", "Zoom in (or turn the mouse wheel over the picture)"),
            [QKeySequence("+"), QKeySequence("="), QKeySequence(QKeySequence.StandardKey.ZoomIn)],
            lambda: self.pane.zoom_by(1),
        )
        self.zoom_out_action = self._action(
            translate("ViewControls", "Zoom out"),
            translate("ViewControls", "Zoom out"),
            [QKeySequence("-"), QKeySequence(QKeySequence.StandardKey.ZoomOut)],
            lambda: self.pane.zoom_by(-1),
        )
        self.reset_action = self._action(
            translate("ViewControls", "Fit at 100 %"),
            translate("ViewControls", "Back to Fit at 100 %"),
            [QKeySequence("Ctrl+0")],
            self.pane.reset_view,
        )  # a key only: the combo shows the mode
        self.full_screen_action = self._action(
            translate("ViewControls", "Full screen"),
            translate("ViewControls", "Show the picture full screen; Esc leaves it"),
            [QKeySequence(Qt.Key.Key_F11)],
            None,
        )
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.toggled.connect(self.on_full_screen_action_toggled)
        self.zoom = QLabel(self)
        self.zoom.setToolTip(
            translate(
                "ViewControls",
                "Zoom: the mouse wheel over the picture, + and -; Ctrl+0 back to Fit at "
                "100 %. Drag a picture larger than the area to move it (with the middle "
                "button while drawing)",
            )
        )
        self.zoom.setMinimumWidth(self.zoom.fontMetrics().horizontalAdvance("400 %") + 8)
        self.zoom.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._lay_out()
        self._connect_signals()
        self.on_pane_view_changed()

    def _action(
        self,
        text: str,
        tip: str,
        keys: list[QKeySequence],
        on_trigger: Callable[[], None] | None,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(with_key(tip, keys))
        if on_trigger is not None:
            action.triggered.connect(on_trigger)
        self.stage.addAction(action)  # its keys work full screen too
        return action

    def _button(self, action: QAction, text: str) -> QToolButton:
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setText(text)
        button.setAccessibleName(action.text())
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        return button

    def _lay_out(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.zoom_out_button = self._button(self.zoom_out_action, "\u2212")
        self.zoom_in_button = self._button(self.zoom_in_action, "+")
        self.full_screen_button = self._button(
            self.full_screen_action, translate("ViewControls", "Full screen")
        )
        layout.addWidget(self.mode)
        layout.addWidget(self.zoom_out_button)
        layout.addWidget(self.zoom)
        layout.addWidget(self.zoom_in_button)
        layout.addWidget(self.full_screen_button)

    def _connect_signals(self) -> None:
        self.mode.activated.connect(self.on_mode_activated)
        self.pane.view_changed.connect(self.on_pane_view_changed)
        self.stage.full_screen_changed.connect(self.on_stage_full_screen_changed)

    # -- slots -----------------------------------------------------------------------

    def on_mode_activated(self, index: int) -> None:
        self.pane.set_mode(self.mode.itemData(index))

    def on_pane_view_changed(self) -> None:
        self.mode.setCurrentIndex(self.mode.findData(self.pane.mode))
        self.zoom.setText(zoom_text(self.pane.zoom))
        self.zoom_in_action.setEnabled(self.pane.zoom < MAX_ZOOM)
        self.zoom_out_action.setEnabled(self.pane.zoom > MIN_ZOOM)
        self.zoom.setAccessibleName(
            translate("ViewControls", "Zoom {zoom}").format(zoom=zoom_text(self.pane.zoom))
        )

    def on_full_screen_action_toggled(self, checked: bool) -> None:
        self.stage.set_full_screen(checked)

    def on_stage_full_screen_changed(self, on: bool) -> None:
        if self.full_screen_action.isChecked() != on:
            self.full_screen_action.setChecked(on)
