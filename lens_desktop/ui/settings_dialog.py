"""Settings: sound devices, the interface language and the snapshots' folder, kept in
QSettings.

The device lists come from ``AudioEngine.probe()``; "System default" stores an empty
value so a technician who never chose keeps following the operating system's choice.
The same holds for the language (``language.choose_language`` reads it at start-up);
the console is translated once, before its first window, so a new language shows after
a restart, which the dialog says as soon as another language is picked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDir, QSettings, QStandardPaths, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.ui.language import translate
from lens_desktop.ui.widgets import NoteLabel

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioStatus

SYSTEM_DEFAULT = QT_TRANSLATE_NOOP("SettingsDialog", "System default")
UI_LANGUAGES = (("English", "en"), ("Nederlands", "nl"))
"""Each language named in itself, so a technician finds theirs whatever is showing."""
INPUT_KEY = "audio/input_device"
OUTPUT_KEY = "audio/output_device"
LANGUAGE_KEY = "ui/language"
SNAPSHOT_FOLDER_KEY = "snapshots/folder"


def default_snapshot_folder() -> str:
    """The user's Pictures folder + "/Lens" (created when the first snapshot is saved)."""
    pictures = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.PicturesLocation
    ) or QDir.home().filePath("Pictures")
    return QDir.toNativeSeparators(QDir(pictures).filePath("Lens"))


@dataclass(frozen=True)
class ConsoleSettings:
    """The stored choices; None devices and an empty language mean the system's."""

    input_device: str | None
    output_device: str | None
    language: str
    snapshot_folder: str = ""
    """Where snapshots are saved (issue 15 point 2); load_settings fills the default."""


def load_settings(settings: QSettings) -> ConsoleSettings:
    return ConsoleSettings(
        input_device=str(settings.value(INPUT_KEY, "") or "") or None,
        output_device=str(settings.value(OUTPUT_KEY, "") or "") or None,
        language=str(settings.value(LANGUAGE_KEY, "") or ""),
        snapshot_folder=str(settings.value(SNAPSHOT_FOLDER_KEY, "") or "")
        or default_snapshot_folder(),
    )


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
        layout.insertWidget(layout.indexOf(self.buttons), self._snapshot_group())

    def _snapshot_group(self) -> QGroupBox:
        """Snapshots: the folder they are saved in, typed or picked."""
        group = QGroupBox(translate("SettingsDialog", "Snapshots"), self)
        self.snapshot_folder = QLineEdit(self._stored.snapshot_folder, group)
        self.snapshot_folder.setPlaceholderText(default_snapshot_folder())
        self.snapshot_folder.setToolTip(
            translate("SettingsDialog", "Created when the first snapshot is saved")
        )
        self.snapshot_browse = QPushButton(translate("SettingsDialog", "&Browse…"), group)
        self.snapshot_browse.clicked.connect(self.on_snapshot_browse_clicked)
        label = QLabel(translate("SettingsDialog", "Save in &folder:"), group)
        label.setBuddy(self.snapshot_folder)
        row = QHBoxLayout(group)
        row.addWidget(label)
        row.addWidget(self.snapshot_folder, 1)
        row.addWidget(self.snapshot_browse)
        return group

    def on_snapshot_browse_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, translate("SettingsDialog", "Folder for snapshots"), self.snapshot_folder.text()
        )
        if folder:
            self.snapshot_folder.setText(QDir.toNativeSeparators(folder))

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
            snapshot_folder=self.snapshot_folder.text().strip() or default_snapshot_folder(),
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
        self._settings.setValue(SNAPSHOT_FOLDER_KEY, values.snapshot_folder)
        self.settings_saved.emit(values)
        if self.picks_new_language:
            self.language_changed.emit(values.language)
        self.accept()
