"""The Reports window (Console > Reports…): sessions of a date range, of everyone, one
technician or one group, with their times and survey answers; Export CSV saves the
server's streamed CSV of the same filter to a file.

Reports need the permission ``view_reports`` (the server checks every call); without it
the window says so and its controls stay off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.net.client import ServerClient
from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import Technician
from lens_desktop.net.reports import ReportFilter, Scope, filter_problem
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate
from lens_desktop.ui.report_model import ReportTableModel
from lens_desktop.ui.tasks import TaskOwner

PERMISSION = "view_reports"
ERROR_STYLE = "color: #b3261e;"
PAGE = 200


def no_permission_text() -> str:
    return translate(
        "Reports",
        "Your group is not allowed to view reports. "
        "Ask your administrator if you need them (permission: view_reports).",
    )


class ReportsWindow(QDialog):
    """Not modal: the technician keeps working in the main window meanwhile. The main
    window keeps one and shows it again (with its filters); ``close_tasks`` at sign-out."""

    def __init__(
        self, client: ServerClient, technician: Technician, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._tasks = TaskOwner("reports")
        self._cursor: str | None = None
        self._shown: ReportFilter | None = None
        self._working = False
        self.allowed = PERMISSION in technician.permissions
        self.ask_save_path: Callable[[str], str] = self._ask_save_path
        """Where to save the CSV ("" to cancel); tests hand in their own."""
        self.model = ReportTableModel(self)
        self.setWindowTitle(translate("Reports", "Session reports"))
        self._build()
        self._connect_signals()
        self._update_controls()
        self.resize(1100, 560)

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addLayout(self._filters())
        self.error = QLabel(self)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        self.table.setAccessibleName(translate("Reports", "Sessions in the report"))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(ReportTableModel.COMMENT, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        layout.addLayout(self._footer())

    def _filters(self) -> QHBoxLayout:
        today = QDate.currentDate()
        self.first_day = self._date_edit(QDate(today.year(), today.month(), 1))
        self.last_day = self._date_edit(today)
        self.scope = QComboBox(self)
        self.scope.addItem(translate("Reports", "All technicians"), "all")
        self.scope.addItem(translate("Reports", "One technician"), "technician")
        self.scope.addItem(translate("Reports", "One group"), "group")
        self.who = QLineEdit(self)
        self.who.setMinimumWidth(220)
        self.show_button = QPushButton(translate("Reports", "&Show"), self)
        self.show_button.setDefault(True)
        row = QHBoxLayout()
        for text, widget in (
            (translate("Reports", "&From:"), self.first_day),
            (translate("Reports", "&To:"), self.last_day),
            (translate("Reports", "Sessions &of:"), self.scope),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
        row.addWidget(self.who, 1)
        row.addWidget(self.show_button)
        return row

    def _date_edit(self, value: QDate) -> QDateEdit:
        edit = QDateEdit(value, self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _footer(self) -> QHBoxLayout:
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy: the size of a streamed CSV is not known
        self.progress.setMaximumWidth(160)
        self.progress.setAccessibleName(translate("Reports", "Working"))
        self.progress.hide()
        self.more_button = QPushButton(translate("Reports", "Load &more"), self)
        self.export_button = QPushButton(translate("Reports", "&Export CSV…"), self)
        self.close_button = QPushButton(translate("Reports", "Close"), self)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.progress)
        row.addWidget(self.more_button)
        row.addWidget(self.export_button)
        row.addWidget(self.close_button)
        return row

    def _connect_signals(self) -> None:
        self.scope.currentIndexChanged.connect(self.on_scope_changed)
        self.show_button.clicked.connect(self.on_show_button_clicked)
        self.more_button.clicked.connect(self.on_more_button_clicked)
        self.export_button.clicked.connect(self.on_export_button_clicked)
        self.close_button.clicked.connect(self.close)

    # -- values ----------------------------------------------------------------------

    @property
    def values(self) -> ReportFilter:
        scope: Scope = self.scope.currentData()
        return ReportFilter(
            _day(self.first_day.date()), _day(self.last_day.date()), scope, self.who.text()
        )

    def validate(self) -> bool:
        problem = filter_problem(self.values)
        self._show_error(translate("Reports", problem) if problem else None)
        return problem is None

    # -- slots -----------------------------------------------------------------------

    def on_scope_changed(self) -> None:
        scope = self.scope.currentData()
        self.who.setPlaceholderText(
            {
                "technician": translate("Reports", "technician@example.com"),
                "group": translate("Reports", "Group name"),
            }.get(scope, "")
        )
        self._update_controls()
        if scope != "all":
            self.who.setFocus()

    def on_show_button_clicked(self) -> None:
        if self.allowed and not self._working and self.validate():
            self._busy(True, translate("Reports", "Loading the report…"))
            self._tasks.spawn(self._load(self.values, fresh=True))

    def on_more_button_clicked(self) -> None:
        if self._shown is not None and self._cursor and not self._working:
            self._busy(True, translate("Reports", "Loading the report…"))
            self._tasks.spawn(self._load(self._shown, fresh=False))

    def on_export_button_clicked(self) -> None:
        if not self.allowed or self._working or not self.validate():
            return
        values = self.values
        path = self.ask_save_path(values.file_name())
        if path:
            target = Path(path)
            self._busy(True, translate("Reports", "Saving {file}…").format(file=target.name))
            self._tasks.spawn(self._export(values, target))

    # -- work ------------------------------------------------------------------------

    async def _load(self, values: ReportFilter, fresh: bool) -> None:
        """The first page (fresh) or the next one; the slot has shown the busy sign."""
        try:
            page = await self._client.report_page(values, None if fresh else self._cursor, PAGE)
        except (ApiError, ServerUnreachable) as exc:
            self._busy(False, "")
            self._show_error(describe_error(exc))
            return
        if fresh:
            self.model.clear()
        self.model.append(page.rows)
        self._shown, self._cursor = values, page.next_cursor
        self._busy(False, self._count_text())

    async def _export(self, values: ReportFilter, path: Path) -> None:
        try:
            size = await self._client.download_report_csv(values, path)
        except (ApiError, ServerUnreachable) as exc:
            self._busy(False, "")
            self._show_error(describe_error(exc))
            return
        except OSError as exc:  # the folder is read-only, the disk full, ...
            self._busy(False, "")
            self._show_error(
                translate("Reports", "Could not save {file}: {reason}").format(
                    file=str(path), reason=exc.strerror or exc
                )
            )
            return
        self._busy(
            False,
            translate("Reports", "Saved {file} ({size} KB).").format(
                file=str(path), size=max(1, round(size / 1024))
            ),
        )

    def _count_text(self) -> str:
        count = self.model.rowCount()
        if self._cursor:
            return translate("Reports", "{count} sessions shown; more with Load more.").format(
                count=count
            )
        if count == 0:
            return translate("Reports", "No sessions in this range.")
        return translate("Reports", "{count} sessions.").format(count=count)

    # -- state -----------------------------------------------------------------------

    def _busy(self, busy: bool, text: str) -> None:
        self._working = busy
        if busy:
            self._show_error(None)
        self.progress.setVisible(busy)
        self.status.setText(text)
        self._update_controls()

    def _show_error(self, text: str | None) -> None:
        self.error.setText(text or "")
        self.error.setVisible(bool(text))

    def _update_controls(self) -> None:
        idle = self.allowed and not self._working
        for widget in (self.first_day, self.last_day, self.scope, self.show_button):
            widget.setEnabled(self.allowed)
        self.who.setEnabled(self.allowed and self.scope.currentData() != "all")
        self.show_button.setEnabled(idle)
        self.export_button.setEnabled(idle)
        self.more_button.setEnabled(idle and bool(self._cursor))
        if not self.allowed:
            self._show_error(no_permission_text())

    def _ask_save_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(
            self,
            translate("Reports", "Export CSV"),
            str(Path.home() / suggested),
            translate("Reports", "CSV files (*.csv)"),
        )
        return path

    # -- closing ---------------------------------------------------------------------

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    async def close_tasks(self) -> None:
        await self._tasks.close()


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())
