"""Issue 14 end to end on the console side: a real aiortc customer streams to a real
SessionTab; the technician draws with the mouse and points, and the customer receives
the annotation and the pointer on the ``control`` channel; the customer's tap comes
back and shows as a ring on the console's picture."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lens_customer.sources import PatternVideoTrack
from lens_desktop.tools.protocol import PointerHide, PointerMove, SetAnnotation, parse_message
from lens_desktop.ui.annotation_layer import to_pane
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_media import Customer
from tests.integration.test_console_picture_stall import active_session, services
from tests.qt_fixtures import SignalRecorder, wait_until

LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def received(customer: Customer, kind: type) -> list[Any]:
    parsed = [parse_message(m) for m in customer.control if m.get("type") in ("annot", "pointer")]
    return [p for p in parsed if isinstance(p, kind)]


async def test_drawing_and_pointing_reach_the_customer_and_its_tap_comes_back(
    qtbot: Any,
) -> None:
    sent: list[dict[str, Any]] = []
    tab = SessionTab(active_session(), services(sent))
    qtbot.addWidget(tab)
    tab.resize(900, 600)
    tab.show()
    tab.activateWindow()
    used = SignalRecorder(tab.annotations_first_used)
    pane = tab.video.pane
    customer = Customer(PatternVideoTrack(640, 360, 30))

    def at(x: float, y: float) -> QPoint:
        return to_pane((x, y), pane.picture_rect()).toPoint()

    try:
        await wait_until(lambda: QApplication.activeWindow() is tab)
        assert not tab.drawing_tools.tool_actions["pen"].isEnabled()  # no picture yet
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: pane.frames_painted >= 3, timeout=20)
        await wait_until(lambda: customer.channel.readyState == "open", timeout=10)
        assert tab.drawing_tools.tool_actions["pen"].isEnabled()

        QTest.keyClick(pane, "r")
        QTest.mousePress(pane, LEFT, NONE, at(0.2, 0.25))
        QTest.mouseMove(pane, at(0.5, 0.5))
        QTest.mouseRelease(pane, LEFT, NONE, at(0.6, 0.75))
        (drawn,) = tab.annotations.annotations()
        await wait_until(
            lambda: len(received(customer, SetAnnotation)) >= 1, timeout=5
        )  # then tracking
        assert received(customer, SetAnnotation)[0].annotation.points == tuple(
            (round(x, 4), round(y, 4)) for x, y in drawn.points
        )
        assert used.values == ["s1"]

        QTest.keyClick(pane, "p")
        QTest.mouseMove(pane, at(0.4, 0.6))
        await wait_until(lambda: len(received(customer, PointerMove)) >= 1, timeout=5)
        move = received(customer, PointerMove)[-1]
        assert abs(move.x - 0.4) < 0.005 and abs(move.y - 0.6) < 0.005
        QTest.keyClick(pane, Qt.Key.Key_Escape)  # the tool put down: the pointer goes
        await wait_until(lambda: len(received(customer, PointerHide)) == 1, timeout=5)

        customer.channel.send(json.dumps({"type": "tap", "v": 1, "x": 0.7, "y": 0.3}))
        await wait_until(lambda: bool(tab.canvas.taps()), timeout=5)
        assert tab.canvas.taps()[0][0] == (0.7, 0.3)
        image = pane.grab().toImage()
        assert image.pixelColor(at(0.7, 0.3)).name() == "#00e5ff"
    finally:
        await tab.shutdown()
        await customer.pc.close()
