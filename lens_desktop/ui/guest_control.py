"""A second technician (issue 18 point 3): the owner invites a colleague into a live
session, the colleague joins as a GUEST who sees, hears, talks and draws, but does not
run the session (docs/protocol.md, "Second technician").

Here are the widgets of both sides: on the owner's session tab the Invite colleague…
button with the guest's status and its Withdraw / Remove button (``GuestControl``); the
dialog that picks the colleague (``InviteDialog``, the transfer's colleague picker); the
bar over the guest's session list with Join / Decline (``IncomingInvitationBar``, the
transfer's Incoming bar); and on the guest's tab the line that says whose session it is,
with Leave (``GuestVisit``). The window (guest_window.py) answers their signals.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from lens_desktop.net.client import ServerClient
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import SessionInfo, TransferTarget
from lens_desktop.ui.colleague_picker import ColleagueDialog
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate
from lens_desktop.ui.transfer_dialog import IncomingTransferBar
from lens_desktop.ui.widgets import ERROR_STYLE

PERMISSION = "invite_technician"
INVITE_SHORTCUT = QKeySequence("Ctrl+I")
INVITABLE = ("active", "on_hold")
INVITATION_STYLE = (
    "QFrame#incoming_invitation { background: #dcfce7; border: 1px solid #16a34a;"
    " border-radius: 3px; }"
)
GUEST_STYLE = "color: #14532d; font-weight: bold;"
NO_TARGET = QT_TRANSLATE_NOOP("GuestControl", "Choose the colleague to invite.")


def owner_name(session: SessionInfo) -> str:
    """Who runs the session, for the guest's console (a server that does not name the
    owner: "A colleague")."""
    return session.technician_name or translate("GuestControl", "A colleague")


def guest_list_status(session: SessionInfo, technician_id: int | None) -> str | None:
    """The list's Status of a colleague's session this technician is invited into or in
    (None for any other session)."""
    if technician_id is None or not session.guest_of(technician_id) or session.is_final:
        return None
    assert session.guest is not None
    if session.guest.joined:
        return translate("GuestControl", "With {owner}").format(owner=owner_name(session))
    return translate("GuestControl", "Invitation from {owner}").format(owner=owner_name(session))


def guest_tooltip(session: SessionInfo, technician_id: int | None) -> str | None:
    """The list's tooltip of a session with a second technician, from either side."""
    guest = session.guest
    if guest is None or technician_id is None or session.is_final:
        return None
    if session.guest_of(technician_id):
        text = translate("GuestControl", "{owner}'s session: you are with them as a guest.").format(
            owner=owner_name(session)
        )
        return f"{text}\n{guest.comment}" if guest.comment else text
    return owner_status(session)


def owner_status(session: SessionInfo) -> str | None:
    """The owner's words for their guest: "Inviting Bob Jones…", "Bob Jones is with you"."""
    guest = session.guest
    if guest is None:
        return None
    if guest.joined:
        return translate("GuestControl", "{name} is with you").format(name=guest.name)
    return translate("GuestControl", "Inviting {name}…").format(name=guest.name)


class InviteDialog(ColleagueDialog):
    """The colleague picker (colleague_picker.py) that invites a second technician."""

    CONTEXT = "GuestControl"
    NO_TARGET = NO_TARGET

    def _texts(self) -> tuple[str, str, str, str]:
        return (
            translate("GuestControl", "Invite a colleague"),
            translate(
                "GuestControl",
                "Bring a colleague into the session with {name}: they see and hear the "
                "customer, talk and draw with you. The session stays yours.",
            ).format(name=self._session.name),
            translate("GuestControl", "&Invite"),
            translate("GuestControl", "What you would like them to look at"),
        )

    async def _fetch(self, query: str) -> list[TransferTarget]:
        return await self._client.invite_targets(query)

    async def _send(self, to_technician_id: int, comment: str) -> SessionInfo:
        return await self._client.invite_guest(self._session.id, to_technician_id, comment)


class IncomingInvitationBar(IncomingTransferBar):
    """Over the guest's session list: a colleague's invitation with Join / Decline."""

    NAME, STYLE = "incoming_invitation", INVITATION_STYLE

    def __init__(self, technician_id: int, parent: QWidget | None = None) -> None:
        self._technician_id = technician_id
        super().__init__(parent)
        self.accept_button.setToolTip(
            translate("GuestControl", "Join the session: see, hear and help the customer")
        )

    def _button_texts(self) -> tuple[str, str]:
        return translate("GuestControl", "&Join"), translate("GuestControl", "Decli&ne")

    def _offered(self, session: SessionInfo) -> bool:
        guest = session.guest
        return session.guest_of(self._technician_id) and guest is not None and not guest.joined

    def _describe(self, session: SessionInfo) -> str:
        assert session.guest is not None
        text = translate("GuestControl", "{owner} invites you to join '{name}'").format(
            owner=owner_name(session), name=session.name
        )
        comment = session.guest.comment
        return f"{text}: {comment}" if comment else f"{text}."


