"""Transfer (issue 18): the dialog that hands a session to a colleague, and the bar
over the session list that shows a colleague's transfer to you with Accept / Decline.

The dialog searches the server's transfer targets as the technician types (online
ones first, each marked online or offline and busy), takes a comment and asks the
server; the session then shows as "Transferring" until the colleague answers
(docs/protocol.md, "Transfer").
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
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
INCOMING_STYLE = (
    "QFrame#incoming_transfer { background: #dbeafe; border: 1px solid #3b82f6;"
    " border-radius: 3px; }"
)
NO_TARGET = QT_TRANSLATE_NOOP("TransferDialog", "Choose the colleague to transfer to.")


@dataclass(frozen=True)
class TransferValues:
    to_technician_id: int | None
    comment: str


def validate_transfer(values: TransferValues) -> str | None:
    """The English source text of what is wrong (translate it to show), or None."""
    if values.to_technician_id is None:
        return NO_TARGET
    if len(values.comment) > COMMENT_MAX:
        return QT_TRANSLATE_NOOP("TransferDialog", "The comment is too long (500 characters).")
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


def transfer_status(session: SessionInfo, technician_id: int | None) -> str | None:
    """The list's Status text of a transfer: incoming to this technician, or outgoing."""
    transfer = session.transfer
    if session.state != "transferring" or transfer is None:
        return None
    if technician_id is not None and transfer.to_technician_id == technician_id:
        return translate("TransferDialog", "Incoming from {name}").format(name=transfer.from_name)
    return translate("TransferDialog", "Transferring to {name}").format(name=transfer.to_name)


