"""Scripted session histories written straight into a test server's database, for the
report tests and bench/reports.py: sessions whose times are known to the second."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from lens_server.db import Database
from lens_server.models import ChatMessage, LensSession, SessionEvent, SessionSurvey, Technician
from tests.live_server import LiveServer, Tech


def technician_id(database: Database, email: str) -> int:
    with database.session() as db:
        found = db.scalar(select(Technician.id).where(Technician.email == email))
    assert found is not None, email
    return found


def scripted_session(
    database: Database,
    tech_id: int,
    name: str,
    history: Sequence[tuple[datetime, str]],
    method: str = "pin",
) -> str:
    """A session with this state history (moment, state after the step); its
    columns (state, started_at, ended_at) follow from the history."""
    session_id = uuid.uuid4().hex
    states = [state for _, state in history]
    final = history[-1][1] if history[-1][1].startswith(("closed", "timed", "expired")) else None
    with database.session() as db:
        db.add(
            LensSession(
                id=session_id,
                name=name,
                state=states[-1],
                method=method,
                pin="000000",
                pin_expires_at=history[0][0] + timedelta(minutes=10),
                pin_used_at=history[0][0],
                link_token=uuid.uuid4().hex,
                technician_id=tech_id,
                created_at=history[0][0],
                started_at=next((at for at, state in history if state == "active"), None),
                ended_at=next((at for at, state in history if state == final), None),
            )
        )
        db.flush()
        for at, state in history:
            db.add(
                SessionEvent(session_id=session_id, at=at, actor="test", action="step", state=state)
            )
    return session_id


def many_sessions(
    database: Database, tech_id: int, count: int, first: datetime, step: timedelta
) -> None:
    """``count`` ended sessions of 10 minutes active each, one every ``step``, written in
    bulk (for the streaming test and the bench)."""
    batch = 1000
    for start in range(0, count, batch):
        sessions, events = [], []
        for n in range(start, min(count, start + batch)):
            created = first + n * step
            session_id = f"bulk{n:012d}"
            sessions.append(
                {
                    "id": session_id,
                    "type": "lens",
                    "name": f"Customer {n}",
                    "state": "closed_by_technician",
                    "method": "link",
                    "language": "en",
                    "private": True,
                    "pin": "000000",
                    "pin_expires_at": created,
                    "link_token": f"bulk-link-{n}",
                    "technician_id": tech_id,
                    "created_at": created,
                    "started_at": created + timedelta(minutes=1),
                    "ended_at": created + timedelta(minutes=11),
                }
            )
            for offset, state in ((0, "connecting"), (1, "active"), (11, "closed_by_technician")):
                events.append(
                    {
                        "session_id": session_id,
                        "at": created + timedelta(minutes=offset),
                        "actor": "test",
                        "action": "step",
                        "state": state,
                        "detail": "",
                    }
                )
        with database.session() as db:
            db.execute(insert(LensSession), sessions)
            db.execute(insert(SessionEvent), events)


T0 = datetime(2026, 11, 3, 10, 0, 0, tzinfo=UTC)


def at(minutes: int, seconds: int = 0, day: int = 0) -> datetime:
    return T0 + timedelta(days=day, minutes=minutes, seconds=seconds)


# connecting 30, waiting 90, active 180+30+100+15 = 325, on hold 90, reconnecting 20,
# transferring 45: total 325 + 90 + 20 + 45 = 480 s.
HELPED = [
    (at(0), "connecting"),
    (at(0, 30), "waiting"),
    (at(2), "active"),
    (at(5), "on_hold"),
    (at(6, 30), "active"),
    (at(7), "reconnecting"),
    (at(7, 20), "active"),
    (at(9), "transferring"),
    (at(9, 45), "active"),
    (at(10), "closed_by_technician"),
]
# connecting 40, waiting 300, never started: total 0.
NOT_STARTED = [(at(0, day=7), "connecting"), (at(0, 40, 7), "waiting"), (at(5, 40, 7), "timed_out")]
DECEMBER = [(at(0, day=30), "connecting"), (at(1, day=30), "active"), (at(2, day=30), "expired")]


def scripted(live_server: LiveServer) -> tuple[Tech, Tech, Tech, dict[str, str]]:
    """A manager (view_reports), two technicians in their own groups, three sessions."""
    manager = live_server.technician(["view_reports"])
    ann = live_server.technician(["lens_sessions"])
    bob = live_server.technician(["lens_sessions"])
    database = live_server.database()
    try:
        ids = {
            "helped": scripted_session(
                database, technician_id(database, ann.email), 'Ann, "the" =printer', HELPED
            ),
            "not_started": scripted_session(
                database, technician_id(database, bob.email), "Bob's", NOT_STARTED, "email"
            ),
            "december": scripted_session(
                database, technician_id(database, ann.email), "Later", DECEMBER
            ),
        }
        with database.session() as db:
            db.add(SessionSurvey(session_id=ids["helped"], rating=4, comment="<b>ok</b>\nthanks"))
            for text in ("hello", "bye"):
                db.add(
                    ChatMessage(
                        session_id=ids["helped"], sender="customer", sender_name="Ann", text=text
                    )
                )
    finally:
        database.close()
    return manager, ann, bob, ids
