"""The time-out sweep's cost (docs/decisions/0037-group-timeouts.md): the server runs
it every second, so it must stay small however many groups set their own time-outs.

1,000 waiting and 200 active sessions spread over the technicians of G groups, SQLite
file. "in time": every session younger than every time-out (nothing to load). "worst":
one group has 60 s time-outs and no sessions, the others' sessions have waited 30
minutes of their 1 hour: every session is past the shortest cut-off and is loaded and
checked against its own group, none times out.

Run: .venv/bin/python bench/sweep.py [--sweeps 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lens_server import admin
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.hub import Hub
from lens_server.models import LensSession, Technician, utcnow
from lens_server.sessions import SessionService

SESSIONS = 1200
WAITING = 1000


def populate(settings: Settings, groups: int, own: bool, waited_minutes: int) -> Database:
    database = Database(settings.database)
    database.migrate()
    with database.session() as db:
        for g in range(groups):
            admin.add_group(db, f"g{g}", ["all"])
            db.flush()
            if own:
                short = g == 0 and groups > 1
                values = {"waiting": 60, "waiting_warning": 30, "idle": 60} if short else {
                    "waiting": 3600 + g, "idle": 3600 + g}  # fmt: skip
                admin.set_timeouts(db, f"g{g}", values, settings)
            admin.add_technician(db, f"t{g}@example.com", f"T{g}", f"g{g}", "password-1")
        db.flush()
        techs = [t.id for t in db.query(Technician).order_by(Technician.id)]
        owners = techs[1:] if own and groups > 1 else techs  # the short group has none
        since = utcnow() - timedelta(minutes=waited_minutes)
        for i in range(SESSIONS):
            db.add(session(i, owners[i % len(owners)], since))
    return database


def session(i: int, technician_id: int, since: object) -> LensSession:
    now = utcnow()
    return LensSession(
        id=uuid.uuid4().hex,
        name="bench",
        state="waiting" if i < WAITING else "active",
        method="pin",
        pin=f"{i:06d}",
        pin_expires_at=now + timedelta(minutes=20),
        pin_used_at=now,
        link_token=uuid.uuid4().hex,
        technician_id=technician_id,
        created_at=now,
        waiting_since=since,
        started_at=since,
        last_activity_at=since,
    )


def measure(groups: int, own: bool, waited: int, sweeps: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        database = populate(settings, groups, own, waited)
        service = SessionService(database, settings, Hub())
        timings, ended = [], 0
        for _ in range(sweeps):
            started = time.perf_counter()
            ended += service.sweep()
            timings.append((time.perf_counter() - started) * 1000)
        database.close()
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18], ended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sweeps", type=int, default=30)
    args = parser.parse_args()
    print(f"{SESSIONS} sessions ({WAITING} waiting), {args.sweeps} sweeps each, SQLite")
    print("| case | groups | time-outs | median ms | p95 ms | timed out |")
    print("|---|---|---|---|---|---|")
    for case, waited in (("in time", 0), ("worst", 30)):
        for groups, own in ((1, False), (50, False), (50, True), (200, True)):
            if case == "worst" and not own:
                continue  # with the defaults the cut-off is everyone's own
            median, p95, ended = measure(groups, own, waited, args.sweeps)
            kind = "own per group" if own else "defaults"
            print(f"| {case} | {groups} | {kind} | {median:.1f} | {p95:.1f} | {ended} |")


if __name__ == "__main__":
    main()
