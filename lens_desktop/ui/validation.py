"""Input rules for the console's forms, as plain functions so they can be tested without a window.

Each returns an error message for a person, or None when the input is fine. The name and
email rules are the server's (lens_server/validation.py): the console checks inline so the
technician sees the problem next to the field, and the server checks again.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from email_validator import EmailNotValidError
from email_validator import validate_email as _validate_email
from PySide6.QtCore import QT_TRANSLATE_NOOP

from lens_desktop.ui.language import translate

NAME_MAX = 64


def validate_name(text: str) -> str | None:
    """A session name: 1..64 printable characters once trimmed (it ends up in email
    subjects, on tabs and in the list, so no control characters or line breaks)."""
    # As the server does: odd spaces (non-breaking, ogham, pasted from documents)
    # count as plain spaces, so a name the server takes is not refused here.
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text).strip()
    if not name:
        return translate(
            "Validation", "Enter the customer's name or another way to recognise the session."
        )
    if len(name) > NAME_MAX:
        return translate(
            "Validation", "The name is too long ({length} characters; at most {maximum})."
        ).format(length=len(name), maximum=NAME_MAX)
    if any(not ch.isprintable() or unicodedata.category(ch).startswith("C") for ch in name):
        return translate(
            "Validation",
            "The name may contain only printable characters (no line breaks or tabs).",
        )
    return None


def validate_email(text: str) -> str | None:
    """An email address the server will accept (same library, no DNS lookup)."""
    address = text.strip()
    if not address:
        return translate("Validation", "Enter the customer's email address.")
    try:
        _validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return invalid_email_text(str(exc))
    return None


EMAIL_REASONS = (
    QT_TRANSLATE_NOOP("EmailReason", "An email address must have an @-sign."),
    QT_TRANSLATE_NOOP("EmailReason", "There must be something before the @-sign."),
    QT_TRANSLATE_NOOP("EmailReason", "There must be something after the @-sign."),
    QT_TRANSLATE_NOOP(
        "EmailReason", "The part after the @-sign is not valid. It should have a period."
    ),
    QT_TRANSLATE_NOOP("EmailReason", "An email address cannot end with a period."),
    QT_TRANSLATE_NOOP(
        "EmailReason", "An email address cannot have a period immediately before the @-sign."
    ),
    QT_TRANSLATE_NOOP(
        "EmailReason", "An email address cannot have a period immediately after the @-sign."
    ),
    QT_TRANSLATE_NOOP("EmailReason", "An email address cannot have two periods in a row."),
)
"""The email library's (English) reasons a technician meets most, translated here."""


def invalid_email_text(reason: str) -> str:
    """The library's reason, in the interface language when we know it; a reason we
    have no translation for is left out in other languages rather than shown in English."""
    template = translate("Validation", "Not a valid email address: {reason}")
    translated = translate("EmailReason", reason)
    in_english = template == "Not a valid email address: {reason}"
    if translated != reason or in_english:
        return template.format(reason=translated)
    return translate("Validation", "Not a valid email address.")


def validate_server_url(text: str) -> str | None:
    """The Lens server's address: http(s) with a host; a path is allowed (reverse proxy)."""
    url = text.strip()
    if not url:
        return translate(
            "Validation",
            "Enter the address of your Lens server, for example https://lens.example.com.",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return translate(
            "Validation",
            "The server address must start with https:// (or http:// on a test setup).",
        )
    try:
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return translate("Validation", "The server address has an invalid port.")
    if not host:
        return translate(
            "Validation",
            "The server address needs a host name, for example https://lens.example.com.",
        )
    return None


def normalize_server_url(text: str) -> str:
    """The URL the client is built with: trimmed, without a trailing slash."""
    return text.strip().rstrip("/")


@dataclass(frozen=True)
class SignInValues:
    """What the technician typed in the sign-in dialog."""

    server_url: str
    email: str
    password: str
    remember: bool


def validate_sign_in(values: SignInValues) -> dict[str, str]:
    """Errors per field name ("server_url", "email", "password"); empty when all is fine."""
    errors: dict[str, str] = {}
    if url_error := validate_server_url(values.server_url):
        errors["server_url"] = url_error
    if not values.email.strip():
        errors["email"] = translate("Validation", "Enter the email address you sign in with.")
    elif "@" not in values.email:
        errors["email"] = translate("Validation", "That does not look like an email address.")
    if not values.password:
        errors["password"] = translate("Validation", "Enter your password.")
    return errors
