"""Session reports as the console reads them (docs/protocol.md, "Reports"): the filter
a manager picks, and one row of the report. No widgets here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from PySide6.QtCore import QT_TRANSLATE_NOOP

Scope = Literal["all", "technician", "group"]


@dataclass(frozen=True)
class ReportFilter:
    """Sessions created from ``first`` to ``last`` (both days included, UTC), of
    everyone, one technician (email) or one group (name)."""

    first: date
    last: date
    scope: Scope = "all"
    who: str = ""

    def params(self) -> dict[str, str]:
        """The query of GET /api/v1/reports/...: the server's ``to`` is excluded."""
        found = {"from": self.first.isoformat(), "to": (self.last + timedelta(days=1)).isoformat()}
        if self.scope != "all":
            found[self.scope] = self.who.strip()
        return found

    def file_name(self) -> str:
        return f"lens-sessions-{self.first.isoformat()}-{self.last.isoformat()}.csv"


def filter_problem(values: ReportFilter) -> str | None:
    """What is wrong with the filter, in English (the window translates it in context
    "Reports"), or None."""
    if values.last < values.first:
        return str(QT_TRANSLATE_NOOP("Reports", "The last day is before the first day."))
    if values.scope == "technician" and "@" not in values.who:
        return str(QT_TRANSLATE_NOOP("Reports", "Type the technician's email address."))
    if values.scope == "group" and not values.who.strip():
        return str(QT_TRANSLATE_NOOP("Reports", "Type the group's name."))
    return None


@dataclass(frozen=True)
class ReportRow:
    """One session of the report (the server's JSON row; times in seconds)."""

    session_id: str
    name: str
    technician_email: str
    technician_name: str
    group: str
    method: str
    state: str
    created_at: str
    total_seconds: float
    active_seconds: float
    on_hold_seconds: float
    waiting_seconds: float
    reconnecting_seconds: float
    chat_messages: int
    survey_rating: int | None
    survey_comment: str | None
    survey_skipped: bool | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReportRow:
        return cls(
            session_id=str(data["session_id"]),
            name=str(data["name"]),
            technician_email=str(data["technician_email"]),
            technician_name=str(data["technician_name"]),
            group=str(data["group"]),
            method=str(data["method"]),
            state=str(data["state"]),
            created_at=str(data["created_at"]),
            total_seconds=float(data["total_seconds"]),
            active_seconds=float(data["active_seconds"]),
            on_hold_seconds=float(data["on_hold_seconds"]),
            waiting_seconds=float(data["waiting_seconds"]),
            reconnecting_seconds=float(data["reconnecting_seconds"]),
            chat_messages=int(data["chat_messages"]),
            survey_rating=data.get("survey_rating"),
            survey_comment=data.get("survey_comment"),
            survey_skipped=data.get("survey_skipped"),
        )


@dataclass(frozen=True)
class ReportPage:
    rows: list[ReportRow]
    next_cursor: str | None
