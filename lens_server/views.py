"""JSON views of a session: the technician sees everything about their own session;
the customer sees only what the phone page needs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from lens_server.config import Settings
from lens_server.models import LensSession

SessionState = Literal[
    "connecting",
    "waiting",
    "active",
    "on_hold",
    "reconnecting",
    "transferring",
    "closed_by_technician",
    "closed_by_customer",
    "timed_out",
    "expired",
]
STATES: tuple[str, ...] = get_args(SessionState)
FINAL_STATES = frozenset({"closed_by_technician", "closed_by_customer", "timed_out", "expired"})
LIVE_MEDIA_STATES = frozenset({"active", "on_hold", "reconnecting", "transferring"})
"""While a transfer waits for its receiver, media stays with the sender."""
LOGO_PATH = "/organisation/logo"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def link_for(base_url: str, row: LensSession) -> str:
    return f"{base_url}/join/{row.link_token}"


def technician_view(row: LensSession, base_url: str) -> dict[str, Any]:
    return {
        "id": row.id,
        "type": row.type,
        "name": row.name,
        "state": row.state,
        "method": row.method,
        "pin": row.pin,
        "pin_expires_at": iso(row.pin_expires_at),
        "link": link_for(base_url, row),
        "created_at": iso(row.created_at),
        "waiting_since": iso(row.waiting_since),
        "started_at": iso(row.started_at),
        "ended_at": iso(row.ended_at),
        "technician_id": row.technician_id,
        "technician_name": row.technician.display_name,
        "private": row.private,
        "timeout": timeout_view(row),
        "transfer": transfer_view(row),
        "guest": guest_view(row),
    }


def colleague_view(view: dict[str, Any]) -> dict[str, Any]:
    """A technician view for a technician who is not the session's: a second technician
    in it, or one who has just lost it. No PIN and no link: with the link anyone can
    join as the customer (and push the customer's page out)."""
    return {**view, "pin": None, "link": None}


def guest_view(row: LensSession) -> dict[str, Any] | None:
    """The second technician invited into the session or in it, else None."""
    if row.guest is None or row.guest_state is None:
        return None
    return {
        "technician_id": row.guest.id,
        "name": row.guest.display_name,
        "state": row.guest_state,
        "comment": row.guest_comment or "",
        "since": iso(row.guest_since),
    }


def transfer_view(row: LensSession) -> dict[str, Any] | None:
    """The pending transfer of a ``transferring`` session, else None."""
    if row.state != "transferring" or row.transfer_to is None:
        return None
    return {
        "from_technician_id": row.technician_id,
        "from_name": row.technician.display_name,
        "to_technician_id": row.transfer_to.id,
        "to_name": row.transfer_to.display_name,
        "comment": row.transfer_comment or "",
        "since": iso(row.transfer_since),
    }


def timeout_view(row: LensSession) -> dict[str, Any] | None:
    """Which time-out ended the session (``timed_out`` or ``expired``), else None."""
    if row.timeout_kind is None or row.timeout_seconds is None:
        return None
    return {"kind": row.timeout_kind, "seconds": row.timeout_seconds}


def organisation_view(settings: Settings) -> dict[str, Any]:
    """Who is calling, for the customer: the organisation's name, support address and
    logo (a URL on this server, so the page's CSP allows it), each null when unset."""
    return {
        "name": settings.organisation_name or None,
        "support_email": settings.support_email or None,
        "logo_url": LOGO_PATH if settings.organisation_logo else None,
    }


def customer_view(row: LensSession, organisation: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "state": row.state,
        "technician_name": row.technician.display_name,
        "handovers": row.handovers,
        "language": row.language,
        # Only a guest who has joined: the page makes a peer connection to them.
        "guest": (
            {"name": row.guest.display_name}
            if row.guest is not None and row.guest_state == "joined"
            else None
        ),
        "organisation": organisation,
    }
