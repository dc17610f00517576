"""Drawing on the console's picture: the tool bar and real mouse and key events on a real
VideoPane showing a letterboxed frame put the right annotations in the model, at the
frame-normalised points under the mouse, and the pointer goes to the phone at a bounded
rate. Only the data channel is a fake: a recorder of what ``send_pointer`` was given."""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, QSize, QSizeF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget
from ui_factories import draw_test_frame

from lens_desktop.tools.annotations import MAX_POINTS, MAX_TEXT, PALETTE, AnnotationModel
from lens_desktop.ui.annotation_canvas import (
    POINTER_INTERVAL_S,
    POINTER_REPEAT_MS,
    AnnotationCanvas,
)
from lens_desktop.ui.annotation_layer import clamped_to_frame, to_frame, to_pane
from lens_desktop.ui.annotation_tools import AnnotationToolBar
from lens_desktop.ui.video_pane import VideoView, fit_rect

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


@dataclass
class FakePointerChannel:
    """Stands in for ``AnnotationLink.send_pointer``: records each call and its time."""

    calls: list[tuple[float, float | None, float | None]] = field(default_factory=list)

    def send_pointer(self, x: float | None, y: float | None = None) -> bool:
        self.calls.append((time.monotonic(), x, y))
        return True

    def positions(self) -> list[tuple[float | None, float | None]]:
        return [(x, y) for _, x, y in self.calls]


@dataclass
class Drawing:
    window: QWidget
    view: VideoView
    canvas: AnnotationCanvas
    bar: AnnotationToolBar
    model: AnnotationModel
    channel: FakePointerChannel

    @property
    def pane(self):  # type: ignore[no-untyped-def]
        return self.view.pane

    def at(self, x: float, y: float) -> QPoint:
        """The pane pixel of frame point (x, y)."""
        return to_pane((x, y), self.pane.picture_rect()).toPoint()

    def frame_point(self, x: float, y: float) -> tuple[float, float]:
        """(x, y) as it comes back from the pixel it maps to (whole pixels)."""
        point = to_frame(QPointF(self.at(x, y)), self.pane.picture_rect())
        assert point is not None
        return point

    def drag(self, *points: tuple[float, float]) -> None:
        QTest.mousePress(self.pane, LEFT, NONE, self.at(*points[0]))
        for point in points[1:]:
            QTest.mouseMove(self.pane, self.at(*point))
        QTest.mouseRelease(self.pane, LEFT, NONE, self.at(*points[-1]))

    def click(self, x: float, y: float) -> None:
        QTest.mouseClick(self.pane, LEFT, NONE, self.at(x, y))

    def key(self, key: Qt.Key | str, modifiers: Qt.KeyboardModifier = NONE) -> None:
        QTest.keyClick(self.pane, key, modifiers)

    def button(self, action):  # type: ignore[no-untyped-def]
        return self.bar.button_for(action)


@pytest.fixture
def drawing(qtbot) -> Drawing:  # type: ignore[no-untyped-def]
    """Tool bar above a 900x560 view showing a 1280x720 frame: letterboxed above and
    below, as in a session tab."""
    window = QWidget()
    qtbot.addWidget(window)
    model = AnnotationModel()
    channel = FakePointerChannel()
    view = VideoView()
    canvas = AnnotationCanvas(model, channel.send_pointer, view.pane)
    bar = AnnotationToolBar(canvas)
    layout = QHBoxLayout(window)
    layout.addWidget(bar)
    layout.addWidget(view, 1)
    window.resize(900, 600)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view.pane.show_frame(draw_test_frame(1280, 720))
    bar.set_picture_available(True)
    drawing = Drawing(window, view, canvas, bar, model, channel)
    rect = view.pane.picture_rect()
    assert rect.y() > 10 and rect.x() == 0, "letterboxed above and below"
    yield drawing
    canvas.close()


def close_to(a: tuple[float, float], b: tuple[float, float], tolerance: float = 0.003) -> bool:
    return math.dist(a, b) <= tolerance


