"""How session data reads on screen: PINs, durations, states, times.

Plain functions (no widgets) so the list, the tabs and the dialogs say the same thing
and tests can check the wording without a window.
"""

from __future__ import annotations

from datetime import UTC, datetime

STATE_LABELS = {
    "connecting": "Connecting",
    "waiting": "Waiting",
    "active": "Active",
    "on_hold": "On hold",
    "reconnecting": "Reconnecting",
    "closed_by_technician": "Ended by you",
    "closed_by_customer": "Ended by customer",
    "timed_out": "Timed out",
    "expired": "Expired",
}

METHOD_LABELS = {"pin": "PIN code", "email": "Email", "link": "Link"}

# States in which a session owns a tab in the console (media may flow).
OPEN_STATES = frozenset({"active", "on_hold", "reconnecting"})


def format_pin(pin: str | None) -> str:
    """A 6-digit PIN in two groups of three, the way people read it aloud: "483 920"."""
    if not pin:
        return ""
    return f"{pin[:3]} {pin[3:]}" if len(pin) == 6 else pin


def format_duration(seconds: float) -> str:
    """mm:ss, growing to h:mm:ss past an hour (a customer should never wait that long)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes:02d}:{secs:02d}"


def state_label(state: str) -> str:
    return STATE_LABELS.get(state, state.replace("_", " ").capitalize())


def method_label(method: str) -> str:
    return METHOD_LABELS.get(method, method)


def as_datetime(value: datetime | str | None) -> datetime | None:
    """Server times arrive as ISO 8601 with Z; accept a datetime as well."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def format_local_time(value: datetime | str | None) -> str:
    """HH:MM in the technician's local time zone."""
    moment = as_datetime(value)
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%H:%M")


def seconds_since(value: datetime | str | None, now: datetime) -> float | None:
    moment = as_datetime(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (now - moment).total_seconds()


def pin_validity_text(expires_at: datetime | str | None, validity_seconds: int | None) -> str:
    """'valid until 14:32 (20 minutes)' under a freshly created PIN."""
    until = format_local_time(expires_at)
    if not until:
        return ""
    if not validity_seconds:
        return f"valid until {until}"
    minutes = round(validity_seconds / 60)
    unit = "minute" if minutes == 1 else "minutes"
    return f"valid until {until} ({minutes} {unit})"
