"""How session data reads on screen: PINs, durations, states, times.

Plain functions (no widgets) so the list, the tabs and the dialogs say the same thing
and tests can check the wording without a window.
"""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QT_TRANSLATE_NOOP

from lens_desktop.ui.language import translate

STATE_LABELS = {
    "connecting": QT_TRANSLATE_NOOP("Formatting", "Connecting"),
    "waiting": QT_TRANSLATE_NOOP("Formatting", "Waiting"),
    "active": QT_TRANSLATE_NOOP("Formatting", "Active"),
    "on_hold": QT_TRANSLATE_NOOP("Formatting", "On hold"),
    "reconnecting": QT_TRANSLATE_NOOP("Formatting", "Reconnecting"),
    "transferring": QT_TRANSLATE_NOOP("Formatting", "Transferring"),
    "closed_by_technician": QT_TRANSLATE_NOOP("Formatting", "Ended by you"),
    "closed_by_customer": QT_TRANSLATE_NOOP("Formatting", "Ended by customer"),
    "timed_out": QT_TRANSLATE_NOOP("Formatting", "Timed out"),
    "expired": QT_TRANSLATE_NOOP("Formatting", "Expired"),
}
"""English source texts; ``state_label`` translates them when shown."""

METHOD_LABELS = {
    "pin": QT_TRANSLATE_NOOP("Formatting", "PIN code"),
    "email": QT_TRANSLATE_NOOP("Formatting", "Email"),
    "link": QT_TRANSLATE_NOOP("Formatting", "Link"),
    "sms": QT_TRANSLATE_NOOP("Formatting", "Text message"),
}

# States in which a session owns a tab in the console (media may flow).
OPEN_STATES = frozenset({"active", "on_hold", "reconnecting", "transferring"})


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
    if state in STATE_LABELS:
        return translate("Formatting", STATE_LABELS[state])
    return state.replace("_", " ").capitalize()  # a state newer than this console


def method_label(method: str) -> str:
    if method in METHOD_LABELS:
        return translate("Formatting", METHOD_LABELS[method])
    return method


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
        return translate("Formatting", "valid until {until}").format(until=until)
    minutes = round(validity_seconds / 60)
    # Two messages rather than one "%n minute(s)": English is the untranslated source
    # (no lens_en.qm ships), and Dutch splits singular and plural just as English does.
    if minutes == 1:
        template = translate("Formatting", "valid until {until} (1 minute)")
    else:
        template = translate("Formatting", "valid until {until} ({minutes} minutes)")
    return template.format(until=until, minutes=minutes)
