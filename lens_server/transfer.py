"""Transfer: a technician hands an active or held session to a colleague.

The sender (permission ``transfer_sessions``) names a receiver and a comment; the
session becomes ``transferring`` and remembers the state it comes back to. The media
stays with the sender meanwhile. The receiver (an enabled technician whose group has
``lens_sessions``, not the sender) sees it as Incoming and accepts or declines; the
sender may cancel; the sweep brings it back after ``transfer_timeout_seconds``.
On accept the session becomes the receiver's, in the state it had, and its
``handovers`` count grows: the customer's page makes a new peer connection (a new
generation) that the server now routes to the receiver. Every step is in the
session's audit log (docs/decisions/0039-transfer.md).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from lens_server.errors import ApiError, not_found
from lens_server.models import LensSession, Technician, utcnow
from lens_server.sessions import Identity, SessionService, require, storable
from lens_server.views import colleague_view

TRANSFERABLE = ("active", "on_hold")
RECEIVER_PERMISSION = "lens_sessions"
TARGETS_LIMIT = 50
COMMENT_MAX = 500

Presence = Callable[[list[int]], set[int]]
"""Which of these technicians have a console socket open (on any server process)."""


def busy_clause() -> Any:
    """Sessions that make their technician busy: what the one-active rule counts."""
    return or_(
        LensSession.state == "active",
        and_(
            LensSession.state == "reconnecting",
            or_(LensSession.resume_state.is_(None), LensSession.resume_state != "on_hold"),
        ),
        and_(LensSession.state == "transferring", LensSession.transfer_back_state == "active"),
    )


class TransferService:
    def __init__(self, sessions: SessionService) -> None:
        self._sessions = sessions
        self._db = sessions._db
        self._settings = sessions._settings
        sessions.sweeps.append(self.sweep)

    # --- who may receive ---------------------------------------------------------

    def targets(self, who: Identity, query: str, online: Presence) -> list[dict[str, Any]]:
        """Technicians the caller may transfer to, matching ``query`` in name or email,
        online ones first, then by name."""
        require(who, "transfer_sessions")
        return colleagues(self._sessions, who, query, online)

    # --- the steps -----------------------------------------------------------------

    def transfer(
        self, who: Identity, session_id: str, to_technician_id: int, comment: str
    ) -> dict[str, Any]:
        require(who, "transfer_sessions")
        service = self._sessions

        def work(db: Session) -> LensSession:
            row = service._own(db, who, session_id)
            service._expect(row, TRANSFERABLE, "transfer")
            if row.guest_state is not None:
                raise ApiError(
                    409,
                    "guest_present",
                    "A colleague is invited into this session or in it. Remove them before "
                    "you transfer it.",
                    {"guest_state": row.guest_state},
                )
            receiver = self._receiver(db, who, to_technician_id)
            row.transfer_back_state = row.state
            row.transfer_to_id = receiver.id
            row.transfer_to = receiver
            row.transfer_comment = comment
            row.transfer_since = utcnow()
            detail = f"to {receiver.email}" + (f": {comment}" if comment else "")
            return self._step(db, row, "transferring", who.actor, "transfer requested", detail)

        return service._view(service._write(work))

    def accept(self, who: Identity, session_id: str) -> dict[str, Any]:
        """The receiver takes the session over, in the state it had; the one-active
        rule holds for the receiver."""
        require(who, RECEIVER_PERMISSION)
        service = self._sessions
        previous: list[int] = []

        def work(db: Session) -> LensSession:
            service._take_turn(db, who)
            row = self._incoming(db, who, session_id)
            back = row.transfer_back_state or "active"
            if back == "active":
                service._refuse_second_active(db, who, row, "accepting this transfer")
            sender = row.technician
            previous.append(sender.id)
            row.technician_id = who.id
            row.technician = db.get_one(Technician, who.id)
            row.handovers = (row.handovers or 0) + 1
            self._clear(row)
            detail = f"from {sender.email} to {who.email}"
            return self._step(db, row, back, who.actor, "transfer accepted", detail)

        return service._view(service._write(work, also=previous))

    def decline(self, who: Identity, session_id: str) -> dict[str, Any]:
        receiver: list[int] = []

        def find(db: Session) -> LensSession:
            row = self._incoming(db, who, session_id)
            receiver.append(who.id)
            return row

        view = self._back(find, who.actor, "transfer declined", receiver)
        return colleague_view(view)  # no longer the receiver's to see whole

    def cancel(self, who: Identity, session_id: str) -> dict[str, Any]:
        receiver: list[int] = []
        service = self._sessions

        def find(db: Session) -> LensSession:
            row = service._own(db, who, session_id)
            service._expect(row, "transferring", "cancel the transfer of")
            receiver.append(row.transfer_to_id or 0)
            return row

        return self._back(find, who.actor, "transfer cancelled", receiver)

    def _back(
        self,
        find: Callable[[Session], LensSession],
        actor: str,
        action: str,
        also: list[int],
    ) -> dict[str, Any]:
        """The session returns to its sender in the state it had."""
        service = self._sessions

        def work(db: Session) -> LensSession:
            row = find(db)
            back = row.transfer_back_state or "active"
            detail = f"to {row.transfer_to.email}" if row.transfer_to else ""
            self._clear(row)
            return self._step(db, row, back, actor, action, detail)

        return service._view(service._write(work, also=also))

    # --- time ----------------------------------------------------------------------

    def sweep(self, now: datetime) -> int:
        """Transfers left unanswered past ``transfer_timeout_seconds`` come back."""
        cutoff = now - timedelta(seconds=self._settings.transfer_timeout_seconds)
        with self._db.session() as db:
            due = list(
                db.scalars(
                    select(LensSession.id).where(
                        LensSession.state == "transferring", LensSession.transfer_since <= cutoff
                    )
                )
            )
        changed = 0
        for session_id in due:
            changed += self._time_out(session_id)
        return changed

    def _time_out(self, session_id: str) -> int:
        receiver: list[int] = []

        def find(db: Session) -> LensSession:
            row = db.get(LensSession, session_id)
            if row is None or row.state != "transferring":
                raise _Gone
            receiver.append(row.transfer_to_id or 0)
            return row

        try:
            self._back(find, "system", "transfer timed out", receiver)
        except _Gone:
            return 0
        return 1

    # --- plumbing ------------------------------------------------------------------

    def _receiver(self, db: Session, who: Identity, technician_id: int) -> Technician:
        if technician_id == who.id:
            raise ApiError(409, "transfer_to_self", "You cannot transfer a session to yourself.")
        tech = db.get(Technician, technician_id)
        if tech is None or tech.disabled or RECEIVER_PERMISSION not in tech.group.permission_set:
            raise ApiError(
                409,
                "transfer_target_not_allowed",
                "That technician cannot receive Lens sessions. Choose another one from the list.",
                {"to_technician_id": technician_id},
            )
        return tech

    def _incoming(self, db: Session, who: Identity, session_id: str) -> LensSession:
        """A session transferred to ``who`` (404 for anyone who cannot see it; 409 for
        its sender or once the transfer has ended)."""
        known = len(session_id) <= 32 and storable(session_id)
        row = db.get(LensSession, session_id) if known else None
        if row is None or who.id not in (row.technician_id, row.transfer_to_id):
            raise not_found()
        if row.state != "transferring" or row.transfer_to_id != who.id:
            raise ApiError(
                409,
                "no_transfer_for_you",
                "This session is not waiting for you to accept it (the transfer was "
                "cancelled, timed out or answered already).",
                {"state": row.state},
            )
        return row

    @staticmethod
    def _clear(row: LensSession) -> None:
        row.transfer_to_id = None
        row.transfer_to = None
        row.transfer_comment = None
        row.transfer_since = None
        row.transfer_back_state = None

    def _step(
        self, db: Session, row: LensSession, state: str, actor: str, action: str, detail: str = ""
    ) -> LensSession:
        """A state change of a transfer, with its audit line (never a final state)."""
        row.state = state
        self._sessions._log(db, row, actor, action, detail)
        return row


def colleagues(
    sessions: SessionService, who: Identity, query: str, online: Presence
) -> list[dict[str, Any]]:
    """Technicians who may take part in the caller's sessions (receive a transfer, or
    join as a second technician): enabled, with ``lens_sessions``, not the caller,
    matching ``query`` in name or email; online ones first, then by name. The caller's
    permission for what they are about to do is checked by the caller."""
    if not storable(query):
        return []
    pattern = "%" + _escape_like(query.strip().lower()) + "%"
    with sessions._db.session() as db:
        rows = db.scalars(
            select(Technician)
            .where(
                Technician.id != who.id,
                Technician.disabled.is_(False),
                or_(
                    Technician.display_name.ilike(pattern, escape="\\"),
                    Technician.email.ilike(pattern, escape="\\"),
                ),
            )
            .order_by(Technician.display_name)
        )
        allowed = [t for t in rows if RECEIVER_PERMISSION in t.group.permission_set]
        allowed = allowed[:TARGETS_LIMIT]
        ids = [t.id for t in allowed]
        busy = set(
            db.scalars(
                select(LensSession.technician_id).where(
                    LensSession.technician_id.in_(ids), busy_clause()
                )
            )
        )
        found = [(t.id, t.display_name, t.email) for t in allowed]
    here = online(ids) if ids else set()
    targets = [
        {
            "id": tid,
            "display_name": name,
            "email": email,
            "online": tid in here,
            "busy": tid in busy,
        }
        for tid, name, email in found
    ]
    return sorted(targets, key=lambda t: (not t["online"], t["display_name"].lower()))


def _escape_like(text: str) -> str:
    """A search for "50%" or "a_b" means those characters, not LIKE's wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class _Gone(Exception):
    """The session left ``transferring`` between the sweep's query and its turn."""
