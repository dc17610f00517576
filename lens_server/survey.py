"""The customer's survey after the session: one rating (1..5) and an optional comment,
or "skip". Stored once per session (``session_surveys``) and shown in the reports.

The customer token outlives the session for this: the phone asks right after the end.
A survey is taken only from a session that was started and then closed by either side
(a session that timed out or was never started had no help to rate), and only once;
anything else is refused with nothing written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import LensSession, SessionSurvey
from lens_server.sessions import SessionService
from lens_server.views import iso

SURVEY_STATES = ("closed_by_technician", "closed_by_customer")
COMMENT_MAX = 1000


def survey_view(row: SessionSurvey) -> dict[str, Any]:
    return {
        "rating": row.rating,
        "comment": row.comment,
        "skipped": row.skipped,
        "created_at": iso(row.created_at),
    }


class SurveyService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def submit(self, customer_token: str, rating: int | None, comment: str) -> dict[str, Any]:
        """``rating`` None means skipped (and then there is no comment). 401 for a token
        that never was; 409 ``survey_not_open`` before the end or for a session that was
        not started; 409 ``survey_answered`` the second time."""
        with self._db.session() as db:
            row = SessionService._by_customer(db, customer_token)
            # A write to the session's row first: across server processes, two
            # answers at once take turns, and the second sees the first.
            db.execute(update(LensSession).where(LensSession.id == row.id).values(id=row.id))
            self._expect_open(db, row)
            survey = SessionSurvey(
                session_id=row.id,
                rating=rating,
                comment=comment if rating is not None else "",
                skipped=rating is None,
            )
            db.add(survey)
            db.flush()
            detail = (
                "skipped"
                if rating is None
                else f"rating {rating}, comment {len(comment)} characters"
            )
            SessionService._log(db, row, "customer", "survey", detail)
            return survey_view(survey)

    @staticmethod
    def _expect_open(db: Session, row: LensSession) -> None:
        if row.state not in SURVEY_STATES or row.started_at is None:
            raise ApiError(
                409,
                "survey_not_open",
                "The survey opens when a session that was started has ended.",
                {"state": row.state},
            )
        if db.get(SessionSurvey, row.id) is not None:
            raise ApiError(409, "survey_answered", "This session's survey was already answered.")
