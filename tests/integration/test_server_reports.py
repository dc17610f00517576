"""Session reports over REST (issue 18 point 4): totals from a scripted history match the
figures worked out by hand, the CSV reads back with Python's csv module, the scope
filters, paging, the permission, and a large range streamed page by page. Real uvicorn,
SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from lens_server.reports import PAGE, SESSION_COLUMNS, ReportService, make_query
from tests.live_server import LiveServer
from tests.report_history import at, many_sessions, scripted, technician_id

NOVEMBER = {"from": "2026-11-01", "to": "2026-12-01"}


def report(live_server: LiveServer, token: str, **params: Any) -> list[dict[str, Any]]:
    answer = live_server.api("GET", "/reports/sessions", token, params={**NOVEMBER, **params})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["sessions"])


def test_totals_from_a_scripted_history_match_the_figures_worked_out_by_hand(
    live_server: LiveServer,
) -> None:
    manager, ann, _, ids = scripted(live_server)
    rows = report(live_server, manager.token)
    assert [row["session_id"] for row in rows] == [ids["helped"], ids["not_started"]]
    helped, not_started = rows
    assert {k: helped[k] for k in helped if k.endswith("_seconds")} == {
        "connecting_seconds": 30.0,
        "waiting_seconds": 90.0,
        "active_seconds": 325.0,
        "on_hold_seconds": 90.0,
        "transferring_seconds": 45.0,
        "reconnecting_seconds": 20.0,
        "total_seconds": 480.0,
    }
    assert (helped["technician_email"], helped["method"], helped["state"]) == (
        ann.email,
        "pin",
        "closed_by_technician",
    )
    assert (helped["survey_rating"], helped["survey_comment"], helped["survey_skipped"]) == (
        4,
        "<b>ok</b>\nthanks",
        False,
    )
    assert helped["chat_messages"] == 2
    assert [s["state"] for s in helped["states"]][:3] == ["connecting", "waiting", "active"]
    assert helped["states"][2] == {
        "state": "active",
        "from": "2026-11-03T10:02:00.000Z",
        "to": "2026-11-03T10:05:00.000Z",
        "seconds": 180.0,
    }
    assert (not_started["total_seconds"], not_started["waiting_seconds"]) == (0.0, 300.0)
    assert not_started["survey_rating"] is None and not_started["survey_skipped"] is None


def test_the_csv_opens_with_pythons_csv_module_and_says_what_the_json_says(
    live_server: LiveServer,
) -> None:
    manager, _, _, ids = scripted(live_server)
    answer = live_server.api("GET", "/reports/sessions.csv", manager.token, params=NOVEMBER)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        'filename="lens-sessions-2026-11-01-2026-12-01.csv"'
        in answer.headers["content-disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(answer.text, newline="")))
    assert tuple(rows[0]) == SESSION_COLUMNS
    assert [row["session_id"] for row in rows] == [ids["helped"], ids["not_started"]]
    helped = rows[0]
    assert helped["name"] == 'Ann, "the" =printer'  # commas, quotes survive
    assert (helped["total_seconds"], helped["active_seconds"]) == ("480.0", "325.0")
    assert (helped["survey_rating"], helped["survey_comment"]) == ("4", "<b>ok</b>\nthanks")
    assert rows[1]["survey_rating"] == "" and rows[1]["total_seconds"] == "0.0"

    chat = live_server.api("GET", "/reports/chat.csv", manager.token, params=NOVEMBER)
    lines = list(csv.DictReader(io.StringIO(chat.text, newline="")))
    assert [(line["session_id"], line["text"]) for line in lines] == [
        (ids["helped"], "hello"),
        (ids["helped"], "bye"),
    ]


def test_a_technician_without_view_reports_gets_403(live_server: LiveServer) -> None:
    _, ann, _, _ = scripted(live_server)
    for path in ("/reports/sessions", "/reports/sessions.csv", "/reports/chat.csv"):
        answer = live_server.api("GET", path, ann.token, params=NOVEMBER)
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "permission_denied"
        assert answer.json()["error"]["details"] == {"missing_permission": "view_reports"}
        # Nothing about the scope leaks before the permission: an unknown group is a 403 too.
        unknown = live_server.api("GET", path, ann.token, params={**NOVEMBER, "group": "nope"})
        assert unknown.status_code == 403
        assert live_server.api("GET", path, None, params=NOVEMBER).status_code == 401


def test_the_scope_narrows_to_a_technician_or_a_group(live_server: LiveServer) -> None:
    manager, ann, bob, ids = scripted(live_server)
    assert [r["session_id"] for r in report(live_server, manager.token, technician=bob.email)] == [
        ids["not_started"]
    ]
    group = report(live_server, manager.token, technician=ann.email)[0]["group"]
    assert [r["session_id"] for r in report(live_server, manager.token, group=group)] == [
        ids["helped"]
    ]
    everything = report(live_server, manager.token, to="2027-01-01")
    assert len(everything) == 3
    for params, status, code in (
        ({"technician": "nobody@example.com"}, 404, "technician_not_found"),
        ({"group": "No such group"}, 404, "group_not_found"),
        ({"technician": ann.email, "group": group}, 422, "invalid_request"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, 422, "invalid_request"),
        ({"from": "last week"}, 422, "invalid_request"),
    ):
        answer = live_server.api(
            "GET", "/reports/sessions.csv", manager.token, params={**NOVEMBER, **params}
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (status, code), params


def test_json_pages_follow_the_cursor_without_repeating_or_skipping(
    live_server: LiveServer,
) -> None:
    manager, _, _, ids = scripted(live_server)
    seen: list[str] = []
    params: dict[str, Any] = {**NOVEMBER, "to": "2027-01-01", "limit": 1}
    while True:
        answer = live_server.api("GET", "/reports/sessions", manager.token, params=params)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        seen += [row["session_id"] for row in page["sessions"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == [ids["helped"], ids["not_started"], ids["december"]]


def test_a_real_session_with_its_survey_is_in_the_report(live_server: LiveServer) -> None:
    manager = live_server.technician(["view_reports"])
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token, name="Real Ann")
    sid = session["id"]
    live_server.start_session(tech.token, sid)
    for step in ("hold", "resume", "end"):
        assert live_server.api("POST", f"/sessions/{sid}/{step}", tech.token).status_code == 200
    survey = live_server.api("POST", "/customer/survey", customer, json={"rating": 5})
    assert survey.status_code == 201, survey.text
    today = datetime.now(UTC).date()
    params = {"from": today.isoformat(), "to": (today + timedelta(days=1)).isoformat()}
    answer = live_server.api("GET", "/reports/sessions", manager.token, params=params)
    (row,) = answer.json()["sessions"]
    assert (row["session_id"], row["name"], row["survey_rating"]) == (sid, "Real Ann", 5)
    assert [s["state"] for s in row["states"]] == [
        "connecting",
        "waiting",
        "active",
        "on_hold",
        "active",
    ]
    # Each figure is rounded to the millisecond on its own.
    assert row["total_seconds"] == pytest.approx(
        row["active_seconds"] + row["on_hold_seconds"], abs=0.002
    )


def test_a_large_range_streams_page_by_page(live_server: LiveServer) -> None:
    """Thousands of sessions: the CSV is whole, and the report reads the database a page
    at a time as rows are handed out (counted SELECTs on the sessions table)."""
    manager = live_server.technician(["view_reports"])
    tech = live_server.technician()
    count = PAGE * 12 + 7
    database = live_server.database()
    try:
        many_sessions(
            database, technician_id(database, tech.email), count, at(0), timedelta(minutes=5)
        )
        selects: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "FROM sessions" in statement:
                selects.append(statement)

        event.listen(database.engine, "before_cursor_execute", seen)
        rows = ReportService(database).sessions(make_query("2026-11-01", "2026-12-01", None, None))
        first = next(rows)
        assert first["session_id"] == "bulk000000000000" and first["total_seconds"] == 600.0
        assert len(selects) == 1  # one page read so far, not the range
        assert sum(1 for _ in rows) == count - 1
        assert len(selects) == 13  # 13 pages of PAGE
    finally:
        database.close()
    with live_server.http.stream(
        "GET",
        "/api/v1/reports/sessions.csv",
        params=NOVEMBER,
        headers={"Authorization": f"Bearer {manager.token}"},
    ) as answer:
        assert answer.status_code == 200
        assert "content-length" not in answer.headers  # streamed, not built whole
        text = "".join(answer.iter_text())
    rows_read = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(rows_read) == count
    assert {row["total_seconds"] for row in rows_read} == {"600.0"}
