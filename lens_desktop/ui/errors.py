"""Server errors in plain words, with a next step where the server's message lacks one.

The server already words ``message`` for a person (and in English: it is shown as it
arrives); a few codes get the console's own, translated wording because the console
knows the context (which session, which button).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP

from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.ui.language import translate

PERMISSION_REASONS = {
    "lens_sessions": QT_TRANSLATE_NOOP("Errors", "Your group is not allowed to run Lens sessions."),
    "private_sessions": QT_TRANSLATE_NOOP(
        "Errors", "Your group is not allowed to run private sessions."
    ),
    "connect_pin": QT_TRANSLATE_NOOP("Errors", "Your group is not allowed to connect by PIN code."),
    "connect_email": QT_TRANSLATE_NOOP("Errors", "Your group is not allowed to connect by email."),
    "connect_link": QT_TRANSLATE_NOOP("Errors", "Your group is not allowed to connect by link."),
    "connect_sms": QT_TRANSLATE_NOOP(
        "Errors", "Your group is not allowed to connect by text message."
    ),
    "view_reports": QT_TRANSLATE_NOOP("Errors", "Your group is not allowed to view reports."),
}
"""English source texts; ``permission_reason`` translates them."""


CODE_TEXTS = {
    "account_disabled": QT_TRANSLATE_NOOP(
        "Errors", "This account is disabled. Ask your administrator."
    ),
    "account_locked": QT_TRANSLATE_NOOP(
        "Errors",
        "This account is locked after too many wrong passwords. "
        "Ask your administrator to reset your password.",
    ),
    "session_not_found": QT_TRANSLATE_NOOP(
        "Errors", "That session no longer exists. The session list shows the current ones."
    ),
    "invalid_state": QT_TRANSLATE_NOOP(
        "Errors", "That session has changed meanwhile. The session list shows its current state."
    ),
    "no_pin_available": QT_TRANSLATE_NOOP(
        "Errors", "The server has no free PIN code right now. Try again in a moment."
    ),
}
"""Server codes the console words itself (translated); other codes show the server's text."""


def permission_reason(permission: str) -> str | None:
    """Why a missing ``permission`` stops the technician, in the interface language."""
    reason = PERMISSION_REASONS.get(permission)
    return None if reason is None else translate("Errors", reason)


def already_active_text(active_name: str | None, resuming: bool = False) -> str:
    """The one-active-session refusal (docs/decisions/0015): a session on hold does not
    count, so holding or ending the active one is the way forward."""
    if resuming:
        if active_name:
            return translate(
                "Errors",
                "You already have an active Lens session ({name}). "
                "End it or put it on hold before resuming this one.",
            ).format(name=active_name)
        return translate(
            "Errors",
            "You already have an active Lens session. "
            "End it or put it on hold before resuming this one.",
        )
    if active_name:
        return translate(
            "Errors",
            "You already have an active Lens session ({name}). "
            "End it or put it on hold before starting another.",
        ).format(name=active_name)
    return translate(
        "Errors",
        "You already have an active Lens session. "
        "End it or put it on hold before starting another.",
    )


def describe_error(exc: BaseException) -> str:
    """What to show for a failed call: the server's words, or the console's for codes
    where the console can say more."""
    if isinstance(exc, ServerUnreachable):
        return translate(
            "Errors",
            "Cannot reach the Lens server at {url}: {reason}. Check the address and your network.",
        ).format(url=exc.base_url, reason=exc.reason)
    if not isinstance(exc, ApiError):
        return translate("Errors", "Something went wrong: {error}. Try again.").format(error=exc)
    if exc.code == "permission_denied":
        missing = exc.details.get("missing_permission")
        reason = permission_reason(str(missing)) or exc.message
        return translate("Errors", "{reason} Ask your administrator if you need it.").format(
            reason=reason
        )
    if exc.code in ("not_authenticated", "token_expired"):
        return translate("Errors", "Your sign-in has expired. Please sign in again.")
    if exc.code == "invalid_credentials" or (exc.status == 401 and exc.code != "token_expired"):
        return translate("Errors", "The email address or password is wrong.")
    if exc.code in CODE_TEXTS:
        return translate("Errors", CODE_TEXTS[exc.code])
    return exc.message or translate("Errors", "The server refused the request ({code}).").format(
        code=exc.code
    )
