"""The live picture: paints the newest decoded frame, never a queue of them.

A new frame only replaces the one held and asks for a repaint (``update()``); Qt merges
repaint requests, so when frames arrive faster than the screen refreshes the stale ones
are simply never painted. All drawing happens in ``paintEvent``.

A picture under an overlay is not live (on hold, reconnecting, no new frame for a
while): it is painted dimmed, so a still frame never passes for a live one.

A frozen picture (``freeze``) is the technician's own choice: it is painted clear, for
drawing on, with a "Frozen" badge in a corner; new frames are counted, not shown.

The view (issue 15): Fit (letterboxed, the default), Actual size (a frame pixel per
pixel) or Stretch (fills the pane), each zoomed 25-400 % with the wheel about the
cursor or the + and - keys, and panned by dragging when the picture is larger than the
pane: with the middle button always, with the left one when no drawing tool is in use
(drawing wins; docs/decisions/0030). Everything drawn over the picture maps through
``picture_rect``, so it follows the view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget
from typing_extensions import override

from lens_desktop.media.frames import DisplayArea, ViewMode, display_size
from lens_desktop.ui.language import translate
from lens_desktop.ui.view_geometry import (
    clamp_pan,
    clamp_zoom,
    exact_place,
    pan_keeping,
    picture_size_in,
    place,
    step_zoom,
)

if TYPE_CHECKING:
    from lens_desktop.media.frames import VideoFrame

BACKGROUND = QColor("#101010")
OVERLAY_BOX = QColor(0, 0, 0, 170)
OVERLAY_TEXT = QColor("#ffffff")
STILL_SHADE = QColor(0, 0, 0, 150)
"""Laid over a picture that is not live, under the overlay's text."""
FROZEN_BADGE = QColor("#0277bd")
WHEEL_STEP = 120
"""One notch of a mouse wheel (``angleDelta``); a touchpad's smaller deltas add up."""


