"""A second technician: the session's technician brings a colleague into a live session.

The owner (permission ``invite_technician``) invites an enabled technician whose group
has ``lens_sessions``; the colleague joins or declines, the owner may withdraw or
remove them, the colleague may leave, and an unanswered invitation ends after
``transfer_timeout_seconds``. Once joined, the customer's page makes a second peer
connection whose signals carry ``peer: "guest"`` and that the server routes to the
guest (lens_server.ws): the guest sees, hears, talks and draws; the session stays the
owner's (hold, end, recording, transfer). One guest at a time; an ended session loses
its guest (SessionService._write). Every step is in the session's audit log
(docs/decisions/0041-second-technician.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lens_server.errors import ApiError, not_found
from lens_server.models import LensSession, Technician, utcnow
from lens_server.sessions import Identity, SessionService, clear_guest, require, storable
from lens_server.transfer import RECEIVER_PERMISSION, Presence, colleagues

INVITABLE = ("active", "on_hold")
PERMISSION = "invite_technician"


class GuestService:
    def __init__(self, sessions: SessionService) -> None:
        self._sessions = sessions
        self._db = sessions._db
        self._settings = sessions._settings
        sessions.sweeps.append(self.sweep)

    def targets(self, who: Identity, query: str, online: Presence) -> list[dict[str, Any]]:
        """Colleagues the caller may invite, online ones first, then by name."""
        require(who, PERMISSION)
        return colleagues(self._sessions, who, query, online)

    # --- the owner -----------------------------------------------------------------

    def invite(
        self, who: Identity, session_id: str, to_technician_id: int, comment: str
    ) -> dict[str, Any]:
        require(who, PERMISSION)
        service = self._sessions

        def work(db: Session) -> LensSession:
            row = service._own(db, who, session_id)
            service._expect(row, INVITABLE, "invite a colleague into")
            if row.guest_state is not None:
                name = row.guest.display_name if row.guest is not None else ""
                raise ApiError(
                    409,
                    "guest_present",
                    f"{name} is already invited into this session or in it. Remove them "
                    "before you invite someone else.",
                    {"guest_state": row.guest_state},
                )
            guest = self._invitee(db, who, to_technician_id)
            row.guest_id = guest.id
            row.guest = guest
            row.guest_state = "invited"
            row.guest_comment = comment
            row.guest_since = utcnow()
            detail = guest.email + (f": {comment}" if comment else "")
            return _logged(db, service, row, who.actor, "colleague invited", detail)

        return service._view(service._write(work))

    def remove(self, who: Identity, session_id: str) -> dict[str, Any]:
        """The owner withdraws the invitation or sends the guest away."""
        service = self._sessions
        former: list[int] = []

        def work(db: Session) -> LensSession:
            row = service._own(db, who, session_id)
            if row.guest_state is None:
                raise _no_guest(row)
            action = "invitation withdrawn" if row.guest_state == "invited" else "colleague removed"
            return self._clear(db, row, former, who.actor, action)

        return service._view(service._write(work, also=former))

    # --- the colleague -------------------------------------------------------------

    def accept(self, who: Identity, session_id: str) -> dict[str, Any]:
        """The colleague joins; refused while they have an active session of their own
        (one live picture per console, as the one-active rule has it)."""
        require(who, RECEIVER_PERMISSION)
        service = self._sessions

        def work(db: Session) -> LensSession:
            service._take_turn(db, who)
            row = self._invited(db, who, session_id, "invited")
            service._refuse_second_active(db, who, row, "joining a colleague's session")
            row.guest_state = "joined"
            row.guest_since = utcnow()
            return _logged(db, service, row, who.actor, "colleague joined", who.email)

        return service._view_for(who.id, service._write(work))

    def decline(self, who: Identity, session_id: str) -> dict[str, Any]:
        service = self._sessions
        former: list[int] = []

        def work(db: Session) -> LensSession:
            row = self._invited(db, who, session_id, "invited")
            return self._clear(db, row, former, who.actor, "invitation declined")

        return service._view_for(who.id, service._write(work, also=former))

    def leave(self, who: Identity, session_id: str) -> dict[str, Any]:
        service = self._sessions
        former: list[int] = []

        def work(db: Session) -> LensSession:
            row = self._invited(db, who, session_id, "invited", "joined")
            return self._clear(db, row, former, who.actor, "colleague left")

        return service._view_for(who.id, service._write(work, also=former))

    # --- time ----------------------------------------------------------------------

    def sweep(self, now: datetime) -> int:
        """Invitations left unanswered past ``transfer_timeout_seconds`` end."""
        cutoff = now - timedelta(seconds=self._settings.transfer_timeout_seconds)
        with self._db.session() as db:
            due = list(
                db.scalars(
                    select(LensSession.id).where(
                        LensSession.guest_state == "invited", LensSession.guest_since <= cutoff
                    )
                )
            )
        return sum(self._time_out(session_id) for session_id in due)

    def _time_out(self, session_id: str) -> int:
        former: list[int] = []

        def work(db: Session) -> LensSession | None:
            row = db.get(LensSession, session_id)
            if row is None or row.guest_state != "invited":
                return None  # answered between the query and now
            return self._clear(db, row, former, "system", "invitation timed out")

        return 1 if self._sessions._write(work, also=former) is not None else 0

    # --- plumbing ------------------------------------------------------------------

    def _invitee(self, db: Session, who: Identity, technician_id: int) -> Technician:
        if technician_id == who.id:
            raise ApiError(409, "invite_self", "You are in this session already.")
        tech = db.get(Technician, technician_id)
        if tech is None or tech.disabled or RECEIVER_PERMISSION not in tech.group.permission_set:
            raise ApiError(
                409,
                "guest_not_allowed",
                "That technician cannot take part in Lens sessions. Choose another one from "
                "the list.",
                {"to_technician_id": technician_id},
            )
        return tech

    def _invited(self, db: Session, who: Identity, session_id: str, *states: str) -> LensSession:
        """A session ``who`` is the guest of, in one of ``states`` (404 for anyone who
        cannot see it; 409 once the invitation is over)."""
        known = len(session_id) <= 32 and storable(session_id)
        row = db.get(LensSession, session_id) if known else None
        if row is None or who.id not in (row.technician_id, row.guest_id):
            raise not_found()
        if row.guest_id != who.id or row.guest_state not in states:
            raise ApiError(
                409,
                "no_invitation_for_you",
                "You are not invited into this session any more (the invitation was "
                "withdrawn, timed out or answered already, or the session ended).",
                {"state": row.state},
            )
        return row

    def _clear(
        self, db: Session, row: LensSession, former: list[int], actor: str, action: str
    ) -> LensSession:
        """The session has no guest any more; ``former`` gets the one who was, whose
        console is told by the push."""
        former.append(row.guest_id or 0)
        detail = row.guest.email if row.guest is not None else ""
        clear_guest(row)
        return _logged(db, self._sessions, row, actor, action, detail)


def _logged(
    db: Session, service: SessionService, row: LensSession, actor: str, action: str, detail: str
) -> LensSession:
    service._log(db, row, actor, action, detail)
    return row


def _no_guest(row: LensSession) -> ApiError:
    return ApiError(
        409,
        "no_guest",
        "No colleague is invited into this session or in it.",
        {"state": row.state},
    )