# -- mapping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "area"),
    [((1280, 720), (800, 800)), ((720, 1280), (900, 500)), ((640, 480), (640, 480))],
)
def test_frame_points_map_to_pane_pixels_and_back_through_the_letterbox(
    image: tuple[int, int], area: tuple[int, int]
) -> None:
    rect = QRectF(fit_rect(QSize(*image), QSize(*area)))
    for point in [(0.0, 0.0), (1.0, 1.0), (0.25, 0.75), (0.5, 0.5)]:
        assert close_to(to_frame(to_pane(point, rect), rect), point, 1e-9)  # type: ignore[arg-type]
    assert to_pane((0.0, 0.0), rect) == rect.topLeft()
    assert to_pane((1.0, 1.0), rect) == rect.bottomRight()
    outside = QPointF(rect.x() - 1, rect.y() - 1)  # in the letterbox bar
    assert to_frame(outside, rect) is None
    assert clamped_to_frame(outside, rect) == (0.0, 0.0)
    assert clamped_to_frame(QPointF(area[0] + 50, -50), rect) == (1.0, 0.0)


def test_the_picture_rectangle_is_where_the_frame_is_painted_in_fit_and_actual_size(
    drawing: Drawing,
) -> None:
    pane = drawing.pane
    assert pane.picture_rect() == QRectF(fit_rect(QSize(1280, 720), pane.size()))
    drawing.model.add("rectangle", [(0.0, 0.0), (1.0, 1.0)], colour="#ffffff", width=3)
    image = pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    rect = pane.picture_rect().toRect()
    assert image.pixelColor(rect.left() + 2, rect.top() + 2).name() == "#ffffff"
    assert image.pixelColor(rect.right() - 2, rect.bottom() - 2).name() == "#ffffff"
    assert image.pixelColor(rect.center().x(), rect.top() - 6).name() == "#101010"  # bar

    pane.set_mode("actual")  # actual size: pixel for pixel, centred on the frame's centre
    rect = pane.picture_rect()
    assert rect.size() == QSizeF(1280, 720)
    assert rect.center() == QRectF(pane.rect()).center()
    drawing.canvas.set_tool("marker")
    QTest.mouseClick(pane, LEFT, NONE, rect.center().toPoint())
    marker = drawing.model.annotations()[-1]
    assert marker.kind == "marker" and close_to(marker.points[0], (0.5, 0.5), 0.001)


# -- the tools -------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["pen", "highlighter"])
def test_a_freehand_stroke_lands_in_the_model_with_colour_width_and_points(
    drawing: Drawing, tool: str
) -> None:
    drawing.key("3")  # green
    drawing.key("]")  # thick
    drawing.key({"pen": "d", "highlighter": "h"}[tool])
    assert drawing.canvas.tool == tool
    path = [(0.1 + i * 0.02, 0.3 + 0.1 * math.sin(i / 3)) for i in range(30)]
    drawing.drag(*path)
    (item,) = drawing.model.annotations()
    assert (item.kind, item.colour, item.width) == (tool, PALETTE[2], 3)
    assert len(item.points) == len(path)
    for got, wanted in zip(item.points, path, strict=True):
        assert close_to(got, wanted)


