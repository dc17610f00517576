"""Time-outs per technician group (docs/decisions/0037-group-timeouts.md).

The server's settings hold the defaults; a group may override any of them (a NULL
column on the group means "the server default"). ``effective`` resolves a group's
values, ``TimeoutSweep`` finds the sessions that ran out of time, and the audit log
gets which time-out ended a session and how long it was."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lens_server.config import Settings
from lens_server.models import Group, LensSession, Technician

NEVER = 0
"""The idle time-out's "never" (the other time-outs always apply)."""
DAY = 24 * 3600


@dataclass(frozen=True)
class Bound:
    low: int
    high: int
    label: str
    never_allowed: bool = False


BOUNDS = {
    "pin_validity": Bound(1, 7 * DAY, "PIN/link validity"),
    "connecting": Bound(1, DAY, "connecting time-out"),
    "waiting": Bound(1, DAY, "waiting time-out"),
    "waiting_warning": Bound(1, DAY, "waiting warning"),
    "idle": Bound(1, DAY, "active idle time-out", never_allowed=True),
}
"""Bounds, in seconds, for an administrator's values and the server's defaults. The
upper ones catch a slip of the keyboard (a PIN valid for a year); the lower ones are
only "positive": a short time-out is odd but harmless, and the tests use them."""

COLUMNS = {
    "pin_validity": "pin_validity_seconds",
    "connecting": "connecting_timeout_seconds",
    "waiting": "waiting_timeout_seconds",
    "waiting_warning": "waiting_warning_seconds",
    "idle": "idle_timeout_seconds",
}
"""Each time-out's column on Group and its setting in lens_server.config.Settings."""


@dataclass(frozen=True)
class Timeouts:
    """One group's effective time-outs, in seconds."""

    pin_validity: int
    connecting: int
    waiting: int
    waiting_warning: int
    idle: int  # NEVER: an active session never times out for idleness

    def as_json(self) -> dict[str, int]:
        return asdict(self)


