"""Mapping and painting of the annotations over the console's picture.

Plain functions, no state: the video pane hands over the rectangle it painted the frame
in (fitted and letterboxed, or at actual size), and every frame-normalised point goes
through that same rectangle, so a drawing lies on the same part of the picture as on
the phone. Sizes follow the phone's ``annotations.js``: line widths as a fraction of the
picture's shorter side (a highlighter three times that, translucent), text 4.5 % of the
picture's height, a marker a numbered disc.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen, QPolygonF

from lens_desktop.tools.annotations import (
    MARKER_RADIUS,
    MAX_POINTS,
    TEXT_SIZE,
    WIDTH_FRACTION,
    Annotation,
    Point,
)

POINTER_COLOUR = QColor("#ff00ff")
"""The phone shows the technician's pointer in magenta; the console's ring matches."""
POINTER_RADIUS = 0.022
TAP_COLOUR = QColor("#00e5ff")
TAP_RADIUS = 0.04
TAP_SECONDS = 3.0
TAP_SOLID_SECONDS = 1.0
"""A tap ring shows at full strength this long, then fades out until TAP_SECONDS."""
STROKE_LIMIT = MAX_POINTS - 1
"""A freehand stroke keeps fewer points than the model allows (halved when it fills up)."""


# -- mapping -------------------------------------------------------------------------


def to_pane(point: Point, rect: QRectF) -> QPointF:
    """A frame-normalised point -> pane pixels."""
    return QPointF(rect.x() + point[0] * rect.width(), rect.y() + point[1] * rect.height())


def to_frame(pos: QPointF, rect: QRectF) -> Point | None:
    """Pane pixels -> a frame-normalised point; None outside the picture."""
    if rect.isEmpty():
        return None
    x = (pos.x() - rect.x()) / rect.width()
    y = (pos.y() - rect.y()) / rect.height()
    return (x, y) if 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0 else None


def clamped_to_frame(pos: QPointF, rect: QRectF) -> Point:
    """Pane pixels -> the nearest frame-normalised point of the picture."""
    x = (pos.x() - rect.x()) / rect.width()
    y = (pos.y() - rect.y()) / rect.height()
    return (min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0))


def line_width(width: int, rect: QRectF) -> float:
    return max(1.5, WIDTH_FRACTION[width] * min(rect.width(), rect.height()))


def add_stroke_point(points: list[Point], point: Point, rect: QRectF) -> None:
    """Extend a freehand stroke: a point less than a pixel and a half from the last one
    adds nothing, and a stroke that reaches STROKE_LIMIT keeps every other point (its
    shape stays, at half the detail), so it never outgrows the model's bound."""
    if points:
        last = to_pane(points[-1], rect)
        here = to_pane(point, rect)
        if math.hypot(here.x() - last.x(), here.y() - last.y()) < 1.5:
            return
    points.append(point)
    if len(points) >= STROKE_LIMIT:
        points[:] = points[::2] if len(points) % 2 else [*points[:-1:2], points[-1]]


# -- painting ------------------------------------------------------------------------


def contrast_of(colour: str) -> QColor:
    """Black on light colours, white on dark ones (as the phone draws outlines)."""
    value = QColor(colour)
    light = 0.299 * value.red() + 0.587 * value.green() + 0.114 * value.blue() > 150
    return QColor("#000000" if light else "#ffffff")


def paint_annotation(painter: QPainter, item: Annotation, rect: QRectF) -> None:
    if item.visible:
        paint_shape(painter, item, rect, item.placed_points())


def paint_shape(painter: QPainter, item: Annotation, rect: QRectF, points: Sequence[Point]) -> None:
    """Draw ``item``'s kind, colour and width through ``points`` (its placed points, or
    a preview's)."""
    pane_points = [to_pane(p, rect) for p in points]
    width = line_width(item.width, rect)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(item.colour), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    _PAINTERS[item.kind](painter, item, rect, pane_points, pen)
    painter.restore()


def _polyline(painter: QPainter, points: list[QPointF]) -> None:
    if len(points) == 1:
        points = [points[0], points[0] + QPointF(0.01, 0)]  # a dot
    painter.drawPolyline(QPolygonF(points))


