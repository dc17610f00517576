"""Issue 15 point 5 in a real SessionTab (real Qt, offscreen): Fit, Actual size and
Stretch; zoom 25-400 % by keys and by the wheel about the cursor; panning by dragging
(the left button with no tool, the middle one always; a drawing tool draws); F11 full
screen and Esc out of it. Whatever the view, a drawing, the pointer, a tap ring, the
eraser and the frozen still land on the same picture point: checked in the model's
normalised coordinates and in the painted pixels. Screenshot:
artifacts/console/view-zoom.png."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_session_drawing import open_tab

from lens_desktop.media.frames import VideoFrame, convert, display_size
from lens_desktop.tools.annotations import MARKER_RADIUS
from lens_desktop.ui.annotation_layer import POINTER_COLOUR, TAP_COLOUR, to_frame, to_pane
from lens_desktop.ui.session_tab import SessionTab
from lens_desktop.ui.video_pane import BACKGROUND, fit_rect
from lens_desktop.ui.view_geometry import (
    MAX_ZOOM,
    MIN_ZOOM,
    clamp_pan,
    exact_place,
    pan_keeping,
    place,
    step_zoom,
    zoom_text,
)
from tests.qt_fixtures import wait_until

LEFT = Qt.MouseButton.LeftButton
MIDDLE = Qt.MouseButton.MiddleButton
NONE = Qt.KeyboardModifier.NoModifier
SPOT = (0.56, 0.46)
"""A 24x24 block of SPOT_RGB sits centred on this frame point of the test picture."""
SPOT_RGB = (255, 128, 0)


def spot_frame(width: int = 1280, height: int = 720) -> av.VideoFrame:
    """Grey with a quadrant tint (so a wrong mapping shows) and an orange block at SPOT."""
    pixels = np.full((height, width, 3), 90, np.uint8)
    pixels[: height // 2, : width // 2] = (40, 40, 160)
    x, y = round(SPOT[0] * width), round(SPOT[1] * height)
    pixels[y - 12 : y + 12, x - 12 : x + 12] = SPOT_RGB
    return av.VideoFrame.from_ndarray(pixels, format="rgb24")


def show(tab: SessionTab, source: av.VideoFrame) -> VideoFrame:
    """As the peer delivers it: converted for the pane's current display area."""
    area = tab.video.pane.display_area()
    frame = convert(source, time.monotonic(), display_size(source.width, source.height, area))
    tab.on_peer_frame_ready(frame)
    return frame


def painted(tab: SessionTab) -> QImage:
    return tab.video.pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def pane_point(tab: SessionTab, point: tuple[float, float]) -> QPoint:
    return to_pane(point, tab.video.pane.picture_rect()).toPoint()


