"""Chat: text messages between the technician and the customer of a session, relayed
and stored by the server (they are part of the session's record, unlike pointer moves
and annotations, which go peer to peer).

Each stored message is pushed to both sides: the customer's page and every console of
the session's technician, the sender's own included, so all of them show the same
conversation in the server's order. The history is there for a reload or a reconnect.

Bounds: a message is 1..1000 characters (lens_server.validation.clean_chat_text); each
sender of a session may send 5 at once, then one a second (a leaky bucket in the
failure budget store); a session holds at most ``SESSION_CAP`` messages. The audit log
gets one line per message, without its text (docs/decisions/0029).
"""

from __future__ import annotations

import threading
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lens_server.budget import Rule, SqlBudgetStore
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.hub import Hub
from lens_server.models import ChatMessage, LensSession
from lens_server.sessions import Identity, SessionService, chat_key
from lens_server.views import iso

Sender = Literal["technician", "customer"]
CHAT_STATES = ("waiting", "active", "on_hold", "reconnecting")
"""Where a message may be sent: from the customer's accepting the licence until the
session ends. While reconnecting it is stored and the phone reads it when it is back."""
SESSION_CAP = 500
CHAT_RULE = Rule(capacity=5, per_day=86_400)
"""5 messages at once, then one a second, per sender and session."""


def message_view(row: ChatMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "session_id": row.session_id,
        "sender": row.sender,
        "sender_name": row.sender_name,
        "text": row.text,
        "created_at": iso(row.created_at),
    }


class ChatService:
    def __init__(self, db: Database, hub: Hub, budgets: SqlBudgetStore) -> None:
        self._db = db
        self._hub = hub
        self._budgets = budgets
        self._lock = threading.Lock()  # the cap's count and the insert are one step

    # --- technician ------------------------------------------------------------------

    def technician_send(self, who: Identity, session_id: str, text: str) -> dict[str, Any]:
        """404 not their session, 409 a state without chat or a full session, 429 too
        fast; otherwise the stored message, pushed to both sides."""
        with self._db.session() as db:
            row = SessionService._own(db, who, session_id)
            _expect_chat(row)
        return self._send(session_id, "technician", who.display_name, who.actor, text)

    def technician_history(self, who: Identity, session_id: str) -> list[dict[str, Any]]:
        with self._db.session() as db:
            row = SessionService._own(db, who, session_id)
            return self._history(db, row.id)

    # --- customer --------------------------------------------------------------------

    def customer_send(self, customer_token: str, text: str) -> dict[str, Any]:
        with self._db.session() as db:
            row = SessionService._by_customer(db, customer_token)
            _expect_chat(row)
            session_id, name = row.id, row.name
        return self._send(session_id, "customer", name, "customer", text)

    def customer_history(self, customer_token: str) -> list[dict[str, Any]]:
        with self._db.session() as db:
            row = SessionService._by_customer(db, customer_token)
            return self._history(db, row.id)

    # --- plumbing --------------------------------------------------------------------

    def _send(
        self, session_id: str, sender: Sender, name: str, actor: str, text: str
    ) -> dict[str, Any]:
        self._spend(session_id, sender)
        with self._lock, self._db.session() as db:
            # First a write to the session's row: PostgreSQL locks it and SQLite takes its
            # write lock, so that the count and the insert below are one step across
            # server processes too (this process's lock alone covers one).
            db.execute(
                update(LensSession).where(LensSession.id == session_id).values(id=LensSession.id)
            )
            row = db.get(LensSession, session_id)
            if row is None:  # deleted meanwhile; cannot happen through the API
                raise ApiError(404, "session_not_found", "No such session.")
            _expect_chat(row)  # it may have ended since the first check
            count = db.scalar(
                select(func.count())
                .select_from(ChatMessage)
                .where(ChatMessage.session_id == session_id)
            )
            if (count or 0) >= SESSION_CAP:
                raise ApiError(
                    409,
                    "chat_full",
                    f"This session has reached its limit of {SESSION_CAP} chat messages.",
                    {"limit": SESSION_CAP},
                )
            message = ChatMessage(
                session_id=session_id, sender=sender, sender_name=name[:64], text=text
            )
            db.add(message)
            db.flush()
            SessionService._log(db, row, actor, "chat message", f"{len(text)} characters")
            view, technician_id = message_view(message), row.technician_id
        self._hub.note_to_technician(
            technician_id, {"type": "chat", "session_id": session_id, "message": view}
        )
        self._hub.note_to_customer(session_id, {"type": "chat", "message": view})
        return view

    def _spend(self, session_id: str, sender: Sender) -> None:
        verdict = self._budgets.spend(chat_key(session_id, sender), CHAT_RULE)
        if verdict.allowed:
            return
        wait = verdict.retry_seconds
        error = ApiError(
            429,
            "chat_rate_limited",
            f"You are sending messages too fast; wait {wait} s and send again.",
            {"retry_after": wait},
        )
        error.headers["Retry-After"] = str(wait)
        raise error

    @staticmethod
    def _history(db: Session, session_id: str) -> list[dict[str, Any]]:
        rows = db.scalars(
            select(ChatMessage).where(ChatMessage.session_id == session_id).order_by(ChatMessage.id)
        )
        return [message_view(row) for row in rows]


def _expect_chat(row: LensSession) -> None:
    if row.state not in CHAT_STATES:
        raise ApiError(
            409,
            "invalid_state",
            f"Chat is not possible in a session that is {row.state.replace('_', ' ')}.",
            {"state": row.state},
        )
