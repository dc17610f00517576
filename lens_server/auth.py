"""Technician sign-in: passwords, with throttling and an audit trail.

Each account gets a growing backoff after a few wrong passwords in a row and is locked
after ``login_lockout_failures`` (NIST SP 800-63B: at most 100 consecutive failures)
until an administrator resets its password or enables it again. Each client address
gets a failure budget of its own, so one address cannot try many accounts. A wrong
password and an unknown email cost the same (both verify an argon2 hash), so the time
of the answer does not tell who is a technician.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from lens_server.budget import BudgetStore, Rule, Verdict
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import AuditEvent, AuthToken, Technician, utcnow
from lens_server.security import hash_password, hash_token, new_token, verify_password

T = TypeVar("T")

# Verified when the email is unknown, so that answer costs what a wrong password costs.
_DUMMY_HASH = hash_password("lens: no such technician, this hash only burns time")


def account_key(email: str) -> str:
    return f"login:account:{email}"


def address_key(client: str) -> str:
    return f"login:address:{client}"


def login_rules(settings: Settings) -> tuple[Rule, Rule]:
    """(per account, per address) from the settings."""
    account = Rule(
        capacity=math.inf,
        per_day=0,
        free_failures=settings.login_free_failures,
        backoff_seconds=settings.login_backoff_seconds,
        backoff_max_seconds=settings.login_backoff_max_seconds,
        lock_after=settings.login_lockout_failures,
    )
    address = Rule(
        capacity=settings.login_failures_burst_per_address,
        per_day=settings.login_failures_per_address_day,
    )
    return account, address


class SignIn:
    """Checks a password under the throttles and hands out a bearer token. ``issue``
    writes the token for a technician inside the caller's transaction."""

    def __init__(self, db: Database, settings: Settings, store: BudgetStore) -> None:
        self._db = db
        self._settings = settings
        self._store = store
        self._account, self._address = login_rules(settings)

    def login(
        self, email: str, password: str, client: str, issue: Callable[[Session, Technician], T]
    ) -> T:
        # PostgreSQL refuses a NUL in text; no technician's address has one (validated),
        # so such an email signs in nobody, and is counted and logged as typed, less NUL.
        email = email.strip().lower().replace("\x00", "\N{REPLACEMENT CHARACTER}")
        self._spend(email, client)
        with self._db.session() as db:
            tech = db.scalar(select(Technician).where(Technician.email == email))
            right = verify_password(tech.password_hash if tech else _DUMMY_HASH, password)
            known = tech is not None and right
            if tech is None or not right:
                self._audit(db, email, client, "login_failed", "wrong email or password")
            issued = issue(db, tech) if tech is not None and right and not tech.disabled else None
        if not known:  # raised here, so that the audit entry above is committed
            raise ApiError(401, "invalid_credentials", "Wrong email or password.")
        self._forgive(email, client)
        if issued is None:
            raise ApiError(
                403, "account_disabled", "This account is disabled. Ask your administrator."
            )
        return issued

    def new_token(self, db: Session, tech: Technician) -> tuple[str, datetime]:
        token = new_token()
        expires = utcnow() + timedelta(seconds=self._settings.token_lifetime_seconds)
        db.add(AuthToken(token_hash=hash_token(token), technician_id=tech.id, expires_at=expires))
        return token, expires

    def unlock(self, email: str) -> None:
        """An administrator vouched for the account (new password, enabled again)."""
        self._store.reset(account_key(email.strip().lower()))

    def _spend(self, email: str, client: str) -> None:
        """Records a failure before the password is checked (forgiven if it was right),
        so parallel requests cannot get more tries than the throttles allow."""
        mine = self._store.spend(address_key(client), self._address)
        if not mine.allowed:
            self._refuse(email, client, mine, "address")
        account = self._store.spend(account_key(email), self._account)
        if not account.allowed:
            self._store.forgive(address_key(client), self._address)
            self._refuse(email, client, account, "account")

    def _forgive(self, email: str, client: str) -> None:
        self._store.forgive(address_key(client), self._address)
        self._store.forgive(account_key(email), self._account)

    def _refuse(self, email: str, client: str, verdict: Verdict, which: str) -> None:
        if verdict.locked:
            self._record(email, client, "login_locked", f"{verdict.consecutive} failures in a row")
            raise ApiError(
                423,
                "account_locked",
                "This account is locked after too many wrong passwords. "
                "Ask your administrator to reset your password.",
            )
        wait = verdict.retry_seconds
        self._record(email, client, "login_throttled", f"{which}: wait {wait} s")
        error = ApiError(
            429,
            "rate_limited",
            f"Too many attempts. Try again in {wait} s.",
            {"retry_after": wait},
        )
        error.headers["Retry-After"] = str(wait)
        raise error

    def _record(self, email: str, client: str, action: str, detail: str) -> None:
        with self._db.session() as db:
            self._audit(db, email, client, action, detail)

    @staticmethod
    def _audit(db: Session, email: str, client: str, action: str, detail: str) -> None:
        db.add(
            AuditEvent(
                actor=f"technician:{email[:254]}", action=action, detail=f"{detail} from {client}"
            )
        )