class GuestControl(QObject):
    """The owner's side on the session tab: Invite colleague… (off, with the reason,
    without ``invite_technician``, outside active / on hold, or with a guest already),
    the guest's status, and Withdraw / Remove."""

    def __init__(
        self,
        parent: QWidget,
        client: ServerClient,
        allowed: bool,
        session: Callable[[], SessionInfo],
        spawn: Callable[[Coroutine[Any, Any, Any]], Any],
    ) -> None:
        super().__init__(parent)
        self._parent = parent
        self._client = client
        self._allowed = allowed
        self._session = session
        self._spawn = spawn
        self.dialog: InviteDialog | None = None
        self.button = QToolButton(parent)
        self.button.setText(translate("GuestControl", "&Invite…"))  # the row is full
        self.button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        # The guest's line, under the controls (their row is full), while there is one.
        self.line = QWidget(parent)
        self.status = QLabel(self.line)
        self.status.setStyleSheet(GUEST_STYLE)
        self.remove_button = QPushButton(self.line)
        self.error = QLabel(self.line)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        row = QHBoxLayout(self.line)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.status)
        row.addWidget(self.remove_button)
        row.addWidget(self.error, 1)
        row.addStretch(1)
        self.button.clicked.connect(self.on_button_clicked)
        self.remove_button.clicked.connect(self.on_remove_button_clicked)
        self.session_changed(session())

    @property
    def can_invite(self) -> bool:
        return self.button.isEnabled()

    def widgets(self) -> list[QWidget]:
        """The owner's tab puts the button in its controls row and the line under it."""
        return [self.button, self.line]

    def session_changed(self, session: SessionInfo) -> None:
        tip = self._refusal(session)
        self.button.setEnabled(tip is None)
        self.button.setToolTip(
            tip
            or translate(
                "GuestControl",
                "Invite a colleague into this session to see, hear and help ({key})",
            ).format(key=INVITE_SHORTCUT.toString(QKeySequence.SequenceFormat.NativeText))
        )
        guest = session.guest
        self.status.setText(owner_status(session) or "")
        self.status.setVisible(guest is not None)
        self.remove_button.setVisible(guest is not None)
        self.line.setVisible(guest is not None)
        if guest is not None:
            self.error.hide()
            self.remove_button.setText(
                translate("GuestControl", "Rem&ove")
                if guest.joined
                else translate("GuestControl", "With&draw")
            )
            self.remove_button.setToolTip(
                translate("GuestControl", "End {name}'s visit: they leave the session").format(
                    name=guest.name
                )
                if guest.joined
                else translate("GuestControl", "Take the invitation back")
            )

    def _refusal(self, session: SessionInfo) -> str | None:
        """Why Invite is off now, in words (None: it is on)."""
        if not self._allowed:
            return translate(
                "GuestControl",
                "Your group is not allowed to invite colleagues into a session "
                "(permission invite_technician).",
            )
        if session.guest is not None:
            return translate("GuestControl", "One colleague at a time: {status}.").format(
                status=owner_status(session)
            )
        if session.state not in INVITABLE:
            return translate(
                "GuestControl", "A colleague can join only while the session is active or on hold."
            )
        return None

    def on_button_clicked(self) -> None:
        if not self.can_invite or self.dialog is not None:
            return
        dialog = InviteDialog(self._client, self._session(), self._parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self.on_dialog_finished)
        self.dialog = dialog
        dialog.open()

    def on_dialog_finished(self) -> None:
        self.dialog = None

    def on_remove_button_clicked(self) -> None:
        if self._session().guest is not None:
            self._spawn(self._remove(self._session()))

    async def _remove(self, session: SessionInfo) -> None:
        self.remove_button.setEnabled(False)
        try:
            await self._client.remove_guest(session.id)
        except (ApiError, ServerUnreachable) as exc:
            self.error.setText(describe_error(exc))
            self.error.show()
            self.line.show()
        finally:
            self.remove_button.setEnabled(True)

    async def close(self) -> None:
        if self.dialog is not None:
            dialog, self.dialog = self.dialog, None
            await dialog.close_tasks()
            dialog.reject()


class GuestVisit(QObject):
    """On the guest's tab: whose session this is, and Leave."""

    leave_requested = Signal()

    def __init__(self, parent: QWidget, session: SessionInfo) -> None:
        super().__init__(parent)
        self.label = QLabel(parent)
        self.label.setStyleSheet(GUEST_STYLE)
        self.leave_button = QPushButton(translate("GuestControl", "L&eave"), parent)
        self.leave_button.setToolTip(
            translate(
                "GuestControl",
                "Leave the colleague's session; it goes on for them and the customer",
            )
        )
        self.leave_button.clicked.connect(self.leave_requested)
        self.session_changed(session)

    def widgets(self) -> list[QWidget]:
        return [self.label, self.leave_button]

    def session_changed(self, session: SessionInfo) -> None:
        self.label.setText(
            translate("GuestControl", "Guest in {owner}'s session").format(
                owner=owner_name(session)
            )
        )
