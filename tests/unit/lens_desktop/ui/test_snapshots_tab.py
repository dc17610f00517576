"""Issue 15 point 2 in a real SessionTab (real Qt offscreen, real files): Snapshot
(button and Ctrl+S) saves the picture at the stream's own size as a PNG, with or without
the drawings (painted by the same code, mapped to the whole frame), whatever the view;
the strip shows this session's snapshots to open, copy and show in their folder, by
mouse or keyboard; a folder that cannot be made is said in the tab and loses nothing.
Only the desktop's file opener is a stand-in (a recorder of the URLs it was handed).
Screenshot: artifacts/console/snapshots.png."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from console_harness import console_window
from PySide6.QtCore import QStandardPaths, Qt, QUrl
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtTest import QTest
from test_session_drawing import open_tab
from test_view_modes import SPOT, SPOT_RGB, show, spot_frame

from lens_desktop.media.audio import AudioStatus
from lens_desktop.ui.session_tab import SessionTab
from lens_desktop.ui.settings_dialog import SettingsDialog, load_settings
from tests.qt_fixtures import wait_until

RED = "#ff1744"
CTRL = Qt.KeyboardModifier.ControlModifier


async def snapshot(tab: SessionTab) -> None:
    QTest.keyClick(tab.video.pane, "s", CTRL)
    await tab.tasks.wait_idle()


def rgb(image: QImage, x: float, y: float) -> tuple[int, int, int]:
    colour = image.pixelColor(round(x * image.width()), round(y * image.height()))
    return colour.red(), colour.green(), colour.blue()


async def test_a_snapshot_is_the_whole_frame_at_its_own_size_with_or_without_drawings(
    qtbot: Any, tmp_path: Path
) -> None:
    tab = await open_tab(qtbot)
    tab.snapshot_folder = lambda: str(tmp_path / "Pictures" / "Lens")
    opened: list[QUrl] = []
    tab.snapshots.open_url = lambda url: opened.append(url) or True
    try:
        assert not tab.snapshot_action.isEnabled()  # no picture yet
        QTest.keyClick(tab.video.pane, "s", CTRL)
        await tab.tasks.wait_idle()
        assert not (tmp_path / "Pictures").exists() and tab.snapshots.isHidden()

        shown = show(tab, spot_frame(1280, 720))
        assert shown.image.width() < 1280  # the pane's copy is smaller than the stream
        assert tab.snapshot_action.isEnabled()
        tab.annotations.add("rectangle", [(0.2, 0.2), (0.4, 0.6)], colour=RED, width=3)
        tab.video.pane.set_zoom(2.0)  # the view does not change what is saved
        tab.video.pane.pan_by(-200, 50)
        await snapshot(tab)
        tab.snapshot_with_drawings.setChecked(False)
        tab.snapshot_button.click()
        await tab.tasks.wait_idle()

        with_drawings, without = reversed(tab.snapshots.paths())  # newest first
        assert with_drawings.parent == tmp_path / "Pictures" / "Lens"
        assert with_drawings.name.startswith("Lens ") and with_drawings.name.endswith(" Ann s1.png")
        assert without.name != with_drawings.name  # same second: never overwritten
        for path in (with_drawings, without):
            image = QImage(str(path))
            assert (image.width(), image.height()) == (1280, 720)
            assert rgb(image, *SPOT) == SPOT_RGB
        left_edge = (0.2, 0.4)  # the rectangle's left side, half way down: (256, 288)
        assert QImage(str(with_drawings)).pixelColor(256, 288).name() == RED
        assert rgb(QImage(str(without)), *left_edge) == (40, 40, 160)  # the picture

        # The strip: open, copy, show in folder; by mouse and by keyboard.
        strip = tab.snapshots
        assert strip.isVisible() and strip.list.count() == 2
        assert strip.list.currentRow() == 0  # the newest, selected
        strip.buttons[0].click()
        assert opened[-1] == QUrl.fromLocalFile(str(without))
        strip.buttons[2].click()
        assert opened[-1] == QUrl.fromLocalFile(str(without.parent))
        strip.buttons[1].click()
        copied = QGuiApplication.clipboard().image()
        assert (copied.width(), copied.height()) == (1280, 720)
        QGuiApplication.clipboard().clear()
        strip.list.setFocus()
        QTest.keyClick(strip.list, Qt.Key.Key_Right)
        assert strip.list.currentRow() == 1
        QTest.keyClick(strip.list, Qt.Key.Key_Return)
        assert opened[-1] == QUrl.fromLocalFile(str(with_drawings))
        QTest.keyClick(strip.list, "c", CTRL)
        copied = QGuiApplication.clipboard().image()
        assert copied.pixelColor(256, 288).name() == RED  # the one with the drawing
    finally:
        await tab.shutdown()


async def test_a_frozen_picture_is_saved_as_frozen(qtbot: Any, tmp_path: Path) -> None:
    tab = await open_tab(qtbot)
    tab.snapshot_folder = lambda: str(tmp_path)
    try:
        show(tab, spot_frame(640, 360))
        tab.freeze.click()
        show(tab, spot_frame(1280, 720))  # arrives while frozen: not what is shown
        await snapshot(tab)
        (path,) = tab.snapshots.paths()
        image = QImage(str(path))
        assert (image.width(), image.height()) == (640, 360)
    finally:
        await tab.shutdown()


async def test_a_folder_that_cannot_be_made_is_said_in_the_tab_and_nothing_is_lost(
    qtbot: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    tab = await open_tab(qtbot)
    good = tmp_path / "shots"
    tab.snapshot_folder = lambda: str(good)
    try:
        show(tab, spot_frame(1280, 720))
        tab.annotations.add("ellipse", [(0.3, 0.3), (0.7, 0.7)], colour="#ffea00", width=2)
        await snapshot(tab)
        tab.annotations.add("arrow", [(0.1, 0.9), (0.45, 0.55)], colour=RED, width=2)
        await snapshot(tab)
        saved = tab.snapshots.paths()
        # Tests run as root, who may write anywhere: a folder under a regular file
        # can never be made.
        (tmp_path / "file.txt").write_text("a file, not a folder")
        bad = tmp_path / "file.txt" / "sub"
        tab.snapshot_folder = lambda: str(bad)
        await snapshot(tab)
        message = tab.snapshots.message
        assert message.isVisible()
        assert message.text().startswith(f"The snapshot was not saved: the folder {bad}")
        assert message.text().endswith("Choose another folder in Settings.")
        assert tab.snapshots.paths() == saved and all(p.exists() for p in saved)
        assert tab.snapshot_action.isEnabled()  # the next one can go elsewhere
        (artifacts_dir / "console").mkdir(parents=True, exist_ok=True)
        tab.grab().save(str(artifacts_dir / "console" / "snapshots.png"))

        tab.snapshot_folder = lambda: str(good)
        await snapshot(tab)
        assert not message.isVisible() and len(tab.snapshots.paths()) == 3
    finally:
        await tab.shutdown()


def test_the_folder_is_a_setting_with_pictures_lens_as_default(qtbot: Any, settings) -> None:  # type: ignore[no-untyped-def]
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    assert load_settings(settings).snapshot_folder == str(Path(pictures) / "Lens")
    status = AudioStatus(False, "Audio unavailable: none here.")
    dialog = SettingsDialog(settings, status)
    qtbot.addWidget(dialog)
    assert dialog.snapshot_folder.text() == str(Path(pictures) / "Lens")
    dialog.snapshot_folder.setText("  /srv/shots  ")
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.buttons.accepted.emit()
    assert load_settings(settings).snapshot_folder == "/srv/shots"
    again = SettingsDialog(settings, status)
    qtbot.addWidget(again)
    again.snapshot_folder.clear()  # empty: back to the default
    again.buttons.accepted.emit()
    assert load_settings(settings).snapshot_folder == str(Path(pictures) / "Lens")


async def test_the_window_hands_its_folder_setting_to_the_tab(
    qtbot: Any, live_server: Any, settings: Any, credentials: Any, tmp_path: Path
) -> None:
    settings.setValue("snapshots/folder", str(tmp_path / "from settings"))
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, _ = live_server.join_waiting(console.tech.token, "Ann")
        await wait_until(lambda: window.model.row_of(session["id"]) is not None)
        window.select_session(session["id"])
        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        tab = window.session_tab_widgets[session["id"]]
        assert tab.snapshot_folder() == str(tmp_path / "from settings")
        settings.setValue("snapshots/folder", str(tmp_path / "changed"))
        assert tab.snapshot_folder() == str(tmp_path / "changed")  # read at each snapshot
