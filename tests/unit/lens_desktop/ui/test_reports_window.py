"""The Reports window on a real server: a manager filters a scripted month, reads the
times and survey answers in the table, exports the CSV (read back with the csv module);
filters are checked inline; a technician without view_reports is told so, and a
server's 403 is explained too. The table model passes qtmodeltester."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from console_harness import console_window
from PySide6.QtCore import QDate
from ui_factories import signed_in_client

from lens_desktop.net.models import Technician
from lens_desktop.net.reports import ReportFilter, ReportRow, filter_problem
from lens_desktop.ui.report_model import ReportTableModel
from lens_desktop.ui.reports_window import ReportsWindow
from tests.qt_fixtures import wait_until
from tests.report_history import scripted


def texts(window: ReportsWindow, column: int) -> list[str]:
    model = window.model
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


def saved(target: Path) -> tuple[list[dict[str, str]], list[Path]]:
    """The saved CSV read with the csv module, and any .part file left beside it."""
    with target.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    return rows, [p for p in target.parent.iterdir() if p.suffix == ".part"]


def november(window: ReportsWindow) -> None:
    window.first_day.setDate(QDate(2026, 11, 1))
    window.last_day.setDate(QDate(2026, 11, 30))


async def test_a_manager_reads_a_month_and_exports_it_as_csv(
    qtbot: Any, live_server: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    client, technician, _, manager = await signed_in_client(live_server, ["view_reports"])
    _, ann, _, ids = scripted(live_server)
    window = ReportsWindow(client, technician)
    qtbot.addWidget(window)
    try:
        window.show()
        november(window)
        window.show_button.click()
        await wait_until(lambda: window.model.rowCount() == 2)
        await window.tasks.wait_idle()
        assert texts(window, ReportTableModel.NAME) == ['Ann, "the" =printer', "Bob's"]
        assert texts(window, ReportTableModel.TOTAL) == ["08:00", "00:00"]
        assert texts(window, ReportTableModel.ACTIVE) == ["05:25", "00:00"]
        assert texts(window, ReportTableModel.WAITING) == ["01:30", "05:00"]
        assert texts(window, ReportTableModel.RATING) == ["4 of 5", ""]
        assert texts(window, ReportTableModel.COMMENT) == ["<b>ok</b> thanks", ""]
        assert window.status.text() == "2 sessions."
        assert not window.error.isVisible()
        (artifacts_dir / "console").mkdir(exist_ok=True)
        assert window.grab().save(str(artifacts_dir / "console" / "reports.png"))

        # Export CSV: the file dialog's answer, then the streamed download.
        target = tmp_path / "november.csv"
        asked: list[str] = []
        window.ask_save_path = lambda suggested: asked.append(suggested) or str(target)
        window.export_button.click()
        assert window.progress.isVisible()  # the busy sign while it downloads
        await wait_until(lambda: window.status.text().startswith("Saved"), timeout=10)
        assert asked == ["lens-sessions-2026-11-01-2026-11-30.csv"]
        assert not window.progress.isVisible()
        rows, leftovers = saved(target)
        assert [(r["session_id"], r["total_seconds"]) for r in rows] == [
            (ids["helped"], "480.0"),
            (ids["not_started"], "0.0"),
        ]
        assert leftovers == []  # no .part file left beside it

        # One technician's sessions only.
        window.scope.setCurrentIndex(window.scope.findData("technician"))
        window.who.setText(ann.email)
        window.show_button.click()
        await wait_until(lambda: window.model.rowCount() == 1)
        await window.tasks.wait_idle()
        assert texts(window, ReportTableModel.TECHNICIAN) == [ann.display_name]
        del manager
    finally:
        await window.close_tasks()
        client.close()


async def test_bad_filters_are_refused_inline_and_by_the_server(
    qtbot: Any, live_server: Any
) -> None:
    client, technician, _, _ = await signed_in_client(live_server, ["view_reports"])
    window = ReportsWindow(client, technician)
    qtbot.addWidget(window)
    try:
        window.show()
        window.last_day.setDate(QDate(2026, 10, 1))
        window.first_day.setDate(QDate(2026, 11, 1))
        window.show_button.click()
        assert window.error.text() == "The last day is before the first day."
        november(window)
        window.scope.setCurrentIndex(window.scope.findData("technician"))
        assert window.who.isEnabled() and window.who.placeholderText() == "technician@example.com"
        window.show_button.click()
        assert window.error.text() == "Type the technician's email address."
        window.scope.setCurrentIndex(window.scope.findData("group"))
        window.who.setText("No such group")
        window.show_button.click()
        await wait_until(lambda: window.error.isVisible() and bool(window.error.text()))
        await window.tasks.wait_idle()
        assert window.error.text() == "No group named 'No such group'."
        assert window.model.rowCount() == 0
    finally:
        await window.close_tasks()
        client.close()


async def test_without_view_reports_the_window_says_so(
    qtbot: Any, live_server: Any, artifacts_dir: Path
) -> None:
    client, technician, _, _ = await signed_in_client(live_server, ["lens_sessions"])
    window = ReportsWindow(client, technician)
    qtbot.addWidget(window)
    try:
        window.show()
        assert window.error.isVisible()
        assert window.error.text() == (
            "Your group is not allowed to view reports. "
            "Ask your administrator if you need them (permission: view_reports)."
        )
        for control in (window.show_button, window.export_button, window.first_day):
            assert not control.isEnabled()
        assert window.grab().save(str(artifacts_dir / "console" / "reports-denied.png"))

        # Taken away after sign-in: the server's 403, explained.
        stale = Technician(
            technician.id, technician.email, technician.display_name, frozenset({"view_reports"})
        )
        second = ReportsWindow(client, stale)
        qtbot.addWidget(second)
        second.show()
        second.show_button.click()
        await wait_until(lambda: second.error.isVisible())
        await second.tasks.wait_idle()
        assert second.error.text() == (
            "Your group is not allowed to view reports. Ask your administrator if you need it."
        )
        await second.close_tasks()
    finally:
        await window.close_tasks()
        client.close()


async def test_the_console_menu_opens_one_reports_window(
    qtbot: Any, live_server: Any, settings: Any, credentials: Any
) -> None:
    async with console_window(
        qtbot, live_server, settings, credentials, ["lens_sessions", "view_reports"]
    ) as console:
        window = console.window
        assert window.reports_action in window.menuBar().actions()[0].menu().actions()
        window.reports_action.trigger()
        reports = window.reports_window
        assert reports is not None and reports.isVisible() and reports.allowed
        reports.close()
        window.reports_action.trigger()
        assert window.reports_window is reports and reports.isVisible()


def test_filter_rules_and_query() -> None:
    values = ReportFilter(date(2026, 11, 1), date(2026, 11, 30), "group", " Support ")
    assert values.params() == {"from": "2026-11-01", "to": "2026-12-01", "group": "Support"}
    assert filter_problem(values) is None
    assert ReportFilter(date(2026, 11, 1), date(2026, 11, 1)).params() == {
        "from": "2026-11-01",
        "to": "2026-11-02",
    }
    assert filter_problem(ReportFilter(date(2026, 11, 2), date(2026, 11, 1))) is not None
    assert (
        filter_problem(ReportFilter(date(2026, 11, 1), date(2026, 11, 1), "group", " ")) is not None
    )


def test_the_model_passes_qtmodeltester(qtmodeltester: Any) -> None:
    model = ReportTableModel()
    row = {
        "session_id": "s1",
        "name": "Ann",
        "technician_email": "a@example.com",
        "technician_name": "A",
        "group": "Support",
        "method": "pin",
        "state": "closed_by_customer",
        "created_at": "2026-11-03T10:00:00.000Z",
        "total_seconds": 3725.0,
        "active_seconds": 3600.0,
        "on_hold_seconds": 125.0,
        "waiting_seconds": 3.0,
        "reconnecting_seconds": 0.0,
        "chat_messages": 3,
        "survey_rating": None,
        "survey_comment": None,
        "survey_skipped": True,
    }
    model.append([ReportRow.from_json(row), ReportRow.from_json({**row, "survey_skipped": None})])
    qtmodeltester.check(model)
    assert model.data(model.index(0, ReportTableModel.TOTAL)) == "1:02:05"
    assert model.data(model.index(0, ReportTableModel.RATING)) == "skipped"
    assert model.data(model.index(1, ReportTableModel.RATING)) == ""


async def test_without_view_reports_the_menu_says_why(
    qtbot: Any, live_server: Any, settings: Any, credentials: Any
) -> None:
    async with console_window(
        qtbot, live_server, settings, credentials, ["lens_sessions"]
    ) as console:
        window = console.window
        assert "view_reports" not in console.services.technician.permissions
        assert window.reports_action.statusTip().startswith(
            "Your group is not allowed to view reports."
        )
        window.reports_action.trigger()
        reports = window.reports_window
        assert reports is not None and not reports.allowed and reports.error.isVisible()
