"""Settings: sound devices and the interface language, kept in QSettings.

The device lists come from ``AudioEngine.probe()``; "System default" stores an empty
value so a technician who never chose keeps following the operating system's choice.
The language choice is a placeholder until translations ship.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.ui.widgets import NoteLabel

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioStatus

DEFAULT_DEVICE = "System default"
UI_LANGUAGES = (("English", "en"), ("Nederlands", "nl"))
INPUT_KEY = "audio/input_device"
OUTPUT_KEY = "audio/output_device"
LANGUAGE_KEY = "ui/language"


@dataclass(frozen=True)
class ConsoleSettings:
    """The stored choices; None devices mean the system default."""

    input_device: str | None
    output_device: str | None
    language: str


def load_settings(settings: QSettings) -> ConsoleSettings:
    return ConsoleSettings(
        input_device=str(settings.value(INPUT_KEY, "") or "") or None,
        output_device=str(settings.value(OUTPUT_KEY, "") or "") or None,
        language=str(settings.value(LANGUAGE_KEY, "en") or "en"),
    )


class SettingsDialog(QDialog):
    settings_saved = Signal(object)
    """A ``ConsoleSettings`` just written to QSettings."""

    def __init__(
        self, settings: QSettings, audio_status: AudioStatus, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self.setWindowTitle("Lens Settings")
        self.input_device = self._device_combo(audio_status.inputs)
        self.output_device = self._device_combo(audio_status.outputs)
        self.language = QComboBox(self)
        for label, code in UI_LANGUAGES:
            self.language.addItem(label, code)
        self.audio_note = NoteLabel(audio_status.reason, self)
        self.audio_note.setVisible(not audio_status.available)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._lay_out(audio_status.available)
        self._load()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

    def _device_combo(self, names: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(DEFAULT_DEVICE, "")
        for name in names:
            combo.addItem(name, name)
        return combo

    def _lay_out(self, audio_available: bool) -> None:
        form = QFormLayout()
        for text, field in (
            ("&Microphone:", self.input_device),
            ("&Speaker:", self.output_device),
            ("&Language:", self.language),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow("", NoteLabel("Translations arrive in a later version.", self))
        self.input_device.setEnabled(audio_available)
        self.output_device.setEnabled(audio_available)
        layout = QVBoxLayout(self)
        layout.addWidget(self.audio_note)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)

    def _load(self) -> None:
        stored = load_settings(self._settings)
        for combo, value in (
            (self.input_device, stored.input_device or ""),
            (self.output_device, stored.output_device or ""),
            (self.language, stored.language),
        ):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))

    @property
    def values(self) -> ConsoleSettings:
        return ConsoleSettings(
            input_device=str(self.input_device.currentData()) or None,
            output_device=str(self.output_device.currentData()) or None,
            language=str(self.language.currentData()),
        )

    def on_buttons_accepted(self) -> None:
        values = self.values
        self._settings.setValue(INPUT_KEY, values.input_device or "")
        self._settings.setValue(OUTPUT_KEY, values.output_device or "")
        self._settings.setValue(LANGUAGE_KEY, values.language)
        self.settings_saved.emit(values)
        self.accept()
