"""Drawing on the live picture: the technician's current tool turned into annotations,
the pointer sent to the phone, and the customer's taps shown.

The canvas sits on the video pane without being a widget of its own: it watches the
pane's mouse events (an event filter) and paints through the pane's ``paint_layer``
hook, over the frame and under the status overlay, mapping points through the
rectangle the frame was painted in. Only a finished shape goes into the model, so each
annotation is one undo step; what is being drawn is a preview held here.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from collections.abc import Callable
from typing import Literal

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import QLineEdit, QWidget
from typing_extensions import override

from lens_desktop.tools.annotations import (
    DEFAULT_COLOUR,
    DEFAULT_WIDTH,
    FREEHAND_KINDS,
    MAX_TEXT,
    TEXT_SIZE,
    Annotation,
    AnnotationError,
    AnnotationLimitError,
    AnnotationModel,
    Change,
    Kind,
    Point,
)
from lens_desktop.ui.annotation_layer import (
    TAP_SECONDS,
    add_stroke_point,
    clamped_to_frame,
    paint_annotation,
    paint_notice,
    paint_pointer,
    paint_shape,
    paint_tap,
    to_frame,
    to_pane,
)
from lens_desktop.ui.language import translate
from lens_desktop.ui.video_pane import VideoPane

log = logging.getLogger(__name__)

Tool = Literal[
    "pointer", "pen", "highlighter", "arrow", "rectangle", "ellipse", "text", "marker", "erase"
]
TOOLS: tuple[Tool, ...] = (
    "pointer",
    "pen",
    "highlighter",
    "arrow",
    "rectangle",
    "ellipse",
    "text",
    "marker",
    "erase",
)
POINTER_INTERVAL_S = 1 / 30
"""The pointer goes to the phone at most 30 times a second while the mouse moves."""
POINTER_REPEAT_MS = 300
"""...and again this often while it rests: the phone hides a pointer not heard of for
1 s (docs/protocol.md), so a resting mouse is repeated well within that."""
TAPS_PER_SECOND = 10
TAP_FRAME_MS = 40
NOTICE_MS = 5000
HIT_TOLERANCE_PX = 8.0
MIN_SHAPE_PX = 3.0
"""A click without a drag draws no arrow, rectangle or ellipse."""

SendPointer = Callable[[float | None, float | None], bool]


class LabelEditor(QLineEdit):
    """The small inline editor a text label is typed in: Enter places it, Esc drops it."""

    cancelled = Signal()

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.cancelled.emit()
            return
        super().keyPressEvent(event)


class AnnotationCanvas(QObject):
    """The current tool, colour and width, applied to the mouse over ``pane``."""

    tool_changed = Signal(object)
    """The tool now in use (a Tool), or None: plain viewing."""
    annotation_added = Signal(object)
    """An Annotation the technician just drew."""
    model_changed = Signal()
    """The annotations changed (Undo and Redo may have come or gone)."""
    refused = Signal(str)
    """Why a drawing was not taken (the page is full), for the technician to read."""

    def __init__(
        self,
        model: AnnotationModel,
        send_pointer: SendPointer,
        pane: VideoPane,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.model = model
        self.pane = pane
        self._send_pointer = send_pointer
        self._tool: Tool | None = None
        self._enabled = False
        self.colour = DEFAULT_COLOUR
        self.width = DEFAULT_WIDTH
        self._stroke: list[Point] = []
        self._press_taken = False
        self._pointer: Point | None = None
        self._pointer_sent_at = -math.inf
        self._pointer_pending = False
        self._taps: list[tuple[Point, float]] = []
        self._tap_times: list[float] = []
        self._editor: LabelEditor | None = None
        self._editor_point: Point | None = None
        self._pointer_throttle = self._timer(single=True, slot=self.on_pointer_throttle_timeout)
        self._pointer_repeat = self._timer(single=True, slot=self.on_pointer_repeat_timeout)
        self._pointer_throttle.setTimerType(Qt.TimerType.PreciseTimer)  # never early
        self._pointer_repeat.setInterval(POINTER_REPEAT_MS)
        self._tap_timer = self._timer(single=False, slot=self.on_tap_timer_timeout)
        self._tap_timer.setInterval(TAP_FRAME_MS)
        self.notice = ""
        """Why the last drawing was not taken, shown over the picture for NOTICE_MS."""
        self._notice_timer = self._timer(single=True, slot=self.on_notice_timer_timeout)
        self._notice_timer.setInterval(NOTICE_MS)
        self._unsubscribe: Callable[[], None] | None = model.subscribe(_weak_listener(self))
        pane.setMouseTracking(True)
        pane.installEventFilter(self)
        pane.paint_layer = self.paint
        pane.view_changed.connect(self.on_pane_view_changed)

    def _timer(self, single: bool, slot: Callable[[], None]) -> QTimer:
        timer = QTimer(self)
        timer.setSingleShot(single)
        timer.timeout.connect(slot)
        return timer

    # -- state -----------------------------------------------------------------------

    @property
    def tool(self) -> Tool | None:
        return self._tool

    @property
    def enabled(self) -> bool:
        return self._enabled

    @property
    def drawing(self) -> bool:
        """A stroke or a shape is under way (the mouse button is down)."""
        return bool(self._stroke)

    @property
    def pointer(self) -> Point | None:
        """Where the pointer ring is, while it shows."""
        return self._pointer

    def taps(self) -> list[tuple[Point, float]]:
        """The customer's taps still showing: (point, seconds since)."""
        now = time.monotonic()
        return [(point, now - at) for point, at in self._taps if now - at < TAP_SECONDS]

    def set_enabled(self, enabled: bool) -> None:
        """No picture, nothing to draw on: the tools are off until there is one."""
        self._enabled = enabled
        if not enabled:
            self.set_tool(None)

    def set_tool(self, tool: Tool | None) -> None:
        if tool is not None and not self._enabled:
            return
        if tool == self._tool:
            return
        self._finish_label(commit=True)
        self._stroke.clear()
        self._hide_pointer()
        self._tool = tool
        self.pane.set_tool_cursor(None if tool is None else _cursor(tool))  # None: pans
        self.pane.update()
        self.tool_changed.emit(tool)

    def set_colour(self, colour: str) -> None:
        self.colour = colour
        self.pane.update()

    def set_width(self, width: int) -> None:
        self.width = width
        self.pane.update()

    def cancel(self) -> None:
        """Esc: drop the label being typed or the stroke being drawn; else put the tool
        down."""
        if self._editor is not None:
            self._finish_label(commit=False)
        elif self._stroke:
            self._stroke.clear()
            self.pane.update()
        else:
            self.set_tool(None)

    def close(self) -> None:
        """Stop listening to the model and the pane; safe to call twice."""
        if self._unsubscribe is None:
            return
        self._unsubscribe()
        self._unsubscribe = None
        for timer in (
            self._pointer_throttle,
            self._pointer_repeat,
            self._tap_timer,
            self._notice_timer,
        ):
            timer.stop()
        self.pane.removeEventFilter(self)
        self.pane.paint_layer = None
        self.pane.view_changed.disconnect(self.on_pane_view_changed)

    # -- the customer's taps ---------------------------------------------------------

    def show_tap(self, x: float, y: float) -> bool:
        """Show a ring where the customer tapped; False when more than TAPS_PER_SECOND
        arrived in the last second (a flood is not drawn)."""
        now = time.monotonic()
        self._tap_times = [t for t in self._tap_times if now - t < 1.0]
        if len(self._tap_times) >= TAPS_PER_SECOND:
            return False
        self._tap_times.append(now)
        self._taps.append(((x, y), now))
        self._tap_timer.start()
        self.pane.update()
        return True

    def show_notice(self, text: str) -> None:
        """A short message over the picture for NOTICE_MS, also when full screen (a
        camera request the phone refused, for instance)."""
        self.notice = text
        self._notice_timer.start()
        self.pane.update()

    def on_notice_timer_timeout(self) -> None:
        self.notice = ""
        self.pane.update()

    def on_tap_timer_timeout(self) -> None:
        now = time.monotonic()
        self._taps = [(p, at) for p, at in self._taps if now - at < TAP_SECONDS]
        if not self._taps:
            self._tap_timer.stop()
        self.pane.update()

    # -- painting --------------------------------------------------------------------

    def paint(self, painter: QPainter, rect: QRectF) -> None:
        for item in self.model.annotations():
            paint_annotation(painter, item, rect)
        preview = self._preview()
        if preview is not None:
            paint_shape(painter, preview, rect, preview.points)
        for point, age in self.taps():
            paint_tap(painter, point, rect, age)
        if self._pointer is not None:
            paint_pointer(painter, self._pointer, rect)
        if self.notice:  # at the top of the part of the picture shown (zoomed too)
            paint_notice(painter, self.notice, rect.intersected(QRectF(self.pane.rect())))

    def _preview(self) -> Annotation | None:
        if not self._stroke or self._tool not in _DRAWN_KINDS:
            return None
        kind: Kind = self._tool  # type: ignore[assignment]
        return Annotation("preview", kind, tuple(self._stroke), self.colour, self.width)

    def on_model_change(self, change: Change) -> None:
        del change
        self.pane.update()
        self.model_changed.emit()

    # -- the mouse -------------------------------------------------------------------

    @override
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.pane:
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            return self._on_press(event)
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
            self._on_move(event.position())
        elif kind == QEvent.Type.MouseButtonRelease and isinstance(event, QMouseEvent):
            return self._on_release(event)
        elif kind in (QEvent.Type.Leave, QEvent.Type.Hide):
            self._hide_pointer()
        return False

    def _on_press(self, event: QMouseEvent) -> bool:
        if self._tool is None or event.button() != Qt.MouseButton.LeftButton:
            return False
        rect = self.pane.picture_rect()
        point = to_frame(event.position(), rect)
        if point is None:
            return False
        self._press_taken = True
        if self._tool == "pointer":
            return True
        self._finish_label(commit=True)
        if self._tool in FREEHAND_KINDS:
            self._stroke = [point]
        elif self._tool in ("arrow", "rectangle", "ellipse"):
            self._stroke = [point, point]
        elif self._tool == "text":
            self._open_label(point, event.position())
        elif self._tool == "marker":
            self._add("marker", [point])
        elif self._tool == "erase":
            self._erase_at(point, rect)
        self.pane.update()
        return True

    def _on_move(self, pos: QPointF) -> None:
        rect = self.pane.picture_rect()
        if self._tool == "pointer":
            self._move_pointer(to_frame(pos, rect))
        if not self._stroke or rect.isEmpty():
            return
        point = clamped_to_frame(pos, rect)
        if self._tool in FREEHAND_KINDS:
            add_stroke_point(self._stroke, point, rect)
        else:
            self._stroke[1] = point
        self.pane.update()

    def _on_release(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or not self._stroke:
            taken, self._press_taken = self._press_taken, False
            return taken  # the release of a click the tool took (marker, text, erase)
        self._on_move(event.position())  # where the button came up ends the stroke
        rect = self.pane.picture_rect()
        stroke, self._stroke = self._stroke, []
        big_enough = self._tool in FREEHAND_KINDS or _span(stroke, rect) >= MIN_SHAPE_PX
        if self._tool in _DRAWN_KINDS and big_enough:
            self._add(self._tool, stroke)  # type: ignore[arg-type]
        self.pane.update()
        return True

    def _add(self, kind: Kind, points: list[Point], text: str = "") -> None:
        try:
            item = self.model.add(kind, points, colour=self.colour, width=self.width, text=text)
        except AnnotationLimitError:
            self.show_notice(
                translate(
                    "AnnotationTools", "The picture holds at most {count} drawings: erase some."
                ).format(count=self.model.max_annotations)
            )
            self.refused.emit(self.notice)
            return
        except AnnotationError as exc:  # a bug here, not the technician's doing
            log.warning("drawing not taken: %s", exc)
            return
        self.annotation_added.emit(item)

    def _erase_at(self, point: Point, rect: QRectF) -> None:
        found = self.model.hit_test(
            point[0],
            point[1],
            tolerance=HIT_TOLERANCE_PX / rect.height(),
            aspect=rect.width() / rect.height(),
        )
        if found is not None:
            self.model.remove(found)

    # -- text labels -----------------------------------------------------------------

    def _open_label(self, point: Point, pos: QPointF) -> None:
        editor = LabelEditor(self.pane)
        editor.setMaxLength(MAX_TEXT)
        editor.setPlaceholderText(
            translate("AnnotationTools", "Label: Enter places it, Esc drops it")
        )
        editor.setAccessibleName(translate("AnnotationTools", "Label text"))
        font = QFont(editor.font())
        font.setPixelSize(round(max(12.0, TEXT_SIZE * self.pane.picture_rect().height())))
        editor.setFont(font)
        width = max(220, editor.fontMetrics().horizontalAdvance(editor.placeholderText()) + 16)
        editor.resize(min(width, self.pane.width()), editor.sizeHint().height())
        editor.move(_inside(pos.toPoint(), editor, self.pane))
        editor.returnPressed.connect(self.on_label_editor_return_pressed)
        editor.cancelled.connect(self.on_label_editor_cancelled)
        editor.show()
        editor.setFocus(Qt.FocusReason.MouseFocusReason)
        self._editor, self._editor_point = editor, point

    def on_pane_view_changed(self) -> None:
        """Zoomed or panned while a label is typed: the editor follows its point."""
        if self._editor is not None and self._editor_point is not None:
            pos = to_pane(self._editor_point, self.pane.picture_rect()).toPoint()
            self._editor.move(_inside(pos, self._editor, self.pane))

    @property
    def label_editor(self) -> LabelEditor | None:
        return self._editor

    def on_label_editor_return_pressed(self) -> None:
        self._finish_label(commit=True)

    def on_label_editor_cancelled(self) -> None:
        self._finish_label(commit=False)

    def _finish_label(self, commit: bool) -> None:
        editor, point = self._editor, self._editor_point
        if editor is None or point is None:
            return
        self._editor = self._editor_point = None
        text = editor.text().strip()
        editor.hide()
        editor.deleteLater()
        self.pane.setFocus(Qt.FocusReason.OtherFocusReason)
        if commit and text:
            self._add("text", [point], text=text)

    # -- the pointer -----------------------------------------------------------------

    def _move_pointer(self, point: Point | None) -> None:
        if point is None:
            self._hide_pointer()
            return
        self._pointer = point
        self.pane.update()
        wait = POINTER_INTERVAL_S - (time.monotonic() - self._pointer_sent_at)
        if wait <= 0:
            self._send_pointer_now()
        elif not self._pointer_throttle.isActive():
            self._pointer_throttle.start(max(1, math.ceil(wait * 1000)))

    def _send_pointer_now(self) -> None:
        if self._pointer is None:
            return
        self._pointer_throttle.stop()
        self._pointer_sent_at = time.monotonic()
        self._send_pointer(*self._pointer)
        self._pointer_repeat.start()

    def on_pointer_throttle_timeout(self) -> None:
        """The end of a burst: the latest position goes out."""
        self._send_pointer_now()

    def on_pointer_repeat_timeout(self) -> None:
        self._send_pointer_now()

    def _hide_pointer(self) -> None:
        self._pointer_throttle.stop()
        self._pointer_repeat.stop()
        if self._pointer is not None:
            self._pointer = None
            self._pointer_sent_at = -math.inf
            self._send_pointer(None, None)
            self.pane.update()


_DRAWN_KINDS = frozenset({"pen", "highlighter", "arrow", "rectangle", "ellipse"})


def _span(points: list[Point], rect: QRectF) -> float:
    a, b = to_pane(points[0], rect), to_pane(points[-1], rect)
    return math.hypot(a.x() - b.x(), a.y() - b.y())


def _inside(pos: QPoint, child: QWidget, parent: QWidget) -> QPoint:
    """``pos`` moved just enough that ``child`` stays inside ``parent``."""
    x = min(max(pos.x(), 0), max(0, parent.width() - child.width()))
    y = min(max(pos.y(), 0), max(0, parent.height() - child.height()))
    return QPoint(x, y)


def _cursor(tool: Tool | None) -> Qt.CursorShape:
    if tool is None or tool == "pointer":
        return Qt.CursorShape.ArrowCursor
    if tool == "erase":
        return Qt.CursorShape.PointingHandCursor
    if tool == "text":
        return Qt.CursorShape.IBeamCursor
    return Qt.CursorShape.CrossCursor


def _weak_listener(canvas: AnnotationCanvas) -> Callable[[Change], None]:
    """The model holds the canvas weakly (as the link does, tools/link.py): no cycle
    between a plain model and a QObject for the cyclic GC to find in another thread."""
    ref = weakref.ref(canvas)

    def listener(change: Change) -> None:
        alive = ref()
        if alive is not None:
            alive.on_model_change(change)

    return listener
