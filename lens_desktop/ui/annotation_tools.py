"""The technician's drawing tool bar, beside the picture of a session tab.

Tools (pointer, pen, highlighter, arrow, rectangle, ellipse, text, numbered marker,
erase one) are checkable actions in one optional-exclusive group: none checked is plain
viewing, clicking the checked one puts it down. Colour (the six of the palette) and
width (three) are exclusive groups; Undo, Redo and Erase all act on the model. Every
action carries its keyboard shortcut, live while its tab is the one shown (the actions
belong to the bar, and Qt matches a window shortcut only on a visible widget), and its
tooltip names it. Erase all asks nothing: it is one undo step
(docs/decisions/0022-console-drawing-tools.md). Icons are drawn here with QPainter, so
they look the same on every platform and need no image files.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QT_TRANSLATE_NOOP, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QIcon,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGridLayout,
    QToolButton,
    QWidget,
)

from lens_desktop.tools.annotations import PALETTE, WIDTHS
from lens_desktop.ui.annotation_canvas import TOOLS, AnnotationCanvas, Tool
from lens_desktop.ui.language import translate

TOOL_TEXTS: dict[Tool, tuple[str, str, str]] = {
    "pointer": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Pointer"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Pointer: show the customer where you point"),
        "P",
    ),
    "pen": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Pen"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Pen: draw freehand"),
        "D",
    ),
    "highlighter": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Highlighter"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Highlighter: mark an area, see-through"),
        "H",
    ),
    "arrow": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Arrow"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Arrow: drag from tail to head"),
        "A",
    ),
    "rectangle": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Rectangle"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Rectangle: drag from corner to corner"),
        "R",
    ),
    "ellipse": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Ellipse"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Ellipse: drag across what to circle"),
        "E",
    ),
    "text": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Text"),
        QT_TRANSLATE_NOOP(
            "AnnotationTools", "Text: click where the label goes, type it, press Enter"
        ),
        "T",
    ),
    "marker": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Numbered marker"),
        QT_TRANSLATE_NOOP(
            "AnnotationTools", "Numbered marker: click to place the next step number"
        ),
        "M",
    ),
    "erase": (
        QT_TRANSLATE_NOOP("AnnotationTools", "Erase one"),
        QT_TRANSLATE_NOOP("AnnotationTools", "Erase one: click a drawing to erase it"),
        "X",
    ),
}
COLOUR_NAMES = (
    QT_TRANSLATE_NOOP("AnnotationTools", "Red"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Yellow"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Green"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Blue"),
    QT_TRANSLATE_NOOP("AnnotationTools", "White"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Black"),
)
WIDTH_NAMES = (
    QT_TRANSLATE_NOOP("AnnotationTools", "Thin line"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Medium line"),
    QT_TRANSLATE_NOOP("AnnotationTools", "Thick line"),
)
ICON_SIZE = 22


def with_key(text: str, keys: list[QKeySequence]) -> str:
    """``text (key)``: a tooltip that names the shortcut, as the platform writes keys."""
    names = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in keys]
    return f"{text} ({', '.join(names)})" if names else text


class AnnotationToolBar(QWidget):
    """Tools, colours, widths, Undo, Redo and Erase all for one session's canvas: two
    narrow columns of buttons beside the picture. A row above it would take the height
    the picture needs (issue 16); beside a landscape or portrait picture, which is
    limited by the height in a console window, the columns cost nothing."""

    def __init__(self, canvas: AnnotationCanvas, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.setWindowTitle(translate("AnnotationTools", "Drawing tools"))
        self.setAccessibleName(self.windowTitle())
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(2)
        self._buttons: dict[QAction, QToolButton] = {}
        self._cell = 0
        self.tool_actions = self._tool_actions()
        self._section()
        self.colour_actions = self._colour_actions()
        self._section()
        self.width_actions = self._width_actions()
        self._section()
        self._edit_actions()
        self._section()
        self.follow_action = self._follow_action()
        self._grid.setRowStretch(self._cell // 2 + 1, 1)
        self._connect_signals()
        self.on_canvas_tool_changed(canvas.tool)
        self.on_canvas_model_changed()
        self._sync_enabled()

    # -- building --------------------------------------------------------------------

    def _action(
        self,
        text: str,
        tip: str,
        keys: list[QKeySequence],
        icon: QIcon | None = None,
        on_trigger: Callable[..., None] | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(with_key(tip, keys))
        if icon is not None:
            action.setIcon(icon)
        if on_trigger is not None:
            action.triggered.connect(on_trigger)
        return action

    def _tool_actions(self) -> dict[Tool, QAction]:
        group = QActionGroup(self)
        group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        actions: dict[Tool, QAction] = {}
        for tool in TOOLS:
            name, tip, key = TOOL_TEXTS[tool]
            action = self._action(
                translate("AnnotationTools", name),
                translate("AnnotationTools", tip),
                [QKeySequence(key)],
                tool_icon(tool),
                lambda checked, tool=tool: self.on_tool_action_triggered(tool, checked),
            )
            action.setCheckable(True)
            group.addAction(action)
            self._place(action)
            actions[tool] = action
        self.put_down_action = self._action(
            translate("AnnotationTools", "Put the tool down"),
            translate("AnnotationTools", "Put the tool down"),
            [QKeySequence(Qt.Key.Key_Escape)],
            on_trigger=lambda: self.canvas.cancel(),
        )
        self.canvas.pane.addAction(self.put_down_action)  # a shortcut only: no button
        return actions

    def _colour_actions(self) -> list[QAction]:
        group = QActionGroup(self)
        actions = []
        for index, (colour, name) in enumerate(zip(PALETTE, COLOUR_NAMES, strict=True)):
            label = translate("AnnotationTools", name)
            action = self._action(
                label,
                translate("AnnotationTools", "Colour: {colour}").format(colour=label),
                [QKeySequence(str(index + 1))],
                swatch_icon(colour),
                lambda checked, c=colour: self.canvas.set_colour(c),
            )
            action.setCheckable(True)
            action.setChecked(colour == self.canvas.colour)
            group.addAction(action)
            self._place(action)
            actions.append(action)
        return actions

    def _width_actions(self) -> list[QAction]:
        group = QActionGroup(self)
        actions = []
        for width, name in zip(WIDTHS, WIDTH_NAMES, strict=True):
            label = translate("AnnotationTools", name)
            action = self._action(
                label,
                translate("AnnotationTools", "{width} ([ and ] change the width)").format(
                    width=label
                ),
                [],
                width_icon(width),
                lambda checked, w=width: self.on_width_chosen(w),
            )
            action.setCheckable(True)
            action.setChecked(width == self.canvas.width)
            group.addAction(action)
            self._place(action)
            actions.append(action)
        self.thinner_action = self._action(
            translate("AnnotationTools", "Thinner line"),
            translate("AnnotationTools", "Thinner line"),
            [QKeySequence("[")],
            on_trigger=lambda: self.step_width(-1),
        )
        self.thicker_action = self._action(
            translate("AnnotationTools", "Thicker line"),
            translate("AnnotationTools", "Thicker line"),
            [QKeySequence("]")],
            on_trigger=lambda: self.step_width(1),
        )
        self.canvas.pane.addActions([self.thinner_action, self.thicker_action])  # keys only
        return actions

    def _edit_actions(self) -> None:
        model = self.canvas.model
        self.undo_action = self._action(
            translate("AnnotationTools", "Undo"),
            translate("AnnotationTools", "Undo the last drawing change"),
            [QKeySequence("Ctrl+Z")],
            edit_icon("undo"),
            lambda: model.undo(),
        )
        self.redo_action = self._action(
            translate("AnnotationTools", "Redo"),
            translate("AnnotationTools", "Redo what was undone"),
            [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")],
            edit_icon("redo"),
            lambda: model.redo(),
        )
        self.erase_all_action = self._action(
            translate("AnnotationTools", "Erase all"),
            translate("AnnotationTools", "Erase all drawings (Undo brings them back)"),
            [QKeySequence("Ctrl+Shift+Del")],
            edit_icon("erase_all"),
            lambda: model.clear(),
        )
        for action in (self.undo_action, self.redo_action, self.erase_all_action):
            self._place(action)

    def _follow_action(self) -> QAction:
        """The setting "Annotations stick to objects", on by default; the session tab
        hands it to its tracking (off: each annotation stays where it shows now)."""
        action = self._action(
            translate("AnnotationTools", "Stick to objects"),
            translate(
                "AnnotationTools",
                "Stick to objects: drawings follow what they mark as the camera moves",
            ),
            [QKeySequence("O")],
            edit_icon("follow"),
        )
        action.setCheckable(True)
        action.setChecked(True)
        self._place(action)
        return action

    def _place(self, action: QAction) -> None:
        """The action's button in the next cell, two to a row."""
        button = QToolButton(self)
        button.setDefaultAction(action)
        button.setAutoRaise(True)
        button.setIconSize(QSize(ICON_SIZE, ICON_SIZE))
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        button.setAccessibleName(action.text())
        self._grid.addWidget(button, self._cell // 2, self._cell % 2)
        self._buttons[action] = button
        self._cell += 1

    def _section(self) -> None:
        """A thin line across both columns between groups."""
        self._cell += self._cell % 2
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        self._grid.addWidget(line, self._cell // 2, 0, 1, 2)
        self._cell += 2

    def button_for(self, action: QAction) -> QToolButton:
        return self._buttons[action]

    def _connect_signals(self) -> None:
        self.canvas.tool_changed.connect(self.on_canvas_tool_changed)
        self.canvas.model_changed.connect(self.on_canvas_model_changed)

    # -- public ----------------------------------------------------------------------

    def set_picture_available(self, available: bool) -> None:
        """The tools work on a picture: off until the first frame arrives."""
        if available != self.canvas.enabled:
            self.canvas.set_enabled(available)
            self._sync_enabled()

    def step_width(self, step: int) -> None:
        index = WIDTHS.index(self.canvas.width) + step
        if 0 <= index < len(WIDTHS):
            self.width_actions[index].setChecked(True)
            self.on_width_chosen(WIDTHS[index])

    # -- slots -----------------------------------------------------------------------

    def on_tool_action_triggered(self, tool: Tool, checked: bool) -> None:
        self.canvas.set_tool(tool if checked else None)

    def on_width_chosen(self, width: int) -> None:
        self.canvas.set_width(width)

    def on_canvas_tool_changed(self, tool: Tool | None) -> None:
        for name, action in self.tool_actions.items():
            action.setChecked(name == tool)
        self.put_down_action.setEnabled(tool is not None)

    def on_canvas_model_changed(self) -> None:
        model = self.canvas.model
        self.undo_action.setEnabled(model.can_undo)
        self.redo_action.setEnabled(model.can_redo)
        self.erase_all_action.setEnabled(len(model) > 0)

    def _sync_enabled(self) -> None:
        for action in self.tool_actions.values():
            action.setEnabled(self.canvas.enabled)


# -- icons ---------------------------------------------------------------------------


def _icon(draw: Callable[[QPainter, QColor], None]) -> QIcon:
    """A 22 px icon drawn at 2x for sharp edges on high-density screens, in the
    palette's text colour, plus a greyed copy for the disabled state."""
    icon = QIcon()
    palette = QApplication.palette()
    for mode, group in (
        (QIcon.Mode.Normal, QPalette.ColorGroup.Active),
        (QIcon.Mode.Disabled, QPalette.ColorGroup.Disabled),
    ):
        pixmap = QPixmap(ICON_SIZE * 2, ICON_SIZE * 2)
        pixmap.setDevicePixelRatio(2)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if mode == QIcon.Mode.Disabled:
            painter.setOpacity(0.35)
        draw(painter, palette.color(group, QPalette.ColorRole.ButtonText))
        painter.end()
        icon.addPixmap(pixmap, mode)
    return icon


draw_icon = _icon
"""For other controls' icons (the view controls' full screen), drawn the same way."""


def _stroke(colour: QColor, width: float = 2.0) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _arrow_head(painter: QPainter, tail: QPointF, head: QPointF, size: float) -> None:
    angle = math.atan2(head.y() - tail.y(), head.x() - tail.x())
    points = [head]
    for side in (-1, 1):
        a = angle + math.pi + side * math.pi / 6
        points.append(QPointF(head.x() + size * math.cos(a), head.y() + size * math.sin(a)))
    painter.drawPolygon(QPolygonF(points))


def _draw_pointer(p: QPainter, ink: QColor) -> None:
    del ink
    p.setPen(_stroke(QColor("#d500d5"), 2.5))
    p.drawEllipse(QPointF(11, 11), 7, 7)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#d500d5"))
    p.drawEllipse(QPointF(11, 11), 2, 2)


def _draw_pen(p: QPainter, ink: QColor) -> None:
    path = QPainterPath(QPointF(3, 15))
    path.cubicTo(6, 6, 9, 6, 11, 12)
    path.cubicTo(13, 18, 17, 18, 19, 8)
    p.setPen(_stroke(ink, 2.2))
    p.drawPath(path)


def _draw_highlighter(p: QPainter, ink: QColor) -> None:
    pen = QPen(QColor(255, 214, 0, 190), 8)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    p.setPen(pen)
    p.drawLine(QPointF(2, 16), QPointF(20, 8))
    p.setPen(_stroke(ink, 1.8))
    p.drawLine(QPointF(4, 17.5), QPointF(18, 11))


def _draw_arrow(p: QPainter, ink: QColor) -> None:
    tail, head = QPointF(4, 18), QPointF(18, 4)
    p.setPen(_stroke(ink, 2.2))
    p.drawLine(tail, QPointF(15, 7))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink)
    _arrow_head(p, tail, head, 7)


def _draw_rectangle(p: QPainter, ink: QColor) -> None:
    p.setPen(_stroke(ink, 2))
    p.drawRect(QRectF(3.5, 5.5, 15, 11))


def _draw_ellipse(p: QPainter, ink: QColor) -> None:
    p.setPen(_stroke(ink, 2))
    p.drawEllipse(QRectF(2.5, 5, 17, 12))


def _draw_text(p: QPainter, ink: QColor) -> None:
    font = QFont()
    font.setPixelSize(17)
    font.setBold(True)
    p.setFont(font)
    p.setPen(ink)
    p.drawText(QRectF(0, 0, 22, 22), Qt.AlignmentFlag.AlignCenter, "T")


def _draw_marker(p: QPainter, ink: QColor) -> None:
    del ink
    p.setPen(_stroke(QColor("#ffffff"), 1.2))
    p.setBrush(QColor("#e0173b"))
    p.drawEllipse(QPointF(11, 11), 8.5, 8.5)
    font = QFont()
    font.setPixelSize(11)
    font.setBold(True)
    p.setFont(font)
    p.setPen(QColor("#ffffff"))
    p.drawText(QRectF(0, 0, 22, 22), Qt.AlignmentFlag.AlignCenter, "1")


def _draw_erase(p: QPainter, ink: QColor) -> None:
    p.translate(11, 11)
    p.rotate(-40)
    p.setPen(_stroke(ink, 1.6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRoundedRect(QRectF(-8, -4.5, 16, 9), 2, 2)
    p.setBrush(QColor("#f48fb1"))
    p.drawRoundedRect(QRectF(-8, -4.5, 7, 9), 2, 2)


TOOL_ICONS: dict[Tool, Callable[[QPainter, QColor], None]] = {
    "pointer": _draw_pointer,
    "pen": _draw_pen,
    "highlighter": _draw_highlighter,
    "arrow": _draw_arrow,
    "rectangle": _draw_rectangle,
    "ellipse": _draw_ellipse,
    "text": _draw_text,
    "marker": _draw_marker,
    "erase": _draw_erase,
}


def tool_icon(tool: Tool) -> QIcon:
    return _icon(TOOL_ICONS[tool])


def swatch_icon(colour: str) -> QIcon:
    def draw(p: QPainter, ink: QColor) -> None:
        p.setPen(QPen(ink if colour != "#000000" else QColor("#808080"), 1))
        p.setBrush(QColor(colour))
        p.drawRoundedRect(QRectF(3.5, 3.5, 15, 15), 3, 3)

    return _icon(draw)


def width_icon(width: int) -> QIcon:
    thickness = {1: 1.5, 2: 3.5, 3: 6.5}[width]

    def draw(p: QPainter, ink: QColor) -> None:
        p.setPen(_stroke(ink, thickness))
        p.drawLine(QPointF(4, 11), QPointF(18, 11))

    return _icon(draw)


def _draw_undo(p: QPainter, ink: QColor, mirrored: bool) -> None:
    if mirrored:
        p.translate(22, 0)
        p.scale(-1, 1)
    path = QPainterPath(QPointF(7, 8))
    path.lineTo(13, 8)
    path.cubicTo(21, 8, 21, 18, 13, 18)
    path.lineTo(9, 18)
    p.setPen(_stroke(ink, 2.2))
    p.drawPath(path)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ink)
    p.drawPolygon(QPolygonF([QPointF(2.5, 8), QPointF(8.5, 3.5), QPointF(8.5, 12.5)]))


def _draw_erase_all(p: QPainter, ink: QColor) -> None:
    p.setPen(_stroke(ink, 1.8))
    p.drawLine(QPointF(4, 6), QPointF(18, 6))
    p.drawLine(QPointF(9, 6), QPointF(9.5, 3.5))
    p.drawLine(QPointF(9.5, 3.5), QPointF(12.5, 3.5))
    p.drawLine(QPointF(12.5, 3.5), QPointF(13, 6))
    p.drawPolyline(QPolygonF([QPointF(5.5, 6), QPointF(7, 19), QPointF(15, 19), QPointF(16.5, 6)]))
    p.drawLine(QPointF(9.5, 9), QPointF(9.8, 16))
    p.drawLine(QPointF(12.5, 9), QPointF(12.2, 16))


def _draw_follow(p: QPainter, ink: QColor) -> None:
    """A marker pinned to a box that has moved: the drawing goes with the object."""
    p.setPen(_stroke(ink, 1.2))
    p.setOpacity(p.opacity() * 0.45)
    p.drawRect(QRectF(2.5, 8.5, 9, 9))
    p.setOpacity(p.opacity() / 0.45)
    p.setPen(_stroke(ink, 1.8))
    p.drawRect(QRectF(9.5, 4.5, 10, 10))
    p.drawEllipse(QPointF(14.5, 9.5), 2.2, 2.2)
    p.drawLine(QPointF(5, 19), QPointF(9, 15))


def edit_icon(name: str) -> QIcon:
    if name == "erase_all":
        return _icon(_draw_erase_all)
    if name == "follow":
        return _icon(_draw_follow)
    return _icon(lambda p, ink: _draw_undo(p, ink, mirrored=name == "redo"))
