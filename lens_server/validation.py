"""Input rules shared by the API and the admin command line. Each returns the cleaned
value or raises ValueError with a message for a person."""

from __future__ import annotations

import re
import unicodedata

from email_validator import EmailNotValidError, validate_email

NAME_MAX = 64
PIN_RE = re.compile(r"[0-9]{6}")


def clean_name(raw: str) -> str:
    """A session name: 1..64 printable characters once trimmed (no control characters,
    no line breaks: it ends up in email subjects and on tabs)."""
    # Non-breaking and other odd spaces (pasted from documents) become plain spaces.
    name = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in raw).strip()
    if not name:
        raise ValueError("The name is required.")
    if len(name) > NAME_MAX:
        raise ValueError(f"The name is too long ({len(name)} characters; at most {NAME_MAX}).")
    if any(not ch.isprintable() or unicodedata.category(ch).startswith("C") for ch in name):
        raise ValueError("The name may contain only printable characters.")
    return name


def clean_pin(raw: str) -> str:
    """A PIN as typed or pasted: spaces and dashes are ignored."""
    pin = re.sub(r"[\s-]", "", raw)
    if not PIN_RE.fullmatch(pin):
        raise ValueError("A PIN is exactly 6 digits.")
    return pin


def clean_email(raw: str) -> str:
    try:
        # Syntax only: no DNS look-up on the request path.
        result = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"Not a valid email address: {exc}") from None
    return result.normalized


CHAT_MAX = 1000
CHAT_RAW_MAX = 4000
"""What a chat body may carry before trimming (spaces and blank lines around the text)."""
_CHAT_ALLOWED_CONTROLS = frozenset("\n\t")


def clean_chat_text(raw: str) -> str:
    """A chat message: 1..1000 characters once trimmed; line breaks (CR LF and CR become
    LF) and tabs allowed, other control characters (NUL included) and lone surrogates
    refused. Format characters stay: emoji sequences are built with them."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ValueError("The message is empty.")
    if len(text) > CHAT_MAX:
        raise ValueError(f"The message is too long ({len(text)} characters; at most {CHAT_MAX}).")
    for ch in text:
        category = unicodedata.category(ch)
        if (category == "Cc" and ch not in _CHAT_ALLOWED_CONTROLS) or category == "Cs":
            raise ValueError("The message may not contain control characters.")
    return text


SURVEY_COMMENT_MAX = 1000


def clean_comment(raw: str) -> str:
    """A survey comment: optional (empty is fine), else as a chat message."""
    if not raw.strip():
        return ""
    try:
        return clean_chat_text(raw)
    except ValueError as exc:
        raise ValueError(str(exc).replace("message", "comment")) from None
