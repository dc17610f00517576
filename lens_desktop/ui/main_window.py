"""The console's main window: session toolbar, the session list and a tab per session.

The window mirrors the server: the list is fed by the event socket's snapshot and
pushes, and the toolbar's actions are REST calls whose outcome arrives as a push. The
window is handed its services (``ConsoleServices``) and asks questions through a
``Prompter``; it owns only widgets and the tasks it starts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QByteArray, QItemSelection, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)
from typing_extensions import override

from lens_desktop.net.errors import ApiError
from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.errors import already_active_text, describe_error
from lens_desktop.ui.formatting import OPEN_STATES
from lens_desktop.ui.guest_window import GuestWindowPart
from lens_desktop.ui.language import translate
from lens_desktop.ui.new_session import NewSessionDialog
from lens_desktop.ui.notify import Notifier
from lens_desktop.ui.prompts import Prompter
from lens_desktop.ui.reports_window import ReportsWindow, no_permission_text
from lens_desktop.ui.services import ConsoleServices
from lens_desktop.ui.session_model import SessionTableModel
from lens_desktop.ui.session_tab import SessionTab
from lens_desktop.ui.settings_dialog import (
    ConsoleSettings,
    SettingsDialog,
    load_chat_replies,
    load_recordings_folder,
    load_settings,
)
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.timeouts import ended_text
from lens_desktop.ui.transfer_dialog import IncomingTransferBar

CONNECTION_TEXT = {
    "connecting": QT_TRANSLATE_NOOP("MainWindow", "Connecting to {server}…"),
    "connected": QT_TRANSLATE_NOOP("MainWindow", "Connected to {server}"),
    "reconnecting": QT_TRANSLATE_NOOP("MainWindow", "Reconnecting…"),
    "closed": QT_TRANSLATE_NOOP("MainWindow", "Disconnected"),
}
ENDED_BY_OTHERS = {
    "closed_by_customer": QT_TRANSLATE_NOOP("MainWindow", "{name} ended the session."),
    "timed_out": QT_TRANSLATE_NOOP(
        "MainWindow", "The session with {name} timed out: the customer did not come back."
    ),
    "expired": QT_TRANSLATE_NOOP("MainWindow", "The session with {name} expired."),
}
"""English source templates; translated where shown, then filled in."""
OFFLINE_BANNER = QT_TRANSLATE_NOOP(
    "MainWindow",
    "Connection to the server lost. Reconnecting… The list may be out of date "
    "until the console is back online.",
)
OFFLINE_ACTION_TIP = QT_TRANSLATE_NOOP(
    "MainWindow", "Not available while the console is reconnecting to the server."
)
OFFLINE_STYLE = (
    "background: #fdebd0; color: #7e3f00; border: 1px solid #e59866;"
    " border-radius: 3px; padding: 4px 8px; font-weight: bold;"
)
OFFLINE_STATUS_STYLE = "color: #a04000; font-weight: bold;"
LEAVING_TEXT = {
    "sign_out": QT_TRANSLATE_NOOP(
        "MainWindow",
        "You are in a session with {names}. "
        "Signing out ends the session for the customer too. Continue?",
    ),
    "quit": QT_TRANSLATE_NOOP(
        "MainWindow",
        "You are in a session with {names}. "
        "Quitting Lens ends the session for the customer too. Continue?",
    ),
}
LEAVING_TITLE = {
    "sign_out": QT_TRANSLATE_NOOP("MainWindow", "Sign out"),
    "quit": QT_TRANSLATE_NOOP("MainWindow", "Quit Lens"),
}


LIST_HEIGHT = 180
"""The session list's height (px) with no live session, until the technician moves it."""
LIVE_LIST_ROWS = 2
"""Rows the list shows while a session is live (it scrolls; the splitter can grow it)."""
SPLITTER_KEYS = {False: "main_window/splitter", True: "main_window/splitter_live"}