def report_interval(idle: int) -> int:
    """How often a console reports activity (``alive``): a tenth of the idle time-out,
    1..30 s, so a session times out between 90 % and 100 % of it after the last
    activity (the report before it may be that old)."""
    return max(1, min(30, idle // 10)) if idle != NEVER else 30


def defaults(settings: Settings) -> Timeouts:
    return Timeouts(**{name: getattr(settings, column) for name, column in COLUMNS.items()})


def overrides(group: Group) -> dict[str, int | None]:
    """The group's own values; None where it takes the server's default."""
    return {name: getattr(group, column) for name, column in COLUMNS.items()}


def effective(group: Group | None, settings: Settings) -> Timeouts:
    values = defaults(settings).as_json()
    if group is not None:
        values.update({k: v for k, v in overrides(group).items() if v is not None})
    return Timeouts(**values)


def check_value(name: str, value: int) -> None:
    """A ValueError that names the time-out and its bounds when ``value`` is outside."""
    bound = BOUNDS[name]
    if value == NEVER and bound.never_allowed:
        return
    if not bound.low <= value <= bound.high:
        never = " (or 0 for never)" if bound.never_allowed else ""
        raise ValueError(
            f"{bound.label} must be {bound.low}..{bound.high} seconds{never}, not {value}"
        )


def check_timeouts(timeouts: Timeouts) -> None:
    """Rules that hold between the values: the warning comes before the time-out."""
    if timeouts.waiting_warning >= timeouts.waiting:
        raise ValueError(
            f"the waiting warning ({timeouts.waiting_warning} s) must come before "
            f"the waiting time-out ({timeouts.waiting} s)"
        )


def set_overrides(group: Group, changes: Mapping[str, int | None], settings: Settings) -> Timeouts:
    """Applies ``changes`` (None: back to the server default) after checking all of
    them and the result; on a ValueError the group is left as it was."""
    unknown = set(changes) - set(COLUMNS)
    if unknown:
        raise ValueError(f"unknown time-out(s): {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        if value is not None:
            check_value(name, value)
    merged = {**overrides(group), **changes}
    values = defaults(settings).as_json()
    values.update({k: v for k, v in merged.items() if v is not None})
    result = Timeouts(**values)
    check_timeouts(result)
    for name, value in changes.items():
        setattr(group, COLUMNS[name], value)
    return result


def describe(seconds: int) -> str:
    """``900`` -> ``15 min``, ``90`` -> ``90 s``: for the audit log and the CLI."""
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    if seconds % 60 == 0:
        return f"{seconds // 60} min"
    return f"{seconds} s"


# --- the sweep's rules ----------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A session in ``state`` whose ``since`` is older than the group's ``timeout``
    becomes ``target``; ``action`` and the reason go to its audit log."""

    kind: str  # "pin_validity" | "connecting" | "waiting" | "idle" | "reconnect"
    state: str
    target: str
    action: str


RULES = (
    Rule("pin_validity", "connecting", "expired", "pin expired"),
    Rule("connecting", "connecting", "timed_out", "did not accept in time"),
    Rule("waiting", "waiting", "timed_out", "waited too long"),
    Rule("idle", "active", "timed_out", "idle"),
    Rule("reconnect", "reconnecting", "timed_out", "did not reconnect"),
)
REASONS = {
    "pin_validity": "PIN and link valid for {length}, not redeemed",
    "connecting": "connecting time-out {length}: joined, licence not accepted",
    "waiting": "waiting time-out {length}",
    "idle": "active idle time-out {length}: no video and no action",
    "reconnect": "reconnect time-out {length}",
}


@dataclass(frozen=True)
class Due:
    session_id: str
    rule: Rule
    seconds: int
    group: str | None  # None: the server default applied

    @property
    def detail(self) -> str:
        reason = REASONS[self.rule.kind].format(length=describe(self.seconds))
        if self.rule.kind == "pin_validity":
            return reason
        source = f"group {self.group}" if self.group else "server default"
        return f"{reason} ({source})"


def _since(rule: Rule) -> Any:
    if rule.kind == "connecting":
        return LensSession.pin_used_at
    if rule.kind == "waiting":
        return LensSession.waiting_since
    if rule.kind == "idle":
        return func.coalesce(LensSession.last_activity_at, LensSession.started_at)
    return LensSession.reconnecting_since


def due_sessions(db: Session, settings: Settings, now: datetime) -> Iterator[Due]:
    """Every session out of time: one query per rule, cut off in SQL at the shortest
    of the groups' values (so sessions in time under every group are never loaded),
    then each candidate held to its own group's value."""
    yield from _expired_pins(db, now)
    groups = list(db.scalars(select(Group)))
    for rule in RULES[1:]:
        limits = _limits(rule, groups, settings)
        if limits:
            yield from _due_for(db, rule, limits, now)


def _expired_pins(db: Session, now: datetime) -> Iterator[Due]:
    """A PIN's deadline was fixed when its session was made (from the group's validity
    then): the length in the log is that session's own."""
    query = select(LensSession.id, LensSession.created_at, LensSession.pin_expires_at).where(
        LensSession.state == "connecting",
        LensSession.pin_used_at.is_(None),
        LensSession.pin_expires_at <= now,
    )
    for session_id, created_at, expires_at in db.execute(query):
        seconds = round((expires_at - created_at).total_seconds())
        yield Due(session_id, RULES[0], seconds, None)


def _limits(
    rule: Rule, groups: list[Group], settings: Settings
) -> dict[int, tuple[int, str | None]]:
    """group id -> (time-out, the group's name or None where the default applies),
    without the groups for which the rule never applies (idle 0)."""
    found: dict[int, tuple[int, str | None]] = {}
    for group in groups:
        if rule.kind == "reconnect":
            found[group.id] = (settings.reconnect_timeout_seconds, None)
            continue
        own = getattr(group, COLUMNS[rule.kind])
        seconds, source = (
            (getattr(settings, COLUMNS[rule.kind]), None) if own is None else (own, group.name)
        )
        if not (rule.kind == "idle" and seconds == NEVER):
            found[group.id] = (seconds, source)
    return found


def _due_for(
    db: Session, rule: Rule, limits: dict[int, tuple[int, str | None]], now: datetime
) -> Iterator[Due]:
    shortest = min(seconds for seconds, _ in limits.values())
    since = _since(rule)
    query = (
        select(LensSession.id, Technician.group_id, since)
        .join(Technician, LensSession.technician_id == Technician.id)
        .where(
            LensSession.state == rule.state,
            Technician.group_id.in_(limits),
            since <= now - timedelta(seconds=shortest),
        )
    )
    for session_id, group_id, moment in db.execute(query):
        seconds, source = limits[group_id]
        if moment <= now - timedelta(seconds=seconds):
            yield Due(session_id, rule, seconds, source)
