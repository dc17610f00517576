"""Reports REST API (lens_server.reports) and the customer's survey (lens_server.survey).

Reports need the permission ``view_reports`` and cover every technician's sessions
(the scope filters narrow them: one technician, one group). JSON comes a page at a time
with a cursor; CSV streams the whole range in one answer, read from the database a page
at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from lens_server.api.deps import Me, customer_bearer
from lens_server.api.schemas import ReportPage, SurveyPost, SurveyView
from lens_server.errors import responses
from lens_server.pagination import DEFAULT_PAGE, MAX_PAGE, Cursor
from lens_server.reports import (
    CHAT_COLUMNS,
    SESSION_COLUMNS,
    ReportQuery,
    ReportService,
    csv_lines,
    make_query,
)
from lens_server.sessions import require
from lens_server.survey import SurveyService

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])
customer_router = APIRouter(prefix="/api/v1/customer", tags=["customer"])
CustomerToken = Annotated[str, Depends(customer_bearer)]
CSV_TYPE = "text/csv; charset=utf-8"


def report_service(request: Request) -> ReportService:
    return request.app.state.reports


def survey_service(request: Request) -> SurveyService:
    return request.app.state.survey


Reports = Annotated[ReportService, Depends(report_service)]
Surveys = Annotated[SurveyService, Depends(survey_service)]


def scope(
    who: Me,
    reports: Reports,
    start: Annotated[
        str,
        Query(
            alias="from",
            max_length=40,
            description="First day (YYYY-MM-DD, UTC) or moment (ISO 8601), included.",
        ),
    ],
    end: Annotated[
        str,
        Query(
            alias="to",
            max_length=40,
            description="Day or moment where the range ends, excluded "
            "(from=2026-11-01&to=2026-12-01 is November).",
        ),
    ],
    technician: Annotated[
        str | None, Query(max_length=254, description="Only this technician's (email).")
    ] = None,
    group: Annotated[str | None, Query(max_length=64, description="Only this group's.")] = None,
) -> ReportQuery:
    """The permission first, then the query: a technician without view_reports learns
    nothing about the range, the technicians or the groups."""
    require(who, "view_reports")
    query = make_query(start, end, technician, group)
    reports.check_scope(query)
    return query


Scope = Annotated[ReportQuery, Depends(scope)]
ERRORS = responses(400, 401, 403, 404, 422)


@router.get("/sessions", response_model=ReportPage, responses=ERRORS)
def sessions(
    query: Scope,
    reports: Reports,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> dict[str, Any]:
    """The sessions created in the range, oldest first, with their technician, method,
    time in each state, total time (active + on hold + transfer + reconnecting), chat
    message count and survey answer. Needs `view_reports` (else 403)."""
    after = Cursor.decode(cursor) if cursor else None
    rows, following = reports.sessions_page(query, limit, after)
    return {"sessions": rows, "next_cursor": following.encode() if following else None}


@router.get(
    "/sessions.csv",
    response_class=StreamingResponse,
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "The report."}},
)
def sessions_csv(query: Scope, reports: Reports) -> StreamingResponse:
    """The same report as CSV (UTF-8, a header line, the columns of the JSON report
    without `states`), streamed: any range, read a page at a time."""
    return _csv(SESSION_COLUMNS, reports.sessions(query), "lens-sessions", query)


@router.get(
    "/chat.csv",
    response_class=StreamingResponse,
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "The chat log."}},
)
def chat_csv(query: Scope, reports: Reports) -> StreamingResponse:
    """The chat log of the report's sessions as CSV, one message a line, session by
    session in the report's order. Needs `view_reports`."""
    return _csv(CHAT_COLUMNS, reports.chat(query), "lens-chat", query)


def _csv(
    columns: tuple[str, ...], rows: Iterator[dict[str, Any]], stem: str, query: ReportQuery
) -> StreamingResponse:
    name = f"{stem}-{query.start:%Y-%m-%d}-{query.end:%Y-%m-%d}.csv"
    # A plain (sync) iterator: Starlette reads it in its thread pool, page by page.
    return StreamingResponse(
        (line.encode() for line in csv_lines(columns, rows)),
        media_type=CSV_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@customer_router.post(
    "/survey",
    status_code=201,
    response_model=SurveyView,
    responses=responses(400, 401, 409, 422),
)
def survey(body: SurveyPost, token: CustomerToken, surveys: Surveys) -> dict[str, Any]:
    """The customer's rating (1..5) and optional comment, or `{"skip": true}`, once the
    session has ended (closed by either side after it was started; else 409
    `survey_not_open`), once per session (then 409 `survey_answered`)."""
    return surveys.submit(token, None if body.skip else body.rating, body.comment)
