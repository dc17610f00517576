"""The view controls of a session tab: mode, zoom and full screen (issue 15 point 5).

Every control is an action with its keys in its tooltip; the actions are also added to
the video stage, so that their keys work while it is full screen (a window shortcut
answers in any window one of its widgets is shown in).

Keys: + (or =) and - zoom a level about the centre, Ctrl+0 goes back to Fit at 100 %,
F11 toggles full screen and Esc leaves it; the mouse wheel zooms about the cursor.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QSize, Qt
from PySide6.QtGui import QAction, QActionGroup, QColor, QIcon, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QMenu, QToolButton, QWidget

from lens_desktop.media.frames import VIEW_MODES, ViewMode
from lens_desktop.ui.annotation_tools import draw_icon, with_key
from lens_desktop.ui.language import translate
from lens_desktop.ui.video_pane import VideoPane
from lens_desktop.ui.video_stage import VideoStage
from lens_desktop.ui.view_geometry import MAX_ZOOM, MIN_ZOOM, ZOOM_STEPS, zoom_text

ROW_ICON = QSize(14, 14)
"""Icon buttons in the controls row stay as high as its text buttons (the picture keeps
every pixel of height, issue 16)."""
MODE_TEXTS: dict[ViewMode, str] = {
    "fit": QT_TRANSLATE_NOOP("ViewControls", "Fit"),
    "actual": QT_TRANSLATE_NOOP("ViewControls", "Actual size"),
    "stretch": QT_TRANSLATE_NOOP("ViewControls", "Stretch"),
}


def full_screen_icon() -> QIcon:
    """Four corners pointing out, drawn like the drawing tools' icons."""

    def draw(p: QPainter, ink: QColor) -> None:
        pen = QPen(ink, 2)
        pen.setCapStyle(Qt.PenCapStyle.SquareCap)
        p.setPen(pen)
        for x, y, dx, dy in ((3, 3, 1, 1), (19, 3, -1, 1), (3, 19, 1, -1), (19, 19, -1, -1)):
            p.drawPolyline([QPointF(x + 5 * dx, y), QPointF(x, y), QPointF(x, y + 5 * dy)])

    return draw_icon(draw)


class ViewControls(QWidget):
    """Mode (a menu button), the zoom in per cent (a menu of zoom levels), full screen."""

    def __init__(self, pane: VideoPane, stage: VideoStage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pane = pane
        self.stage = stage
        self.mode = QToolButton(self)  # a menu button: as high as the row's other buttons
        self.mode.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.mode.setToolTip(
            translate(
                "ViewControls",
                "View: Fit shows the whole picture, Actual size a camera pixel per "
                "screen pixel, Stretch fills the area",
            )
        )
        self.mode.setAccessibleName(translate("ViewControls", "View"))
        self.mode_actions = QActionGroup(self)
        mode_menu = QMenu(self)
        for mode in VIEW_MODES:
            action = mode_menu.addAction(translate("ViewControls", MODE_TEXTS[mode]))
            action.setCheckable(True)
            action.setData(mode)
            action.triggered.connect(lambda checked, m=mode: self.pane.set_mode(m))
            self.mode_actions.addAction(action)
        self.mode.setMenu(mode_menu)
        width = max(self.fontMetrics().horizontalAdvance(a.text()) for a in mode_menu.actions())
        self.mode.setMinimumWidth(width + 28)
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
        )  # in the zoom menu and as Ctrl+0
        self.full_screen_action = self._action(
            translate("ViewControls", "Full screen"),
            translate("ViewControls", "Show the picture full screen; Esc leaves it"),
            [QKeySequence(Qt.Key.Key_F11)],
            None,
        )
        self.full_screen_action.setCheckable(True)
        self.full_screen_action.toggled.connect(self.on_full_screen_action_toggled)
        self.zoom = QToolButton(self)
        self.zoom.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.zoom.setMenu(self._zoom_menu())
        self.zoom.setToolTip(
            translate(
                "ViewControls",
                "Zoom: the mouse wheel over the picture, + and -; Ctrl+0 back to Fit at "
                "100 %. Drag a picture larger than the area to move it (with the middle "
                "button while drawing)",
            )
        )
        self.zoom.setMinimumWidth(self.zoom.fontMetrics().horizontalAdvance("400 %") + 24)
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

    def _zoom_menu(self) -> QMenu:
        """Zoom in, zoom out, back to Fit, and every zoom level."""
        menu = QMenu(self)
        menu.addActions([self.zoom_in_action, self.zoom_out_action, self.reset_action])
        menu.addSeparator()
        self.zoom_levels = QActionGroup(self)
        for level in ZOOM_STEPS:
            action = menu.addAction(zoom_text(level))
            action.setCheckable(True)
            action.setData(level)
            action.triggered.connect(lambda checked, z=level: self.pane.set_zoom(z))
            self.zoom_levels.addAction(action)
        return menu

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
        self.full_screen_button = self._button(self.full_screen_action, "")
        self.full_screen_button.setIcon(full_screen_icon())
        self.full_screen_button.setIconSize(ROW_ICON)
        self.full_screen_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        layout.addWidget(self.mode)
        layout.addWidget(self.zoom)
        layout.addWidget(self.full_screen_button)

    def _connect_signals(self) -> None:
        self.pane.view_changed.connect(self.on_pane_view_changed)
        self.stage.full_screen_changed.connect(self.on_stage_full_screen_changed)

    def describe(self) -> str:
        """ "Fit 150 %": the mode and the zoom, as the controls show them."""
        return f"{self.mode.text()} {zoom_text(self.pane.zoom)}"

    # -- slots -----------------------------------------------------------------------

    def on_pane_view_changed(self) -> None:
        for action in self.mode_actions.actions():
            action.setChecked(action.data() == self.pane.mode)
            if action.data() == self.pane.mode:
                self.mode.setText(action.text())
        self.zoom.setText(zoom_text(self.pane.zoom))
        self.zoom_in_action.setEnabled(self.pane.zoom < MAX_ZOOM)
        self.zoom_out_action.setEnabled(self.pane.zoom > MIN_ZOOM)
        for action in self.zoom_levels.actions():
            action.setChecked(action.data() == self.pane.zoom)
        self.zoom.setAccessibleName(
            translate("ViewControls", "Zoom {zoom}").format(zoom=zoom_text(self.pane.zoom))
        )

    def on_full_screen_action_toggled(self, checked: bool) -> None:
        self.stage.set_full_screen(checked)

    def on_stage_full_screen_changed(self, on: bool) -> None:
        if self.full_screen_action.isChecked() != on:
            self.full_screen_action.setChecked(on)
