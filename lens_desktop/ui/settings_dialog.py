"""Settings: sound devices, the interface language, the chat's canned replies and
the snapshots' folder, kept in QSettings.

The device lists come from ``AudioEngine.probe()``; "System default" stores an empty
value so a technician who never chose keeps following the operating system's choice.
The same holds for the language (``language.choose_language`` reads it at start-up);
the console is translated once, before its first window, so a new language shows after
a restart, which the dialog says as soon as another language is picked.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QDir, QSettings, QStandardPaths, Qt, Signal
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
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.ui.chat_panel import CHAT_MAX, default_replies
from lens_desktop.ui.language import interface_language, translate
from lens_desktop.ui.phone import regions, system_region
from lens_desktop.ui.widgets import InlineError, NoteLabel

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioStatus

SYSTEM_DEFAULT = QT_TRANSLATE_NOOP("SettingsDialog", "System default")
UI_LANGUAGES = (("English", "en"), ("Nederlands", "nl"))
"""Each language named in itself, so a technician finds theirs whatever is showing."""
INPUT_KEY = "audio/input_device"
OUTPUT_KEY = "audio/output_device"
LANGUAGE_KEY = "ui/language"
CHAT_REPLIES_KEY = "chat/replies"
"""A JSON list of strings; absent until the technician saves their own list."""
RECORDINGS_KEY = "recording/folder"
"""Where session recordings go; empty: ``default_recordings_folder()``."""


def default_recordings_folder() -> str:
    """The system's videos folder (Movies, Videos) + ``/Lens``."""
    movies = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.MoviesLocation)
    return f"{movies}/Lens"


def load_recordings_folder(settings: QSettings) -> str:
    return str(settings.value(RECORDINGS_KEY, "") or "") or default_recordings_folder()


SNAPSHOT_FOLDER_KEY = "snapshots/folder"


def default_snapshot_folder() -> str:
    """The user's Pictures folder + "/Lens" (created when the first snapshot is saved)."""
    pictures = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.PicturesLocation
    ) or QDir.home().filePath("Pictures")
    return QDir.toNativeSeparators(QDir(pictures).filePath("Lens"))


SMS_REGION_KEY = "sms/default_region"


@dataclass(frozen=True)
class ConsoleSettings:
    """The stored choices; None devices and an empty language mean the system's."""

    input_device: str | None
    output_device: str | None
    language: str
    chat_replies: tuple[str, ...] = ()
    """The chat's canned replies; the translated defaults until the technician saves."""
    snapshot_folder: str = ""
    """Where snapshots are saved (issue 15 point 2); load_settings fills the default."""
    sms_region: str = ""
    """Where a phone number without + and a country code is read ("NL"); "" for none.
    Never chosen: the system locale's region."""
    recordings_folder: str = ""
    """Where session recordings are written (the default folder when never chosen)."""


def load_settings(settings: QSettings) -> ConsoleSettings:
    return ConsoleSettings(
        input_device=str(settings.value(INPUT_KEY, "") or "") or None,
        output_device=str(settings.value(OUTPUT_KEY, "") or "") or None,
        language=str(settings.value(LANGUAGE_KEY, "") or ""),
        chat_replies=load_chat_replies(settings),
        snapshot_folder=str(settings.value(SNAPSHOT_FOLDER_KEY, "") or "")
        or default_snapshot_folder(),
        sms_region=_stored_sms_region(settings),
        recordings_folder=load_recordings_folder(settings),
    )


def load_chat_replies(settings: QSettings) -> tuple[str, ...]:
    """The stored replies, or the defaults in the interface language when none are
    stored (or the stored value is not a list of strings)."""
    try:
        stored = json.loads(str(settings.value(CHAT_REPLIES_KEY, "") or ""))
    except ValueError:
        return default_replies()
    if not isinstance(stored, list) or not all(isinstance(r, str) for r in stored):
        return default_replies()
    return tuple(stored)