def empty_text() -> str:
    """What the empty session pane says: the way to a first session, whatever the list
    holds (it is often empty: a customer appears only once invited)."""
    shortcut = QKeySequence(QKeySequence.StandardKey.New).toString(
        QKeySequence.SequenceFormat.NativeText
    )
    return translate(
        "MainWindow",
        "No active session.\nTo help a customer, press New Session ({shortcut}) and invite "
        "them.\nWhen they appear in the list as Waiting, select them and press Start.",
    ).format(shortcut=shortcut)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    session_expired = Signal(str)
    """The server no longer accepts the token; carries the message for the sign-in."""
    quit_requested = Signal()

    def __init__(
        self,
        services: ConsoleServices,
        settings: QSettings,
        prompter: Prompter,
        notifier: Notifier | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._services = services
        self._settings = settings
        self._prompter = prompter
        self._notifier = notifier or Notifier()
        self._tasks = TaskOwner("main-window")
        self._tabs: dict[str, SessionTab] = {}
        self._pending_signals: dict[str, list[dict[str, Any]]] = {}
        self._allow_close = False
        self.new_session_dialog: NewSessionDialog | None = None
        self.reports_window: ReportsWindow | None = None
        self.model = SessionTableModel(
            self,
            warning_seconds=services.config.waiting_warning_seconds,
            timeout_seconds=services.config.waiting_timeout_seconds,
        )
        self.model.technician_id = services.technician.id
        self.guests = GuestWindowPart(self)
        self.setWindowTitle(translate("MainWindow", "Lens Technician Console"))
        self._build()
        self._connect_signals()
        self._restore_geometry()
        self._update_actions()

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self._build_actions()
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setAccessibleName(translate("MainWindow", "Session list"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(SessionTableModel.NAME, QHeaderView.ResizeMode.Stretch)
        self.start_shortcuts = [
            QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut)
            for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        ]
        self.session_tabs = QTabWidget(self)
        self.session_tabs.setDocumentMode(True)
        self.placeholder = QLabel(empty_text(), self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet("color: #666666;")
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.session_tabs)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self._session_list_pane())
        self.splitter.addWidget(self.stack)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([LIST_HEIGHT, 520])
        self._live_layout = False
        self._splitter_states: dict[bool, QByteArray] = {}
        self.setCentralWidget(self.splitter)
        self._build_status_bar()
        self.resize(1100, 760)

    def _session_list_pane(self) -> QWidget:
        """The list under its title, "Session list" as technicians call it; Alt plus the
        title's mnemonic moves the focus into the list."""
        pane = QWidget(self)
        self.session_list_title = QLabel(translate("MainWindow", "Session &list"), pane)
        self.session_list_title.setBuddy(self.table)
        font = self.session_list_title.font()
        font.setBold(True)
        self.session_list_title.setFont(font)
        layout = QVBoxLayout(pane)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(2)
        self.offline_banner = QLabel(translate("MainWindow", OFFLINE_BANNER), pane)
        self.offline_banner.setWordWrap(True)
        self.offline_banner.setStyleSheet(OFFLINE_STYLE)
        self.offline_banner.setAccessibleName(translate("MainWindow", "Connection lost"))
        self.offline_banner.hide()
        layout.addWidget(self.session_list_title)
        layout.addWidget(self.offline_banner)
        self.incoming_bar = IncomingTransferBar(pane)
        layout.addWidget(self.incoming_bar)
        layout.addWidget(self.guests.bar)
        layout.addWidget(self.table)
        return pane

    def _build_actions(self) -> None:
        self.new_session_action = QAction(translate("MainWindow", "&New Session…"), self)
        self.new_session_action.setShortcut(QKeySequence.StandardKey.New)
        self.start_action = QAction(translate("MainWindow", "&Start"), self)
        self.hold_action = QAction(translate("MainWindow", "&Hold"), self)
        self.end_action = QAction(translate("MainWindow", "&End"), self)
        self.settings_action = QAction(translate("MainWindow", "Se&ttings…"), self)
        self.reports_action = QAction(translate("MainWindow", "&Reports…"), self)
        if "view_reports" not in self._services.technician.permissions:
            self.reports_action.setStatusTip(no_permission_text())  # the window says it too
        self.sign_out_action = QAction(translate("MainWindow", "Sign &out"), self)
        self.quit_action = QAction(translate("MainWindow", "&Quit"), self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.toolbar = QToolBar(translate("MainWindow", "Session"), self)
        self.toolbar.setObjectName("session_toolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action in (
            self.new_session_action,
            self.start_action,
            self.hold_action,
            self.end_action,
        ):
            self.toolbar.addAction(action)
        self.addToolBar(self.toolbar)
        file_menu = self.menuBar().addMenu(translate("MainWindow", "&Console"))
        for action in (
            self.reports_action,
            self.settings_action,
            self.sign_out_action,
            self.quit_action,
        ):
            file_menu.addAction(action)
        session_menu = self.menuBar().addMenu(translate("MainWindow", "&Session"))
        for action in (
            self.new_session_action,
            self.start_action,
            self.hold_action,
            self.end_action,
            self.guests.invite_action,
        ):
            session_menu.addAction(action)

    def show_guide(self, text: str) -> None:
        """Puts first steps (demo mode's) where the video will be, selectable so that a
        command in it can be copied."""
        self.placeholder.setText(text)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.placeholder.setContentsMargins(48, 0, 48, 0)
        self.placeholder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _build_status_bar(self) -> None:
        self.connection_label = QLabel(self)
        technician = self._services.technician
        self.technician_label = QLabel(
            translate("MainWindow", "Signed in as {name}").format(name=technician.display_name),
            self,
        )
        self.statusBar().addWidget(self.connection_label, 1)
        self.statusBar().addPermanentWidget(self.technician_label)
        self.on_events_connection_changed(self._services.events.state)

    def _connect_signals(self) -> None:
        events = self._services.events
        events.snapshot.connect(self.on_events_snapshot)
        events.session_changed.connect(self.on_events_session_changed)
        events.signal_received.connect(self.on_events_signal_received)
        events.connection_changed.connect(self.on_events_connection_changed)
        events.auth_failed.connect(self.on_events_auth_failed)
        self.model.session_waiting.connect(self.on_model_session_waiting)
        self.table.selectionModel().selectionChanged.connect(self.on_table_selection_changed)
        self.model.dataChanged.connect(self.on_model_data_changed)
        self.model.modelReset.connect(self.on_model_reset)
        self.table.doubleClicked.connect(self.on_start_action_triggered)
        for shortcut in self.start_shortcuts:
            shortcut.activated.connect(self.on_start_action_triggered)
        self.session_tabs.currentChanged.connect(self.on_session_tabs_current_changed)
        self.new_session_action.triggered.connect(self.on_new_session_action_triggered)
        self.start_action.triggered.connect(self.on_start_action_triggered)
        self.hold_action.triggered.connect(self.on_hold_action_triggered)
        self.end_action.triggered.connect(self.on_end_action_triggered)
        self.settings_action.triggered.connect(self.on_settings_action_triggered)
        self.reports_action.triggered.connect(self.on_reports_action_triggered)
        self.sign_out_action.triggered.connect(self.on_sign_out_action_triggered)
        self.quit_action.triggered.connect(self.close)
        self.incoming_bar.accept_requested.connect(self.on_incoming_bar_accept_requested)
        self.incoming_bar.decline_requested.connect(self.on_incoming_bar_decline_requested)

    # -- geometry --------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        for key, restore in (
            ("main_window/geometry", self.restoreGeometry),
            ("main_window/state", self.restoreState),
            (SPLITTER_KEYS[False], self.splitter.restoreState),
        ):
            value = self._settings.value(key)
            if isinstance(value, QByteArray | bytes):
                restore(QByteArray(value))
        live = self._settings.value(SPLITTER_KEYS[True])
        if isinstance(live, QByteArray | bytes):
            self._splitter_states[True] = QByteArray(live)

    def save_geometry(self) -> None:
        self._settings.setValue("main_window/geometry", self.saveGeometry())
        self._settings.setValue("main_window/state", self.saveState())
        self._splitter_states[self._live_layout] = self.splitter.saveState()
        for live, state in self._splitter_states.items():
            self._settings.setValue(SPLITTER_KEYS[live], state)
        self._settings.sync()

    def _set_live_layout(self, live: bool) -> None:
        """While a session is live the list shrinks to a few rows and the picture gets
        the room; each layout keeps the splitter sizes the technician gave it."""
        if live == self._live_layout:
            return
        self._splitter_states[self._live_layout] = self.splitter.saveState()
        self._live_layout = live
        state = self._splitter_states.get(live)
        if state is None or not self.splitter.restoreState(state):
            total = max(sum(self.splitter.sizes()), LIST_HEIGHT + 520)
            top = self._compact_list_height() if live else LIST_HEIGHT
            self.splitter.setSizes([top, total - top])

    def _compact_list_height(self) -> int:
        """The list pane showing its title, the header and LIVE_LIST_ROWS rows."""
        pane = self.splitter.widget(0)
        margins = pane.layout().contentsMargins()
        table = (
            self.table.horizontalHeader().sizeHint().height()
            + LIVE_LIST_ROWS * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        title = self.session_list_title.sizeHint().height() + pane.layout().spacing()
        return margins.top() + margins.bottom() + title + table

    # -- public ----------------------------------------------------------------------

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    @property
    def session_tab_widgets(self) -> dict[str, SessionTab]:
        return dict(self._tabs)

    def selected_session(self) -> SessionInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.session_at(rows[0].row()) if rows else None

    def select_session(self, session_id: str) -> None:
        row = self.model.row_of(session_id)
        if row is not None:
            self.table.selectRow(row)

    async def shutdown(self, end_sessions: bool) -> None:
        """Close every tab (peer and all) and cancel the window's tasks; optionally end
        the open sessions on the server first so no customer is left hanging."""
        if end_sessions:
            await self.guests.leave_all()  # a colleague's session goes on without us
            for session_id, tab in list(self._tabs.items()):
                if not tab.guest_mode:
                    await self._end_quietly(session_id)
        for session_id in list(self._tabs):
            await self._close_tab(session_id)
        await self._tasks.close()
        if self.new_session_dialog is not None:
            await self.new_session_dialog.close_tasks()
        if self.reports_window is not None:
            await self.reports_window.close_tasks()
        self.save_geometry()

    # -- events from the server --------------------------------------------------------

    def on_events_snapshot(self, sessions: list[SessionInfo]) -> None:
        """The list resynchronises; the row the technician was on stays selected (or
        the open tab's, as its toolbar actions belong to it)."""
        keep = self._session_to_keep_selected()
        me = self._services.technician.id
        self.guests.snapshot(sessions)
        self.model.set_sessions([s for s in sessions if s.belongs_to(me)])
        if keep is not None:
            self.select_session(keep)
        for session in sessions:
            if session.id in self._tabs:
                self._on_tab_session_changed(session)
        self._refresh_incoming()

    def on_events_session_changed(self, session: SessionInfo) -> None:
        if self.guests.seen(session) or self._transfer_seen(session):
            self._update_actions()
            return
        self.model.apply(session)
        self._refresh_incoming()
        if session.id in self._tabs:
            self._on_tab_session_changed(session)
        elif text := ended_text(session):  # a time-out in the list: say which
            self.statusBar().showMessage(text, 10000)
        self._update_actions()

    def on_events_signal_received(self, session_id: str, data: dict[str, Any]) -> None:
        """Signaling that arrives while Start is still on its way is kept for the tab."""
        if session_id in self._pending_signals:
            self._pending_signals[session_id].append(data)

    def on_events_connection_changed(self, state: str) -> None:
        template = CONNECTION_TEXT.get(state)
        text = translate("MainWindow", template) if template else state
        self.connection_label.setText(text.format(server=self._services.server_url))
        lost = state in ("reconnecting", "closed")
        self.connection_label.setStyleSheet(OFFLINE_STATUS_STYLE if lost else "")
        self.offline_banner.setVisible(lost)
        self.model.set_stale(lost)
        self._update_actions()

    def on_events_auth_failed(self, message: str) -> None:
        self.session_expired.emit(
            message or translate("MainWindow", "Your sign-in has expired. Please sign in again.")
        )

    def on_model_session_waiting(self, session: SessionInfo) -> None:
        self._notifier.notify(
            translate("MainWindow", "Customer waiting"),
            translate("MainWindow", "{name} is waiting for you.").format(name=session.name),
        )

    # -- selection and actions -------------------------------------------------------

    def on_table_selection_changed(
        self, selected: QItemSelection, deselected: QItemSelection
    ) -> None:
        del selected, deselected
        self._update_actions()

    def on_model_data_changed(self) -> None:
        self._update_actions()

    def on_model_reset(self) -> None:
        self._update_actions()

    def on_session_tabs_current_changed(self, index: int) -> None:
        tab = self.session_tabs.widget(index)
        if isinstance(tab, SessionTab):
            self.select_session(tab.session.id)
        self.guests.update_action()

    def _update_actions(self) -> None:
        """Start, Hold and End follow the selected row; while the server cannot be
        heard they are off and their tooltip says why (the outcome of a call would
        not come back, and the list they act on may be out of date)."""
        session = self.selected_session()
        state = session.state if session else ""
        busy = session is not None and session.id in self._pending_signals
        online = self._services.events.state == "connected"
        incoming = session is not None and session.incoming_for(self._services.technician.id)
        guest = session is not None and session.guest_of(self._services.technician.id)
        self.start_action.setEnabled(online and state == "waiting" and not busy)
        self.hold_action.setEnabled(online and state in ("active", "on_hold") and not guest)
        self.hold_action.setText(
            translate("MainWindow", "&Resume")
            if state == "on_hold"
            else translate("MainWindow", "&Hold")
        )
        self.end_action.setEnabled(
            online and session is not None and not session.is_final and not incoming and not guest
        )
        tip = "" if online else translate("MainWindow", OFFLINE_ACTION_TIP)
        if guest and online:
            tip = translate(
                "MainWindow", "A colleague's session: its technician holds and ends it."
            )
        for action in (self.start_action, self.hold_action, self.end_action):
            action.setToolTip(tip)
        self.guests.update_action()

    def _session_to_keep_selected(self) -> str | None:
        selected = self.selected_session()
        if selected is not None:
            return selected.id
        tab = self.session_tabs.currentWidget()
        return tab.session.id if isinstance(tab, SessionTab) else None

    def on_new_session_action_triggered(self) -> None:
        services = self._services
        sms_region = load_settings(self._settings).sms_region
        dialog = NewSessionDialog(
            services.client, services.technician, services.config, self, sms_region
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.session_created.connect(self.on_new_session_dialog_session_created)
        dialog.finished.connect(self.on_new_session_dialog_finished)
        self.new_session_dialog = dialog
        dialog.open()

    def on_new_session_dialog_session_created(self, created: Any) -> None:
        self.model.apply(created.session)
        self.select_session(created.session.id)

    def on_new_session_dialog_finished(self) -> None:
        self.new_session_dialog = None

    def on_start_action_triggered(self) -> None:
        """Also reached by Enter and a double click, so it checks what the action's
        enabled state says (``_update_actions``)."""
        if not self.start_action.isEnabled():
            return
        session = self.selected_session()
        if session is None or session.state != "waiting" or session.id in self._pending_signals:
            return
        self._pending_signals[session.id] = []
        self._update_actions()
        self._tasks.spawn(self._start(session))

    def on_hold_action_triggered(self) -> None:
        session = self.selected_session()
        if session is not None and session.state in ("active", "on_hold"):
            call = (
                self._services.client.hold
                if session.state == "active"
                else self._services.client.resume
            )
            self._tasks.spawn(self._call(call, session))

    def on_end_action_triggered(self) -> None:
        session = self.selected_session()
        if session is not None and not session.is_final:
            self._tasks.spawn(self._call(self._services.client.end, session))

    def on_reports_action_triggered(self) -> None:
        """One Reports window, kept with its filters; it explains itself to a
        technician without the permission view_reports."""
        if self.reports_window is None:
            services = self._services
            self.reports_window = ReportsWindow(services.client, services.technician, self)
        if self.reports_window.isVisible():  # already open: bring it to the front
            self.reports_window.raise_()
            self.reports_window.activateWindow()
        else:
            self.reports_window.show()

    def on_settings_action_triggered(self) -> None:
        dialog = SettingsDialog(self._settings, self._services.audio_status, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.settings_saved.connect(self.on_settings_dialog_saved)
        dialog.language_changed.connect(self.on_settings_dialog_language_changed)
        dialog.open()

    def on_settings_dialog_saved(self, values: ConsoleSettings) -> None:
        audio = self._services.audio
        if audio is not None:
            audio.input_device = values.input_device
            audio.output_device = values.output_device
        for tab in self._tabs.values():
            tab.chat.set_replies(values.chat_replies)
            tab.recordings_folder = values.recordings_folder

    def on_settings_dialog_language_changed(self) -> None:
        self.statusBar().showMessage(
            translate("MainWindow", "The console shows the new language after you restart it."),
            10000,
        )

    def on_sign_out_action_triggered(self) -> None:
        if self._confirm_leaving("sign_out"):
            self._allow_close = True
            self.sign_out_requested.emit()

    # -- closing -----------------------------------------------------------------------

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._allow_close and not self._confirm_leaving("quit"):
            event.ignore()
            return
        self.save_geometry()
        event.accept()
        if not self._allow_close:
            self._allow_close = True
            self.quit_requested.emit()

    def close_for_app(self) -> None:
        """Close without asking again (the app already decided: sign-out or expiry)."""
        self._allow_close = True
        self.close()

    def _confirm_leaving(self, how: str) -> bool:
        """Ask before signing out or quitting (``how``) ends open sessions."""
        names = [tab.session.name for tab in self._tabs.values() if not tab.guest_mode]
        if not names:
            return True
        title = translate("MainWindow", LEAVING_TITLE[how])
        text = translate("MainWindow", LEAVING_TEXT[how]).format(names=", ".join(names))
        return self._prompter.confirm(self, title, text)

    # -- work ------------------------------------------------------------------------

    async def _start(self, session: SessionInfo) -> None:
        try:
            started = await self._services.client.start(session.id)
        except ApiError as exc:
            self._pending_signals.pop(session.id, None)
            self._update_actions()
            self._on_call_failed(exc, session)
            return
        self.model.apply(started)
        self._open_tab(started, self._pending_signals.pop(session.id, []))
        self._update_actions()

    async def _call(self, call: Any, session: SessionInfo) -> None:
        try:
            changed = await call(session.id)
        except ApiError as exc:
            self._on_call_failed(exc, session)
            return
        self.on_events_session_changed(changed)

    def _on_call_failed(self, exc: ApiError, session: SessionInfo) -> None:
        if exc.is_auth_failure:
            self.session_expired.emit(describe_error(exc))
            return
        if exc.code == "already_active":
            active_id = str(exc.details.get("active_session_id", ""))
            resuming = session.state == "on_hold"
            text = already_active_text(self._session_name(active_id), resuming)
        else:
            text = describe_error(exc)
        self.statusBar().showMessage(text, 10000)
        self._prompter.inform(self, "Lens", text)

    def _session_name(self, session_id: str) -> str | None:
        """The name of the session the server said is active (None if not listed)."""
        row = self.model.row_of(session_id) if session_id else None
        return None if row is None else self.model.session_at(row).name

    async def _end_quietly(self, session_id: str) -> None:
        try:
            await self._services.client.end(session_id)
        except ApiError as exc:
            self.statusBar().showMessage(describe_error(exc), 5000)

    # -- transfer (lens_desktop/ui/transfer_dialog.py) ----------------------------------

    def _transfer_seen(self, session: SessionInfo) -> bool:
        """A pushed change that concerns a transfer: an incoming one is announced; one
        that is no longer this technician's (accepted by the colleague, or no longer
        offered to them) leaves the list and its tab. True when nothing else applies."""
        me = self._services.technician.id
        if not session.belongs_to(me):
            known = self.model.session_by_id(session.id)
            self.model.remove(session.id)
            self._refresh_incoming()
            if session.id in self._tabs:
                self._tasks.spawn(self._close_tab(session.id))
                text = translate("MainWindow", "The session with {name} is now with {colleague}.")
                colleague = known.transfer.to_name if known and known.transfer else "—"
                self.statusBar().showMessage(text.format(name=session.name, colleague=colleague))
            return True
        before = self.model.session_by_id(session.id)
        if session.incoming_for(me) and not (before and before.incoming_for(me)):
            assert session.transfer is not None
            self._notifier.notify(
                translate("MainWindow", "Incoming transfer"),
                translate("MainWindow", "{sender} transfers {name} to you.").format(
                    sender=session.transfer.from_name, name=session.name
                ),
            )
        return False

    def _refresh_incoming(self) -> None:
        me = self._services.technician.id
        incoming = [s for s in self.model.sessions() if s.incoming_for(me)]
        incoming.sort(key=lambda s: s.created_at)
        self.incoming_bar.show_incoming(
            incoming, busy=any(s.id in self._pending_signals for s in incoming)
        )
        self.guests.refresh_bar()
        # The bar changes the list's height; its columns fit their contents again.
        self.table.horizontalHeader().resizeSections()

    def on_incoming_bar_accept_requested(self, session_id: str) -> None:
        session = self.model.session_by_id(session_id)
        if session is None or session_id in self._pending_signals:
            return
        # The phone's new offer may come before the answer: kept for the tab, as Start.
        self._pending_signals[session_id] = []
        self._refresh_incoming()
        self._tasks.spawn(self._accept_transfer(session))

    def on_incoming_bar_decline_requested(self, session_id: str) -> None:
        session = self.model.session_by_id(session_id)
        if session is not None:
            self._tasks.spawn(self._call(self._services.client.decline_transfer, session))

    async def _accept_transfer(self, session: SessionInfo) -> None:
        try:
            accepted = await self._services.client.accept_transfer(session.id)
        except ApiError as exc:
            self._pending_signals.pop(session.id, None)
            self._refresh_incoming()
            text = describe_error(exc)
            self.statusBar().showMessage(text, 10000)
            self._prompter.inform(self, translate("MainWindow", "Transfer"), text)
            return
        self.model.apply(accepted)
        self._refresh_incoming()
        self._open_tab(accepted, self._pending_signals.pop(session.id, []))
        self.select_session(accepted.id)
        self._update_actions()

    # -- for a second technician (lens_desktop/ui/guest_window.py) ----------------------

    @property
    def services(self) -> ConsoleServices:
        return self._services

    @property
    def prompter(self) -> Prompter:
        return self._prompter

    @property
    def notifier(self) -> Notifier:
        return self._notifier

    @property
    def pending_ids(self) -> set[str]:
        """Sessions whose Start, Accept or Join is on its way (signaling is kept)."""
        return set(self._pending_signals)

    def hold_signals(self, session_id: str) -> None:
        self._pending_signals[session_id] = []
        self._update_actions()

    def release_signals(self, session_id: str) -> list[dict[str, Any]]:
        held = self._pending_signals.pop(session_id, [])
        self._update_actions()
        return held

    def open_tab(
        self, session: SessionInfo, pending: list[dict[str, Any]], guest: bool = False
    ) -> SessionTab:
        return self._open_tab(session, pending, guest)

    async def close_tab(self, session_id: str) -> None:
        await self._close_tab(session_id)

    # -- tabs ------------------------------------------------------------------------

    def _open_tab(
        self, session: SessionInfo, pending: list[dict[str, Any]], guest: bool = False
    ) -> SessionTab:
        tab = self._tabs.get(session.id)
        if tab is None:
            tab = SessionTab(session, self._services, pending, self, guest=guest)
            tab.chat.set_replies(load_chat_replies(self._settings))
            tab.snapshot_folder = lambda: load_settings(self._settings).snapshot_folder
            tab.recordings_folder = load_recordings_folder(self._settings)
            self._tabs[session.id] = tab
            self.session_tabs.addTab(tab, session.name)
        self.stack.setCurrentWidget(self.session_tabs)
        self.session_tabs.setCurrentWidget(tab)
        self._set_live_layout(True)
        return tab

    def _on_tab_session_changed(self, session: SessionInfo) -> None:
        tab = self._tabs[session.id]
        if session.state in OPEN_STATES:
            tab.update_session(session)
            return
        self._tasks.spawn(self._close_tab(session.id))
        message = ENDED_BY_OTHERS.get(session.state)
        if message:
            text = ended_text(session) or translate("MainWindow", message).format(name=session.name)
            self.statusBar().showMessage(text, 10000)
            self._prompter.inform(self, translate("MainWindow", "Session ended"), text)

    async def _close_tab(self, session_id: str) -> None:
        tab = self._tabs.pop(session_id, None)
        if tab is None:
            return
        self.session_tabs.removeTab(self.session_tabs.indexOf(tab))
        if not self._tabs:
            self.stack.setCurrentWidget(self.placeholder)
            self._set_live_layout(False)
        await tab.shutdown()
        tab.deleteLater()
