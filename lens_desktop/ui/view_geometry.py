"""Where the picture goes in the video pane: the view mode, the zoom steps and the pan.

Plain functions over sizes and points, no widget: the pane keeps the state (mode, zoom,
pan) and asks these where the picture lies; the annotations, the pointer, the taps and
the frozen still all go through that one rectangle (``VideoPane.picture_rect``), so
they follow every view alike. The choices are in docs/decisions/0030.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRect, QRectF, QSize

from lens_desktop.media.frames import DisplayArea, ViewMode, picture_size

ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
"""The zoom levels the wheel and the + and - keys step through, as image viewers do."""
MIN_ZOOM = ZOOM_STEPS[0]
MAX_ZOOM = ZOOM_STEPS[-1]


def clamp_zoom(zoom: float) -> float:
    return min(max(zoom, MIN_ZOOM), MAX_ZOOM)


def step_zoom(zoom: float, steps: int) -> float:
    """``steps`` levels up (positive) or down from ``zoom``, within the limits; a zoom
    between two levels goes to the next one in that direction."""
    if steps > 0:
        larger = [z for z in ZOOM_STEPS if z > zoom + 1e-6]
        index = min(steps - 1, len(larger) - 1)
        return larger[index] if larger else MAX_ZOOM
    if steps < 0:
        smaller = [z for z in ZOOM_STEPS if z < zoom - 1e-6]
        index = max(len(smaller) + steps, 0)
        return smaller[index] if smaller else MIN_ZOOM
    return clamp_zoom(zoom)


def zoom_text(zoom: float) -> str:
    """What the indicator shows: "150 %" (a space before %, as in the stats line)."""
    return f"{round(zoom * 100)} %"


def picture_size_in(frame: QSize, pane: QSize, mode: ViewMode, zoom: float) -> QSize:
    """The painted picture's size in logical pixels (the pane's own unit)."""
    area = DisplayArea(pane.width(), pane.height(), mode, zoom)
    width, height = picture_size(frame.width(), frame.height(), area)
    return QSize(width, height)


def clamp_pan(pan: QPointF, picture: QSize, pane: QSize) -> QPointF:
    """The pan (the picture's centre minus the pane's) kept so that a picture larger
    than the pane always covers it, and a smaller one stays centred on that axis."""
    limit_x = max(0.0, (picture.width() - pane.width()) / 2)
    limit_y = max(0.0, (picture.height() - pane.height()) / 2)
    return QPointF(min(max(pan.x(), -limit_x), limit_x), min(max(pan.y(), -limit_y), limit_y))


def place(picture: QSize, pane: QSize, pan: QPointF) -> QRect:
    """The picture's rectangle in the pane: centred, moved by ``pan`` (already clamped);
    whole pixels, so a converted frame is painted as a copy of rows."""
    exact = exact_place(picture, pane, pan)
    x, y = math.floor(exact.x()), math.floor(exact.y())  # as fit_rect when not panned
    if picture.width() >= pane.width():  # rounding never opens a gap at an edge
        x = min(max(x, pane.width() - picture.width()), 0)
    if picture.height() >= pane.height():
        y = min(max(y, pane.height() - picture.height()), 0)
    return QRect(x, y, picture.width(), picture.height())


def exact_place(picture: QSize, pane: QSize, pan: QPointF) -> QRectF:
    """``place`` before rounding to whole pixels: zooming computes from this, so the
    rounding of one step never adds up over the next ones."""
    return QRectF(
        (pane.width() - picture.width()) / 2 + pan.x(),
        (pane.height() - picture.height()) / 2 + pan.y(),
        picture.width(),
        picture.height(),
    )


def pan_keeping(anchor: QPointF, before: QRectF, after: QSize, pane: QSize) -> QPointF:
    """The pan that keeps the picture point under ``anchor`` (pane pixels) where it is
    when the picture changes from ``before`` to size ``after`` (zoom about the cursor)."""
    if before.isEmpty():
        return QPointF()
    u = (anchor.x() - before.x()) / before.width()
    v = (anchor.y() - before.y()) / before.height()
    left = anchor.x() - u * after.width()
    top = anchor.y() - v * after.height()
    return QPointF(
        left + after.width() / 2 - pane.width() / 2, top + after.height() / 2 - pane.height() / 2
    )
