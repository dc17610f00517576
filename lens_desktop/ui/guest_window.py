"""The main window's part in a second technician (issue 18 point 3), kept out of
main_window.py: the Session menu's Invite colleague… (Ctrl+I, for the session on the
current tab), the invitation bar with Join / Decline, the guest's tab (opened in guest
mode on Join, Leave on its button or its close button) and what a push that clears the
guest does on the guest's console: the row goes, the tab closes, and it says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QStyle, QTabBar, QToolButton

from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.guest_control import INVITE_SHORTCUT, IncomingInvitationBar, owner_name
from lens_desktop.ui.language import translate
from lens_desktop.ui.session_tab import SessionTab

if TYPE_CHECKING:
    from lens_desktop.ui.main_window import MainWindow

VISIT_ENDED = QT_TRANSLATE_NOOP("GuestWindow", "{owner} ended your visit to '{name}'.")
SESSION_ENDED = QT_TRANSLATE_NOOP("GuestWindow", "The session with {name} ended.")
INVITATION_GONE = QT_TRANSLATE_NOOP(
    "GuestWindow",
    "The invitation to '{name}' is no longer open: {owner} withdrew it or it expired.",
)
LEFT = QT_TRANSLATE_NOOP("GuestWindow", "You left {owner}'s session with {name}.")


class GuestWindowPart(QObject):
    """Owned by the window; the window calls ``seen`` on every push and snapshot."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._me = window.services.technician.id
        self._known: dict[str, SessionInfo] = {}
        """The colleagues' sessions this console is a guest in (or invited to)."""
        self._leaving: set[str] = set()
        """Left or declined here: the push that clears the guest needs no explanation."""
        self._gone: set[str] = set()
        """Guest sessions cleared here: a later push or answer about them is not news."""
        self.bar = IncomingInvitationBar(self._me)
        self.invite_action = QAction(translate("GuestWindow", "&Invite colleague…"), window)
        self.invite_action.setShortcut(INVITE_SHORTCUT)
        self.invite_action.setStatusTip(
            translate("GuestWindow", "Bring a colleague into the session on the current tab")
        )
        self.invite_action.triggered.connect(self.on_invite_action_triggered)
        self.bar.accept_requested.connect(self.on_bar_accept_requested)
        self.bar.decline_requested.connect(self.on_bar_decline_requested)

    # -- the owner ---------------------------------------------------------------------

    def _current_tab(self) -> SessionTab | None:
        tab = self._window.session_tabs.currentWidget()
        return tab if isinstance(tab, SessionTab) else None

    def update_action(self) -> None:
        """Invite colleague… follows the current tab's button (and its reason when off)."""
        tab = self._current_tab()
        control = tab.guest_control if tab is not None and not tab.guest_mode else None
        self.invite_action.setEnabled(control is not None and control.can_invite)
        self.invite_action.setToolTip(control.button.toolTip() if control is not None else "")

    def on_invite_action_triggered(self) -> None:
        tab = self._current_tab()
        if tab is not None and not tab.guest_mode:
            tab.guest_control.on_button_clicked()

    # -- the guest: pushes ---------------------------------------------------------------

    def seen(self, session: SessionInfo) -> bool:
        """A pushed session: True when it was a guest's session here and no longer is
        (the row and tab are gone and the window need do nothing more)."""
        if session.guest_of(self._me):
            self._gone.discard(session.id)
            if session.id not in self._known:
                self._announce(session)
            self._known[session.id] = session
            return False
        before = self._known.pop(session.id, None)
        if before is None:
            return session.id in self._gone and not session.belongs_to(self._me)
        self._gone.add(session.id)
        self._cleared(before, session)
        return True

    def snapshot(self, sessions: list[SessionInfo]) -> None:
        """After a reconnect: a guest session the snapshot no longer lists is over here."""
        listed = {s.id: s for s in sessions}
        for session_id, before in list(self._known.items()):
            now = listed.get(session_id)
            if now is None or not now.guest_of(self._me):
                del self._known[session_id]
                self._gone.add(session_id)
                self._cleared(before, now or before)
        for session in sessions:
            if session.guest_of(self._me):
                self._known[session.id] = session

    def refresh_bar(self) -> None:
        window = self._window
        offered = sorted(
            (s for s in window.model.sessions() if s.guest_of(self._me)),
            key=lambda s: s.guest.since if s.guest and s.guest.since else s.created_at,
        )
        self.bar.show_incoming(offered, busy=any(s.id in window.pending_ids for s in offered))

    def _announce(self, session: SessionInfo) -> None:
        if session.guest is not None and not session.guest.joined:
            self._window.notifier.notify(
                translate("GuestWindow", "Invitation"),
                translate("GuestWindow", "{owner} invites you to join '{name}'.").format(
                    owner=owner_name(session), name=session.name
                ),
            )

    def _cleared(self, before: SessionInfo, now: SessionInfo) -> None:
        window = self._window
        window.model.remove(now.id)
        self.refresh_bar()
        had_tab = now.id in window.session_tab_widgets
        if had_tab:
            window.tasks.spawn(window.close_tab(now.id))
        names = {"owner": owner_name(before), "name": before.name}
        if now.id in self._leaving:
            self._leaving.discard(now.id)
            if had_tab:
                window.statusBar().showMessage(
                    translate("GuestWindow", LEFT).format(**names), 10000
                )
            return
        if now.is_final:
            text = translate("GuestWindow", SESSION_ENDED).format(**names)
        elif had_tab:
            text = translate("GuestWindow", VISIT_ENDED).format(**names)
        else:
            text = translate("GuestWindow", INVITATION_GONE).format(**names)
        window.statusBar().showMessage(text, 10000)
        if had_tab:
            window.prompter.inform(window, translate("GuestWindow", "Colleague's session"), text)

    # -- the guest: answers ---------------------------------------------------------------

    def on_bar_accept_requested(self, session_id: str) -> None:
        window = self._window
        session = window.model.session_by_id(session_id)
        if session is None or session_id in window.pending_ids:
            return
        window.hold_signals(session_id)  # the phone's offer may come before the answer
        self.refresh_bar()
        window.tasks.spawn(self._join(session))

    def on_bar_decline_requested(self, session_id: str) -> None:
        if self._window.model.session_by_id(session_id) is not None:
            self._leaving.add(session_id)
            self._window.tasks.spawn(self._answer(session_id, "decline"))

    def on_tab_leave_requested(self, session_id: str) -> None:
        self._leaving.add(session_id)
        self._window.tasks.spawn(self._answer(session_id, "leave"))

    async def _join(self, session: SessionInfo) -> None:
        window = self._window
        try:
            joined = await window.services.client.accept_guest(session.id)
        except (ApiError, ServerUnreachable) as exc:
            window.release_signals(session.id)
            self.refresh_bar()
            self._say(describe_error(exc))
            return
        window.model.apply(joined)
        self._known[joined.id] = joined
        self.refresh_bar()
        tab = window.open_tab(joined, window.release_signals(session.id), guest=True)
        tab.leave_requested.connect(self.on_tab_leave_requested)
        self._add_close_button(tab)
        window.select_session(joined.id)

    async def _answer(self, session_id: str, how: str) -> None:
        client = self._window.services.client
        call = client.decline_guest if how == "decline" else client.leave_guest
        try:
            changed = await call(session_id)
        except (ApiError, ServerUnreachable) as exc:
            self._leaving.discard(session_id)
            if isinstance(exc, ApiError) and exc.status == 404:  # already gone: the push says
                return
            self._say(describe_error(exc))
            return
        self._window.on_events_session_changed(changed)

    async def leave_all(self) -> None:
        """Signing out or quitting: leave every colleague's session (never end it)."""
        for session_id, tab in self._window.session_tab_widgets.items():
            if tab.guest_mode:
                self._leaving.add(session_id)
                await self._answer(session_id, "leave")

    def _add_close_button(self, tab: SessionTab) -> None:
        """Closing a guest's tab leaves the session: a close button on its tab alone."""
        window = self._window
        button = QToolButton(window.session_tabs)
        button.setIcon(button.style().standardIcon(QStyle.StandardPixmap.SP_TitleBarCloseButton))
        button.setAutoRaise(True)
        button.setToolTip(translate("GuestWindow", "Leave the colleague's session"))
        button.setAccessibleName(translate("GuestWindow", "Leave"))
        button.clicked.connect(tab.on_visit_leave_requested)
        index = window.session_tabs.indexOf(tab)
        window.session_tabs.tabBar().setTabButton(index, QTabBar.ButtonPosition.RightSide, button)

    def _say(self, text: str) -> None:
        window = self._window
        window.statusBar().showMessage(text, 10000)
        window.prompter.inform(window, translate("GuestWindow", "Colleague's session"), text)
