"""Reports stream: the peak Python memory of writing a session report's CSV stays flat
as the range grows (lens_server.reports reads PAGE sessions at a time), and the rate.

For each size: that many ended sessions in a fresh SQLite file, then the whole CSV is
produced by ReportService.sessions + csv_lines (what GET /reports/sessions.csv and
`lens-server admin report` stream) into a counter, under tracemalloc. For contrast, the
same rows gathered in a list first (what "load everything" would cost).

Run: .venv/bin/python bench/reports.py [--sizes 1000 10000 50000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lens_server import admin
from lens_server.db import Database
from lens_server.reports import (
    PAGE,
    SESSION_COLUMNS,
    ReportQuery,
    ReportService,
    csv_lines,
    make_query,
)
from tests.report_history import many_sessions, technician_id

FIRST = datetime(2026, 1, 1, tzinfo=UTC)


def database_with(folder: Path, count: int) -> Database:
    database = Database(f"sqlite:///{folder / f'bench-{count}.db'}")
    database.migrate()
    with database.session() as db:
        admin.add_group(db, "Bench", ["all"])
        db.flush()
        admin.add_technician(db, "bench@example.com", "Bench", "Bench", "bench-password")
    tech = technician_id(database, "bench@example.com")
    # Spread over the year so every size fits one query range.
    many_sessions(database, tech, count, FIRST, timedelta(days=365) / count)
    return database


def measured(work: Callable[[], int]) -> tuple[int, float, float]:
    """(bytes produced, peak MiB traced, seconds)."""
    tracemalloc.start()
    started = time.perf_counter()
    produced = work()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return produced, peak / 2**20, seconds


def streamed_csv(service: ReportService, query: ReportQuery) -> int:
    return sum(len(line) for line in csv_lines(SESSION_COLUMNS, service.sessions(query)))


def listed_csv(service: ReportService, query: ReportQuery) -> int:
    rows = list(service.sessions(query))
    return sum(len(line) for line in csv_lines(SESSION_COLUMNS, rows))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    args = parser.parse_args()
    query = make_query("2026-01-01", "2027-01-01", None, None)
    print(f"page = {PAGE} sessions; peak = tracemalloc's peak while the CSV is produced")
    print(
        f"{'sessions':>9} {'CSV MiB':>8} {'streamed peak MiB':>18} {'listed peak MiB':>16} "
        f"{'rows/s':>8}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for count in args.sizes:
            database = database_with(Path(folder), count)
            service = ReportService(database)
            try:
                size, streamed, seconds = measured(partial(streamed_csv, service, query))
                _, listed, _ = measured(partial(listed_csv, service, query))
            finally:
                database.close()
            print(
                f"{count:>9} {size / 2**20:>8.1f} {streamed:>18.2f} {listed:>16.2f} "
                f"{count / seconds:>8.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
