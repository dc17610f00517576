"""VideoPane paints only the newest frame, with the right aspect ratio and overlays."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from ui_factories import draw_test_frame

from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.frames import DisplayArea, VideoFrame, display_size
from lens_desktop.ui.session_tab import overlay_text, stats_text
from lens_desktop.ui.settings_dialog import SettingsDialog, load_settings
from lens_desktop.ui.video_pane import VideoView, fit_rect


def test_fit_keeps_the_aspect_ratio_and_centres() -> None:
    rect = fit_rect(QSize(1280, 720), QSize(800, 800))
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == (0, 175, 800, 450)


def test_only_the_newest_frame_is_painted_and_counted(qtbot) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(660, 380)
    view.show()
    first, second = draw_test_frame(320, 180, "1"), draw_test_frame(320, 180, "2")
    view.pane.show_frame(first)
    view.pane.show_frame(second)  # arrives before a repaint: the first is never painted
    image = view.grab().toImage()
    assert view.pane.frames_painted == 1 and view.pane.last_painted_frame is second
    view.grab()
    assert view.pane.frames_painted == 1  # repainting the same frame is not a new frame
    centre = image.pixelColor(image.width() // 2, 5)
    assert centre.name() != "#101010"  # the picture, not the background


def test_the_pane_says_where_the_picture_goes_and_paints_a_fitted_frame_as_is(qtbot) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    areas: list[DisplayArea] = []
    view.pane.display_area_changed.connect(areas.append)
    view.resize(800, 600)
    view.show()
    qtbot.waitUntil(lambda: view.pane.display_area() == DisplayArea(800, 600))
    assert areas[-1] == DisplayArea(800, 600)
    # What the converter makes for this pane: a 1280x720 stream, fitted to 800x450.
    stream = draw_test_frame(1280, 720, "fitted")
    fitted = stream.image.scaled(800, 450).convertToFormat(QImage.Format.Format_RGB32)
    view.pane.show_frame(VideoFrame(1280, 720, fitted, stream.pts, stream.received_at))
    painted = view.pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    assert painted.copy(0, 75, 800, 450) == fitted  # pixel for pixel, not scaled again
    assert {painted.pixelColor(400, 10).name(), painted.pixelColor(400, 590).name()} == {
        "#101010"  # the letterbox bars
    }
    view.pane.set_mode("actual")
    assert areas[-1] == DisplayArea(800, 600, "actual")
    assert display_size(1280, 720, areas[-1]) == (1280, 720)  # frames at the stream's size
    view.pane.set_mode("fit")
    assert areas[-1] == DisplayArea(800, 600)


def test_a_frame_of_another_size_is_still_scaled_to_fit(qtbot) -> None:
    view = VideoView()
    qtbot.addWidget(view)
    view.resize(660, 380)
    view.show()
    view.pane.show_frame(draw_test_frame(1280, 720))  # converted before a resize
    image = view.pane.grab().toImage()
    # Fitted edge to edge: the last colour bar (blue) reaches the right edge; drawn
    # 1:1 the picture would be cropped there in its fourth bar (green).
    assert image.pixelColor(657, 190).name() == "#0000c0"
    assert image.pixelColor(2, 190).name() == "#c0c0c0"


def test_overlay_says_the_most_important_thing() -> None:
    assert overlay_text("active", "connecting", False) == "Connecting…"
    assert overlay_text("on_hold", "connected", True) == "On hold"
    assert overlay_text("active", "reconnecting", False) == "Reconnecting…"
    assert overlay_text("active", "connected", True) == "The customer paused the camera"
    assert overlay_text("active", "connected", False) == ""
    # A frame that arrives before the peer reports "connected" means it is.
    assert overlay_text("active", "connecting", False, video_flowing=True) == ""
    assert overlay_text("active", "reconnecting", True, video_flowing=True) == (
        "The customer paused the camera"
    )
    assert overlay_text("active", "failed", False, video_flowing=True).startswith(
        "The connection to the customer failed"
    )
    assert overlay_text("on_hold", "connecting", False, video_flowing=True) == "On hold"


def test_settings_dialog_stores_devices_and_language(qtbot, settings) -> None:
    status = AudioStatus(True, "", ["Mic A", "Mic B"], ["Speaker A"])
    dialog = SettingsDialog(settings, status)
    qtbot.addWidget(dialog)
    dialog.input_device.setCurrentIndex(dialog.input_device.findText("Mic B"))
    dialog.language.setCurrentIndex(dialog.language.findData("nl"))
    with qtbot.waitSignal(dialog.settings_saved):
        dialog.buttons.accepted.emit()
    stored = load_settings(settings)
    assert (stored.input_device, stored.output_device, stored.language) == ("Mic B", None, "nl")
    again = SettingsDialog(settings, status)
    qtbot.addWidget(again)
    assert again.input_device.currentText() == "Mic B"


def test_statistics_line_reads_as_a_technician_expects() -> None:
    stats = {
        "resolution": "1280x720",
        "fps": 29.7,
        "bitrate_kbps": 2150.4,
        "packet_loss_pct": 0.25,
        "rtt_ms": 3.2,
    }
    assert (
        stats_text(stats) == "1280\u00d7720  ·  30 fps  ·  2,150 kbps  ·  loss 0.2 %  ·  RTT 3 ms"
    )
    with_audio = {**stats, "audio_delay_ms": 61.6, "audio_underruns": 2}
    assert stats_text(with_audio).endswith("  ·  audio 62 ms, 2 dropouts")
    assert stats_text({}) == "no video  ·  0 fps  ·  0 kbps  ·  loss 0.0 %  ·  RTT n/a"
