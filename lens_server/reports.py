"""Session reports for managers (permission ``view_reports``): each session of a date
range with its technician, method, the time spent in each state and the total time, the
customer's survey answer; and the chat log of the same sessions.

"Total time" is Rescue's: active + on hold + transfer + reconnecting; connecting and
waiting do not count (the customer had not been helped yet). It is computed from the
session's event history (``session_events``), whose ``state`` column is the state after
each step, by the pure functions ``state_spans`` and ``total_seconds``.

Large ranges stream: sessions are read in keyset pages of ``PAGE`` rows (with their
events, chat counts and surveys, one query each), and each page is handed on before the
next is read, so memory holds one page whatever the range (bench/reports.py measures it).
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import (
    ChatMessage,
    Group,
    LensSession,
    SessionEvent,
    SessionSurvey,
    Technician,
    utcnow,
)
from lens_server.pagination import Cursor
from lens_server.views import FINAL_STATES, iso

PAGE = 200
"""Sessions read at a time while streaming."""
COUNTED_STATES = ("active", "on_hold", "transferring", "reconnecting")
"""The states "total time" adds up (a transfer's time counts: lens_server.transfer)."""
TIMED_STATES = ("connecting", "waiting", *COUNTED_STATES)
"""The states with a column of their own in the report."""
SESSION_COLUMNS: tuple[str, ...] = (
    "session_id",
    "name",
    "technician_email",
    "technician_name",
    "group",
    "method",
    "state",
    "created_at",
    "started_at",
    "ended_at",
    *(f"{state}_seconds" for state in TIMED_STATES),
    "total_seconds",
    "chat_messages",
    "survey_rating",
    "survey_comment",
    "survey_skipped",
)
CHAT_COLUMNS: tuple[str, ...] = (
    "session_id",
    "session_name",
    "technician_email",
    "at",
    "sender",
    "sender_name",
    "text",
)


# --- time in states (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class StateSpan:
    """A stretch of time the session spent in one state."""

    state: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


def state_spans(history: Iterable[tuple[datetime, str]], until: datetime) -> list[StateSpan]:
    """The spans of a session's history: ``history`` is its events in order, each the
    moment of a step and the state after it. Steps that keep the state (a chat message, a
    camera paused) extend the span; a final state ends the history (it lasts no time);
    a session still open runs until ``until``."""
    spans: list[StateSpan] = []
    current: tuple[str, datetime] | None = None
    for at, state in history:
        if current is not None and state == current[0]:
            continue
        if current is not None:
            spans.append(StateSpan(current[0], current[1], at))
        if state in FINAL_STATES:
            return spans
        current = (state, at)
    if current is not None:
        spans.append(StateSpan(current[0], current[1], max(until, current[1])))
    return spans


def seconds_by_state(spans: Iterable[StateSpan]) -> dict[str, float]:
    found: dict[str, float] = defaultdict(float)
    for span in spans:
        found[span.state] += span.seconds
    return dict(found)


def total_seconds(spans: Iterable[StateSpan]) -> float:
    """Rescue's total time: active + on hold + transfer + reconnecting."""
    return float(sum(span.seconds for span in spans if span.state in COUNTED_STATES))


# --- the query -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportQuery:
    """Which sessions: created in [start, end), of one technician, one group, or all."""

    start: datetime
    end: datetime
    technician: str | None = None
    group: str | None = None


def day_or_moment(text: str, name: str) -> datetime:
    """``2026-11-01`` (midnight UTC) or an ISO 8601 moment (UTC when no zone is given)."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            422,
            "invalid_request",
            f"{name}: not a date (YYYY-MM-DD) or an ISO 8601 moment: {text[:40]!r}.",
            {"field": name},
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def make_query(start: str, end: str, technician: str | None, group: str | None) -> ReportQuery:
    """Checks the range and the scope before anything is read."""
    query = ReportQuery(
        day_or_moment(start, "from"), day_or_moment(end, "to"), technician or None, group or None
    )
    if query.end <= query.start:
        raise ApiError(
            422, "invalid_request", "to: the end must be after the start.", {"field": "to"}
        )
    if query.technician and query.group:
        raise ApiError(
            422,
            "invalid_request",
            "Choose a technician or a group, not both.",
            {"field": "group"},
        )
    return query


def _view_of_session(
    row: LensSession,
    group: str,
    history: Sequence[tuple[datetime, str]],
    chat_count: int,
    survey: SessionSurvey | None,
    now: datetime,
) -> dict[str, Any]:
    spans = state_spans(history, row.ended_at or now)
    by_state = seconds_by_state(spans)
    view: dict[str, Any] = {
        "session_id": row.id,
        "name": row.name,
        "technician_email": row.technician.email,
        "technician_name": row.technician.display_name,
        "group": group,
        "method": row.method,
        "state": row.state,
        "created_at": iso(row.created_at),
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
    }
    for state in TIMED_STATES:
        view[f"{state}_seconds"] = round(by_state.get(state, 0.0), 3)
    view["total_seconds"] = round(total_seconds(spans), 3)
    view["chat_messages"] = chat_count
    view["survey_rating"] = survey.rating if survey else None
    view["survey_comment"] = survey.comment if survey else None
    view["survey_skipped"] = survey.skipped if survey else None
    view["states"] = [
        {"state": s.state, "from": iso(s.start), "to": iso(s.end), "seconds": round(s.seconds, 3)}
        for s in spans
    ]
    return view


class ReportService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def sessions_page(
        self, query: ReportQuery, limit: int, after: Cursor | None
    ) -> tuple[list[dict[str, Any]], Cursor | None]:
        """One page of the report, oldest first, and the cursor of the next one."""
        with self._db.session() as db:
            rows = self._rows(db, query, limit + 1, after)
            page = rows[:limit]
            following = Cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
            return self._views(db, page), following

    def sessions(self, query: ReportQuery, page: int = PAGE) -> Iterator[dict[str, Any]]:
        """Every session of the report, oldest first, read a page at a time."""
        for rows in self._pages(query, page, self._views):
            yield from rows

    def chat(self, query: ReportQuery, page: int = PAGE) -> Iterator[dict[str, Any]]:
        """Every chat message of the report's sessions, session by session."""
        for rows in self._pages(query, page, self._chat_lines):
            yield from rows

    def check_scope(self, query: ReportQuery) -> None:
        """A technician or group that does not exist is a 404, not an empty report."""
        with self._db.session() as db:
            if query.technician and self._technician_id(db, query.technician) is None:
                raise ApiError(
                    404, "technician_not_found", f"No technician with email {query.technician!r}."
                )
            if query.group and self._group_id(db, query.group) is None:
                raise ApiError(404, "group_not_found", f"No group named {query.group!r}.")

    # --- plumbing ------------------------------------------------------------------

    def _pages(self, query: ReportQuery, page: int, build: Any) -> Iterator[list[dict[str, Any]]]:
        after: Cursor | None = None
        while True:
            # One short transaction per page: a long export holds no lock or snapshot.
            with self._db.session() as db:
                rows = self._rows(db, query, page, after)
                if not rows:
                    return
                after = Cursor(rows[-1].created_at, rows[-1].id)
                views = build(db, rows)
            yield views
            if len(rows) < page:
                return

    def _rows(
        self, db: Session, query: ReportQuery, limit: int, after: Cursor | None
    ) -> list[LensSession]:
        select_rows = select(LensSession).where(
            LensSession.created_at >= query.start, LensSession.created_at < query.end
        )
        if query.technician:
            select_rows = select_rows.where(
                LensSession.technician_id == self._technician_id(db, query.technician)
            )
        if query.group:
            select_rows = select_rows.join(
                Technician, LensSession.technician_id == Technician.id
            ).where(Technician.group_id == self._group_id(db, query.group))
        if after is not None:
            select_rows = select_rows.where(
                or_(
                    LensSession.created_at > after.created_at,
                    and_(LensSession.created_at == after.created_at, LensSession.id > after.id),
                )
            )
        ordered = select_rows.order_by(LensSession.created_at, LensSession.id).limit(limit)
        return list(db.scalars(ordered))

    @staticmethod
    def _technician_id(db: Session, email: str) -> int | None:
        return db.scalar(select(Technician.id).where(Technician.email == email.strip().lower()))

    @staticmethod
    def _group_id(db: Session, name: str) -> int | None:
        return db.scalar(select(Group.id).where(Group.name == name))

    @staticmethod
    def _views(db: Session, rows: list[LensSession]) -> list[dict[str, Any]]:
        ids = [row.id for row in rows]
        history: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
        events = db.execute(
            select(SessionEvent.session_id, SessionEvent.at, SessionEvent.state)
            .where(SessionEvent.session_id.in_(ids))
            .order_by(SessionEvent.id)
        )
        for session_id, at, state in events:
            history[session_id].append((at, state))
        counts: dict[str, int] = {
            session_id: count
            for session_id, count in db.execute(
                select(ChatMessage.session_id, func.count())
                .where(ChatMessage.session_id.in_(ids))
                .group_by(ChatMessage.session_id)
            )
        }
        surveys = {
            s.session_id: s
            for s in db.scalars(select(SessionSurvey).where(SessionSurvey.session_id.in_(ids)))
        }
        groups = {group_id: name for group_id, name in db.execute(select(Group.id, Group.name))}
        now = utcnow()
        return [
            _view_of_session(
                row,
                groups.get(row.technician.group_id, ""),
                history[row.id],
                counts.get(row.id, 0),
                surveys.get(row.id),
                now,
            )
            for row in rows
        ]

    @staticmethod
    def _chat_lines(db: Session, rows: list[LensSession]) -> list[dict[str, Any]]:
        by_id = {row.id: row for row in rows}
        messages = db.scalars(
            select(ChatMessage)
            .where(ChatMessage.session_id.in_(list(by_id)))
            .order_by(ChatMessage.id)
        )
        lines = [
            {
                "session_id": m.session_id,
                "session_name": by_id[m.session_id].name,
                "technician_email": by_id[m.session_id].technician.email,
                "at": iso(m.created_at),
                "sender": m.sender,
                "sender_name": m.sender_name,
                "text": m.text,
            }
            for m in messages
        ]
        order = {session_id: index for index, session_id in enumerate(by_id)}
        return sorted(lines, key=lambda line: order[line["session_id"]])


# --- output ----------------------------------------------------------------------------


def csv_lines(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header, then one CSV record per row (RFC 4180: CRLF, quotes as needed).
    A cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(value) for value in values])
        return buffer.getvalue()

    yield line(columns)
    for row in rows:
        yield line(row.get(column) for column in columns)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value)
    # CSV injection: =, +, -, @ at the start of a text cell (not of a number).
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def json_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array written row by row (for the command line's ``--format json``)."""
    first = True
    yield "["
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(row, ensure_ascii=False)
        first = False
    yield "\n]\n"
