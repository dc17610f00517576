"""Which language the console shows, its translators, and the language setting."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from lens_desktop.media.audio import AudioStatus
from lens_desktop.ui.formatting import state_label
from lens_desktop.ui.language import (
    choose_language,
    install_translators,
    load_translators,
    remove_translators,
)
from lens_desktop.ui.settings_dialog import LANGUAGE_KEY, SettingsDialog, load_settings

DEVICES = AudioStatus(True, "", inputs=["Mic A"], outputs=["Speaker B"])


@pytest.mark.parametrize(
    ("setting", "system", "expected"),
    [
        ("", "nl_NL", "nl"),
        ("", "nl_BE", "nl"),
        ("", "nl-NL", "nl"),
        ("", "nl", "nl"),
        ("", "en_US", "en"),
        ("", "de_DE", "en"),
        ("", "C", "en"),
        ("", "", "en"),
        ("en", "nl_NL", "en"),
        ("nl", "en_GB", "nl"),
        ("fr", "nl_NL", "nl"),  # a value this console does not ship: as "System default"
    ],
)
def test_the_setting_wins_else_the_system_locale_else_english(
    setting: str, system: str, expected: str
) -> None:
    assert choose_language(setting, system) == expected


def test_english_needs_no_translator() -> None:
    assert load_translators("en") == []


def test_dutch_installs_the_console_and_qt_translations_and_removes_them(
    qapp: QApplication,
) -> None:
    translators = install_translators(qapp, "nl")
    try:
        assert len(translators) == 2
        assert state_label("waiting") == "Wachtend"
        assert QApplication.translate("QPlatformTheme", "Cancel") == "Annuleren"
    finally:
        remove_translators(qapp, translators)
    assert state_label("waiting") == "Waiting"


def test_a_missing_translation_is_logged_and_english_remains(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "lens_desktop.ui.language")
    translators = load_translators("nl", folder=tmp_path)
    assert len(translators) == 1  # Qt's own still loads
    assert any("lens_nl" in r.getMessage() and r.levelno == logging.INFO for r in caplog.records)


def test_system_default_is_the_first_choice_and_stored_as_empty(qtbot, settings) -> None:
    assert load_settings(settings).language == ""
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    assert dialog.language.currentIndex() == 0
    assert dialog.language.currentText() == "System default"
    assert [dialog.language.itemData(i) for i in range(dialog.language.count())] == [
        "",
        "en",
        "nl",
    ]
    dialog.buttons.accepted.emit()
    assert settings.value(LANGUAGE_KEY) == ""


def test_choosing_another_language_says_it_applies_after_a_restart(qtbot, settings) -> None:
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.restart_note.isVisible()
    dialog.language.setCurrentIndex(dialog.language.findData("nl"))
    assert dialog.restart_note.isVisible()
    assert dialog.restart_note.text() == (
        "The console shows the new language after you restart it."
    )
    with qtbot.waitSignal(dialog.language_changed) as changed:
        dialog.buttons.accepted.emit()
    assert changed.args == ["nl"]
    assert load_settings(settings).language == "nl"


def test_saving_the_same_language_again_says_nothing(qtbot, settings) -> None:
    settings.setValue(LANGUAGE_KEY, "nl")
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.language.currentData() == "nl"
    assert not dialog.restart_note.isVisible()
    with qtbot.assertNotEmitted(dialog.language_changed):
        dialog.buttons.accepted.emit()