def wheel(tab: SessionTab, at: QPoint, notches: int) -> None:
    pane = tab.video.pane
    event = QWheelEvent(
        QPointF(at),
        QPointF(pane.mapToGlobal(at)),
        QPoint(),
        QPoint(0, 120 * notches),
        Qt.MouseButton.NoButton,
        NONE,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(pane, event)


def drag(tab: SessionTab, start: QPoint, end: QPoint, button: Qt.MouseButton = LEFT) -> None:
    pane = tab.video.pane
    QTest.mousePress(pane, button, NONE, start)
    QTest.mouseMove(pane, start + (end - start) / 2)
    QTest.mouseMove(pane, end)
    QTest.mouseRelease(pane, button, NONE, end)


def is_spot(image: QImage, at: QPoint) -> bool:
    colour = image.pixelColor(at)
    return (colour.red(), colour.green(), colour.blue()) == SPOT_RGB


# -- geometry ---------------------------------------------------------------------------


def test_zoom_steps_stop_at_25_and_400_per_cent() -> None:
    assert (MIN_ZOOM, MAX_ZOOM) == (0.25, 4.0)
    assert step_zoom(1.0, 1) == 1.25 and step_zoom(1.0, -1) == 0.75
    assert step_zoom(1.1, 1) == 1.25 and step_zoom(1.1, -1) == 1.0  # between: the next
    assert step_zoom(4.0, 1) == 4.0 and step_zoom(0.25, -3) == 0.25
    assert step_zoom(1.0, 100) == 4.0 and step_zoom(1.0, -100) == 0.25
    assert [zoom_text(z) for z in (0.25, 1.0, 1.5, 4.0)] == ["25 %", "100 %", "150 %", "400 %"]


def test_a_larger_picture_always_covers_the_pane_and_a_smaller_one_stays_centred() -> None:
    pane = QSize(800, 500)
    big, small = QSize(1600, 900), QSize(400, 300)
    assert clamp_pan(QPointF(9999, -9999), big, pane) == QPointF(400, -200)
    assert place(big, pane, clamp_pan(QPointF(9999, -9999), big, pane)) == QRect(0, -400, 1600, 900)
    assert clamp_pan(QPointF(50, 50), small, pane) == QPointF(0, 0)
    assert place(small, pane, QPointF()) == QRect(200, 100, 400, 300)
    # Zooming 2x about (100, 100) keeps the picture point under it there.
    before = exact_place(QSize(800, 450), pane, QPointF())
    pan = pan_keeping(QPointF(100, 100), before, big, pane)
    after = exact_place(big, pane, pan)
    u = (100 - before.x()) / before.width(), (100 - before.y()) / before.height()
    assert after.x() + u[0] * after.width() == pytest.approx(100)
    assert after.y() + u[1] * after.height() == pytest.approx(100)


# -- modes -------------------------------------------------------------------------------


async def test_fit_actual_size_and_stretch_place_the_picture_and_the_drawings_alike(
    qtbot: Any,
) -> None:
    tab = await open_tab(qtbot)
    try:
        pane, controls = tab.video.pane, tab.view_controls
        assert not hasattr(tab, "actual_size")  # one way only: the View menu button
        show(tab, spot_frame())
        assert controls.mode.text() == "Fit" and controls.zoom.text() == "100 %"
        assert pane.picture_rect() == QRectF(fit_rect(QSize(1280, 720), pane.size()))
        rect = pane.picture_rect().toRect()
        image = painted(tab)
        assert image.pixelColor(rect.center().x(), rect.top() - 3) == BACKGROUND  # letterbox
        assert is_spot(image, pane_point(tab, SPOT))
        tab.annotations.add("marker", [(0.25, 0.75)], colour="#00e676")

        texts = {"fit": "Fit", "actual": "Actual size", "stretch": "Stretch"}
        for action, mode in zip(controls.mode_actions.actions(), texts, strict=True):
            action.trigger()  # as picked from the View menu button
            assert pane.mode == mode and pane.zoom == 1.0 and controls.mode.text() == texts[mode]
            show(tab, spot_frame())  # the next frame comes converted for the new view
            rect = pane.picture_rect()
            if mode == "actual":
                assert rect.size().toSize() == QSize(1280, 720)  # a frame pixel per pixel
                offset = rect.center() - QRectF(pane.rect()).center()
                assert abs(offset.x()) <= 0.5 and abs(offset.y()) <= 0.5  # centred
            if mode == "stretch":
                assert rect == QRectF(pane.rect())  # fills the pane, aspect not kept
                assert painted(tab).pixelColor(1, 1) != BACKGROUND
            image = painted(tab)
            assert is_spot(image, pane_point(tab, SPOT)), mode
            radius = max(10.0, MARKER_RADIUS * rect.height())
            disc = pane_point(tab, (0.25, 0.75)) + QPoint(round(0.7 * radius), 0)
            assert image.pixelColor(disc).name() == "#00e676", mode  # the marker's disc
    finally:
        await tab.shutdown()


# -- zoom ---------------------------------------------------------------------------------


async def test_keys_zoom_in_steps_between_25_and_400_per_cent(qtbot: Any) -> None:
    tab = await open_tab(qtbot)
    try:
        pane, controls = tab.video.pane, tab.view_controls
        show(tab, spot_frame())
        QTest.keyClick(pane, "+")
        assert pane.zoom == 1.25 and controls.zoom.text() == "125 %"
        QTest.keyClick(pane, "=")
        assert pane.zoom == 1.5
        QTest.keyClick(pane, "-")
        assert pane.zoom == 1.25
        for _ in range(20):
            QTest.keyClick(pane, "-")
        assert pane.zoom == MIN_ZOOM and controls.zoom.text() == "25 %"
        assert not controls.zoom_out_action.isEnabled() and controls.zoom_in_action.isEnabled()
        rect = pane.picture_rect()
        assert rect.width() == pytest.approx(pane.width() / 4, abs=1)
        assert rect.center().x() == pytest.approx(pane.width() / 2, abs=1)  # centred
        for _ in range(20):
            QTest.keyClick(pane, "+")
        assert pane.zoom == MAX_ZOOM and controls.zoom.text() == "400 %"
        assert not controls.zoom_in_action.isEnabled()
        next(a for a in controls.zoom_levels.actions() if a.text() == "150 %").trigger()
        assert pane.zoom == 1.5  # a level picked from the zoom button's menu
        controls.mode_actions.actions()[2].trigger()  # stretch
        QTest.keyClick(pane, "0", Qt.KeyboardModifier.ControlModifier)  # back to Fit 100 %
        assert (pane.mode, pane.zoom) == ("fit", 1.0) and controls.zoom.text() == "100 %"
        for action, keys in (
            (controls.zoom_in_action, "+"),
            (controls.full_screen_action, "F11"),
            (tab.snapshot_action, "Ctrl+S"),
        ):
            assert f"({keys}" in action.toolTip()
    finally:
        await tab.shutdown()


async def test_the_wheel_zooms_about_the_cursor(qtbot: Any) -> None:
    tab = await open_tab(qtbot)
    try:
        pane = tab.video.pane
        show(tab, spot_frame())
        under = pane_point(tab, SPOT)
        before = to_frame(QPointF(under), pane.picture_rect())
        assert before is not None
        checked = 0
        for notches, zoom in ((1, 1.25), (2, 2.0), (3, 4.0), (1, 4.0), (-2, 2.5)):
            wheel(tab, under, notches)
            assert pane.zoom == zoom
            rect = pane.picture_rect()
            point = to_frame(QPointF(under), rect)
            assert point is not None  # each step keeps the picture point under the cursor,
            # to the camera's pixel, along each axis where the picture covers the pane
            # with room to spare (one smaller than the pane stays centred, and one pushed
            # against an edge stops there: no empty band is ever shown)
            if rect.left() < -1 and rect.right() > pane.width() + 1:
                assert abs(point[0] - before[0]) * 1280 <= 1
                checked += 1
            if rect.top() < -1 and rect.bottom() > pane.height() + 1:
                assert abs(point[1] - before[1]) * 720 <= 1
                checked += 1
            before = point
            show(tab, spot_frame())
            assert is_spot(painted(tab), under), zoom
        assert checked >= 6  # 200 %, 400 % (twice) and 250 % on both axes at least
        wheel(tab, under, -40)
        assert pane.zoom == MIN_ZOOM
    finally:
        await tab.shutdown()


# -- pan -------------------------------------------------------------------------------


async def test_a_zoomed_picture_pans_by_dragging_and_a_drawing_tool_draws_instead(
    qtbot: Any,
) -> None:
    tab = await open_tab(qtbot)
    try:
        pane = tab.video.pane
        show(tab, spot_frame())
        centre = QPoint(pane.width() // 2, pane.height() // 2)
        drag(tab, centre, centre + QPoint(80, 40))  # fits: nothing to pan
        assert pane.pan == QPointF() and not pane.can_pan
        pane.set_zoom(2.0)
        assert pane.can_pan and pane.cursor().shape() == Qt.CursorShape.OpenHandCursor
        before = pane.picture_rect()
        drag(tab, centre, centre + QPoint(80, 40))
        assert pane.picture_rect().topLeft() - before.topLeft() == QPointF(80, 40)
        drag(tab, centre, centre + QPoint(5000, 5000))  # not past the picture's edge
        rect = pane.picture_rect()
        assert (rect.left(), rect.top()) == (0, 0)

        QTest.keyClick(pane, "d")  # the pen: the left button draws, the middle one pans
        assert pane.cursor().shape() == Qt.CursorShape.CrossCursor
        rect = pane.picture_rect()
        drag(tab, centre, centre - QPoint(100, 60))
        assert pane.picture_rect() == rect  # no pan
        assert [a.kind for a in tab.annotations.annotations()] == ["pen"]
        drag(tab, centre, centre - QPoint(100, 60), MIDDLE)
        assert pane.picture_rect().topLeft() == rect.topLeft() - QPointF(100, 60)
        assert len(tab.annotations) == 1
    finally:
        await tab.shutdown()


async def test_drawing_pointer_taps_eraser_and_freeze_land_on_the_picture_zoomed_and_panned(
    qtbot: Any, artifacts_dir: Path
) -> None:
    tab = await open_tab(qtbot)
    try:
        pane = tab.video.pane
        show(tab, spot_frame())
        pane.set_zoom(2.0)
        pane.pan_by(-150, 90)
        show(tab, spot_frame())
        rect = pane.picture_rect()
        assert rect.width() > pane.width() and rect.top() < 0 < rect.bottom()
        assert is_spot(painted(tab), pane_point(tab, SPOT))

        # A pen stroke from a frame point: stored in frame coordinates, painted there.
        QTest.keyClick(pane, "1")  # red
        QTest.keyClick(pane, "d")
        start, end = (0.45, 0.4), (0.55, 0.4)
        drag(tab, pane_point(tab, start), pane_point(tab, end))
        stroke = tab.annotations.annotations()[-1]
        assert math.dist(stroke.points[0], start) < 0.002
        assert math.dist(stroke.points[-1], end) < 0.002
        image = painted(tab)
        assert image.pixelColor(pane_point(tab, (0.5, 0.4))).name() == "#ff1744"

        # The pointer ring and a tap ring around their frame points.
        QTest.keyClick(pane, "p")
        QTest.mouseMove(pane, pane_point(tab, (0.4, 0.6)))
        pointer = tab.canvas.pointer
        assert pointer is not None and math.dist(pointer, (0.4, 0.6)) < 0.002
        tab.on_peer_control_received({"type": "tap", "v": 1, "x": 0.6, "y": 0.6})
        image = painted(tab)
        assert image.pixelColor(pane_point(tab, (0.6, 0.6))) == TAP_COLOUR
        ring = pane_point(tab, (0.4, 0.6))
        radius = max(8.0, 0.022 * min(pane.picture_rect().width(), pane.picture_rect().height()))
        assert image.pixelColor(ring + QPoint(round(radius), 0)) == POINTER_COLOUR
        (artifacts_dir / "console").mkdir(parents=True, exist_ok=True)
        tab.grab().save(str(artifacts_dir / "console" / "view-zoom.png"))

        # A label's editor follows its point when the view moves under it.
        QTest.keyClick(pane, "t")
        QTest.mouseClick(pane, LEFT, NONE, pane_point(tab, (0.5, 0.47)))
        editor = tab.canvas.label_editor
        assert editor is not None

        def where_editor_goes() -> QPoint:  # its point, kept inside the pane
            at = pane_point(tab, (0.5, 0.47))
            right = max(0, pane.width() - editor.width())
            return QPoint(min(max(at.x(), 0), right), at.y())

        # Within a pixel: the editor's point is the click's, read back from the frame
        # (a round trip through frame coordinates may round the other way).
        assert (editor.pos() - where_editor_goes()).manhattanLength() <= 1
        wheel(tab, pane_point(tab, (0.6, 0.5)), -1)
        assert (editor.pos() - where_editor_goes()).manhattanLength() <= 1 and pane.zoom == 1.5
        QTest.keyClick(editor, Qt.Key.Key_Escape)

        # Erase one: a click on the stroke at this zoom finds it.
        QTest.keyClick(pane, "x")
        QTest.mouseClick(pane, LEFT, NONE, pane_point(tab, (0.5, 0.4)))
        assert len(tab.annotations) == 0

        # Frozen: the still (at the stream's size) lies where the live picture did.
        tab.freeze.click()
        await wait_until(lambda: pane.frame is not None and pane.frame.image.width() == 1280)
        assert is_spot(painted(tab), pane_point(tab, SPOT))
        pane.pan_by(60, -30)
        assert is_spot(painted(tab), pane_point(tab, SPOT))
    finally:
        await tab.shutdown()


# -- full screen --------------------------------------------------------------------------


async def test_f11_takes_the_picture_full_screen_and_esc_brings_it_back(
    qtbot: Any, tmp_path: Path
) -> None:
    tab = await open_tab(qtbot)
    try:
        pane, stage = tab.video.pane, tab.stage
        show(tab, spot_frame())
        assert not stage.isWindow()
        QTest.keyClick(pane, Qt.Key.Key_F11)
        assert stage.isWindow() and stage.isFullScreen()
        assert stage.windowState() & Qt.WindowState.WindowFullScreen
        assert tab.view_controls.full_screen_action.isChecked()
        assert tab.drawing_tools.window() is stage  # the tools go along
        await wait_until(lambda: QApplication.activeWindow() is stage)
        QTest.keyClick(pane, "d")  # the tool keys work full screen
        assert tab.canvas.tool == "pen"
        QTest.keyClick(pane, "+")
        assert pane.zoom == 1.25
        assert tab.canvas.notice == "Fit 125 %"  # the indicator is out of sight
        tab.snapshot_folder = lambda: str(tmp_path)
        QTest.keyClick(pane, "s", Qt.KeyboardModifier.ControlModifier)  # Ctrl+S, too
        await tab.tasks.wait_idle()
        assert [p.parent for p in tab.snapshots.paths()] == [tmp_path]
        assert tab.canvas.notice.startswith("Snapshot saved: Lens ")  # the strip is hidden
        QTest.keyClick(pane, Qt.Key.Key_Escape)  # first Esc: the tool is put down
        assert tab.canvas.tool is None and stage.isFullScreen()
        QTest.keyClick(pane, Qt.Key.Key_Escape)  # then Esc leaves full screen
        assert not stage.isWindow() and stage.parentWidget() is tab
        assert not tab.view_controls.full_screen_action.isChecked()
        assert tab.layout().indexOf(stage) >= 0 and stage.isVisible()
        await wait_until(lambda: QApplication.activeWindow() is tab)  # active again

        QTest.keyClick(pane, Qt.Key.Key_F11)
        assert stage.isFullScreen()
        await wait_until(lambda: QApplication.activeWindow() is stage)
        QTest.keyClick(pane, Qt.Key.Key_F11)  # F11 toggles back
        assert not stage.isWindow() and stage.parentWidget() is tab
        await wait_until(lambda: QApplication.activeWindow() is tab)
        tab.view_controls.full_screen_button.click()  # the button, too
        assert stage.isFullScreen()
        stage.close()  # closing the full-screen window brings it back
        assert not stage.isWindow() and stage.isVisible()
        await wait_until(lambda: QApplication.activeWindow() is tab)
        QTest.keyClick(pane, Qt.Key.Key_F11)
        assert stage.isFullScreen()
    finally:
        await tab.shutdown()  # leaves full screen: no window outlives the tab
    assert not tab.stage.isWindow()
