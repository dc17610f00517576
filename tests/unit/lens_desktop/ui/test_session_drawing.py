"""The drawing tools in a real SessionTab (real PeerSession, not connected): the tool bar
sits above the picture and is off until the first frame; the customer's taps show as
rings that fade; the first drawing is reported once; the keys act on the tab shown
only. Screenshots of the tab with one of each annotation, the pointer ring and a tap go
to artifacts/console/ (English and Dutch) for a person to look at."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabWidget
from ui_factories import draw_test_frame

from lens_desktop.media.audio import AudioEngine, AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.net.models import ServerConfig, SessionInfo, Technician
from lens_desktop.ui.annotation_canvas import TAPS_PER_SECOND
from lens_desktop.ui.annotation_layer import TAP_SECONDS, to_pane
from lens_desktop.ui.language import install_translators, remove_translators
from lens_desktop.ui.services import ConsoleServices, SendSignal
from lens_desktop.ui.session_tab import SessionTab
from tests.qt_fixtures import SignalRecorder, wait_until

NO_AUDIO = AudioStatus(False, "Audio unavailable: no sound device on this test machine.")
LEFT = Qt.MouseButton.LeftButton
NONE = Qt.KeyboardModifier.NoModifier


def session(state: str = "active", session_id: str = "s1") -> SessionInfo:
    now = datetime.now(UTC)
    return SessionInfo(
        session_id, "lens", "Ann", state, "pin", None, None, None, now, None, now, None
    )


def services() -> ConsoleServices:
    def peer_factory(
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: SendSignal,
        audio: AudioEngine | None,
    ) -> PeerSession:
        return PeerSession(session_id, ice_servers, send_signal, audio)

    return ConsoleServices(
        "http://127.0.0.1:9",
        Technician(1, "t@example.com", "Tess", frozenset()),
        ServerConfig([], 600, 600, 120),
        ServerClient("http://127.0.0.1:9"),
        EventSocket(),
        CredentialStore(service="lens-drawing-test", backend=fail.Keyring()),
        None,
        NO_AUDIO,
        peer_factory,
    )


async def open_tab(qtbot: Any) -> SessionTab:
    """A tab as its own window, active (window shortcuts need an active window)."""
    tab = SessionTab(session(), services())
    qtbot.addWidget(tab)
    tab.resize(1000, 680)
    tab.show()
    tab.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is tab)
    return tab


def at(tab: SessionTab, x: float, y: float) -> QPoint:
    return to_pane((x, y), tab.video.pane.picture_rect()).toPoint()


def drag(tab: SessionTab, *points: tuple[float, float]) -> None:
    pane = tab.video.pane
    QTest.mousePress(pane, LEFT, NONE, at(tab, *points[0]))
    for point in points[1:]:
        QTest.mouseMove(pane, at(tab, *point))
    QTest.mouseRelease(pane, LEFT, NONE, at(tab, *points[-1]))


def tap_message(x: float, y: float) -> dict[str, Any]:
    return {"type": "tap", "v": 1, "x": x, "y": y}


async def test_the_tools_wait_for_a_picture_and_the_first_drawing_is_reported_once(
    qtbot: Any,
) -> None:
    tab = await open_tab(qtbot)
    used = SignalRecorder(tab.annotations_first_used)
    try:
        bar = tab.drawing_tools
        assert bar.isVisible() and bar.geometry().right() < tab.video.geometry().left()
        assert not bar.tool_actions["pen"].isEnabled()
        QTest.keyClick(tab.video.pane, "d")
        assert tab.canvas.tool is None
        tab.on_peer_frame_ready(draw_test_frame(1280, 720))
        assert bar.tool_actions["pen"].isEnabled()
        QTest.keyClick(tab.video.pane, "d")
        assert tab.canvas.tool == "pen"
        drag(tab, (0.2, 0.2), (0.3, 0.3), (0.4, 0.2))
        drag(tab, (0.5, 0.5), (0.6, 0.6))
        assert [a.kind for a in tab.annotations.annotations()] == ["pen", "pen"]
        assert used.values == ["s1"]

        tab.update_session(session("on_hold"))  # on hold: the drawings stay
        assert len(tab.annotations) == 2 and tab.video.pane.overlay == "On hold"
        tab.update_session(session("active"))
        assert len(tab.annotations) == 2
    finally:
        await tab.shutdown()


async def test_stick_to_objects_is_on_by_default_and_o_turns_it_off_and_on(
    qtbot: Any,
) -> None:
    tab = await open_tab(qtbot)
    try:
        follow = tab.drawing_tools.follow_action
        button = tab.drawing_tools.button_for(follow)
        assert follow.isChecked() and tab.tracking_link.enabled
        assert button.isVisible() and button.toolTip() == (
            "Stick to objects: drawings follow what they mark as the camera moves (O)"
        )
        tab.on_peer_frame_ready(draw_test_frame(1280, 720))
        QTest.keyClick(tab.video.pane, "o")
        assert not follow.isChecked() and not tab.tracking_link.enabled
        QTest.mouseClick(button, LEFT)
        assert follow.isChecked() and tab.tracking_link.enabled
    finally:
        await tab.shutdown()


async def test_a_customer_tap_shows_a_ring_that_fades_and_floods_are_capped(
    qtbot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    tab = await open_tab(qtbot)
    try:
        tab.on_peer_frame_ready(draw_test_frame(1280, 720, ""))
        pane = tab.video.pane
        spot = at(tab, 0.3, 0.6)
        assert pane.grab().toImage().pixelColor(spot).name() != "#00e5ff"
        tab.on_peer_control_received(tap_message(0.3, 0.6))
        assert [point for point, _ in tab.canvas.taps()] == [(0.3, 0.6)]
        image = pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert image.pixelColor(spot).name() == "#00e5ff"  # the dot in the ring's middle

        for i in range(3 * TAPS_PER_SECOND):  # a flood: ten a second are shown
            tab.on_peer_control_received(tap_message(i / 40, 0.2))
        assert len(tab.canvas.taps()) == TAPS_PER_SECOND

        with caplog.at_level(logging.WARNING):
            for hostile in (
                {"type": "tap", "v": 1, "x": 2, "y": 0.5},
                {"type": "tap", "v": 1, "x": "0.1", "y": 0.5},
                {"type": "tap", "v": 1, "x": 0.1, "y": 0.5, "html": "<b>"},
                {"type": "tap", "x": 0.1, "y": 0.5},
            ):
                tab.on_peer_control_received(hostile)
        assert sum("ignoring tap" in r.getMessage() for r in caplog.records) == 4
        assert len(tab.canvas.taps()) == TAPS_PER_SECOND

        await wait_until(lambda: not tab.canvas.taps(), timeout=TAP_SECONDS + 2)
        image = pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        assert image.pixelColor(spot).name() != "#00e5ff"  # gone
    finally:
        await tab.shutdown()


async def test_the_keys_act_on_the_tab_shown_only(qtbot: Any) -> None:
    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    first = SessionTab(session("active", "s1"), services())
    second = SessionTab(session("active", "s2"), services())
    tabs.addTab(first, "Ann")
    tabs.addTab(second, "Bob")
    tabs.resize(1000, 680)
    tabs.show()
    tabs.activateWindow()
    await wait_until(lambda: QApplication.activeWindow() is tabs)
    try:
        for tab in (first, second):
            tab.on_peer_frame_ready(draw_test_frame(640, 360))
        QTest.keyClick(first.video.pane, "r")
        assert (first.canvas.tool, second.canvas.tool) == ("rectangle", None)
        tabs.setCurrentWidget(second)
        QTest.keyClick(second.video.pane, "m")
        assert (first.canvas.tool, second.canvas.tool) == ("rectangle", "marker")
    finally:
        await first.shutdown()
        await second.shutdown()


# -- screenshots -----------------------------------------------------------------------


async def draw_one_of_each(tab: SessionTab) -> None:
    """Every tool, through the mouse and keys as a technician uses them. QTest's mouse
    move runs Qt's events inside this coroutine: a task the tab spawned (its audit
    report) that starts there cannot enter, and asyncio drops it; so the loop gets a
    turn first, as it always has in the running console."""
    pane = tab.video.pane

    def key(text: str) -> None:
        QTest.keyClick(pane, text)

    key("d")
    drag(tab, *[(0.06 + i * 0.01, 0.2 + 0.05 * ((i % 6) / 5)) for i in range(20)])
    key("h")
    key("2")
    key("]")
    drag(tab, (0.06, 0.4), (0.3, 0.42))
    key("a")
    key("1")
    key("[")
    drag(tab, (0.35, 0.15), (0.5, 0.35))
    key("r")
    key("4")
    drag(tab, (0.55, 0.4), (0.75, 0.65))
    key("e")
    key("3")
    drag(tab, (0.06, 0.55), (0.3, 0.85))
    key("t")
    key("5")
    QTest.mouseClick(pane, LEFT, NONE, at(tab, 0.55, 0.75))
    editor = tab.canvas.label_editor
    assert editor is not None
    QTest.keyClicks(editor, "Loosen this nut")
    QTest.keyClick(editor, Qt.Key.Key_Return)
    key("m")
    key("1")
    for x, y in ((0.8, 0.2), (0.9, 0.35)):
        QTest.mouseClick(pane, LEFT, NONE, at(tab, x, y))
    await asyncio.sleep(0.01)
    key("p")
    QTest.mouseMove(pane, at(tab, 0.45, 0.55))
    tab.on_peer_control_received(tap_message(0.85, 0.75))
    kinds = [a.kind for a in tab.annotations.annotations()]
    assert kinds == ["pen", "highlighter", "arrow", "rectangle", "ellipse", "text"] + ["marker"] * 2


@pytest.fixture
def dutch(qapp: QApplication) -> Iterator[None]:
    translators = install_translators(qapp, "nl")
    assert len(translators) == 2
    yield
    remove_translators(qapp, translators)


async def screenshot(qtbot: Any, path: Path) -> SessionTab:
    tab = await open_tab(qtbot)
    tab.on_peer_frame_ready(draw_test_frame(1280, 720, ""))
    await draw_one_of_each(tab)
    path.parent.mkdir(parents=True, exist_ok=True)
    assert tab.grab().save(str(path))
    return tab


async def test_screenshot_of_the_tool_bar_and_one_of_each(qtbot: Any, artifacts_dir: Path) -> None:
    tab = await screenshot(qtbot, artifacts_dir / "console" / "annotations-toolbar.png")
    try:
        bar = tab.drawing_tools
        assert bar.geometry().bottom() < tab.video.geometry().bottom(), "beside the picture"
        assert bar.tool_actions["pen"].toolTip() == "Pen: draw freehand (D)"
    finally:
        await tab.shutdown()


async def test_screenshot_in_dutch(dutch: None, qtbot: Any, artifacts_dir: Path) -> None:
    tab = await screenshot(qtbot, artifacts_dir / "console" / "annotations-toolbar-nl.png")
    try:
        bar = tab.drawing_tools
        assert bar.tool_actions["pen"].toolTip() == "Tekenpen: uit de vrije hand tekenen (D)"
        assert bar.erase_all_action.text() == "Alles wissen"
        assert bar.follow_action.text() == "Aan objecten vastmaken"
    finally:
        await tab.shutdown()
