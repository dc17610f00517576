"""Failure budgets: how many wrong guesses (PINs, passwords) a key may spend.

A budget is a leaky bucket (``capacity`` failures at once, refilled at ``per_day``) plus
a backoff that grows with consecutive failures and an optional lockout. A guess first
*spends* one failure, atomically, before the secret is checked; a right guess is then
*forgiven*. Checking and recording in one step is what keeps parallel requests from
slipping past the limit (issue 16: four parallel requests got eleven guesses through).

``Counter.take`` is the policy, a pure function; a ``BudgetStore`` keeps the counters.
``SqlBudgetStore`` keeps them in the database so a restart forgets nothing; a shared
store (Redis, a Lua script doing ``take``) can replace it when the server runs as
several processes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from sqlalchemy import Engine, Executable, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from lens_server.errors import ApiError
from lens_server.models import BudgetCounter

DAY = 86_400.0
_COLUMNS = (
    BudgetCounter.version,
    BudgetCounter.level,
    BudgetCounter.updated,
    BudgetCounter.consecutive,
    BudgetCounter.blocked_until,
)


@dataclass(frozen=True)
class Rule:
    """One budget's numbers; docs/security.md shows what they bound."""

    capacity: float  # failures that may come at once
    per_day: float  # failures the bucket lets through per day after that
    free_failures: int = 0  # consecutive failures before the backoff starts
    backoff_seconds: float = 0.0  # wait after the first failure past free_failures
    backoff_max_seconds: float = 3600.0  # the wait doubles up to this
    lock_after: int = 0  # consecutive failures that lock the key; 0: never

    def backoff(self, consecutive: int) -> float:
        """Seconds to wait after the ``consecutive``-th failure in a row."""
        extra = consecutive - self.free_failures
        if extra <= 0 or self.backoff_seconds <= 0:
            return 0.0
        return min(self.backoff_max_seconds, self.backoff_seconds * 2 ** min(extra - 1, 40))


@dataclass(frozen=True)
class Verdict:
    """Whether a guess may go ahead; if not, for how long (``locked``: until reset)."""

    allowed: bool
    retry_after: float = 0.0
    locked: bool = False
    consecutive: int = 0

    @property
    def retry_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after))


@dataclass(frozen=True)
class Counter:
    level: float = 0.0  # failures in the bucket, as of `updated`
    updated: float = 0.0  # epoch seconds
    consecutive: int = 0  # failures since the last success (or since the bucket ran dry)
    blocked_until: float = 0.0  # epoch seconds

    def drained(self, rule: Rule, now: float) -> Counter:
        """The counter as of ``now``: the bucket leaked; a dry bucket forgets the run."""
        level = max(0.0, self.level - max(0.0, now - self.updated) * rule.per_day / DAY)
        consecutive = self.consecutive if level > 0 or rule.per_day <= 0 else 0
        return replace(self, level=level, updated=now, consecutive=consecutive)

    def take(self, rule: Rule, now: float) -> tuple[Counter | None, Verdict]:
        """Spends one failure if the rule allows it: (the new counter, the verdict)."""
        now_counter = self.drained(rule, now)
        consecutive = now_counter.consecutive
        if rule.lock_after and consecutive >= rule.lock_after:
            return None, Verdict(False, locked=True, consecutive=consecutive)
        if now < self.blocked_until:
            return None, Verdict(False, self.blocked_until - now, consecutive=consecutive)
        if now_counter.level + 1 > rule.capacity:
            wait = (now_counter.level + 1 - rule.capacity) * DAY / max(rule.per_day, 1e-9)
            return None, Verdict(False, wait, consecutive=consecutive)
        consecutive += 1
        taken = Counter(now_counter.level + 1, now, consecutive, now + rule.backoff(consecutive))
        return taken, Verdict(True, consecutive=consecutive)

    def forgive(self, rule: Rule, now: float) -> Counter:
        """A right guess: its spent failure comes back and the backoff run ends."""
        level = max(0.0, self.drained(rule, now).level - 1)
        return Counter(level, now, 0, 0.0)


class BudgetStore(Protocol):
    """Where the counters live. Each call is atomic against every other caller."""

    def spend(self, key: str, rule: Rule) -> Verdict: ...

    def forgive(self, key: str, rule: Rule) -> None: ...

    def reset(self, key: str) -> None: ...


class SqlBudgetStore:
    """Counters in the ``budget_counters`` table, changed by compare-and-swap on a
    version column: one short UPDATE ... WHERE version = :seen, retried when another
    request got there first. It needs no row lock, so it behaves the same on SQLite
    (one writer at a time) and PostgreSQL (row locks, re-checked WHERE)."""

    ATTEMPTS = 100

    def __init__(self, engine: Engine, now: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._now = now

    def spend(self, key: str, rule: Rule) -> Verdict:
        for _ in range(self.ATTEMPTS):
            version, counter = self._read(key)
            taken, verdict = counter.take(rule, self._now())
            if taken is None or self._swap(key, version, taken):
                return verdict
        raise _busy()

    def forgive(self, key: str, rule: Rule) -> None:
        for _ in range(self.ATTEMPTS):
            version, counter = self._read(key)
            if self._swap(key, version, counter.forgive(rule, self._now())):
                return
        raise _busy()

    def reset(self, key: str) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(BudgetCounter).where(BudgetCounter.key == key))

    def peek(self, key: str) -> Counter:
        """The stored counter (for tests and the admin): not drained."""
        return self._read(key)[1]

    def _read(self, key: str) -> tuple[int, Counter]:
        with self._engine.begin() as conn:
            row = conn.execute(select(*_COLUMNS).where(BudgetCounter.key == key)).first()
            if row is None:
                conn.execute(self._insert_new(key))
                return 0, Counter()
        return row.version, Counter(row.level, row.updated, row.consecutive, row.blocked_until)

    def _insert_new(self, key: str) -> Executable:
        """INSERT that leaves an existing row alone (another request may have won)."""
        table = BudgetCounter
        values = {
            "key": key,
            "level": 0.0,
            "updated": 0.0,
            "consecutive": 0,
            "blocked_until": 0.0,
            "version": 0,
        }
        dialect = self._engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table).values(values).on_conflict_do_nothing()
        if dialect == "postgresql":
            return postgresql.insert(table).values(values).on_conflict_do_nothing()
        return insert(table).values(values)

    def _swap(self, key: str, version: int, counter: Counter) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(BudgetCounter)
                .where(BudgetCounter.key == key, BudgetCounter.version == version)
                .values(
                    level=counter.level,
                    updated=counter.updated,
                    consecutive=counter.consecutive,
                    blocked_until=counter.blocked_until,
                    version=version + 1,
                )
            )
            return result.rowcount == 1


def _busy() -> ApiError:
    return ApiError(503, "busy", "The server is busy. Try again in a moment.")
