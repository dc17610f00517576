"""Server errors in plain words, with a next step where the server's message lacks one.

The server already words ``message`` for a person; a few codes get the console's own
wording because the console knows the context (which session, which button).
"""

from __future__ import annotations

from lens_desktop.net.errors import ApiError, ServerUnreachable

PERMISSION_REASONS = {
    "lens_sessions": "Your group is not allowed to run Lens sessions.",
    "private_sessions": "Your group is not allowed to run private sessions.",
    "connect_pin": "Your group is not allowed to connect by PIN code.",
    "connect_email": "Your group is not allowed to connect by email.",
    "connect_link": "Your group is not allowed to connect by link.",
}


def already_active_text(active_name: str | None) -> str:
    who = f" ({active_name})" if active_name else ""
    return (
        f"You already have an active Lens session{who}. "
        "End it or put it on hold before starting another."
    )


def describe_error(exc: BaseException) -> str:
    """What to show for a failed call: the server's words, or the console's for codes
    where the console can say more."""
    if isinstance(exc, ServerUnreachable):
        return exc.message
    if not isinstance(exc, ApiError):
        return f"Something went wrong: {exc}. Try again."
    if exc.code == "permission_denied":
        missing = exc.details.get("missing_permission")
        reason = PERMISSION_REASONS.get(str(missing), exc.message)
        return f"{reason} Ask your administrator if you need it."
    if exc.code in ("not_authenticated", "token_expired"):
        return "Your sign-in has expired. Please sign in again."
    if exc.code == "invalid_credentials" or (exc.status == 401 and exc.code != "token_expired"):
        return exc.message or "The email address or password is wrong."
    return exc.message or f"The server refused the request ({exc.code})."
