"""Scripted session histories written straight into a test server's database, for the
report tests and bench/reports.py: sessions whose times are known to the second."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import insert, select

from lens_server.db import Database
from lens_server.models import LensSession, SessionEvent, Technician


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
