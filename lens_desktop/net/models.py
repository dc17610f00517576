"""Plain, immutable data the console receives from the Lens server.

The UI and the session list model work on these objects, never on raw JSON, so a
protocol change shows up here and in mypy rather than as a KeyError in a widget.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

FINAL_STATES = frozenset({"closed_by_technician", "closed_by_customer", "timed_out", "expired"})
"""Session states that never change again (docs/protocol.md)."""


def parse_time(value: str | None) -> datetime | None:
    """Parse the protocol's ISO 8601 UTC times (``...Z``) into aware datetimes."""
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class Technician:
    """The signed-in technician and what their group allows."""

    id: int
    email: str
    display_name: str
    permissions: frozenset[str]
    recording_forced: bool = False
    """The group records every session: the console starts it and offers no Stop."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Technician:
        return cls(
            id=data["id"],
            email=data["email"],
            display_name=data.get("display_name") or data["email"],
            permissions=frozenset(data.get("permissions", ())),
            recording_forced=data.get("recording_forced") is True,
        )

    def may(self, permission: str) -> bool:
        """Whether the technician's group grants ``permission``."""
        return permission in self.permissions


@dataclass(frozen=True)
class SessionTimeout:
    """The time-out that ended a session: ``kind`` is pin_validity, connecting,
    waiting, idle or reconnect (docs/protocol.md); ``seconds`` its length."""

    kind: str
    seconds: int

    @classmethod
    def from_json(cls, data: Any) -> SessionTimeout | None:
        if not isinstance(data, dict):
            return None
        return cls(kind=str(data["kind"]), seconds=int(data["seconds"]))


@dataclass(frozen=True)
class TransferInfo:
    """A pending transfer of a ``transferring`` session: who hands it to whom, and why."""

    from_technician_id: int
    from_name: str
    to_technician_id: int
    to_name: str
    comment: str

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> TransferInfo | None:
        if not isinstance(data, dict):
            return None
        return cls(
            from_technician_id=int(data["from_technician_id"]),
            from_name=str(data.get("from_name", "")),
            to_technician_id=int(data["to_technician_id"]),
            to_name=str(data.get("to_name", "")),
            comment=str(data.get("comment") or ""),
        )


