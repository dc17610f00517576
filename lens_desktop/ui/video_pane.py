"""The live picture: paints the newest decoded frame, never a queue of them.

A new frame only replaces the one held and asks for a repaint (``update()``); Qt merges
repaint requests, so when frames arrive faster than the screen refreshes the stale ones
are simply never painted. All drawing happens in ``paintEvent``.

A picture under an overlay is not live (on hold, reconnecting, no new frame for a
while): it is painted dimmed, so a still frame never passes for a live one.

A frozen picture (``freeze``) is the technician's own choice: it is painted clear, for
drawing on, with a "Frozen" badge in a corner; new frames are counted, not shown.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QScrollArea, QSizePolicy, QWidget
from typing_extensions import override

from lens_desktop.media.frames import display_size
from lens_desktop.ui.language import translate

if TYPE_CHECKING:
    from lens_desktop.media.frames import VideoFrame

BACKGROUND = QColor("#101010")
OVERLAY_BOX = QColor(0, 0, 0, 170)
OVERLAY_TEXT = QColor("#ffffff")
STILL_SHADE = QColor(0, 0, 0, 150)
"""Laid over a picture that is not live, under the overlay's text."""
FROZEN_BADGE = QColor("#0277bd")


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
    """Paints the newest frame scaled to fit (or at actual size) plus a status overlay.

    ``display_area_changed`` tells the frame source where the picture goes (device
    pixels; None at actual size), so frames arrive already at the size they are shown
    at and a paint is a copy of rows: scaling a 720p frame in ``drawImage`` cost the
    GUI thread 1.4-3.3 ms with the GIL held (``bench/paint.py``).
    """

    display_area_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self._frame: VideoFrame | None = None
        self._overlay = ""
        self._fit = True
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
    def fit(self) -> bool:
        return self._fit

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
        if resized and not self._fit:
            self.resize(frame.width, frame.height)
        self.update()

    def set_overlay(self, text: str) -> None:
        if text != self._overlay:
            self._overlay = text
            self.update()

    def set_fit(self, fit: bool) -> None:
        self._fit = fit
        if not fit and self._frame is not None:
            self.resize(self._frame.width, self._frame.height)
        self.update()
        self.display_area_changed.emit(self.display_area())

    def picture_rect(self) -> QRectF:
        """Where the picture is painted in the pane (empty before the first frame): the
        annotations map frame-normalised points through it."""
        if self._frame is None:
            return QRectF()
        return QRectF(self._target(QSize(self._frame.width, self._frame.height)))

    def _target(self, size: QSize) -> QRect:
        return fit_rect(size, self.size()) if self._fit else QRect(QPoint(0, 0), size)

    def display_area(self) -> tuple[int, int] | None:
        """Where a fitted picture goes, in device pixels; None at actual size."""
        if not self._fit:
            return None
        ratio = self.devicePixelRatioF()
        return round(self.width() * ratio), round(self.height() * ratio)

    @override
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.display_area_changed.emit(self.display_area())

    @override
    def sizeHint(self) -> QSize:
        if not self._fit and self._frame is not None:
            return QSize(self._frame.width, self._frame.height)
        return QSize(640, 360)

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
        target = self._target(QSize(frame.width, frame.height))
        for bar in letterbox(self.rect(), target):
            painter.fillRect(bar, BACKGROUND)
        image, ratio = frame.image, self.devicePixelRatioF()
        if (
            abs(image.width() - target.width() * ratio) <= 1
            and abs(image.height() - target.height() * ratio) <= 1
        ):
            # Converted to the size it is shown at (within rounding): a copy of rows.
            if image.devicePixelRatio() != ratio:
                image.setDevicePixelRatio(ratio)
            if image.size() != target.size() * ratio:
                painter.fillRect(target, BACKGROUND)  # a device pixel short of the target
            painter.drawImage(target.topLeft(), image)
        elif self._frozen:  # a still at the stream's size: scaled once per pane size
            wanted = target.size() * ratio
            if self._scaled_still is None or self._scaled_still[0] != wanted:
                scaled = image.scaled(
                    wanted,
                    Qt.AspectRatioMode.IgnoreAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
                scaled.setDevicePixelRatio(ratio)
                self._scaled_still = (wanted, scaled)
            painter.drawImage(target.topLeft(), self._scaled_still[1])
        else:  # a frame converted before the pane was resized
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, image)
        if frame is not self.last_painted_frame and not self._frozen:
            self.frames_painted += 1
            self.last_painted_frame = frame
            self._new_frame_painted_at = time.monotonic()

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


class VideoView(QScrollArea):
    """Hosts the pane: it fills the view in Fit mode and scrolls at actual size."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pane = VideoPane()
        self.setWidget(self.pane)
        self.setWidgetResizable(True)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setStyleSheet("QScrollArea { background: #101010; }")

    def set_fit(self, fit: bool) -> None:
        self.setWidgetResizable(fit)
        self.pane.set_fit(fit)