def fit_rect(image: QSize, area: QSize) -> QRect:
    """The largest rectangle of the image's aspect ratio centred in ``area``: the size
    the converter makes frames (``display_size``), so painting them scales nothing."""
    if image.isEmpty() or area.isEmpty():
        return QRect()
    width, height = display_size(image.width(), image.height(), (area.width(), area.height()))
    return QRect((area.width() - width) // 2, (area.height() - height) // 2, width, height)


def letterbox(area: QRect, picture: QRect) -> list[QRect]:
    """The parts of ``area`` around ``picture`` (bars above, below, left, right)."""
    bars = [
        QRect(area.left(), area.top(), area.width(), picture.top() - area.top()),
        QRect(area.left(), picture.bottom() + 1, area.width(), area.bottom() - picture.bottom()),
        QRect(area.left(), picture.top(), picture.left() - area.left(), picture.height()),
        QRect(picture.right() + 1, picture.top(), area.right() - picture.right(), picture.height()),
    ]
    return [bar for bar in bars if not bar.isEmpty()]


class VideoPane(QWidget):
    """Paints the newest frame in the view's mode and zoom, plus a status overlay.

    ``display_area_changed`` tells the frame source where and how the picture is shown
    (a ``DisplayArea``), so frames arrive already at the size they are painted at and a
    paint is a copy of rows: scaling a 720p frame in ``drawImage`` cost the GUI thread
    1.4-3.3 ms with the GIL held (``bench/paint.py``). Zoomed past both the pane and the
    stream, frames come at the stream's size and a paint scales only the part shown.
    """

    display_area_changed = Signal(object)
    view_changed = Signal()
    """The mode, the zoom or the pan changed (the indicator and the tools follow)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._frame: VideoFrame | None = None
        self._overlay = ""
        self._mode: ViewMode = "fit"
        self._zoom = 1.0
        self._pan = QPointF()
        self._drag_from: QPointF | None = None
        self._wheel_rest = 0
        self._tool_cursor: Qt.CursorShape | None = None
        self.frames_painted = 0
        """How many distinct frames reached the screen (frames replaced unseen don't count)."""
        self.last_painted_frame: VideoFrame | None = None
        self._new_frame_painted_at: float | None = None
        self._frozen = False
        self._live: VideoFrame | None = None
        """The newest live frame while frozen (shown again on unfreeze)."""
        self._scaled_still: tuple[QSize, QImage] | None = None
        self.frames_while_frozen = 0
        """Live frames that arrived while frozen (counted, not shown)."""
        self.paint_layer: Callable[[QPainter, QRectF], None] | None = None
        """Paints over the picture, under the overlay: the annotations (ui/annotation_
        layer.py), handed the rectangle the frame was painted in."""

    # -- public ----------------------------------------------------------------------

    @property
    def frame(self) -> VideoFrame | None:
        return self._frame

    @property
    def overlay(self) -> str:
        return self._overlay

    @property
    def mode(self) -> ViewMode:
        return self._mode

    @property
    def zoom(self) -> float:
        return self._zoom

    @property
    def pan(self) -> QPointF:
        """The picture's centre minus the pane's, in pane pixels."""
        return QPointF(self._pan)

    def seconds_since_new_frame(self) -> float | None:
        """How long ago a new frame last reached the screen; None before the first."""
        if self._new_frame_painted_at is None:
            return None
        return time.monotonic() - self._new_frame_painted_at

    @property
    def frozen(self) -> bool:
        return self._frozen

    def freeze(self, frame: VideoFrame) -> None:
        """Show ``frame`` and keep it until ``unfreeze``; ``set_still`` may replace it
        with the same picture at the stream's size."""
        self._frozen = True
        self._scaled_still = None
        self._frame = frame
        self.update()

    def set_still(self, frame: VideoFrame) -> None:
        """While frozen: the frozen picture, now at the stream's own size."""
        if self._frozen:
            self._frame, self._scaled_still = frame, None
            self.update()

    def unfreeze(self) -> None:
        """Back to live: the newest frame that arrived meanwhile is shown at once."""
        if not self._frozen:
            return
        self._frozen, self._scaled_still = False, None
        live, self._live = self._live, None
        if live is not None:
            self.show_frame(live)
        self.update()

    def show_frame(self, frame: VideoFrame) -> None:
        """Hold the newest frame and ask for a repaint; an older unpainted one is dropped."""
        if self._frozen:
            self._live = frame
            self.frames_while_frozen += 1
            return
        resized = self._frame is None or (self._frame.width, self._frame.height) != (
            frame.width,
            frame.height,
        )
        self._frame = frame
        if resized:  # the same pan may not fit a picture of another size
            self._set_pan(self._pan)
            self._update_cursor()
        self.update()

    def set_overlay(self, text: str) -> None:
        if text != self._overlay:
            self._overlay = text
            self.update()

    # -- the view --------------------------------------------------------------------

    def set_mode(self, mode: ViewMode) -> None:
        """Fit, Actual size or Stretch, at 100 % and centred."""
        self._mode, self._zoom, self._pan = mode, 1.0, QPointF()
        self._view_changed()

    def reset_view(self) -> None:
        """Back to the default: Fit at 100 % (Ctrl+0)."""
        self.set_mode("fit")

    def set_zoom(self, zoom: float, anchor: QPointF | None = None) -> None:
        """Zoom to ``zoom`` (kept within 25-400 %) so that the picture point under
        ``anchor`` (pane pixels; default the pane's centre) stays where it is."""
        zoom = clamp_zoom(zoom)
        if zoom == self._zoom:
            return
        if self._frame is not None:
            size = QSize(self._frame.width, self._frame.height)
            before = exact_place(self._picture_size(size), self.size(), self._pan)
            self._zoom = zoom
            centre = QPointF(self.width() / 2, self.height() / 2)
            after = self._picture_size(size)
            self._pan = pan_keeping(anchor or centre, before, after, self.size())
        self._zoom = zoom
        self._set_pan(self._pan)
        self._view_changed()

    def zoom_by(self, steps: int, anchor: QPointF | None = None) -> None:
        """``steps`` zoom levels in (positive) or out."""
        self.set_zoom(step_zoom(self._zoom, steps), anchor)

    def pan_by(self, dx: float, dy: float) -> None:
        """Move the picture by (dx, dy) pane pixels, as far as it goes."""
        before = QPointF(self._pan)
        self._set_pan(self._pan + QPointF(dx, dy))
        if self._pan != before:
            self.update()
            self.view_changed.emit()

    @property
    def can_pan(self) -> bool:
        """The picture is larger than the pane (on either axis)."""
        rect = self.picture_rect()
        return rect.width() > self.width() or rect.height() > self.height()

    def set_tool_cursor(self, cursor: Qt.CursorShape | None) -> None:
        """The drawing tool's cursor; None: no tool, so the left button pans."""
        self._tool_cursor = cursor
        self._update_cursor()

    def _set_pan(self, pan: QPointF) -> None:
        if self._frame is None:
            self._pan = QPointF()
            return
        picture = self._picture_size(QSize(self._frame.width, self._frame.height))
        self._pan = clamp_pan(pan, picture, self.size())

    def _view_changed(self) -> None:
        self._scaled_still = None
        self._update_cursor()
        self.update()
        self.display_area_changed.emit(self.display_area())
        self.view_changed.emit()

    def _update_cursor(self) -> None:
        if self._tool_cursor is not None:
            self.setCursor(self._tool_cursor)
        elif self._drag_from is not None:
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        elif self.can_pan:
            self.setCursor(Qt.CursorShape.OpenHandCursor)
        else:
            self.setCursor(Qt.CursorShape.ArrowCursor)

    def picture_rect(self) -> QRectF:
        """Where the picture is painted in the pane (empty before the first frame); it
        may reach past the pane when zoomed. The annotations, the pointer, the taps and
        the hit tests map frame-normalised points through it."""
        if self._frame is None:
            return QRectF()
        return QRectF(self._target(QSize(self._frame.width, self._frame.height)))

    def _picture_size(self, frame: QSize) -> QSize:
        return picture_size_in(frame, self.size(), self._mode, self._zoom)

    def _target(self, size: QSize) -> QRect:
        return place(self._picture_size(size), self.size(), self._pan)

    def display_area(self) -> DisplayArea:
        """Where and how the picture is shown, in device pixels."""
        ratio = self.devicePixelRatioF()
        return DisplayArea(
            round(self.width() * ratio),
            round(self.height() * ratio),
            self._mode,
            self._zoom,
            ratio,
        )

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._set_pan(self._pan)
        self._update_cursor()
        self.display_area_changed.emit(self.display_area())

    @override
    def sizeHint(self) -> QSize:
        return QSize(640, 360)

    # -- the mouse: zoom and pan -----------------------------------------------------

    @override
    def wheelEvent(self, event: QWheelEvent) -> None:
        """A notch zooms a level about the cursor; a touchpad's small steps add up."""
        self._wheel_rest += event.angleDelta().y()
        steps = int(self._wheel_rest / WHEEL_STEP)
        if steps:
            self._wheel_rest -= steps * WHEEL_STEP
            self.zoom_by(steps, event.position())
        event.accept()

    @override
    def mousePressEvent(self, event: QMouseEvent) -> None:
        button = event.button()
        pans = button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and self._tool_cursor is None
        )
        if pans and self.can_pan:
            self._drag_from = event.position()
            self._update_cursor()
            event.accept()
            return
        super().mousePressEvent(event)

    @override
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            delta = event.position() - self._drag_from
            self._drag_from = event.position()
            self.pan_by(delta.x(), delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    @override
    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag_from is not None:
            self._drag_from = None
            self._update_cursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    # -- painting --------------------------------------------------------------------

    @override
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._frame is None:
            painter.fillRect(self.rect(), BACKGROUND)
        else:
            self._paint_frame(painter, self._frame)
            if self.paint_layer is not None:
                self.paint_layer(painter, self.picture_rect())
        if self._overlay:
            if self._frame is not None:
                painter.fillRect(self.rect(), STILL_SHADE)
            self._paint_overlay(painter)
        if self._frozen:
            self._paint_frozen_badge(painter)
        painter.end()

    def _paint_frame(self, painter: QPainter, frame: VideoFrame) -> None:
        """The part of the picture inside the pane, at most one scaling of it."""
        target = self._target(QSize(frame.width, frame.height))
        shown = target.intersected(self.rect())
        for bar in letterbox(self.rect(), shown):
            painter.fillRect(bar, BACKGROUND)
        image, ratio = frame.image, self.devicePixelRatioF()
        wanted = target.size() * ratio
        if abs(image.width() - wanted.width()) <= 1 and abs(image.height() - wanted.height()) <= 1:
            # Converted to the size it is shown at (within rounding): a copy of rows.
            if image.size() != wanted:
                painter.fillRect(shown, BACKGROUND)  # a device pixel short of the target
            self._copy(painter, image, target, shown, ratio)
        elif self._frozen and wanted.width() <= image.width():
            # A still at the stream's size: scaled down once per view, then copied.
            if self._scaled_still is None or self._scaled_still[0] != wanted:
                scaled = image.scaled(
                    wanted,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                self._scaled_still = (wanted, scaled)
            self._copy(painter, self._scaled_still[1], target, shown, ratio)
        elif not shown.isEmpty():
            # Zoomed past the stream's size (or converted before a resize): only the
            # part shown is scaled.
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(shown), image, _source_rect(image, target, shown))
        if frame is not self.last_painted_frame and not self._frozen:
            self.frames_painted += 1
            self.last_painted_frame = frame
            self._new_frame_painted_at = time.monotonic()

    @staticmethod
    def _copy(painter: QPainter, image: QImage, target: QRect, shown: QRect, ratio: float) -> None:
        if image.devicePixelRatio() != ratio:
            image.setDevicePixelRatio(ratio)
        source = QRectF(
            (shown.x() - target.x()) * ratio,
            (shown.y() - target.y()) * ratio,
            shown.width() * ratio,
            shown.height() * ratio,
        )
        painter.drawImage(QPointF(shown.topLeft()), image, source)

    def _paint_frozen_badge(self, painter: QPainter) -> None:
        """A small badge in the top-left corner: the picture stays clear to draw on."""
        text = translate("VideoPane", "Frozen")
        font = QFont(self.font())
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRectF(12, 12, metrics.horizontalAdvance(text) + 24, metrics.height() + 10)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(FROZEN_BADGE)
        painter.drawRoundedRect(box, box.height() / 2, box.height() / 2)
        painter.setPen(OVERLAY_TEXT)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_overlay(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width = min(metrics.horizontalAdvance(self._overlay) + 40, self.width() - 20)
        height = metrics.height() * 2
        box = QRectF((self.width() - width) / 2, (self.height() - height) / 2, width, height)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(OVERLAY_BOX)
        painter.drawRoundedRect(box, 8, 8)
        painter.setPen(OVERLAY_TEXT)
        painter.drawText(
            box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._overlay
        )


class VideoView(QWidget):
    """Hosts the pane (the pane itself zooms and pans; nothing scrolls)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pane = VideoPane(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.pane)


def _source_rect(image: QImage, target: QRect, shown: QRect) -> QRectF:
    """The part of ``image`` (painted over ``target``) that lands on ``shown``."""
    sx = image.width() / target.width()
    sy = image.height() / target.height()
    return QRectF(
        (shown.x() - target.x()) * sx,
        (shown.y() - target.y()) * sy,
        shown.width() * sx,
        shown.height() * sy,
    )
