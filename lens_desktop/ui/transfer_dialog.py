"""Transfer (issue 18): the dialog that hands a session to a colleague, and the bar
over the session list that shows a colleague's transfer to you with Accept / Decline.

The dialog (the colleague picker of colleague_picker.py) searches the server's transfer
targets as the technician types (online ones first, each marked online or offline and
busy), takes a comment and asks the server; the session then shows as "Transferring" until the colleague answers
(docs/protocol.md, "Transfer").
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from lens_desktop.net.client import ServerClient
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import SessionInfo, TransferTarget
from lens_desktop.ui.colleague_picker import ColleagueDialog, ColleagueValues, validate_colleague
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate

INCOMING_STYLE = (
    "QFrame#incoming_transfer { background: #dbeafe; border: 1px solid #3b82f6;"
    " border-radius: 3px; }"
)
NO_TARGET = QT_TRANSLATE_NOOP("TransferDialog", "Choose the colleague to transfer to.")

TransferValues = ColleagueValues


def validate_transfer(values: TransferValues) -> str | None:
    """The English source text of what is wrong (translate it to show), or None."""
    return validate_colleague(values, NO_TARGET)


def transfer_status(session: SessionInfo, technician_id: int | None) -> str | None:
    """The list's Status text of a transfer: incoming to this technician, or outgoing."""
    transfer = session.transfer
    if session.state != "transferring" or transfer is None:
        return None
    if technician_id is not None and transfer.to_technician_id == technician_id:
        return translate("TransferDialog", "Incoming from {name}").format(name=transfer.from_name)
    return translate("TransferDialog", "Transferring to {name}").format(name=transfer.to_name)


class TransferDialog(ColleagueDialog):
    """The colleague picker (colleague_picker.py) that hands the session over."""

    NO_TARGET = NO_TARGET

    def _texts(self) -> tuple[str, str, str, str]:
        return (
            translate("TransferDialog", "Transfer session"),
            translate(
                "TransferDialog",
                "Hand the session with {name} to a colleague. They see your comment and "
                "accept or decline; until then the session stays with you.",
            ).format(name=self._session.name),
            translate("TransferDialog", "&Transfer"),
            translate("TransferDialog", "What the customer needs, what you tried"),
        )

    async def _fetch(self, query: str) -> list[TransferTarget]:
        return await self._client.transfer_targets(query)

    async def _send(self, to_technician_id: int, comment: str) -> SessionInfo:
        return await self._client.transfer(self._session.id, to_technician_id, comment)


class IncomingTransferBar(QFrame):
    """Over the session list: a colleague's transfer to you, their comment, and the
    two answers. Shows the oldest of the incoming transfers; hidden when none."""

    accept_requested = Signal(str)
    decline_requested = Signal(str)

    NAME, STYLE = "incoming_transfer", INCOMING_STYLE

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(self.NAME)
        self.setStyleSheet(self.STYLE)
        self._session_id = ""
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        accept, decline = self._button_texts()
        self.accept_button = QPushButton(accept, self)
        self.decline_button = QPushButton(decline, self)
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

    # -- what a subclass for another offer changes (guest_control.py's invitation) -------

    def _button_texts(self) -> tuple[str, str]:
        return translate("TransferDialog", "&Accept"), translate("TransferDialog", "&Decline")

    def _offered(self, session: SessionInfo) -> bool:
        return session.transfer is not None

    def _describe(self, session: SessionInfo) -> str:
        assert session.transfer is not None
        text = translate(
            "TransferDialog", "Incoming transfer from {sender}: the session with {name}."
        ).format(sender=session.transfer.from_name, name=session.name)
        if session.transfer.comment:
            text += "\n" + translate("TransferDialog", "Comment: {comment}").format(
                comment=session.transfer.comment
            )
        return text

    def show_incoming(self, sessions: list[SessionInfo], busy: bool = False) -> None:
        """``sessions``: the incoming offers (oldest first); ``busy``: an answer is
        on its way, so the buttons wait."""
        incoming = [s for s in sessions if self._offered(s)]
        if not incoming:
            self._session_id = ""
            self.hide()
            return
        session = incoming[0]
        self._session_id = session.id
        text = self._describe(session)
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
        if session.guest is not None and not pending:  # the server refuses: guest_present
            self.button.setEnabled(False)
            self.button.setToolTip(
                translate(
                    "TransferDialog",
                    "A colleague is invited into this session or in it: remove them "
                    "before you transfer it.",
                )
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
