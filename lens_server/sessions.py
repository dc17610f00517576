"""Who may do what, and the session state machine. The server is the only authority
on a session's state: every change goes through here, is written to the audit log in
the same transaction, and is then pushed to the open sockets."""

from __future__ import annotations

import secrets
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from lens_server import timeouts
from lens_server.auth import SignIn
from lens_server.budget import Rule, SqlBudgetStore
from lens_server.config import Settings
from lens_server.db import Database
from lens_server.errors import ApiError, not_found
from lens_server.hub import Hub
from lens_server.mail import Invitation
from lens_server.models import AuthToken, LensSession, SessionEvent, Technician, utcnow
from lens_server.pagination import Cursor
from lens_server.redemption import (
    Entry,
    PinGuessing,
    check_link,
    check_pin,
    generation_base,
    pin_invalid,
)
from lens_server.security import hash_token, new_pin, new_token
from lens_server.views import (
    FINAL_STATES,
    LIVE_MEDIA_STATES,
    colleague_view,
    customer_view,
    iso,
    organisation_view,
    technician_view,
)

METHOD_PERMISSION = {
    "pin": "connect_pin",
    "email": "connect_email",
    "link": "connect_link",
    "sms": "connect_sms",
}
OPEN_STATES = ("active", "on_hold", "reconnecting")
ACTIVITY_STATES = ("active", "on_hold")
"""Where the technician's freeze, unfreeze, annotations and snapshots are recorded."""
RECORDING_STATES = ("active", "on_hold", "reconnecting")
"""Where a recording may start (the console records across a reconnect)."""
ACTIVITY_VERBS = {"recording_started": "start recording", "hd_photo": "save an HD photo of"}
FORCED_DETAIL = "forced by the group's recording policy"
"""The audit detail of a recording the technician's group requires."""
RECENT_FINAL = timedelta(hours=1)


@dataclass(frozen=True)
class Identity:
    """A signed-in technician, detached from any database session."""

    id: int
    email: str
    display_name: str
    permissions: frozenset[str]
    recording_forced: bool = False
    """The group records every session (``lens-server admin group recording``)."""

    @property
    def actor(self) -> str:
        return f"technician:{self.email}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "email": self.email,
            "display_name": self.display_name,
            "permissions": sorted(self.permissions),
            "recording_forced": self.recording_forced,
        }


def _identity(tech: Technician) -> Identity:
    group = tech.group
    return Identity(
        tech.id, tech.email, tech.display_name, group.permission_set, group.force_recording
    )


CUSTOMER_ACTIVITIES = ("camera_paused", "camera_resumed", "mic_muted", "mic_unmuted")
ACTIVITY_PER_MINUTE = 30
ACTIVITY_RULE = Rule(capacity=ACTIVITY_PER_MINUTE, per_day=ACTIVITY_PER_MINUTE * 60 * 24)
"""30 at once, then one every 2 s: a customer toggling camera and microphone fits, a
script looping on the endpoint writes at most 30 lines a minute."""


def activity_key(session_id: str) -> str:
    return f"activity:{session_id}"


def chat_key(session_id: str, sender: str) -> str:
    """The chat rate limit's budget of one sender of a session (lens_server.chat)."""
    return f"chat:{session_id}:{sender}"


def chat_keys(session_id: str) -> tuple[str, str]:
    return chat_key(session_id, "technician"), chat_key(session_id, "customer")