def _pen(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del item, rect, pen
    _polyline(painter, points)


def _highlighter(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del item, rect
    painter.setOpacity(0.5)
    pen.setWidthF(pen.widthF() * 3)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    _polyline(painter, points)


def _arrow(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del rect
    tail, head = points
    _polyline(painter, [tail, head])
    angle = math.atan2(head.y() - tail.y(), head.x() - tail.x())
    size = max(10.0, 4 * pen.widthF())
    corners = [head]
    for side in (-1, 1):
        a = angle + math.pi + side * math.pi / 7
        corners.append(QPointF(head.x() + size * math.cos(a), head.y() + size * math.sin(a)))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(item.colour))
    painter.drawPolygon(QPolygonF(corners))


def _box(points: list[QPointF]) -> QRectF:
    return QRectF(points[0], points[1]).normalized()


def _rectangle(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del item, rect
    pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
    painter.setPen(pen)
    painter.drawRect(_box(points))


def _ellipse(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del item, rect, pen
    painter.drawEllipse(_box(points))


def _text(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del pen
    font = QFont(painter.font())
    font.setPixelSize(round(max(12.0, TEXT_SIZE * rect.height())))
    font.setWeight(QFont.Weight.DemiBold)
    path = QPainterPath()
    metrics = QFontMetricsF(font)
    origin = points[0]
    path.addText(QPointF(origin.x(), origin.y() + metrics.ascent()), font, item.text)
    outline = QPen(contrast_of(item.colour), max(2.0, font.pixelSize() / 8))
    outline.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.strokePath(path, outline)
    painter.fillPath(path, QColor(item.colour))


def _marker(
    painter: QPainter, item: Annotation, rect: QRectF, points: list[QPointF], pen: QPen
) -> None:
    del pen
    centre = points[0]
    radius = max(10.0, MARKER_RADIUS * rect.height())
    contrast = contrast_of(item.colour)
    painter.setPen(QPen(contrast, max(1.5, radius / 8)))
    painter.setBrush(QColor(item.colour))
    painter.drawEllipse(centre, radius, radius)
    font = QFont(painter.font())
    font.setPixelSize(max(1, round(radius * 1.1)))
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(contrast)
    box = QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, str(item.number))


_PAINTERS = {
    "pen": _pen,
    "highlighter": _highlighter,
    "arrow": _arrow,
    "rectangle": _rectangle,
    "ellipse": _ellipse,
    "text": _text,
    "marker": _marker,
}


def paint_pointer(painter: QPainter, point: Point, rect: QRectF) -> None:
    """The technician's pointer as the console shows it: a magenta ring (the phone
    shows a magenta dot at the same spot)."""
    centre = to_pane(point, rect)
    radius = max(8.0, POINTER_RADIUS * min(rect.width(), rect.height()))
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(255, 255, 255, 220), 5))
    painter.drawEllipse(centre, radius, radius)
    painter.setPen(QPen(POINTER_COLOUR, 3))
    painter.drawEllipse(centre, radius, radius)
    painter.restore()


def tap_opacity(age: float) -> float:
    """Full for TAP_SOLID_SECONDS, then fading to nothing at TAP_SECONDS."""
    if age <= TAP_SOLID_SECONDS:
        return 1.0
    return max(0.0, 1.0 - (age - TAP_SOLID_SECONDS) / (TAP_SECONDS - TAP_SOLID_SECONDS))


def paint_tap(painter: QPainter, point: Point, rect: QRectF, age: float) -> None:
    """Where the customer tapped: a cyan ring (dark-edged, so it reads on a bright
    picture too) that widens a little and fades out."""
    opacity = tap_opacity(age)
    if opacity <= 0:
        return
    centre = to_pane(point, rect)
    radius = max(14.0, TAP_RADIUS * min(rect.width(), rect.height())) * (1 + 0.15 * age)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setOpacity(opacity)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(0, 0, 0, 160), 7))
    painter.drawEllipse(centre, radius, radius)
    painter.setPen(QPen(TAP_COLOUR, 4))
    painter.drawEllipse(centre, radius, radius)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(TAP_COLOUR)
    painter.drawEllipse(centre, 3.5, 3.5)
    painter.restore()


def paint_notice(painter: QPainter, text: str, rect: QRectF) -> None:
    """A short message at the top of the picture (why a drawing was not taken)."""
    painter.save()
    metrics = painter.fontMetrics()
    width = min(metrics.horizontalAdvance(text) + 24.0, rect.width() - 16)
    box = QRectF(rect.center().x() - width / 2, rect.y() + 12, width, metrics.height() + 12)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(0, 0, 0, 190))
    painter.drawRoundedRect(box, 6, 6)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()
