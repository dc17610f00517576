"""Settings: sound devices and the interface language, kept in QSettings.

The device lists come from ``AudioEngine.probe()``; "System default" stores an empty
value so a technician who never chose keeps following the operating system's choice.
The same holds for the language (``language.choose_language`` reads it at start-up);
the console is translated once, before its first window, so a new language shows after
a restart, which the dialog says as soon as another language is picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.ui.language import interface_language, translate
from lens_desktop.ui.phone import regions, system_region
from lens_desktop.ui.widgets import NoteLabel

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioStatus

SYSTEM_DEFAULT = QT_TRANSLATE_NOOP("SettingsDialog", "System default")
UI_LANGUAGES = (("English", "en"), ("Nederlands", "nl"))
"""Each language named in itself, so a technician finds theirs whatever is showing."""
INPUT_KEY = "audio/input_device"
OUTPUT_KEY = "audio/output_device"
LANGUAGE_KEY = "ui/language"
SMS_REGION_KEY = "sms/default_region"


@dataclass(frozen=True)
class ConsoleSettings:
    """The stored choices; None devices and an empty language mean the system's."""

    input_device: str | None
    output_device: str | None
    language: str
    sms_region: str = ""
    """Where a phone number without + and a country code is read ("NL"); "" for none.
    Never chosen: the system locale's region."""


def load_settings(settings: QSettings) -> ConsoleSettings:
    return ConsoleSettings(
        input_device=str(settings.value(INPUT_KEY, "") or "") or None,
        output_device=str(settings.value(OUTPUT_KEY, "") or "") or None,
        language=str(settings.value(LANGUAGE_KEY, "") or ""),
        sms_region=_stored_sms_region(settings),
    )


def _stored_sms_region(settings: QSettings) -> str:
    if not settings.contains(SMS_REGION_KEY):
        return system_region()
    return str(settings.value(SMS_REGION_KEY, "") or "")


class SettingsDialog(QDialog):
    settings_saved = Signal(object)
    """A ``ConsoleSettings`` just written to QSettings."""
    language_changed = Signal(str)
    """Saved with another language than before (the code; "" for the system's)."""

    def __init__(
        self, settings: QSettings, audio_status: AudioStatus, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._settings = settings
        self._stored = load_settings(settings)
        self.setWindowTitle(translate("SettingsDialog", "Lens Settings"))
        self.input_device = self._device_combo(audio_status.inputs)
        self.output_device = self._device_combo(audio_status.outputs)
        self.language = QComboBox(self)
        self.language.addItem(translate("SettingsDialog", SYSTEM_DEFAULT), "")
        for label, code in UI_LANGUAGES:
            self.language.addItem(label, code)
        self.restart_note = NoteLabel(
            translate("SettingsDialog", "The console shows the new language after you restart it."),
            self,
        )
        self.audio_note = NoteLabel(audio_status.reason, self)
        self.audio_note.setVisible(not audio_status.available)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self._lay_out(audio_status.available)
        self._load()
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        self.language.currentIndexChanged.connect(self.on_language_current_index_changed)

    def _device_combo(self, names: list[str]) -> QComboBox:
        combo = QComboBox(self)
        combo.addItem(translate("SettingsDialog", SYSTEM_DEFAULT), "")
        for name in names:
            combo.addItem(name, name)
        return combo

    def _lay_out(self, audio_available: bool) -> None:
        form = QFormLayout()
        for text, field in (
            (translate("SettingsDialog", "&Microphone:"), self.input_device),
            (translate("SettingsDialog", "&Speaker:"), self.output_device),
            (translate("SettingsDialog", "&Language:"), self.language),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)
            form.addRow(label, field)
        form.addRow("", self.restart_note)
        self.input_device.setEnabled(audio_available)
        self.output_device.setEnabled(audio_available)
        layout = QVBoxLayout(self)
        layout.addWidget(self.audio_note)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        layout.insertWidget(layout.indexOf(self.buttons), self._sms_group())

    def _sms_group(self) -> QGroupBox:
        """Text messages: the region a number without a country code is read in."""
        group = QGroupBox(translate("SettingsDialog", "Text messages (SMS)"), self)
        self.sms_region = QComboBox(group)
        self.sms_region.addItem(
            translate("SettingsDialog", "None: numbers start with + and the country code"), ""
        )
        for region in regions(interface_language()):
            self.sms_region.addItem(region.label, region.code)
        self.sms_region.setCurrentIndex(max(0, self.sms_region.findData(self._stored.sms_region)))
        label = QLabel(translate("SettingsDialog", "Default &region:"), group)
        label.setBuddy(self.sms_region)
        note = NoteLabel(
            translate(
                "SettingsDialog",
                "A phone number typed without + and a country code is read as a number "
                "of this region.",
            ),
            group,
        )
        form = QFormLayout(group)
        form.addRow(label, self.sms_region)
        form.addRow("", note)
        return group

    def _load(self) -> None:
        stored = self._stored
        for combo, value in (
            (self.input_device, stored.input_device or ""),
            (self.output_device, stored.output_device or ""),
            (self.language, stored.language),
        ):
            index = combo.findData(value)
            combo.setCurrentIndex(max(index, 0))
        self.on_language_current_index_changed()

    @property
    def values(self) -> ConsoleSettings:
        return ConsoleSettings(
            input_device=str(self.input_device.currentData()) or None,
            output_device=str(self.output_device.currentData()) or None,
            language=str(self.language.currentData()),
            sms_region=str(self.sms_region.currentData()),
        )

    @property
    def picks_new_language(self) -> bool:
        """The chosen language differs from the stored one (it shows after a restart)."""
        return self.values.language != self._stored.language

    def on_language_current_index_changed(self) -> None:
        self.restart_note.setVisible(self.picks_new_language)
        self._fit_to_contents()

    def _fit_to_contents(self) -> None:
        """Grow (or shrink back) with the note once shown, so its wrapped lines are never
        cut off; before that, showing sizes the dialog to its contents anyway."""
        layout = self.layout()
        if layout is None or not self.isVisible():
            return
        layout.activate()
        self.resize(self.width(), max(self.heightForWidth(self.width()), self.minimumHeight()))

    def on_buttons_accepted(self) -> None:
        values = self.values
        self._settings.setValue(INPUT_KEY, values.input_device or "")
        self._settings.setValue(OUTPUT_KEY, values.output_device or "")
        self._settings.setValue(LANGUAGE_KEY, values.language)
        self._settings.setValue(SMS_REGION_KEY, values.sms_region)
        self.settings_saved.emit(values)
        if self.picks_new_language:
            self.language_changed.emit(values.language)
        self.accept()
