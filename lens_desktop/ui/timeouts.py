"""What the console says about time-outs (docs/decisions/0037-group-timeouts.md):
how long a waiting customer has left, and which time-out ended a session.

Plain functions over session data, so the list, the status bar and the message box
say the same thing and tests check the wording without a window."""

from __future__ import annotations

import math

from PySide6.QtCore import QT_TRANSLATE_NOOP

from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.formatting import format_duration
from lens_desktop.ui.language import translate

ENDED_BY_TIMEOUT = {
    "pin_validity": QT_TRANSLATE_NOOP(
        "Timeouts",
        "The session with {name} expired: the PIN and link were not used within {length}.",
    ),
    "connecting": QT_TRANSLATE_NOOP(
        "Timeouts",
        "The session with {name} timed out: the customer joined but did not accept "
        "the licence within {length}.",
    ),
    "waiting": QT_TRANSLATE_NOOP(
        "Timeouts", "The session with {name} timed out: it waited {length} without being started."
    ),
    "idle": QT_TRANSLATE_NOOP(
        "Timeouts", "The session with {name} timed out: no video and no action for {length}."
    ),
    "reconnect": QT_TRANSLATE_NOOP(
        "Timeouts",
        "The session with {name} timed out: the customer did not come back within {length}.",
    ),
}
"""English source templates by the server's time-out kind (docs/protocol.md)."""


def time_left(waited: float, timeout_seconds: int) -> int:
    """Whole seconds before the waiting time-out, rounded up as a countdown is (it
    shows 00:01 until the last second has passed), never below zero (the sweep may
    be a moment late)."""
    return max(0, math.ceil(timeout_seconds - waited))


def waiting_status(waited: float, timeout_seconds: int) -> str:
    """The status of a waiting row in its warning time: 'Waiting, times out in 1:45'."""
    left = format_duration(time_left(waited, timeout_seconds))
    return translate("Timeouts", "Waiting, times out in {left}").format(left=left)


def waiting_tooltip(timeout_seconds: int) -> str:
    return translate(
        "Timeouts",
        "The customer has waited long. Start the session, or it ends by itself after "
        "{length} of waiting.",
    ).format(length=format_length(timeout_seconds))


def idle_warning(idle_for: float, idle_timeout: int) -> str | None:
    """Said over the picture in the last quarter minute to minute of the idle time-out
    (a quarter of it, 1..60 s): an active session with a paused camera and nobody at
    the console ends soon. None before that, or when the group never times out."""
    if idle_timeout <= 0:
        return None
    lead = max(1, min(60, idle_timeout // 4))
    if idle_for < idle_timeout - lead:
        return None
    left = format_duration(max(0, math.ceil(idle_timeout - idle_for)))
    return translate(
        "Timeouts", "No video and no action: this session ends in {left} unless you use it."
    ).format(left=left)


def ended_text(session: SessionInfo) -> str | None:
    """Why a time-out ended the session, with its length; None if none did (or the
    server is older than time-out reasons)."""
    timeout = session.timeout
    if timeout is None or timeout.kind not in ENDED_BY_TIMEOUT:
        return None
    template = translate("Timeouts", ENDED_BY_TIMEOUT[timeout.kind])
    return template.format(name=session.name, length=format_length(timeout.seconds))


def format_length(seconds: int) -> str:
    """'30 minutes', '1 minute', '45 seconds', '2 hours': a time-out's length in words."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        if hours == 1:
            return translate("Timeouts", "1 hour")
        return translate("Timeouts", "{count} hours").format(count=hours)
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        if minutes == 1:
            return translate("Timeouts", "1 minute")
        return translate("Timeouts", "{count} minutes").format(count=minutes)
    if seconds == 1:
        return translate("Timeouts", "1 second")
    return translate("Timeouts", "{count} seconds").format(count=seconds)