def parse_replies(text: str) -> tuple[str, ...]:
    """One reply per line; surrounding spaces and empty lines dropped."""
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def validate_replies(replies: tuple[str, ...]) -> str | None:
    """Why the list cannot be saved, or None."""
    for number, reply in enumerate(replies, 1):
        if len(reply) > CHAT_MAX:
            return translate(
                "SettingsDialog",
                "Reply {number} is too long ({count} characters; at most {limit}).",
            ).format(number=number, count=len(reply), limit=CHAT_MAX)
    return None


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
        self._build_chat_replies(layout)
        layout.insertWidget(layout.indexOf(self.buttons), self._snapshot_group())
        layout.insertWidget(layout.indexOf(self.buttons), self._sms_group())
        self._build_recordings(layout)

    def _build_chat_replies(self, layout: QVBoxLayout) -> None:
        """The chat's canned replies (issue 15): one per line, with a way back to the
        defaults. Placed above the dialog's buttons."""
        box = QGroupBox(translate("SettingsDialog", "Chat replies"), self)
        self.chat_replies = QPlainTextEdit(box)
        self.chat_replies.setAccessibleName(translate("SettingsDialog", "Chat replies"))
        self.chat_replies.setToolTip(
            translate("SettingsDialog", "Replies to pick in a session's chat, one per line")
        )
        self.chat_replies.setTabChangesFocus(True)
        self.chat_replies.setMinimumHeight(110)
        self.chat_replies.setPlainText("\n".join(self._stored.chat_replies))
        self.chat_replies_default = QPushButton(
            translate("SettingsDialog", "Restore &defaults"), box
        )
        self.chat_replies_default.clicked.connect(self.on_chat_replies_default_clicked)
        self.chat_replies_error = InlineError(box)
        inner = QVBoxLayout(box)
        inner.addWidget(
            NoteLabel(
                translate(
                    "SettingsDialog",
                    "One reply per line. In a session, pick one to edit it before sending.",
                ),
                box,
            )
        )
        inner.addWidget(self.chat_replies)
        inner.addWidget(self.chat_replies_error)
        inner.addWidget(self.chat_replies_default, 0, Qt.AlignmentFlag.AlignLeft)
        layout.insertWidget(layout.indexOf(self.buttons), box)

    def _build_recordings(self, layout: QVBoxLayout) -> None:
        """Where the session recordings go (issue 15): a folder, with a way to pick one.
        Placed above the dialog's buttons."""
        box = QGroupBox(translate("SettingsDialog", "Recordings"), self)
        self.recordings_folder = QLineEdit(self._stored.recordings_folder, box)
        self.recordings_folder.setAccessibleName(translate("SettingsDialog", "Recordings folder"))
        self.recordings_folder.setToolTip(
            translate("SettingsDialog", "Recordings of sessions are saved in this folder")
        )
        self.recordings_choose = QPushButton(translate("SettingsDialog", "C&hoose…"), box)
        self.recordings_choose.clicked.connect(self.on_recordings_choose_clicked)
        row = QHBoxLayout()
        row.addWidget(self.recordings_folder, 1)
        row.addWidget(self.recordings_choose)
        inner = QVBoxLayout(box)
        label = QLabel(translate("SettingsDialog", "Save recordings &in:"), box)
        label.setBuddy(self.recordings_folder)
        inner.addWidget(label)
        inner.addLayout(row)
        layout.insertWidget(layout.indexOf(self.buttons), box)

    def on_recordings_choose_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, translate("SettingsDialog", "Recordings folder"), self.recordings_folder.text()
        )
        if folder:
            self.recordings_folder.setText(folder)

    def on_chat_replies_default_clicked(self) -> None:
        self.chat_replies.setPlainText("\n".join(default_replies()))

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
            chat_replies=parse_replies(self.chat_replies.toPlainText()),
            snapshot_folder=self.snapshot_folder.text().strip() or default_snapshot_folder(),
            sms_region=str(self.sms_region.currentData()),
            recordings_folder=self.recordings_folder.text().strip() or default_recordings_folder(),
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
        problem = validate_replies(values.chat_replies)
        self.chat_replies_error.show_error(problem)
        if problem:
            return
        self._settings.setValue(CHAT_REPLIES_KEY, json.dumps(list(values.chat_replies)))
        self._settings.setValue(INPUT_KEY, values.input_device or "")
        self._settings.setValue(OUTPUT_KEY, values.output_device or "")
        self._settings.setValue(LANGUAGE_KEY, values.language)
        self._settings.setValue(SNAPSHOT_FOLDER_KEY, values.snapshot_folder)
        self._settings.setValue(SMS_REGION_KEY, values.sms_region)
        self._settings.setValue(RECORDINGS_KEY, values.recordings_folder)
        self.settings_saved.emit(values)
        if self.picks_new_language:
            self.language_changed.emit(values.language)
        self.accept()
