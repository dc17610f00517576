"""The failure budget: the policy as a pure function, and the SQL store against a real
SQLite file and a real PostgreSQL with threads racing for the last failures."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from lens_server.budget import DAY, Counter, Rule, SqlBudgetStore
from lens_server.config import Settings
from lens_server.db import MIGRATIONS, Database
from lens_server.redemption import pin_rules

PIN_ADDRESS, PIN_GLOBAL = pin_rules(Settings())


def spend_all(rule: Rule, now: float, tries: int) -> tuple[Counter, list[bool]]:
    counter, allowed = Counter(), []
    for _ in range(tries):
        taken, verdict = counter.take(rule, now)
        allowed.append(verdict.allowed)
        counter = taken or counter
    return counter, allowed


def test_the_bucket_lets_capacity_through_then_refills_at_its_rate() -> None:
    rule = Rule(capacity=6, per_day=3)
    counter, allowed = spend_all(rule, 1000.0, 8)
    assert allowed == [True] * 6 + [False] * 2
    _, verdict = counter.take(rule, 1000.0)
    assert round(verdict.retry_after) == DAY / 3  # one failure drains every 8 h
    assert counter.take(rule, 1000.0 + DAY / 3 + 1)[1].allowed


def test_no_day_holds_more_than_capacity_plus_rate() -> None:
    """A guesser trying every second for two days: at most capacity + per_day in any
    24 h, per_day a day on average. docs/security.md builds on this."""
    rule = PIN_ADDRESS
    counter, times = Counter(), []
    for second in range(0, int(2 * DAY), 60):
        taken, verdict = counter.take(rule, float(second))
        if verdict.allowed and taken is not None:
            counter = taken
            times.append(second)
    worst = max(sum(1 for t in times if start <= t < start + DAY) for start in times)
    assert worst <= rule.capacity + rule.per_day == 9
    assert len(times) <= rule.capacity + 2 * rule.per_day


def test_the_backoff_doubles_after_the_free_failures() -> None:
    rule = Rule(capacity=100, per_day=100, free_failures=3, backoff_seconds=60)
    assert [rule.backoff(n) for n in range(1, 8)] == [0, 0, 0, 60, 120, 240, 480]
    assert rule.backoff(40) == rule.backoff_max_seconds


def test_a_lock_holds_until_reset_and_a_success_ends_the_run() -> None:
    rule = Rule(capacity=float("inf"), per_day=0, lock_after=3)
    counter, allowed = spend_all(rule, 0.0, 4)
    assert allowed == [True, True, True, False]
    _, verdict = counter.take(rule, 10 * DAY)
    assert verdict.locked and not verdict.allowed
    assert counter.forgive(rule, 0.0).take(rule, 0.0)[1].allowed


@pytest.mark.parametrize("database_url", ["sqlite", "postgres"], indirect=True)
def test_parallel_spenders_never_exceed_the_budget(tmp_path: Path, database_url: str) -> None:
    database = Database(database_url or f"sqlite:///{tmp_path / 'lens.db'}")
    database.migrate()
    store = SqlBudgetStore(database.engine)
    rule = Rule(capacity=10, per_day=1)
    results: list[bool] = []
    lock = threading.Lock()

    def spend() -> None:
        for _ in range(10):
            verdict = store.spend("race", rule)
            with lock:
                results.append(verdict.allowed)

    threads = [threading.Thread(target=spend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 80 and results.count(True) == 10
    assert round(store.peek("race").level) == 10
    database.close()


def test_the_migration_goes_up_and_down(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'lens.db'}")
    database.migrate()
    assert {"budget_counters", "audit_events"} <= set(inspect(database.engine).get_table_names())
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    tables = set(inspect(database.engine).get_table_names())
    assert "budget_counters" not in tables and "audit_events" not in tables
    assert "sessions" in tables
    database.migrate()
    assert "budget_counters" in inspect(database.engine).get_table_names()
    database.close()