def test_a_long_stroke_is_thinned_under_the_model_bound(drawing: Drawing) -> None:
    drawing.canvas.set_tool("pen")
    rect = drawing.pane.picture_rect()
    QTest.mousePress(drawing.pane, LEFT, NONE, drawing.at(0.05, 0.05))
    for i in range(5000):  # a scribble back and forth, every move 2+ pixels apart
        x = rect.x() + 20 + (i % 400) * 2
        y = rect.y() + 20 + (i // 400) * 25 + (i % 2) * 3
        QTest.mouseMove(drawing.pane, QPoint(int(x), int(y)))
    QTest.mouseRelease(drawing.pane, LEFT, NONE, QPoint(int(rect.x() + 40), int(rect.y() + 300)))
    (item,) = drawing.model.annotations()
    assert 500 < len(item.points) < MAX_POINTS
    assert close_to(item.points[0], drawing.frame_point(0.05, 0.05))
    assert close_to(item.points[-1], to_frame(QPointF(rect.x() + 40, rect.y() + 300), rect))  # type: ignore[arg-type]


@pytest.mark.parametrize(("tool", "key"), [("arrow", "a"), ("rectangle", "r"), ("ellipse", "e")])
def test_a_shape_is_previewed_while_dragging_and_added_on_release(
    drawing: Drawing, tool: str, key: str
) -> None:
    drawing.key(key)
    drawing.key("4")  # blue
    start, middle, end = (0.2, 0.3), (0.5, 0.5), (0.7, 0.8)
    before = drawing.pane.grab().toImage()
    QTest.mousePress(drawing.pane, LEFT, NONE, drawing.at(*start))
    QTest.mouseMove(drawing.pane, drawing.at(*middle))
    assert len(drawing.model) == 0 and drawing.canvas.drawing  # a preview only
    assert drawing.pane.grab().toImage() != before  # ...that shows
    QTest.mouseMove(drawing.pane, drawing.at(*end))
    QTest.mouseRelease(drawing.pane, LEFT, NONE, drawing.at(*end))
    (item,) = drawing.model.annotations()
    assert (item.kind, item.colour, item.width) == (tool, PALETTE[3], 2)
    assert close_to(item.points[0], start) and close_to(item.points[1], end)
    assert not drawing.canvas.drawing


def test_a_click_without_a_drag_draws_no_shape_and_a_press_outside_the_picture_nothing(
    drawing: Drawing,
) -> None:
    drawing.canvas.set_tool("rectangle")
    drawing.click(0.5, 0.5)
    rect = drawing.pane.picture_rect()
    bar = QPoint(int(rect.center().x()), int(rect.y() / 2))  # in the letterbox bar above
    QTest.mousePress(drawing.pane, LEFT, NONE, bar)
    QTest.mouseMove(drawing.pane, drawing.at(0.5, 0.5))
    QTest.mouseRelease(drawing.pane, LEFT, NONE, drawing.at(0.5, 0.5))
    drawing.canvas.set_tool("marker")
    QTest.mouseClick(drawing.pane, LEFT, NONE, bar)
    assert len(drawing.model) == 0


def test_a_drag_beyond_the_picture_is_clamped_to_its_edge(drawing: Drawing) -> None:
    drawing.canvas.set_tool("arrow")
    QTest.mousePress(drawing.pane, LEFT, NONE, drawing.at(0.5, 0.5))
    beyond = QPoint(drawing.pane.width() + 40, drawing.pane.height() + 40)  # off the pane
    QTest.mouseMove(drawing.pane, beyond)
    QTest.mouseRelease(drawing.pane, LEFT, NONE, beyond)
    (item,) = drawing.model.annotations()
    assert item.points[1] == (1.0, 1.0)


def test_no_tool_is_plain_viewing(drawing: Drawing) -> None:
    assert drawing.canvas.tool is None
    drawing.drag((0.2, 0.2), (0.6, 0.6))
    drawing.click(0.5, 0.5)
    assert len(drawing.model) == 0 and drawing.channel.calls == []


def test_markers_are_numbered_on(drawing: Drawing) -> None:
    drawing.key("m")
    for x in (0.2, 0.4, 0.6):
        drawing.click(x, 0.5)
    assert [(a.kind, a.number) for a in drawing.model.annotations()] == [
        ("marker", 1),
        ("marker", 2),
        ("marker", 3),
    ]
    assert close_to(drawing.model.annotations()[1].points[0], (0.4, 0.5))


def test_text_is_typed_in_place_and_placed_with_enter_or_dropped_with_esc(
    drawing: Drawing,
) -> None:
    drawing.key("t")
    drawing.click(0.3, 0.4)
    editor = drawing.canvas.label_editor
    assert editor is not None and editor.isVisible()
    assert editor.maxLength() == MAX_TEXT
    QTest.keyClicks(editor, "Dial 3 <b>")  # letters and digits are text here, not tool keys
    assert drawing.canvas.tool == "text"
    QTest.keyClick(editor, Qt.Key.Key_Return)
    (item,) = drawing.model.annotations()
    assert (item.kind, item.text) == ("text", "Dial 3 <b>")
    assert close_to(item.points[0], (0.3, 0.4))
    assert drawing.canvas.label_editor is None

    drawing.click(0.6, 0.6)
    editor = drawing.canvas.label_editor
    assert editor is not None
    QTest.keyClicks(editor, "never mind")
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert drawing.canvas.label_editor is None and len(drawing.model) == 1
    assert drawing.canvas.tool == "text"  # Esc dropped the label, not the tool

    drawing.click(0.6, 0.6)
    QTest.keyClick(drawing.canvas.label_editor, Qt.Key.Key_Return)  # empty: nothing
    assert len(drawing.model) == 1


def test_erase_one_removes_what_is_under_the_click(drawing: Drawing) -> None:
    box = drawing.model.add("rectangle", [(0.2, 0.2), (0.6, 0.6)])
    marker = drawing.model.add("marker", [(0.8, 0.8)])
    drawing.key("x")
    drawing.click(0.45, 0.45)  # inside the rectangle, far from its outline: nothing
    assert len(drawing.model) == 2
    drawing.click(0.4, 0.2)  # on its top edge
    assert drawing.model.annotations() == (marker,)
    drawing.click(0.81, 0.81)
    assert len(drawing.model) == 0
    drawing.key("z", CTRL)
    assert drawing.model.annotations() == (marker,)
    del box


def test_undo_redo_and_erase_all_by_button_and_by_key(drawing: Drawing) -> None:
    bar = drawing.bar
    assert not bar.undo_action.isEnabled()
    drawing.key("r")
    drawing.drag((0.1, 0.1), (0.3, 0.3))
    drawing.drag((0.4, 0.4), (0.6, 0.6))
    first, second = drawing.model.annotations()
    assert bar.undo_action.isEnabled() and bar.erase_all_action.isEnabled()
    assert not bar.redo_action.isEnabled()

    drawing.button(bar.undo_action).click()
    assert drawing.model.annotations() == (first,)
    assert bar.redo_action.isEnabled()
    drawing.button(bar.redo_action).click()
    assert drawing.model.annotations() == (first, second)

    drawing.key("z", CTRL)
    assert drawing.model.annotations() == (first,)
    drawing.key("z", CTRL | SHIFT)
    assert drawing.model.annotations() == (first, second)
    drawing.key("z", CTRL)
    drawing.key("y", CTRL)
    assert drawing.model.annotations() == (first, second)

    drawing.button(bar.erase_all_action).click()  # no question: one undo brings all back
    assert len(drawing.model) == 0
    assert not bar.erase_all_action.isEnabled()
    drawing.key("z", CTRL)
    assert drawing.model.annotations() == (first, second)
    drawing.key(Qt.Key.Key_Delete, CTRL | SHIFT)
    assert len(drawing.model) == 0


def test_tool_keys_buttons_and_esc(drawing: Drawing) -> None:
    keys = {"p": "pointer", "d": "pen", "h": "highlighter", "a": "arrow", "r": "rectangle"}
    keys |= {"e": "ellipse", "t": "text", "m": "marker", "x": "erase"}
    for key, tool in keys.items():
        drawing.key(key)
        assert drawing.canvas.tool == tool
        assert drawing.bar.tool_actions[tool].isChecked()
        assert drawing.bar.tool_actions[tool].toolTip().endswith(f"({key.upper()})")
    drawing.key(Qt.Key.Key_Escape)
    assert drawing.canvas.tool is None
    assert not any(a.isChecked() for a in drawing.bar.tool_actions.values())

    pen = drawing.button(drawing.bar.tool_actions["pen"])
    pen.click()
    assert drawing.canvas.tool == "pen"
    pen.click()  # the checked tool again: put down
    assert drawing.canvas.tool is None

    drawing.key("d")
    QTest.mousePress(drawing.pane, LEFT, NONE, drawing.at(0.2, 0.2))
    QTest.mouseMove(drawing.pane, drawing.at(0.4, 0.4))
    drawing.key(Qt.Key.Key_Escape)  # cancels the stroke, keeps the tool
    QTest.mouseRelease(drawing.pane, LEFT, NONE, drawing.at(0.4, 0.4))
    assert len(drawing.model) == 0 and drawing.canvas.tool == "pen"

    for key, colour in zip("123456", PALETTE, strict=True):
        drawing.key(key)
        assert drawing.canvas.colour == colour
    drawing.key("[")
    drawing.key("[")
    drawing.key("[")
    assert drawing.canvas.width == 1 and drawing.bar.width_actions[0].isChecked()
    drawing.key("]")
    assert drawing.canvas.width == 2


def test_the_tools_are_off_until_there_is_a_picture(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    view = VideoView()
    canvas = AnnotationCanvas(AnnotationModel(), FakePointerChannel().send_pointer, view.pane)
    bar = AnnotationToolBar(canvas)
    layout = QHBoxLayout(window)
    layout.addWidget(bar)
    layout.addWidget(view)
    window.show()
    assert bar.isVisible()
    assert not any(a.isEnabled() for a in bar.tool_actions.values())
    canvas.set_tool("pen")
    assert canvas.tool is None
    view.pane.show_frame(draw_test_frame(640, 360))
    bar.set_picture_available(True)
    assert all(a.isEnabled() for a in bar.tool_actions.values())
    canvas.close()


# -- the pointer -----------------------------------------------------------------------


def move_for(drawing: Drawing, seconds: float) -> list[tuple[float, float]]:
    """Sweep the mouse over the picture as fast as events go, for ``seconds``."""
    positions = []
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        point = (0.2 + (i % 300) / 500, 0.3 + (i % 7) / 50)
        QTest.mouseMove(drawing.pane, drawing.at(*point))
        positions.append(drawing.frame_point(*point))
        QApplication.processEvents()
        time.sleep(0.002)  # a fast mouse (each move also repaints the pane)
        i += 1
    return positions


def test_the_pointer_is_sent_at_most_30_times_a_second_and_ends_on_the_last_position(
    drawing: Drawing,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    drawing.key("p")
    moves = move_for(drawing, 1.0)
    assert len(moves) > 40, "faster than the 30 a second the phone is sent"
    qtbot.waitUntil(lambda: drawing.channel.positions()[-1] == moves[-1], timeout=1000)
    times = [t for t, _, _ in drawing.channel.calls]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= POINTER_INTERVAL_S - 0.002, min(gaps)
    assert 10 <= len(times) <= 31, len(times)
    assert drawing.canvas.pointer == moves[-1]
    ring = drawing.pane.grab().toImage()
    edge = drawing.at(*moves[-1]) + QPoint(round(0.022 * drawing.pane.picture_rect().height()), 0)
    assert any(ring.pixelColor(edge + QPoint(dx, 0)).name() == "#ff00ff" for dx in range(-2, 3)), (
        "the magenta ring around the mouse"
    )


def test_a_resting_pointer_is_repeated_and_hidden_when_it_leaves(
    drawing: Drawing,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    drawing.key("p")
    QTest.mouseMove(drawing.pane, drawing.at(0.5, 0.5))
    qtbot.waitUntil(lambda: len(drawing.channel.calls) >= 5, timeout=3000)  # at rest
    times = [t for t, _, _ in drawing.channel.calls]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < 0.5, gaps  # the phone hides a pointer silent for 1 s
    assert min(gaps) >= POINTER_REPEAT_MS / 1000 * 0.8, gaps  # at rest, not a stream
    assert set(drawing.channel.positions()) == {drawing.frame_point(0.5, 0.5)}

    rect = drawing.pane.picture_rect()
    QTest.mouseMove(drawing.pane, QPoint(int(rect.center().x()), int(rect.y() / 2)))  # bar
    assert drawing.channel.positions()[-1] == (None, None)
    assert drawing.canvas.pointer is None
    count = len(drawing.channel.calls)
    qtbot.wait(POINTER_REPEAT_MS * 2)  # nothing more while it is off the picture
    assert len(drawing.channel.calls) == count

    QTest.mouseMove(drawing.pane, drawing.at(0.4, 0.4))
    assert drawing.channel.positions()[-1] == drawing.frame_point(0.4, 0.4)
    QApplication.sendEvent(drawing.pane, QEvent(QEvent.Type.Leave))  # out of the pane
    assert drawing.channel.positions()[-1] == (None, None)

    QTest.mouseMove(drawing.pane, drawing.at(0.4, 0.4))
    drawing.key("d")  # another tool: the pointer goes
    assert drawing.channel.positions()[-1] == (None, None)
    count = len(drawing.channel.calls)
    QTest.mouseMove(drawing.pane, drawing.at(0.6, 0.4))
    assert len(drawing.channel.calls) == count  # only the pointer tool points


def test_a_full_page_refuses_the_next_drawing_and_says_so(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = QWidget()
    qtbot.addWidget(window)
    view = VideoView()
    model = AnnotationModel(max_annotations=1)
    canvas = AnnotationCanvas(model, FakePointerChannel().send_pointer, view.pane)
    bar = AnnotationToolBar(canvas)
    layout = QHBoxLayout(window)
    layout.addWidget(bar)
    layout.addWidget(view)
    window.resize(700, 400)
    window.show()
    view.pane.show_frame(draw_test_frame(640, 360))
    bar.set_picture_available(True)
    canvas.set_tool("marker")
    centre = view.pane.rect().center()
    QTest.mouseClick(view.pane, LEFT, NONE, centre)
    before = view.pane.grab().toImage()
    QTest.mouseClick(view.pane, LEFT, NONE, centre + QPoint(40, 0))
    assert len(model) == 1
    assert canvas.notice == "The picture holds at most 1 drawings: erase some."
    assert view.pane.grab().toImage() != before  # said on the picture
    canvas.close()
