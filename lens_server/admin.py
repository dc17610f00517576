"""Administration of groups and technicians, for ``lens-server admin``. Each function
validates first and changes nothing when it raises AdminError."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lens_server import timeouts
from lens_server.auth import account_key
from lens_server.config import Settings
from lens_server.models import PERMISSIONS, AuthToken, BudgetCounter, Group, Technician
from lens_server.security import hash_password
from lens_server.validation import clean_email, clean_name

MIN_PASSWORD = 8


class AdminError(Exception):
    pass


def _permissions(names: Iterable[str]) -> str:
    wanted = {name.strip() for name in names if name.strip()}
    if "all" in wanted:
        wanted = set(PERMISSIONS)
    unknown = wanted - set(PERMISSIONS)
    if unknown:
        raise AdminError(
            f"Unknown permission(s): {', '.join(sorted(unknown))}. Known: {', '.join(PERMISSIONS)}"
        )
    return " ".join(p for p in PERMISSIONS if p in wanted)


def _group(db: Session, name: str) -> Group:
    group = db.scalar(select(Group).where(Group.name == name))
    if group is None:
        raise AdminError(f"No group named {name!r}.")
    return group


def _technician(db: Session, email: str) -> Technician:
    tech = db.scalar(select(Technician).where(Technician.email == email.strip().lower()))
    if tech is None:
        raise AdminError(f"No technician with email {email!r}.")
    return tech


def add_group(db: Session, name: str, permissions: Iterable[str]) -> Group:
    try:
        name = clean_name(name)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    if db.scalar(select(Group).where(Group.name == name)) is not None:
        raise AdminError(f"A group named {name!r} already exists.")
    group = Group(name=name, permissions=_permissions(permissions))
    db.add(group)
    return group


def set_permissions(db: Session, name: str, permissions: Iterable[str]) -> Group:
    group = _group(db, name)
    group.permissions = _permissions(permissions)
    return group


def set_timeouts(
    db: Session, name: str, changes: Mapping[str, int | None], settings: Settings
) -> timeouts.Timeouts:
    """Overrides some of the group's time-outs (None: back to the server default);
    all are checked, with the result, before any is set."""
    group = _group(db, name)
    try:
        return timeouts.set_overrides(group, changes, settings)
    except ValueError as exc:
        raise AdminError(f"{exc}. Nothing was changed.") from None


def group_timeouts(db: Session, name: str, settings: Settings) -> list[tuple[str, int, bool]]:
    """(time-out, seconds, set by the group) for each of the group's time-outs."""
    group = _group(db, name)
    return timeout_rows(group, settings)


def timeout_rows(group: Group, settings: Settings) -> list[tuple[str, int, bool]]:
    own = timeouts.overrides(group)
    values = timeouts.effective(group, settings).as_json()
    return [(key, values[key], own[key] is not None) for key in timeouts.COLUMNS]


RECORDING_POLICIES = {"forced": True, "optional": False}
"""``lens-server admin group recording NAME POLICY``: the words an admin types."""


def set_recording_policy(db: Session, name: str, policy: str) -> Group:
    """``forced``: the console records every session of the group's technicians, and
    they cannot stop it; ``optional``: recording is up to them (``record_sessions``)."""
    forced = RECORDING_POLICIES.get(policy.strip().lower())
    if forced is None:
        raise AdminError(
            f"Unknown recording policy {policy!r}. Known: {', '.join(RECORDING_POLICIES)}"
        )
    group = _group(db, name)
    group.force_recording = forced
    return group


def recording_policy(group: Group) -> str:
    return "forced" if group.force_recording else "optional"


def list_groups(db: Session) -> list[Group]:
    return list(db.scalars(select(Group).order_by(Group.name)))


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AdminError(f"The password must have at least {MIN_PASSWORD} characters.")
    return password


def add_technician(
    db: Session, email: str, display_name: str, group: str, password: str
) -> Technician:
    try:
        email = clean_email(email).lower()
        display_name = clean_name(display_name)
    except ValueError as exc:
        raise AdminError(str(exc)) from None
    if db.scalar(select(Technician).where(Technician.email == email)) is not None:
        raise AdminError(f"A technician with email {email!r} already exists.")
    tech = Technician(
        email=email,
        display_name=display_name,
        password_hash=hash_password(check_password(password)),
        group=_group(db, group),
    )
    db.add(tech)
    return tech


def list_technicians(db: Session) -> list[Technician]:
    return list(db.scalars(select(Technician).order_by(Technician.email)))


def set_disabled(db: Session, email: str, disabled: bool) -> Technician:
    tech = _technician(db, email)
    tech.disabled = disabled
    if disabled:
        _revoke_tokens(db, tech)
    else:
        _unlock(db, tech)
    return tech


def reset_password(db: Session, email: str, password: str) -> Technician:
    tech = _technician(db, email)
    tech.password_hash = hash_password(check_password(password))
    _revoke_tokens(db, tech)
    _unlock(db, tech)
    return tech


def set_group(db: Session, email: str, group: str) -> Technician:
    tech = _technician(db, email)
    tech.group = _group(db, group)
    return tech


def _revoke_tokens(db: Session, tech: Technician) -> None:
    for token in db.scalars(select(AuthToken).where(AuthToken.technician_id == tech.id)):
        token.revoked = True


def _unlock(db: Session, tech: Technician) -> None:
    """An administrator vouched for the account: its sign-in lockout ends."""
    db.execute(delete(BudgetCounter).where(BudgetCounter.key == account_key(tech.email)))


def ensure_demo(db: Session, email: str, password: str) -> None:
    """The embedded demo's technician, with every permission."""
    if db.scalar(select(Group).where(Group.name == "Demo")) is None:
        add_group(db, "Demo", ["all"])
        db.flush()
    if db.scalar(select(Technician).where(Technician.email == email)) is None:
        add_technician(db, email, "Demo Technician", "Demo", password)