@dataclass(frozen=True)
class GuestInfo:
    """A second technician invited into a live session (``invited``) or in it
    (``joined``), with the owner's comment (docs/protocol.md, "Second technician")."""

    technician_id: int
    name: str
    state: str
    comment: str
    since: datetime | None

    @classmethod
    def from_json(cls, data: Any) -> GuestInfo | None:
        """None for an absent or malformed ``guest``, as for other optional fields."""
        if not isinstance(data, dict) or data.get("state") not in ("invited", "joined"):
            return None
        try:
            return cls(
                technician_id=int(data["technician_id"]),
                name=str(data.get("name") or ""),
                state=str(data["state"]),
                comment=str(data.get("comment") or ""),
                since=parse_time(data.get("since")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def joined(self) -> bool:
        return self.state == "joined"


@dataclass(frozen=True)
class TransferTarget:
    """A colleague a session may be transferred to (GET /technicians/transfer-targets)."""

    id: int
    display_name: str
    email: str
    online: bool
    busy: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TransferTarget:
        return cls(
            id=int(data["id"]),
            display_name=str(data.get("display_name") or data.get("email", "")),
            email=str(data.get("email", "")),
            online=bool(data.get("online")),
            busy=bool(data.get("busy")),
        )


@dataclass(frozen=True)
class SessionInfo:
    """One support session as the technician sees it (server-authoritative state)."""

    id: str
    type: str
    name: str
    state: str
    method: str
    pin: str | None
    pin_expires_at: datetime | None
    link: str | None
    created_at: datetime
    waiting_since: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    timeout: SessionTimeout | None = None
    """Which time-out ended the session, if one did (a server older than that: None)."""
    technician_id: int | None = None
    transfer: TransferInfo | None = None
    guest: GuestInfo | None = None
    """A second technician invited or joined; None when there is none."""
    technician_name: str = ""
    """The owner's name, when the server sends it (a guest's console shows it)."""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionInfo:
        created_at = parse_time(data.get("created_at"))
        if created_at is None:
            raise ValueError(f"session {data.get('id')!r} has no created_at")
        return cls(
            id=str(data["id"]),
            type=data.get("type", "lens"),
            name=data.get("name", ""),
            state=data["state"],
            method=data.get("method", "pin"),
            pin=data.get("pin"),
            pin_expires_at=parse_time(data.get("pin_expires_at")),
            link=data.get("link"),
            created_at=created_at,
            waiting_since=parse_time(data.get("waiting_since")),
            started_at=parse_time(data.get("started_at")),
            ended_at=parse_time(data.get("ended_at")),
            timeout=SessionTimeout.from_json(data.get("timeout")),
            technician_id=data.get("technician_id"),
            transfer=TransferInfo.from_json(data.get("transfer")),
            guest=GuestInfo.from_json(data.get("guest")),
            technician_name=str(data.get("technician_name") or ""),
        )

    @property
    def is_final(self) -> bool:
        """True once the session is over; it will never change again."""
        return self.state in FINAL_STATES

    def incoming_for(self, technician_id: int) -> bool:
        """A colleague is transferring this session to ``technician_id``."""
        return self.transfer is not None and self.transfer.to_technician_id == technician_id

    def guest_of(self, technician_id: int) -> bool:
        """``technician_id`` is this session's second technician (invited or joined),
        not its owner: their console is a GUEST in it."""
        return (
            self.guest is not None
            and self.guest.technician_id == technician_id
            and self.technician_id is not None
            and self.technician_id != technician_id
        )

    def belongs_to(self, technician_id: int) -> bool:
        """Whether ``technician_id``'s console lists it: their own, incoming to them, or
        a colleague's they are invited into or in (an older server sends no
        technician_id: everything it pushes is one's own)."""
        own = self.technician_id is None or self.technician_id == technician_id
        return own or self.incoming_for(technician_id) or self.guest_of(technician_id)


@dataclass(frozen=True)
class CreatedSession:
    """The answer to "create session": the session plus how the invitation went out."""

    session: SessionInfo
    email: dict[str, Any] | None
    mailto: dict[str, Any] | None
    sms: dict[str, Any] | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CreatedSession:
        return cls(
            session=SessionInfo.from_json(data["session"]),
            email=data.get("email"),
            mailto=data.get("mailto"),
            sms=data.get("sms"),
        )


@dataclass(frozen=True)
class ServerConfig:
    """Server settings the console needs: ICE servers for WebRTC, the time-outs of
    the technician's group, and whether it can send text messages (a server without an
    SMS gateway, or one older than SMS invitations, cannot). A server older than
    group time-outs sends no idle time-out: 0, never."""

    ice_servers: list[dict[str, Any]]
    pin_validity_seconds: int
    waiting_timeout_seconds: int
    waiting_warning_seconds: int
    sms_available: bool = False
    sms_default_region: str | None = None
    connecting_timeout_seconds: int = 0
    idle_timeout_seconds: int = 0
    activity_report_seconds: int = 30

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ServerConfig:
        raw = data.get("sms")
        sms: dict[str, Any] = raw if isinstance(raw, dict) else {}
        return cls(
            ice_servers=list(data.get("ice_servers", [])),
            pin_validity_seconds=int(data["pin_validity_seconds"]),
            waiting_timeout_seconds=int(data["waiting_timeout_seconds"]),
            waiting_warning_seconds=int(data["waiting_warning_seconds"]),
            sms_available=bool(sms.get("available", False)),
            sms_default_region=sms.get("default_region") or None,
            connecting_timeout_seconds=int(data.get("connecting_timeout_seconds", 0)),
            idle_timeout_seconds=int(data.get("idle_timeout_seconds", 0)),
            activity_report_seconds=max(1, int(data.get("activity_report_seconds", 30))),
        )


@dataclass(frozen=True)
class ChatMessage:
    """One chat message of a session, as the server stored it (docs/protocol.md)."""

    id: int
    session_id: str
    sender: str  # "technician" or "customer"
    sender_name: str
    text: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatMessage:
        created_at = parse_time(data.get("created_at"))
        if created_at is None:
            raise ValueError(f"chat message {data.get('id')!r} has no created_at")
        return cls(
            id=int(data["id"]),
            session_id=str(data["session_id"]),
            sender=str(data["sender"]),
            sender_name=str(data.get("sender_name", "")),
            text=str(data["text"]),
            created_at=created_at,
        )
