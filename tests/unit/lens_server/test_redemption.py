"""What PIN entry and the link answer, and the PIN guessing budget on a real SQLite file."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from lens_server.budget import SqlBudgetStore
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import LensSession, utcnow
from lens_server.redemption import PinGuessing, check_link, check_pin, generation_base

NOW = utcnow()


def session(state: str = "connecting", used: bool = False, expired: bool = False) -> LensSession:
    return LensSession(
        state=state,
        pin_used_at=NOW if used else None,
        pin_expires_at=NOW + timedelta(minutes=-1 if expired else 10),
    )


def refusal(check, row) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ApiError) as caught:
        check(row, NOW)
    return caught.value.status, caught.value.code, caught.value.message


def test_pin_entry_refuses_every_code_it_will_not_take_alike() -> None:
    answers = {
        refusal(check_pin, row)
        for row in (
            None,
            session(used=True),
            session(state="active", used=True),
            session(expired=True),
            session(state="expired", expired=True),
            session(state="closed_by_technician", used=True),
        )
    }
    assert len(answers) == 1
    status, code, message = answers.pop()
    assert (status, code) == (404, "pin_invalid") and "new code" not in message
    assert check_pin(session(), NOW).join


def test_the_link_says_what_happened_and_lets_a_live_session_back_in() -> None:
    assert refusal(check_link, None)[1] == "pin_invalid"
    assert refusal(check_link, session(expired=True))[1] == "pin_expired"
    assert refusal(check_link, session(state="timed_out", used=True))[1] == "session_ended"
    for state in ("connecting", "waiting", "active", "on_hold", "reconnecting"):
        entry = check_link(session(state=state, used=True), NOW)
        assert entry.rejoin and not entry.join
        assert generation_base(entry) > 1_000_000_000_000  # ms since 1970
    first = check_link(session(), NOW)
    assert first.join and not first.rejoin and generation_base(first) == 0


def test_the_global_budget_is_spent_first_and_refunded_on_an_address_refusal(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite:///{tmp_path / 'lens.db'}")
    database.migrate()
    store = SqlBudgetStore(database.engine)
    settings = Settings(
        pin_failures_burst_per_address=2, pin_free_failures=10, pin_failures_burst_global=3
    )
    guessing = PinGuessing(store, settings)
    guessing.spend("10.0.0.1")
    guessing.spend("10.0.0.1")
    with pytest.raises(ApiError) as mine:
        guessing.spend("10.0.0.1")
    assert mine.value.code == "rate_limited" and mine.value.headers["Retry-After"]
    guessing.spend("10.0.0.2")  # the refused guess did not spend the global budget
    with pytest.raises(ApiError) as everyone:
        guessing.spend("10.0.0.3")
    assert everyone.value.code == "pin_entry_paused"
    guessing.forgive("10.0.0.2")
    guessing.spend("10.0.0.3")
    database.close()
