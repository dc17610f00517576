"""Group administration over REST (``/api/v1/admin/...``): for now each group's
time-outs. Every call needs the caller's group to grant ``manage_groups``, checked
here on each request; each change is written to the audit log with who made it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lens_server import timeouts
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import AuditEvent, Group
from lens_server.sessions import Identity, require, storable


class GroupAdmin:
    def __init__(self, db: Database, settings: Settings) -> None:
        self._db = db
        self._settings = settings

    def timeouts(self, who: Identity, name: str) -> dict[str, Any]:
        require(who, "manage_groups")
        with self._db.session() as db:
            return self._view(_group(db, name))

    def set_timeouts(
        self, who: Identity, name: str, changes: Mapping[str, int | None]
    ) -> dict[str, Any]:
        """Sets the given time-outs (None: back to the server default) after checking
        them all: one bad value and nothing changes (422 ``invalid_timeouts``)."""
        require(who, "manage_groups")
        with self._db.session() as db:
            group = _group(db, name)
            try:
                timeouts.set_overrides(group, changes, self._settings)
            except ValueError as exc:
                raise ApiError(
                    422, "invalid_timeouts", f"{exc}. Nothing was changed.", {"group": name}
                ) from None
            db.add(
                AuditEvent(
                    actor=who.actor, action="group timeouts set", detail=_detail(name, changes)
                )
            )
            return self._view(group)

    def _view(self, group: Group) -> dict[str, Any]:
        defaults = timeouts.defaults(self._settings).as_json()
        return {
            "group": group.name,
            "timeouts": timeouts.effective(group, self._settings).as_json(),
            "overrides": timeouts.overrides(group),
            "defaults": defaults,
        }


def _group(db: Session, name: str) -> Group:
    group = (
        db.scalar(select(Group).where(Group.name == name))
        if len(name) <= 64 and storable(name)
        else None
    )
    if group is None:
        raise ApiError(404, "group_not_found", f"No group named {name[:64]!r}.")
    return group


def _detail(name: str, changes: Mapping[str, int | None]) -> str:
    values = ", ".join(
        f"{key} {'default' if value is None else value}" for key, value in sorted(changes.items())
    )
    return f"group {name}: {values or 'no change'}"
