"""The session list: a table model over ``SessionInfo``, fed by the server's pushes.

The server is the authority on every session; this model only mirrors it. A snapshot
resets the model, each pushed change inserts, updates in place or removes one row, and a
one-second tick refreshes the "Waiting" column alone so a view repaints as little as
possible. A customer left waiting too long (the group's waiting warning) turns the row
urgent (red, bold) and its status says how long is left before the waiting time-out.

While the console cannot hear the server (``set_stale``), every row is greyed and
italic and its tooltip says why: what it shows may already be out of date.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont

from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.formatting import (
    format_duration,
    format_local_time,
    format_pin,
    method_label,
    seconds_since,
    state_label,
)
from lens_desktop.ui.guest_control import guest_list_status, guest_tooltip
from lens_desktop.ui.language import translate
from lens_desktop.ui.timeouts import ended_text, waiting_status, waiting_tooltip
from lens_desktop.ui.transfer_dialog import transfer_status

AnyIndex = QModelIndex | QPersistentModelIndex

URGENT_BACKGROUND = QColor("#f5b7b1")
URGENT_FOREGROUND = QColor("#7b1010")
FINAL_FOREGROUND = QColor("#8a8a8a")
INCOMING_BACKGROUND = QColor("#dbeafe")
STALE_FOREGROUND = QColor("#9a9a9a")
STALE_TOOLTIP = QT_TRANSLATE_NOOP(
    "SessionList", "Out of date: the console is reconnecting to the server."
)

DEFAULT_WARNING_SECONDS = 120
DEFAULT_FINAL_RETENTION_SECONDS = 3600


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SessionTableModel(QAbstractTableModel):
    """Rows are sessions, newest first; columns are the constants below."""

    NAME, STATUS, CONNECTION, PIN, CREATED, WAITING = range(6)
    HEADERS = (
        QT_TRANSLATE_NOOP("SessionList", "Name"),
        QT_TRANSLATE_NOOP("SessionList", "Status"),
        QT_TRANSLATE_NOOP("SessionList", "Connection"),
        QT_TRANSLATE_NOOP("SessionList", "PIN"),
        QT_TRANSLATE_NOOP("SessionList", "Created"),
        QT_TRANSLATE_NOOP("SessionList", "Waiting"),
    )
    """English source texts of the column headers; ``headerData`` translates them."""
    SessionRole = Qt.ItemDataRole.UserRole + 1

    session_waiting = Signal(object)
    """A session just started waiting (a pushed change, not a snapshot): SessionInfo."""

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        warning_seconds: int = DEFAULT_WARNING_SECONDS,
        timeout_seconds: int = 0,
        final_retention_seconds: int = DEFAULT_FINAL_RETENTION_SECONDS,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        super().__init__(parent)
        self._sessions: list[SessionInfo] = []
        self._urgent: set[str] = set()
        self._stale = False
        self._warning_seconds = warning_seconds
        self._timeout_seconds = timeout_seconds
        """The waiting time-out (0: not known, the row turns red without a countdown)."""
        self._final_retention_seconds = final_retention_seconds
        self._clock = clock
        self.technician_id: int | None = None
        """The signed-in technician: a transfer to them reads "Incoming"."""
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.on_timer_timeout)
        self._timer.start()

    # -- feeding -------------------------------------------------------------------

    def set_warning_seconds(self, seconds: int) -> None:
        self._warning_seconds = seconds
        self.tick()

    def set_waiting_limits(self, warning_seconds: int, timeout_seconds: int) -> None:
        """The group's waiting warning and time-out (from the server's /config)."""
        self._timeout_seconds = timeout_seconds
        self.set_warning_seconds(warning_seconds)

    @property
    def stale(self) -> bool:
        return self._stale

    def set_stale(self, stale: bool) -> None:
        """Mark every row as possibly out of date (the server cannot be heard) or live
        again; only the look of the rows changes."""
        if stale == self._stale:
            return
        self._stale = stale
        if self._sessions:
            last = self.index(len(self._sessions) - 1, len(self.HEADERS) - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    def set_sessions(self, sessions: Iterable[SessionInfo]) -> None:
        """Replace everything (the socket's snapshot, after every (re)connect)."""
        self.beginResetModel()
        self._sessions = sorted(sessions, key=lambda s: s.created_at, reverse=True)
        self._urgent = {s.id for s in self._sessions if self._is_urgent(s)}
        self.endResetModel()

    def apply(self, session: SessionInfo) -> None:
        """One pushed change: insert a new session, update a known one in place."""
        row = self.row_of(session.id)
        if row is None:
            self._insert(session)
            if session.state == "waiting":
                self.session_waiting.emit(session)
            return
        previous = self._sessions[row]
        self._sessions[row] = session
        self._refresh_urgency(session)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.HEADERS) - 1))
        if session.state == "waiting" and previous.state != "waiting":
            self.session_waiting.emit(session)

    def remove(self, session_id: str) -> None:
        row = self.row_of(session_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._sessions[row]
        self._urgent.discard(session_id)
        self.endRemoveRows()

    def _insert(self, session: SessionInfo) -> None:
        keys = [-s.created_at.timestamp() for s in self._sessions]
        row = bisect.bisect_right(keys, -session.created_at.timestamp())
        self.beginInsertRows(QModelIndex(), row, row)
        self._sessions.insert(row, session)
        self._refresh_urgency(session)
        self.endInsertRows()

    # -- the one-second tick ---------------------------------------------------------

    def on_timer_timeout(self) -> None:
        self.tick()

    def tick(self) -> None:
        """Refresh waiting times (that column only), urgency changes (whole row), and drop
        sessions that ended long ago."""
        self._prune_final()
        for row, session in enumerate(self._sessions):
            if session.state != "waiting" and session.id not in self._urgent:
                continue
            if self._refresh_urgency(session):
                last = len(self.HEADERS) - 1
                self.dataChanged.emit(self.index(row, 0), self.index(row, last))
                continue
            columns = (self.STATUS, self.WAITING) if session.id in self._urgent else (self.WAITING,)
            for column in columns:  # an urgent row's status counts down to the time-out
                cell = self.index(row, column)
                self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole])

    def _prune_final(self) -> None:
        now = self._clock()
        for session in list(self._sessions):
            ended = seconds_since(session.ended_at or session.created_at, now)
            if session.is_final and ended is not None and ended > self._final_retention_seconds:
                self.remove(session.id)

    def _refresh_urgency(self, session: SessionInfo) -> bool:
        """Track whether the session is urgent now; True when that just changed."""
        urgent = self._is_urgent(session)
        changed = urgent != (session.id in self._urgent)
        if urgent:
            self._urgent.add(session.id)
        else:
            self._urgent.discard(session.id)
        return changed

    def _is_urgent(self, session: SessionInfo) -> bool:
        waited = self.waiting_seconds(session)
        return waited is not None and waited >= self._warning_seconds

    # -- lookups ---------------------------------------------------------------------

    def row_of(self, session_id: str) -> int | None:
        for row, session in enumerate(self._sessions):
            if session.id == session_id:
                return row
        return None

    def session_at(self, row: int) -> SessionInfo:
        return self._sessions[row]

    def session_by_id(self, session_id: str) -> SessionInfo | None:
        row = self.row_of(session_id)
        return None if row is None else self._sessions[row]

    def sessions(self) -> list[SessionInfo]:
        return list(self._sessions)

    def is_urgent(self, session_id: str) -> bool:
        return session_id in self._urgent

    def waiting_seconds(self, session: SessionInfo) -> float | None:
        if session.state != "waiting":
            return None
        return seconds_since(session.waiting_since, self._clock())

    # -- Qt model interface ------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._sessions)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return translate("SessionList", self.HEADERS[section])
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._sessions):
            return None
        session = self._sessions[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(session, index.column())
        if role == self.SessionRole:
            return session
        return self._decoration(session, index.column(), role)

    def _display(self, session: SessionInfo, column: int) -> str | None:
        if column == self.NAME:
            return session.name
        if column == self.STATUS:
            transfer = transfer_status(session, self.technician_id)
            if transfer:
                return transfer
            if guest := guest_list_status(session, self.technician_id):
                return guest
            waited = self.waiting_seconds(session)
            if session.id in self._urgent and waited is not None and self._timeout_seconds:
                return waiting_status(waited, self._timeout_seconds)
            return state_label(session.state)
        if column == self.CONNECTION:
            return method_label(session.method)
        if column == self.PIN:
            return "" if session.is_final else format_pin(session.pin)
        if column == self.CREATED:
            return format_local_time(session.created_at)
        if column == self.WAITING:
            waited = self.waiting_seconds(session)
            return "" if waited is None else format_duration(waited)
        return None

    def _decoration(self, session: SessionInfo, column: int, role: int) -> Any:
        if self._stale and role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.FontRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return self._stale_decoration(role)
        urgent = session.id in self._urgent
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(session, urgent)
        if role == Qt.ItemDataRole.BackgroundRole and urgent:
            return QBrush(URGENT_BACKGROUND)
        if role == Qt.ItemDataRole.ForegroundRole:
            if urgent:
                return QBrush(URGENT_FOREGROUND)
            if session.is_final:
                return QBrush(FINAL_FOREGROUND)
        incoming = self.technician_id is not None and session.incoming_for(self.technician_id)
        if role == Qt.ItemDataRole.BackgroundRole and incoming:
            return QBrush(INCOMING_BACKGROUND)
        if role == Qt.ItemDataRole.FontRole and urgent:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.PIN, self.WAITING):
            return int(Qt.AlignmentFlag.AlignCenter)
        return None

    def _tooltip(self, session: SessionInfo, urgent: bool) -> str | None:
        if session.transfer and session.transfer.comment:
            return session.transfer.comment
        if guest := guest_tooltip(session, self.technician_id):
            return guest
        if urgent and self._timeout_seconds:
            return waiting_tooltip(self._timeout_seconds)
        return ended_text(session) if session.is_final else None

    @staticmethod
    def _stale_decoration(role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(STALE_FOREGROUND)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setItalic(True)
            return font
        return translate("SessionList", STALE_TOOLTIP)
