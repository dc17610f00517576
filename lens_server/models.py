"""Database tables (SQLAlchemy 2 declarative). Secrets are stored only as hashes:
passwords (argon2id), bearer and customer tokens (SHA-256)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

PERMISSIONS = (
    "lens_sessions",
    "private_sessions",
    "connect_pin",
    "connect_email",
    "connect_link",
    "connect_sms",
    "record_sessions",
    "view_reports",
    "manage_groups",
    "transfer_sessions",
    "invite_technician",
)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """SQLite forgets time zones; store naive UTC and hand back aware datetimes."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class Group(Base):
    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    permissions: Mapped[str] = mapped_column(Text, default="")  # space-separated
    # Time-outs in seconds (lens_server.timeouts); NULL: the server's default.
    pin_validity_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    connecting_timeout_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_timeout_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_warning_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    idle_timeout_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    force_recording: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The group's policy: the console records every session of its technicians."""

    @property
    def permission_set(self) -> frozenset[str]:
        return frozenset(self.permissions.split())


class Technician(Base):
    __tablename__ = "technicians"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    group: Mapped[Group] = relationship(lazy="joined")


class AuthToken(Base):
    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    technician: Mapped[Technician] = relationship(lazy="joined")


class LensSession(Base):
    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), default="lens")
    name: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32), index=True)
    resume_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    method: Mapped[str] = mapped_column(String(8))
    language: Mapped[str] = mapped_column(String(8), default="en")
    private: Mapped[bool] = mapped_column(Boolean, default=True)
    pin: Mapped[str] = mapped_column(String(6), index=True)
    pin_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    pin_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The link token is shown to the technician (like the PIN) and dies with the PIN.
    link_token: Mapped[str] = mapped_column(String(64), unique=True)
    customer_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    technician_id: Mapped[int] = mapped_column(ForeignKey("technicians.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    waiting_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reconnecting_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    technician: Mapped[Technician] = relationship(lazy="joined", foreign_keys=[technician_id])
    # The console's last report of video or the technician's action (the idle time-out).
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Which time-out ended the session and its length (the console says why).
    timeout_kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    timeout_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A pending transfer (lens_server.transfer): to whom, why, since when, and the state
    # the session returns to on decline, cancel or time-out. Cleared when it ends.
    transfer_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id"), nullable=True, index=True
    )
    transfer_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    transfer_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    transfer_back_state: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # How many transfers were accepted: the customer's page makes a new peer connection
    # (for the new technician) when it grows.
    handovers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    transfer_to: Mapped[Technician | None] = relationship(
        lazy="joined", foreign_keys=[transfer_to_id]
    )
    # A second technician (lens_server.guest): invited, then joined; cleared when they
    # leave, decline, are removed, the invitation times out or the session ends.
    guest_id: Mapped[int | None] = mapped_column(
        ForeignKey("technicians.id"), nullable=True, index=True
    )
    guest_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    guest_comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    guest_since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    guest: Mapped[Technician | None] = relationship(lazy="joined", foreign_keys=[guest_id])


class SessionEvent(Base):
    __tablename__ = "session_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class BudgetCounter(Base):
    """One failure budget's counter (lens_server.budget): a leaky bucket and a run of
    consecutive failures. Times are epoch seconds, so SQL compares plain numbers."""

    __tablename__ = "budget_counters"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    level: Mapped[float] = mapped_column(Float, default=0.0)
    updated: Mapped[float] = mapped_column(Float, default=0.0)
    consecutive: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[float] = mapped_column(Float, default=0.0)
    version: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(Base):
    """What happened outside any session: sign-in failures and lockouts."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(300))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


class ChatMessage(Base):
    """One chat line of a session, either way (lens_server.chat): part of the record."""

    __tablename__ = "chat_messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # "technician" or "customer"
    sender_name: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class SessionSurvey(Base):
    """The customer's answer to the survey after the session (lens_server.survey): a
    rating 1..5 and an optional comment, or skipped (rating None). One per session."""

    __tablename__ = "session_surveys"
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id"), primary_key=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
