"""The Reports window's table: a model over ``ReportRow`` (lens_desktop.net.reports),
one row per session, pages appended as they arrive."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from typing_extensions import override

from lens_desktop.net.reports import ReportRow
from lens_desktop.ui.formatting import as_datetime, format_duration, method_label, state_label
from lens_desktop.ui.language import translate

AnyIndex = QModelIndex | QPersistentModelIndex


def format_day_time(value: str) -> str:
    """YYYY-MM-DD HH:MM in the technician's local time zone."""
    moment = as_datetime(value)
    return "" if moment is None else moment.astimezone().strftime("%Y-%m-%d %H:%M")


REPORT_STATE_LABELS = {
    # The session list says "Ended by you"; a report shows everyone's sessions.
    "closed_by_technician": QT_TRANSLATE_NOOP("Reports", "Ended by technician"),
}


def report_state_label(state: str) -> str:
    if state in REPORT_STATE_LABELS:
        return translate("Reports", REPORT_STATE_LABELS[state])
    return state_label(state)


def survey_text(row: ReportRow) -> str:
    if row.survey_skipped:
        return translate("Reports", "skipped")
    if row.survey_rating is None:
        return ""
    return translate("Reports", "{rating} of 5").format(rating=row.survey_rating)


class ReportTableModel(QAbstractTableModel):
    """Columns are the constants below; times are h:mm:ss."""

    (
        CREATED,
        NAME,
        TECHNICIAN,
        GROUP,
        METHOD,
        STATE,
        TOTAL,
        ACTIVE,
        ON_HOLD,
        WAITING,
        CHAT,
        RATING,
        COMMENT,
    ) = range(13)
    HEADERS = (
        QT_TRANSLATE_NOOP("Reports", "Created"),
        QT_TRANSLATE_NOOP("Reports", "Name"),
        QT_TRANSLATE_NOOP("Reports", "Technician"),
        QT_TRANSLATE_NOOP("Reports", "Group"),
        QT_TRANSLATE_NOOP("Reports", "Method"),
        QT_TRANSLATE_NOOP("Reports", "Status"),
        QT_TRANSLATE_NOOP("Reports", "Total time"),
        QT_TRANSLATE_NOOP("Reports", "Active"),
        QT_TRANSLATE_NOOP("Reports", "On hold"),
        QT_TRANSLATE_NOOP("Reports", "Waiting"),
        QT_TRANSLATE_NOOP("Reports", "Chat"),
        QT_TRANSLATE_NOOP("Reports", "Rating"),
        QT_TRANSLATE_NOOP("Reports", "Comment"),
    )
    """English source texts of the column headers; ``headerData`` translates them."""
    NUMERIC = frozenset({TOTAL, ACTIVE, ON_HOLD, WAITING, CHAT, RATING})

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[ReportRow] = []

    @property
    def rows(self) -> list[ReportRow]:
        return list(self._rows)

    def clear(self) -> None:
        self.beginResetModel()
        self._rows = []
        self.endResetModel()

    def append(self, rows: Iterable[ReportRow]) -> None:
        new = list(rows)
        if not new:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._rows.extend(new)
        self.endInsertRows()

    @override
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    @override
    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    @override
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or orientation != Qt.Orientation.Horizontal:
            return None
        if 0 <= section < len(self.HEADERS):
            return translate("Reports", self.HEADERS[section])
        return None

    @override
    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column == self.COMMENT:
            return row.survey_comment or None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: ReportRow, column: int) -> str | None:
        texts = {
            self.CREATED: lambda: format_day_time(row.created_at),
            self.NAME: lambda: row.name,
            self.TECHNICIAN: lambda: row.technician_name,
            self.GROUP: lambda: row.group,
            self.METHOD: lambda: method_label(row.method),
            self.STATE: lambda: report_state_label(row.state),
            self.TOTAL: lambda: format_duration(row.total_seconds),
            self.ACTIVE: lambda: format_duration(row.active_seconds),
            self.ON_HOLD: lambda: format_duration(row.on_hold_seconds),
            self.WAITING: lambda: format_duration(row.waiting_seconds),
            self.CHAT: lambda: str(row.chat_messages),
            self.RATING: lambda: survey_text(row),
            # One line in the table: the whole comment is in the tooltip.
            self.COMMENT: lambda: " ".join((row.survey_comment or "").split()),
        }
        text = texts.get(column)
        return None if text is None else text()
