"""Input rules for the console's forms, as plain functions so they can be tested without Qt.

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

NAME_MAX = 64


def validate_name(text: str) -> str | None:
    """A session name: 1..64 printable characters once trimmed (it ends up in email
    subjects, on tabs and in the list, so no control characters or line breaks)."""
    name = text.strip()
    if not name:
        return "Enter the customer's name or another way to recognise the session."
    if len(name) > NAME_MAX:
        return f"The name is too long ({len(name)} characters; at most {NAME_MAX})."
    if any(not ch.isprintable() or unicodedata.category(ch).startswith("C") for ch in name):
        return "The name may contain only printable characters (no line breaks or tabs)."
    return None


def validate_email(text: str) -> str | None:
    """An email address the server will accept (same library, no DNS lookup)."""
    address = text.strip()
    if not address:
        return "Enter the customer's email address."
    try:
        _validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        return f"Not a valid email address: {exc}"
    return None


def validate_server_url(text: str) -> str | None:
    """The Lens server's address: http(s) with a host; a path is allowed (reverse proxy)."""
    url = text.strip()
    if not url:
        return "Enter the address of your Lens server, for example https://lens.example.com."
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "The server address must start with https:// (or http:// on a test setup)."
    try:
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "The server address has an invalid port."
    if not host:
        return "The server address needs a host name, for example https://lens.example.com."
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
        errors["email"] = "Enter the email address you sign in with."
    elif "@" not in values.email:
        errors["email"] = "That does not look like an email address."
    if not values.password:
        errors["password"] = "Enter your password."  # noqa: S105 (a prompt, not a secret)
    return errors
