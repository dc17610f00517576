"""Sign-in under its throttles, on a real SQLite file: the audit trail and the lock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lens_server import admin
from lens_server.auth import SignIn
from lens_server.budget import SqlBudgetStore
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import AuditEvent


@pytest.fixture
def database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'lens.db'}")
    db.migrate()
    with db.session() as session:
        admin.add_group(session, "Desk", ["all"])
        session.flush()
        admin.add_technician(session, "tess@example.com", "Tess", "Desk", "right password")
    return db


def sign_in(database: Database, **settings: object) -> SignIn:
    return SignIn(database, Settings(**settings), SqlBudgetStore(database.engine))  # type: ignore[arg-type]


def attempt(service: SignIn, email: str, password: str) -> str:
    try:
        service.login(email, password, "192.0.2.7", lambda db, tech: tech.email)
    except ApiError as exc:
        return exc.code
    return "ok"


def audit(database: Database) -> list[tuple[str, str]]:
    with database.session() as db:
        return [(e.actor, e.action) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_failures_are_audited_and_a_success_ends_the_run(database: Database) -> None:
    service = sign_in(database, login_free_failures=1, login_backoff_seconds=60.0)
    assert attempt(service, "Tess@Example.com ", "wrong") == "invalid_credentials"
    assert attempt(service, "nobody@example.com", "wrong") == "invalid_credentials"
    assert attempt(service, "tess@example.com", "right password") == "ok"
    assert attempt(service, "tess@example.com", "wrong") == "invalid_credentials"
    assert attempt(service, "tess@example.com", "wrong") == "invalid_credentials"
    assert attempt(service, "tess@example.com", "right password") == "rate_limited"
    assert audit(database) == [
        ("technician:tess@example.com", "login_failed"),
        ("technician:nobody@example.com", "login_failed"),
        ("technician:tess@example.com", "login_failed"),
        ("technician:tess@example.com", "login_failed"),
        ("technician:tess@example.com", "login_throttled"),
    ]
    database.close()


def test_the_lock_comes_at_the_limit_and_goes_with_a_new_password(database: Database) -> None:
    service = sign_in(database, login_backoff_seconds=0.0, login_lockout_failures=4)
    assert [attempt(service, "tess@example.com", "wrong") for _ in range(4)] == [
        "invalid_credentials"
    ] * 4
    assert attempt(service, "tess@example.com", "right password") == "account_locked"
    assert ("technician:tess@example.com", "login_locked") in audit(database)
    with database.session() as db:
        admin.reset_password(db, "tess@example.com", "another password")
    assert attempt(service, "tess@example.com", "another password") == "ok"
    database.close()


def test_a_token_is_issued_with_its_lifetime(database: Database) -> None:
    service = sign_in(database, token_lifetime_seconds=60)
    token, expires = service.login(
        "tess@example.com", "right password", "192.0.2.7", service.new_token
    )
    assert len(token) > 30 and isinstance(expires, datetime)
    database.close()
