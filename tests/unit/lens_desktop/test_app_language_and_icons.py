"""What run_console sets up before the first window: the interface language from the
settings, the application and tray icons, and the chime on the chosen output device."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from lens_desktop import app as console_app
from lens_desktop import resources
from lens_desktop.ui.language import remove_translators
from lens_desktop.ui.settings_dialog import LANGUAGE_KEY, OUTPUT_KEY


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[QSettings]:
    store = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    yield store
    store.sync()


def test_the_chosen_language_is_installed_and_can_be_removed(
    qapp: QApplication, settings: QSettings
) -> None:
    settings.setValue(LANGUAGE_KEY, "nl")
    translators = console_app.install_language(qapp, settings)
    try:
        assert QCoreApplication.translate("MainWindow", "&Start") == "&Starten"
        assert console_app.expired_text() == "Uw aanmelding is verlopen. Meld u opnieuw aan."
    finally:
        remove_translators(qapp, translators)
    assert console_app.expired_text() == "Your sign-in has expired. Please sign in again."


def test_english_chosen_installs_nothing(qapp: QApplication, settings: QSettings) -> None:
    settings.setValue(LANGUAGE_KEY, "en")
    assert console_app.install_language(qapp, settings) == []


def same_picture(a: QImage, b: QImage) -> bool:
    return a.convertToFormat(QImage.Format.Format_ARGB32) == b.convertToFormat(
        QImage.Format.Format_ARGB32
    )


# The offscreen platform has a tray stand-in whose native interface lacks this signal.
@pytest.mark.qt_log_ignore("systemTrayWindowChanged")
def test_the_tray_shows_the_lens_tray_icon(
    qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    tray = console_app.make_tray(qapp)
    assert tray is not None
    try:
        shown = tray.icon().pixmap(22, 22).toImage()
        assert same_picture(shown, resources.tray_icon().pixmap(22, 22).toImage())
        assert tray.toolTip() == "Lens Technician Console"
    finally:
        tray.hide()
        tray.deleteLater()


@pytest.mark.audio
def test_the_chime_plays_on_the_output_device_in_the_settings_at_that_moment(
    settings: QSettings, caplog: pytest.LogCaptureFixture
) -> None:
    chime = console_app.make_chime(settings)
    try:
        settings.setValue(OUTPUT_KEY, "Headset That Left")  # chosen after start-up
        chime.play()
        assert chime.wait(timeout=5)
    finally:
        chime.close()
    assert chime.played == 1  # on the default device, since that headset is gone
    asked = [r for r in caplog.records if "Headset That Left" in r.getMessage()]
    assert asked and asked[0].levelno == logging.INFO