class TransferDialog(QDialog):
    """Values -> validate() (inline error) -> the server -> ``transferred`` -> accept()."""

    transferred = Signal(object)
    """The server took the transfer: the session as it is now (SessionInfo)."""

    def __init__(self, client: ServerClient, session: SessionInfo, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._client = client
        self._session = session
        self._tasks = TaskOwner("transfer-dialog")
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self.setWindowTitle(translate("TransferDialog", "Transfer session"))
        self._build()
        self._connect_signals()
        self._search()

    def _build(self) -> None:
        intro = NoteLabel(
            translate(
                "TransferDialog",
                "Hand the session with {name} to a colleague. They see your comment and "
                "accept or decline; until then the session stays with you.",
            ).format(name=self._session.name),
            self,
        )
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
        self.comment.setPlaceholderText(
            translate("TransferDialog", "What the customer needs, what you tried")
        )
        self.comment.setTabChangesFocus(True)
        self.comment.setFixedHeight(80)
        self.error = InlineError(self)
        self.buttons = QDialogButtonBox(self)
        self.transfer_button = self.buttons.addButton(
            translate("TransferDialog", "&Transfer"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.transfer_button.setDefault(True)
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
        self.targets.itemDoubleClicked.connect(self.on_transfer_clicked)
        self.buttons.accepted.connect(self.on_transfer_clicked)
        self.buttons.rejected.connect(self.reject)

    # -- values ------------------------------------------------------------------------

    @property
    def values(self) -> TransferValues:
        # The selected colleague (Space or a click picks one; arrows move the choice).
        chosen = self.targets.selectedItems()
        target = chosen[0].data(Qt.ItemDataRole.UserRole) if chosen else None
        return TransferValues(
            target.id if isinstance(target, TransferTarget) else None,
            self.comment.toPlainText().strip(),
        )

    def validate(self) -> bool:
        problem = validate_transfer(self.values)
        self.error.show_error(translate("TransferDialog", problem) if problem else None)
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

    def on_transfer_clicked(self) -> None:
        if not self._tasks.busy and self.validate():
            self._tasks.spawn(self._transfer(self.values))

    # -- work --------------------------------------------------------------------------

    def _search(self) -> None:
        self._tasks.spawn(self._load_targets(self.search.text()))

    async def _load_targets(self, query: str) -> None:
        try:
            targets = await self._client.transfer_targets(query)
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

    async def _transfer(self, values: TransferValues) -> None:
        assert values.to_technician_id is not None
        self.transfer_button.setEnabled(False)
        try:
            changed = await self._client.transfer(
                self._session.id, values.to_technician_id, values.comment
            )
        except (ApiError, ServerUnreachable) as exc:
            self.error.show_error(describe_error(exc))
            self.transfer_button.setEnabled(True)
            return
        self.transferred.emit(changed)
        self.accept()


class IncomingTransferBar(QFrame):
    """Over the session list: a colleague's transfer to you, their comment, and the
    two answers. Shows the oldest of the incoming transfers; hidden when none."""

    accept_requested = Signal(str)
    decline_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("incoming_transfer")
        self.setStyleSheet(INCOMING_STYLE)
        self._session_id = ""
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.accept_button = QPushButton(translate("TransferDialog", "&Accept"), self)
        self.decline_button = QPushButton(translate("TransferDialog", "&Decline"), self)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)
        layout.addWidget(self.decline_button)
        self.accept_button.clicked.connect(self.on_accept_button_clicked)
        self.decline_button.clicked.connect(self.on_decline_button_clicked)
        self.hide()

    @property
    def session_id(self) -> str:
        return self._session_id

    def show_incoming(self, sessions: list[SessionInfo], busy: bool = False) -> None:
        """``sessions``: the incoming transfers (oldest first); ``busy``: an answer is
        on its way, so the buttons wait."""
        incoming = [s for s in sessions if s.transfer is not None]
        if not incoming:
            self._session_id = ""
            self.hide()
            return
        session = incoming[0]
        assert session.transfer is not None
        self._session_id = session.id
        text = translate(
            "TransferDialog", "Incoming transfer from {sender}: the session with {name}."
        ).format(sender=session.transfer.from_name, name=session.name)
        if session.transfer.comment:
            text += "\n" + translate("TransferDialog", "Comment: {comment}").format(
                comment=session.transfer.comment
            )
        if len(incoming) > 1:
            text += "\n" + translate("TransferDialog", "{count} more waiting.").format(
                count=len(incoming) - 1
            )
        self.text.setText(text)
        self.accept_button.setEnabled(not busy)
        self.decline_button.setEnabled(not busy)
        self.show()

    def on_accept_button_clicked(self) -> None:
        if self._session_id:
            self.accept_requested.emit(self._session_id)

    def on_decline_button_clicked(self) -> None:
        if self._session_id:
            self.decline_requested.emit(self._session_id)


class TransferControl:
    """The session tab's Transfer button: opens the dialog, or cancels the transfer
    while one waits for its answer. Off, with the reason, without the group's
    ``transfer_sessions`` permission."""

    def __init__(
        self,
        parent: QWidget,
        client: ServerClient,
        allowed: bool,
        session: Callable[[], SessionInfo],
        spawn: Callable[[Coroutine[Any, Any, Any]], Any],
    ) -> None:
        self._parent = parent
        self._client = client
        self._allowed = allowed
        self._session = session
        self._spawn = spawn
        self.dialog: TransferDialog | None = None
        self.button = QToolButton(parent)
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.button.clicked.connect(self.on_button_clicked)
        self.session_changed(session())

    def session_changed(self, session: SessionInfo) -> None:
        pending = session.state == "transferring"
        self.button.setText(
            translate("TransferDialog", "Cancel transf&er")
            if pending
            else translate("TransferDialog", "Transf&er…")
        )
        if not self._allowed:
            self.button.setEnabled(False)
            self.button.setToolTip(
                translate("TransferDialog", "Your group is not allowed to transfer sessions.")
            )
            return
        self.button.setEnabled(session.state in ("active", "on_hold", "transferring"))
        self.button.setToolTip(
            translate("TransferDialog", "Take the transfer back before it is answered")
            if pending
            else translate("TransferDialog", "Hand this session to a colleague, with a comment")
        )

    def on_button_clicked(self) -> None:
        session = self._session()
        if session.state == "transferring":
            self._spawn(self._cancel(session))
            return
        dialog = TransferDialog(self._client, session, self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self.on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def on_dialog_finished(self) -> None:
        self.dialog = None

    async def _cancel(self, session: SessionInfo) -> None:
        try:
            await self._client.cancel_transfer(session.id)
        except (ApiError, ServerUnreachable) as exc:
            self.button.setToolTip(describe_error(exc))

    async def close(self) -> None:
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            await dialog.close_tasks()
            dialog.reject()