class SessionService:
    def __init__(self, db: Database, settings: Settings, hub: Hub) -> None:
        self._db = db
        self._settings = settings
        self._hub = hub
        self._lock = threading.RLock()
        self.budgets = SqlBudgetStore(db.engine)
        self.sign_in = SignIn(db, settings, self.budgets)
        self.guessing = PinGuessing(self.budgets, settings)
        self.sweeps: list[Callable[[datetime], int]] = []
        """More time-outs, each run by sweep() (lens_server.transfer adds its own)."""

    # --- technicians -------------------------------------------------------------

    def login(self, email: str, password: str, client: str) -> tuple[str, datetime, Identity]:
        def issue(db: Session, tech: Technician) -> tuple[str, datetime, Identity]:
            return (*self.sign_in.new_token(db, tech), _identity(tech))

        return self.sign_in.login(email, password, client, issue)

    def authenticate(self, token: str) -> Identity:
        with self._db.session() as db:
            row = db.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(token)))
            if row is None or row.revoked or row.technician.disabled:
                raise ApiError(401, "not_authenticated", "Please sign in again.")
            if row.expires_at <= utcnow():
                raise ApiError(
                    401, "token_expired", "Your sign-in has expired. Please sign in again."
                )
            return _identity(row.technician)

    def logout(self, token: str) -> None:
        with self._db.session() as db:
            row = db.scalar(select(AuthToken).where(AuthToken.token_hash == hash_token(token)))
            if row is not None:
                row.revoked = True

    # --- technician side of a session --------------------------------------------

    def create(self, who: Identity, name: str, method: str, language: str) -> dict[str, Any]:
        require(who, "lens_sessions", "private_sessions", METHOD_PERMISSION[method])

        def work(db: Session) -> LensSession:
            now = utcnow()
            tech = db.get(Technician, who.id)
            limits = timeouts.effective(tech.group if tech else None, self._settings)
            row = LensSession(
                id=uuid.uuid4().hex,
                name=name,
                state="connecting",
                method=method,
                language=language,
                pin=self._fresh_pin(db),
                pin_expires_at=now + timedelta(seconds=limits.pin_validity),
                link_token=secrets.token_urlsafe(24),
                technician_id=who.id,
                created_at=now,
            )
            db.add(row)
            db.flush()
            self._log(db, row, who.actor, "created", f"method {method}")
            return row

        return self._view(self._write(work))

    def _fresh_pin(self, db: Session) -> str:
        """A PIN unique among the PINs that can still be redeemed."""
        for _ in range(50):
            pin = new_pin()
            clash = db.scalar(
                select(LensSession.id).where(
                    LensSession.pin == pin,
                    LensSession.pin_used_at.is_(None),
                    LensSession.state == "connecting",
                )
            )
            if clash is None:
                return pin
        raise ApiError(503, "no_pin_available", "No free PIN right now; try again in a moment.")

    def get(self, who: Identity, session_id: str) -> dict[str, Any]:
        with self._db.session() as db:
            return self._view(self._own(db, who, session_id))

    def list_sessions(
        self, who: Identity, limit: int, after: Cursor | None = None
    ) -> tuple[list[dict[str, Any]], Cursor | None]:
        """One page of the technician's sessions, newest first, and the cursor of the
        next page (None on the last one)."""
        query = select(LensSession).where(LensSession.technician_id == who.id)
        if after is not None:
            query = query.where(
                or_(
                    LensSession.created_at < after.created_at,
                    and_(LensSession.created_at == after.created_at, LensSession.id < after.id),
                )
            )
        query = query.order_by(LensSession.created_at.desc(), LensSession.id.desc())
        with self._db.session() as db:
            rows = list(db.scalars(query.limit(limit + 1)))
            page = rows[:limit]
            following = Cursor(page[-1].created_at, page[-1].id) if len(rows) > limit else None
            return [self._view(row) for row in page], following

    def snapshot(self, who: Identity) -> list[dict[str, Any]]:
        """Sessions a console's list shows: all live ones plus those ended lately."""
        since = utcnow() - RECENT_FINAL
        with self._db.session() as db:
            rows = db.scalars(
                select(LensSession)
                .where(
                    or_(
                        LensSession.technician_id == who.id,
                        and_(
                            LensSession.transfer_to_id == who.id,
                            LensSession.state == "transferring",
                        ),
                        and_(LensSession.guest_id == who.id, LensSession.guest_state.is_not(None)),
                    ),
                    or_(LensSession.state.not_in(FINAL_STATES), LensSession.ended_at >= since),
                )
                .order_by(LensSession.created_at)
            )
            return [self._view_for(who.id, row) for row in rows]

    def events(self, who: Identity, session_id: str) -> list[dict[str, Any]]:
        with self._db.session() as db:
            self._own(db, who, session_id)
            rows = db.scalars(
                select(SessionEvent)
                .where(SessionEvent.session_id == session_id)
                .order_by(SessionEvent.id)
            )
            return [
                {
                    "at": iso(e.at),
                    "actor": e.actor,
                    "action": e.action,
                    "state": e.state,
                    "detail": e.detail,
                }
                for e in rows
            ]

    def invitation(self, who: Identity, session_id: str, language: str | None = None) -> Invitation:
        with self._db.session() as db:
            row = self._own(db, who, session_id)
            if row.state != "connecting" or row.pin_used_at is not None:
                raise ApiError(
                    409,
                    "invalid_state",
                    "The customer has already joined or the session has ended.",
                )
            if language and language != row.language:
                # The customer reads the page in the language of the invitation they got.
                row.language = language
            base = self._settings.base_url
            return Invitation(
                name=row.name,
                technician=who.display_name,
                pin=row.pin,
                link=f"{base}/join/{row.link_token}",
                start_page=f"{base}/",
                expires_at=row.pin_expires_at,
                minutes=max(1, round((row.pin_expires_at - row.created_at).total_seconds() / 60)),
                language=language or row.language,
                organisation=self._settings.organisation_name,
                support_email=self._settings.support_email,
            )

    def record(self, session_id: str, actor: str, action: str, detail: str = "") -> None:
        with self._db.session() as db:
            row = db.get(LensSession, session_id)
            if row is not None:
                self._log(db, row, actor, action, detail)

    def activity(self, who: Identity, session_id: str, action: str) -> None:
        """The technician's ``action`` in their own active or held session, for its
        audit log (404 not theirs, 409 in any other state). A group that forces
        recording needs no ``record_sessions`` to start one: its policy decides."""
        detail = ""
        if action == "recording_started" and who.recording_forced:
            detail = FORCED_DETAIL
        elif action == "recording_started":
            require(who, "record_sessions")
        with self._db.session() as db:
            row = self._own(db, who, session_id)
            if action != "recording_stopped":  # a recording ends with its session too
                states = RECORDING_STATES if action == "recording_started" else ACTIVITY_STATES
                self._expect(row, states, ACTIVITY_VERBS.get(action, action.replace("_", " ")))
            self._log(db, row, who.actor, action, detail)

    def start(self, who: Identity, session_id: str) -> dict[str, Any]:
        require(who, "lens_sessions")

        def work(db: Session) -> LensSession:
            self._take_turn(db, who)
            row = self._own(db, who, session_id)
            self._refuse_second_active(db, who, row, "starting another")
            self._expect(row, "waiting", "start")
            row.started_at = utcnow()
            return self._move(db, row, "active", who.actor, "started")

        return self._view(self._write(work))

    def hold(self, who: Identity, session_id: str) -> dict[str, Any]:
        return self._technician_move(who, session_id, ("active",), "on_hold", "hold", "held")

    def resume(self, who: Identity, session_id: str) -> dict[str, Any]:
        """Resuming makes a held session active again, so the one-active rule applies
        (refused, not auto-holding the other: docs/decisions/0015)."""

        def work(db: Session) -> LensSession:
            self._take_turn(db, who)
            row = self._own(db, who, session_id)
            self._expect(row, ("on_hold",), "resume")
            self._refuse_second_active(db, who, row, "resuming this one")
            return self._move(db, row, "active", who.actor, "resumed")

        return self._view(self._write(work))

    @staticmethod
    def _take_turn(db: Session, who: Identity) -> None:
        """The first statement of a start or resume: a write to the technician's own
        row, which PostgreSQL locks and SQLite takes its write lock for, so that two
        server processes starting two of one technician's sessions at once take turns
        and the second sees the first's active session (the one-active rule)."""
        db.execute(update(Technician).where(Technician.id == who.id).values(id=Technician.id))

    @staticmethod
    def _refuse_second_active(db: Session, who: Identity, row: LensSession, doing: str) -> None:
        """One *active* Lens session per technician (as in Rescue): a session on hold,
        or reconnecting from hold, does not count (docs/decisions/0015). Called after
        ``_take_turn``."""
        active = db.scalar(
            select(LensSession).where(
                LensSession.technician_id == who.id,
                LensSession.id != row.id,
                or_(
                    LensSession.state == "active",
                    (LensSession.state == "reconnecting")
                    & or_(
                        LensSession.resume_state.is_(None), LensSession.resume_state != "on_hold"
                    ),
                    # A transfer of an active session: it comes back active if declined.
                    (LensSession.state == "transferring")
                    & (LensSession.transfer_back_state == "active"),
                ),
            )
        )
        if active is not None:
            raise ApiError(
                409,
                "already_active",
                f"You already have an active Lens session ({active.name}). "
                f"End it or put it on hold before {doing}.",
                {"active_session_id": active.id},
            )

    def end(self, who: Identity, session_id: str) -> dict[str, Any]:
        live = ("connecting", "waiting", *OPEN_STATES, "transferring")
        return self._technician_move(who, session_id, live, "closed_by_technician", "end", "ended")

    def _technician_move(
        self,
        who: Identity,
        session_id: str,
        sources: Iterable[str],
        target: str,
        verb: str,
        action: str,
    ) -> dict[str, Any]:
        def work(db: Session) -> LensSession:
            row = self._own(db, who, session_id)
            self._expect(row, sources, verb)
            return self._move(db, row, target, who.actor, action)

        return self._view(self._write(work))

    def may_signal(self, technician_id: int, session_id: str) -> str | None:
        """The technician's part in the session's media: ``"owner"``, ``"guest"`` (a
        second technician who has joined), or None (their signals are refused)."""
        if not storable(session_id):
            return None
        with self._db.session() as db:
            row = db.get(LensSession, session_id)
            if row is None or row.state not in LIVE_MEDIA_STATES:
                return None
            if row.technician_id == technician_id:
                return "owner"
            if row.guest_id == technician_id and row.guest_state == "joined":
                return "guest"
            return None

    # --- customer side -----------------------------------------------------------

    def redeem(
        self, client: str, pin: str | None, link_token: str | None
    ) -> tuple[str, dict[str, Any], int]:
        """(customer token, customer view, where its peer generations start). PIN entry
        spends the guessing budget first; a right PIN gets its failure back."""
        if link_token:
            return self._redeem(client, lambda db: self._by_link(db, link_token), check_link)
        self.guessing.spend(client)
        joined = self._redeem(client, lambda db: self._by_pin(db, pin or ""), check_pin)
        self.guessing.forgive(client)
        return joined

    def _redeem(
        self,
        client: str,
        find: Callable[[Session], LensSession | None],
        check: Callable[[LensSession | None, datetime], Entry],
    ) -> tuple[str, dict[str, Any], int]:
        customer_token = new_token()
        entries: list[Entry] = []

        def work(db: Session) -> LensSession:
            row = find(db)
            entry = check(row, utcnow())
            if row is None:  # check() has refused it already; this tells mypy
                raise pin_invalid()
            entries.append(entry)
            how = "link" if check is check_link else "pin"
            if entry.rejoin:
                self._log(db, row, "customer", "rejoined", f"by {how} from {client}")
            else:
                row.pin_used_at = utcnow()
                self._log(db, row, "customer", "joined", f"by {how} from {client}")
            row.customer_token_hash = hash_token(customer_token)
            return row

        row = self._write(work)
        if entries[0].rejoin:
            # Never two customers at once: the previous page is told and let go.
            self._hub.replace_customer(row.id)
        return customer_token, self._customer_view(row), generation_base(entries[0])

    @staticmethod
    def _by_link(db: Session, link_token: str) -> LensSession | None:
        if not storable(link_token):
            return None
        return db.scalar(select(LensSession).where(LensSession.link_token == link_token))

    @staticmethod
    def _by_pin(db: Session, pin: str) -> LensSession | None:
        """The newest session still waiting for its customer under this PIN."""
        return db.scalars(
            select(LensSession)
            .where(LensSession.pin == pin, LensSession.pin_used_at.is_(None))
            .order_by(LensSession.created_at.desc())
            .limit(1)
        ).first()

    def customer_link(self, customer_token: str) -> tuple[str, int, dict[str, Any]]:
        """For the customer socket: (session id, its technician, customer view)."""
        with self._db.session() as db:
            row = self._by_customer(db, customer_token)
            return row.id, row.technician_id, self._customer_view(row)

    def may_relay_from_customer(self, session_id: str, peer: str = "") -> int | None:
        """The technician the customer's signaling goes to now: the session's (a
        transfer changes it), or for ``peer == "guest"`` the second technician who has
        joined; None while the session carries no media or there is no such guest."""
        with self._db.session() as db:
            row = db.get(LensSession, session_id)
            if row is None or row.state not in LIVE_MEDIA_STATES:
                return None
            if peer == "guest":
                return row.guest_id if row.guest_state == "joined" else None
            return row.technician_id

    def customer(self, customer_token: str) -> dict[str, Any]:
        with self._db.session() as db:
            return self._customer_view(self._by_customer(db, customer_token))

    def accept(self, customer_token: str) -> dict[str, Any]:
        """The PIN's validity governed only its redemption: a customer who joined in
        time may read the licence for as long as the waiting time-out allows
        (sweep() times out a joined but unaccepted session by that rule)."""

        def work(db: Session) -> LensSession:
            row = self._by_customer(db, customer_token)
            self._expect(row, "connecting", "accept the licence for")
            row.waiting_since = utcnow()
            return self._move(db, row, "waiting", "customer", "accepted licence")

        return self._customer_view(self._write(work))

    def leave(self, customer_token: str, action: str = "left") -> dict[str, Any]:
        def work(db: Session) -> LensSession:
            row = self._by_customer(db, customer_token)
            if row.state in FINAL_STATES:
                return row
            return self._move(db, row, "closed_by_customer", "customer", action)

        return self._customer_view(self._write(work))

    def customer_activity(self, customer_token: str, action: str) -> None:
        """The customer paused or resumed the camera, muted or unmuted the microphone:
        one line in the session's log (actor customer). Only while media flows, and at
        most ACTIVITY_PER_MINUTE per session (a leaky bucket): past that a 429 and
        nothing written, so a flood cannot fill the log."""
        if action not in CUSTOMER_ACTIVITIES:
            raise ApiError(422, "invalid_request", f"Unknown activity {action[:40]!r}.")
        with self._db.session() as db:
            row = self._by_customer(db, customer_token)
            self._expect(
                row, tuple(sorted(LIVE_MEDIA_STATES)), "record camera or microphone changes in"
            )
            session_id = row.id
        verdict = self.budgets.spend(activity_key(session_id), ACTIVITY_RULE)
        if not verdict.allowed:
            wait = verdict.retry_seconds
            error = ApiError(
                429,
                "activity_rate_limited",
                f"Too many camera and microphone changes; try again in {wait} s.",
                {"retry_after": wait},
            )
            error.headers["Retry-After"] = str(wait)
            raise error
        self.record(session_id, "customer", action)

    def customer_socket_lost(self, session_id: str) -> None:
        def work(db: Session) -> LensSession | None:
            row = db.get(LensSession, session_id)
            if row is None or row.state not in ("active", "on_hold"):
                return None
            row.resume_state = row.state
            row.reconnecting_since = utcnow()
            return self._move(db, row, "reconnecting", "customer", "connection lost")

        self._write(work)

    def customer_socket_back(self, session_id: str) -> None:
        def work(db: Session) -> LensSession | None:
            row = db.get(LensSession, session_id)
            if row is None or row.state != "reconnecting":
                return None
            target = row.resume_state or "active"
            row.resume_state = row.reconnecting_since = None
            return self._move(db, row, target, "customer", "reconnected")

        self._write(work)

    def push_customer_views(self, session_ids: list[str]) -> None:
        """Each of these customers' sockets gets its session's current view (after a
        Redis outage, when pushes may have been missed)."""
        with self._db.session() as db:
            rows = db.scalars(select(LensSession).where(LensSession.id.in_(session_ids)))
            views = [(row.id, self._customer_view(row)) for row in rows]
        for session_id, view in views:
            self._hub.to_customer(session_id, {"type": "session", "session": view})

    # --- time ----------------------------------------------------------------------

    def sweep(self) -> int:
        """Expire unredeemed PINs and time out sessions by their technician's group's
        time-outs (lens_server.timeouts): a customer who joined but has not accepted
        (connecting), one left waiting, an active session with no video and no action
        (idle; on hold never), and one whose customer did not come back (reconnect).
        Each goes to the audit log with the time-out and its length."""
        with self._db.session() as db:
            due = list(timeouts.due_sessions(db, self._settings, utcnow()))
        changed = sum(self._sweep_one(item) for item in due)
        now = utcnow()
        for extra in self.sweeps:  # more time-outs of other services (a transfer's)
            changed += extra(now)
        return changed

    def _sweep_one(self, due: timeouts.Due) -> int:
        def work(db: Session) -> LensSession | None:
            row = db.get(LensSession, due.session_id)
            if row is None or row.state != due.rule.state:
                return None
            row.timeout_kind, row.timeout_seconds = due.rule.kind, due.seconds
            return self._move(db, row, due.rule.target, "system", due.rule.action, due.detail)

        return 1 if self._write(work) is not None else 0

    def timeouts_for(self, who: Identity) -> timeouts.Timeouts:
        """The time-outs of the technician's group, as they apply now."""
        with self._db.session() as db:
            tech = db.get(Technician, who.id)
            return timeouts.effective(tech.group if tech else None, self._settings)

    def note_activity(self, technician_id: int, session_id: str) -> bool:
        """The console saw video or the technician acted in their active session: its
        idle time-out starts again. Nothing is pushed or logged (it comes every few
        seconds). False when the session is not the technician's or not active."""
        if not storable(session_id) or len(session_id) > 32:
            return False
        with self._db.session() as db:
            result = db.execute(
                update(LensSession)
                .where(
                    LensSession.id == session_id,
                    LensSession.technician_id == technician_id,
                    LensSession.state == "active",
                )
                .values(last_activity_at=utcnow())
            )
            return bool(getattr(result, "rowcount", 0))

    # --- plumbing ------------------------------------------------------------------

    def _write(self, work: Callable[[Session], Any], also: Iterable[int] = ()) -> Any:
        """Runs one state change in a transaction, then pushes it to the sockets: of
        the session's technician, of the receiver of a pending transfer, and of
        ``also`` (technicians who just lost sight of it; filled in by ``work``).
        The lock keeps the one-active-session rule and the push order race-free."""
        with self._lock:
            with self._db.session() as db:
                row = work(db)
                if isinstance(row, LensSession):
                    former_guest = self._guest_goes_with_end(db, row)
                    db.flush()
                    views = (self._view(row), self._customer_view(row))
                    entitled = {row.technician_id, row.transfer_to_id}
                    watchers = {
                        row.technician_id,
                        row.transfer_to_id or 0,
                        row.guest_id or 0,
                        former_guest,
                        *also,
                    } - {0}
            if isinstance(row, LensSession):
                for technician_id in sorted(watchers, key=lambda t: t != row.technician_id):
                    view = views[0] if technician_id in entitled else colleague_view(views[0])
                    self._hub.to_technician(technician_id, {"type": "session", "session": view})
                self._hub.to_customer(row.id, {"type": "session", "session": views[1]})
                if views[0]["state"] in FINAL_STATES:
                    # No counter outlives its session.
                    for key in (activity_key(row.id), *chat_keys(row.id)):
                        self.budgets.reset(key)
            return row

    def _guest_goes_with_end(self, db: Session, row: LensSession) -> int:
        """A session that has ended has no second technician any more: the guest's id,
        who is told by the push, or 0."""
        if row.state not in FINAL_STATES or row.guest_id is None:
            return 0
        former = row.guest_id
        detail = row.guest.email if row.guest is not None else ""
        clear_guest(row)
        self._log(db, row, "system", "guest left", f"{detail}: the session ended")
        return former

    def _move(
        self, db: Session, row: LensSession, state: str, actor: str, action: str, detail: str = ""
    ) -> LensSession:
        row.state = state
        if state in FINAL_STATES:
            row.ended_at = utcnow()
        if state == "active":  # started, resumed or back: the idle time-out starts now
            row.last_activity_at = utcnow()
        self._log(db, row, actor, action, detail)
        return row

    @staticmethod
    def _log(db: Session, row: LensSession, actor: str, action: str, detail: str = "") -> None:
        db.add(
            SessionEvent(
                session_id=row.id, actor=actor, action=action, state=row.state, detail=detail
            )
        )

    @staticmethod
    def _expect(row: LensSession, allowed: str | Iterable[str], verb: str) -> None:
        states = (allowed,) if isinstance(allowed, str) else tuple(allowed)
        if row.state not in states:
            raise ApiError(
                409,
                "invalid_state",
                f"Cannot {verb} a session that is {row.state.replace('_', ' ')}.",
                {"state": row.state},
            )

    @staticmethod
    def _own(db: Session, who: Identity, session_id: str) -> LensSession:
        known = len(session_id) <= 32 and storable(session_id)
        row = db.get(LensSession, session_id) if known else None
        # Private sessions: only their creator sees them; others get the same 404.
        if row is None or row.technician_id != who.id:
            raise not_found()
        return row

    @staticmethod
    def _by_customer(db: Session, customer_token: str) -> LensSession:
        row = db.scalar(
            select(LensSession).where(LensSession.customer_token_hash == hash_token(customer_token))
        )
        if row is None:
            raise ApiError(
                401,
                "not_authenticated",
                "This session link is no longer valid. Open the link again or ask your technician for a new code.",
            )
        return row

    def _view(self, row: LensSession) -> dict[str, Any]:
        return technician_view(row, self._settings.base_url)

    def _view_for(self, technician_id: int, row: LensSession) -> dict[str, Any]:
        """The session as this technician may see it: whole for its technician and the
        receiver of its transfer; without the PIN and link for anyone else (a colleague
        in it, or one who has just left it), who could otherwise join as the customer."""
        view = self._view(row)
        if technician_id in (row.technician_id, row.transfer_to_id):
            return view
        return colleague_view(view)

    def _customer_view(self, row: LensSession) -> dict[str, Any]:
        return customer_view(row, organisation_view(self._settings))


def clear_guest(row: LensSession) -> None:
    """The session has no second technician, invited or joined, any more."""
    row.guest_id = None
    row.guest = None
    row.guest_state = None
    row.guest_comment = None
    row.guest_since = None


def storable(text: str) -> bool:
    """PostgreSQL refuses text with a NUL character (SQLite takes it): a client's string
    with one cannot match anything stored, so it is not looked up at all."""
    return "\x00" not in text


def require(who: Identity, *permissions: str) -> None:
    for permission in permissions:
        if permission not in who.permissions:
            raise ApiError(
                403,
                "permission_denied",
                f"Your technician group does not allow this (missing permission: {permission}).",
                {"missing_permission": permission},
            )
