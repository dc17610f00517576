"""Joining a session by PIN or link: who may guess how often, and what each answer
gives away.

Only the 6-digit PIN can be guessed (a link carries 192 random bits), so only PIN entry
spends the guessing budget: per client address (growing backoff, daily cap) and for the
whole server (the bound on a guesser with many addresses). docs/security.md has the
arithmetic. PIN entry answers every code it will not take the same way, so a guesser
cannot tell an issued code from an unknown one; a customer holding the real link is
told what happened, and while the session lives the link lets them back in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from lens_server.budget import BudgetStore, Rule, Verdict
from lens_server.config import Settings
from lens_server.errors import ApiError
from lens_server.models import LensSession
from lens_server.views import FINAL_STATES

GLOBAL_KEY = "pin:global"


def address_key(client: str) -> str:
    return f"pin:address:{client}"


def pin_rules(settings: Settings) -> tuple[Rule, Rule]:
    """(per address, global) from the settings."""
    per_address = Rule(
        capacity=settings.pin_failures_burst_per_address,
        per_day=settings.pin_failures_per_address_day,
        free_failures=settings.pin_free_failures,
        backoff_seconds=settings.pin_backoff_seconds,
    )
    everyone = Rule(
        capacity=settings.pin_failures_burst_global, per_day=settings.pin_failures_global_day
    )
    return per_address, everyone


class PinGuessing:
    """The PIN guessing budget. ``spend`` before a PIN is looked up, ``forgive`` when
    it was right: a failure is recorded before the answer is known, so parallel
    requests cannot get more guesses than the budget holds."""

    def __init__(self, store: BudgetStore, settings: Settings) -> None:
        self._store = store
        self._per_address, self._global = pin_rules(settings)

    def spend(self, client: str) -> None:
        everyone = self._store.spend(GLOBAL_KEY, self._global)
        if not everyone.allowed:
            raise paused(everyone)
        mine = self._store.spend(address_key(client), self._per_address)
        if not mine.allowed:
            self._store.forgive(GLOBAL_KEY, self._global)
            raise rate_limited(mine)

    def forgive(self, client: str) -> None:
        self._store.forgive(address_key(client), self._per_address)
        self._store.forgive(GLOBAL_KEY, self._global)


def rate_limited(verdict: Verdict) -> ApiError:
    wait = verdict.retry_seconds
    error = ApiError(
        429,
        "rate_limited",
        f"Too many attempts. Try again in {_wait_text(wait)}, or use the link in your invitation.",
        {"retry_after": wait},
    )
    error.headers["Retry-After"] = str(wait)
    return error


def paused(verdict: Verdict) -> ApiError:
    """The global budget is spent: nobody's PIN is looked up until it refills."""
    wait = verdict.retry_seconds
    error = ApiError(
        429,
        "pin_entry_paused",
        "Too many attempts on this server. Use the link in your invitation, or try again later.",
        {"retry_after": wait},
    )
    error.headers["Retry-After"] = str(wait)
    return error


def _wait_text(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


# --- answers ---------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What a redemption may do with the session it found."""

    join: bool  # first customer: the PIN is used up now
    rejoin: bool  # the same customer, again: the old connection is replaced


def pin_invalid() -> ApiError:
    """The one answer PIN entry gives for every code it will not take (unknown, used,
    expired, ended): a guesser learns nothing about which codes were issued."""
    return ApiError(
        404,
        "pin_invalid",
        "This code is not valid. Check the digits, or ask your technician for the link "
        "to your session.",
    )


def check_pin(row: LensSession | None, now: datetime) -> Entry:
    """A PIN joins only a session nobody joined yet, before it expires. PIN entry
    never re-joins: the PIN is single-use, the link is the way back in."""
    if row is None or row.state != "connecting" or row.pin_used_at is not None:
        raise pin_invalid()
    if row.pin_expires_at <= now:
        raise pin_invalid()
    return Entry(join=True, rejoin=False)


def check_link(row: LensSession | None, now: datetime) -> Entry:
    """The link holder is the customer: tell them plainly what happened, and while
    the session lives let them back in."""
    if row is None:
        raise pin_invalid()
    if row.state == "expired" or (row.pin_used_at is None and row.pin_expires_at <= now):
        raise ApiError(
            410, "pin_expired", "This link has expired. Ask your technician for a new code."
        )
    if row.state in FINAL_STATES:
        raise ApiError(
            410,
            "session_ended",
            "This session has ended. Ask your technician for a new code if you still need help.",
        )
    return Entry(join=row.pin_used_at is None, rejoin=row.pin_used_at is not None)


def generation_base(entry: Entry) -> int:
    """Where the customer's peer generations start (docs/decisions/0005). A new device
    starts its own count; after a re-join it must still beat the old device's offers,
    which the console compares against, so it starts from the server's clock in ms."""
    return int(time.time() * 1000) if entry.rejoin else 0
