"""The dialog that picks a colleague for a session: the transfer (issue 18 point 2) hands
the session over, the invitation (issue 18 point 3) brings a second technician in.

Both search the server's colleagues as the technician types (online ones first, each
marked online or offline and busy), take a comment and send one call; a subclass says
which words, which list and which call. The shared texts keep the translation context
"TransferDialog", where they began.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.net.client import ServerClient
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import SessionInfo, TransferTarget
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.widgets import InlineError, NoteLabel

COMMENT_MAX = 500
SEARCH_DELAY_MS = 250
ONLINE_COLOUR = QColor("#1e7b34")
OFFLINE_COLOUR = QColor("#7a7a7a")
TOO_LONG = QT_TRANSLATE_NOOP("TransferDialog", "The comment is too long (500 characters).")


@dataclass(frozen=True)
class ColleagueValues:
    to_technician_id: int | None
    comment: str


def validate_colleague(values: ColleagueValues, no_target: str) -> str | None:
    """The English source text of what is wrong (translate it to show), or None;
    ``no_target`` is the dialog's own words for a missing choice."""
    if values.to_technician_id is None:
        return no_target
    if len(values.comment) > COMMENT_MAX:
        return TOO_LONG
    return None


def target_text(target: TransferTarget) -> str:
    """One line of the list: name, address, and whether they can pick it up now."""
    presence = (
        translate("TransferDialog", "online")
        if target.online
        else translate("TransferDialog", "offline")
    )
    busy = translate("TransferDialog", ", busy") if target.busy else ""
    return f"{target.display_name} <{target.email}> — {presence}{busy}"


class ColleagueDialog(QDialog):
    """Values -> validate() (inline error) -> the server -> ``sent`` -> accept().

    A subclass gives ``CONTEXT`` (its translation context), ``NO_TARGET`` (source text)
    and the words of ``_texts``, and does the work in ``_fetch`` and ``_send``."""

    sent = Signal(object)
    """The server took the request: the session as it is now (SessionInfo)."""

    CONTEXT = "TransferDialog"
    NO_TARGET = ""

    def __init__(self, client: ServerClient, session: SessionInfo, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._client = client
        self._session = session
        self._tasks = TaskOwner(f"{type(self).__name__.lower()}")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        title, intro, button, placeholder = self._texts()
        self.setWindowTitle(title)
        self._build(intro, button, placeholder)
        self._connect_signals()
        self._search()

    # -- what a subclass gives ---------------------------------------------------------

    def _texts(self) -> tuple[str, str, str, str]:
        """Translated: the title, the intro, the send button and the comment's hint."""
        raise NotImplementedError

    async def _fetch(self, query: str) -> list[TransferTarget]:
        raise NotImplementedError

    async def _send(self, to_technician_id: int, comment: str) -> SessionInfo:
        raise NotImplementedError

    # -- layout ------------------------------------------------------------------------

    def _build(self, intro_text: str, button: str, placeholder: str) -> None:
        intro = NoteLabel(intro_text, self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(translate("TransferDialog", "Name or email address"))
        self.search.setClearButtonEnabled(True)
        self.targets = QListWidget(self)
        self.targets.setAccessibleName(translate("TransferDialog", "Colleagues"))
        self.targets.setMinimumHeight(160)
        # The choice stays plain to see while the comment is typed (unfocused list).
        self.targets.setStyleSheet(
            "QListWidget::item:selected { background: #cfe3ff; color: #000000; }"
        )
        self.comment = QPlainTextEdit(self)
        self.comment.setPlaceholderText(placeholder)
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(80)
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(self)
        self.send_button: QPushButton = self.buttons.addButton(
            button, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.send_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        form = QFormLayout()
        form.addRow(translate("TransferDialog", "&Search:"), self.search)
        form.addRow(translate("TransferDialog", "C&olleague:"), self.targets)
        form.addRow(translate("TransferDialog", "&Comment:"), self.comment)
        for field in (self.search, self.targets, self.comment):
            label = form.labelForField(field)
            if isinstance(label, QLabel):
                label.setBuddy(field)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(480, 420)

    def _connect_signals(self) -> None:
        self.search.textChanged.connect(self.on_search_text_changed)
        self._search_timer.timeout.connect(self._search)
        self.targets.itemDoubleClicked.connect(self.on_send_clicked)
        self.buttons.accepted.connect(self.on_send_clicked)
        self.buttons.rejected.connect(self.reject)

    # -- values ------------------------------------------------------------------------

    @property
    def values(self) -> ColleagueValues:
        # The selected colleague (Space or a click picks one; arrows move the choice).
        chosen = self.targets.selectedItems()
        target = chosen[0].data(Qt.ItemDataRole.UserRole) if chosen else None
        return ColleagueValues(
            target.id if isinstance(target, TransferTarget) else None,
            self.comment.toPlainText().strip(),
        )

    def validate(self) -> bool:
        problem = validate_colleague(self.values, self.NO_TARGET)
        context = self.CONTEXT if problem == self.NO_TARGET else "TransferDialog"
        self.error.show_error(translate(context, problem) if problem else None)
        return problem is None

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    async def close_tasks(self) -> None:
        await self._tasks.close()

    # -- slots -------------------------------------------------------------------------

    def on_search_text_changed(self, text: str) -> None:
        del text
        self._search_timer.start()

    def on_send_clicked(self) -> None:
        if not self._tasks.busy and self.validate():
            self._tasks.spawn(self._send_values(self.values))

    # -- work --------------------------------------------------------------------------

    def _search(self) -> None:
        self._tasks.spawn(self._load_targets(self.search.text()))

    async def _load_targets(self, query: str) -> None:
        try:
            targets = await self._fetch(query)
        except (ApiError, ServerUnreachable) as exc:
            self.error.show_error(describe_error(exc))
            return
        if query != self.search.text():
            return  # the technician typed on; a newer search is on its way
        self.show_targets(targets)

    def show_targets(self, targets: list[TransferTarget]) -> None:
        chosen = self.values.to_technician_id
        self.targets.clear()
        for target in targets:
            item = QListWidgetItem(target_text(target), self.targets)
            item.setData(Qt.ItemDataRole.UserRole, target)
            item.setForeground(ONLINE_COLOUR if target.online else OFFLINE_COLOUR)
            if target.id == chosen:
                item.setSelected(True)
        if not targets:
            QListWidgetItem(translate("TransferDialog", "No colleague found."), self.targets)
            self.targets.item(0).setFlags(Qt.ItemFlag.NoItemFlags)

    async def _send_values(self, values: ColleagueValues) -> None:
        assert values.to_technician_id is not None
        self.send_button.setEnabled(False)
        try:
            changed = await self._send(values.to_technician_id, values.comment)
        except (ApiError, ServerUnreachable) as exc:
            self.error.show_error(describe_error(exc))
            self.send_button.setEnabled(True)
            return
        self.sent.emit(changed)
        self.accept()
