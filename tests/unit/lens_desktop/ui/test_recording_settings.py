"""Settings -> Recordings: the folder recordings go to, the videos folder + /Lens until
the technician picks another; and the recorder's file names."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from lens_desktop.media.audio import AudioStatus
from lens_desktop.media.recorder import recording_base, sanitise, vp8_size
from lens_desktop.ui.recording_control import elapsed_text
from lens_desktop.ui.settings_dialog import (
    RECORDINGS_KEY,
    SettingsDialog,
    default_recordings_folder,
    load_settings,
)

DEVICES = AudioStatus(True, "", inputs=[], outputs=[])


def test_the_folder_defaults_to_the_videos_folder_and_a_choice_is_kept(qtbot, settings) -> None:
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    assert default_recordings_folder() == f"{movies}/Lens"
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    assert dialog.recordings_folder.text() == default_recordings_folder()
    dialog.recordings_folder.setText("  /srv/lens recordings  ")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert settings.value(RECORDINGS_KEY) == "/srv/lens recordings"
    assert load_settings(settings).recordings_folder == "/srv/lens recordings"
    again = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(again)
    again.recordings_folder.setText("")  # cleared: back to the default
    assert again.values.recordings_folder == default_recordings_folder()


def test_file_names_carry_time_a_safe_session_name_and_the_id() -> None:
    base = recording_base(
        Path("/r"), "Mrs. O'Brien / flat 3\\b", "ab-12", datetime(2026, 1, 2, 3, 4, 5)
    )
    assert base == Path("/r/2026-01-02_03-04-05_Mrs_O_Brien_flat_3_b_ab-12")
    assert sanitise("../../etc/passwd") == "etc_passwd"
    assert sanitise("élan ✓") == "élan"  # letters of any language stay
    assert sanitise("???") == "session"
    assert len(sanitise("x" * 500)) == 60


def test_the_rec_timer_and_the_vp8_keyframe_size() -> None:
    assert [elapsed_text(s) for s in (0, 42.9, 725, 3723)] == ["00:00", "00:42", "12:05", "1:02:03"]
    header = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x00, 0x05, 0xD0, 0x02])
    assert vp8_size(header) == (1280, 720)
    assert vp8_size(bytes([0x11]) + header[1:]) is None  # an inter frame
    assert vp8_size(b"\x00") is None
