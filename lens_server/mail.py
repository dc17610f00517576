"""The invitation email: composed in English or Dutch, sent over SMTP, or written to an
outbox folder when no relay is configured (the embedded demo)."""

from __future__ import annotations

import asyncio
import html
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote

import aiosmtplib

from lens_server.config import Settings

log = logging.getLogger(__name__)

LANGUAGES = ("en", "nl")

_TEXT = {
    "en": {
        "subject": "Your support session with {technician}",
        "subject_org": "Your support session with {technician} of {organisation}",
        "greeting": "Hello {name},",
        "intro": "{technician} would like to see what your phone's camera sees, to help you.",
        "intro_org": (
            "{technician} of {organisation} would like to see what your phone's camera sees,"
            " to help you."
        ),
        "support": "Questions? Write to {support}.",
        "step_link": "On your phone, open this link:",
        "step_pin": "Or go to {start} and type this code: {pin}",
        "validity": "The link and the code are valid for {minutes} minutes (until {until} UTC).",
        "nothing": "Nothing is shared until you agree and your technician starts the session.",
        "button": "Start the session",
    },
    "nl": {
        "subject": "Uw ondersteuningssessie met {technician}",
        "subject_org": "Uw ondersteuningssessie met {technician} van {organisation}",
        "greeting": "Beste {name},",
        "intro": "{technician} wil graag meekijken met de camera van uw telefoon om u te helpen.",
        "intro_org": (
            "{technician} van {organisation} wil graag meekijken met de camera van uw telefoon"
            " om u te helpen."
        ),
        "support": "Vragen? Mail naar {support}.",
        "step_link": "Open deze koppeling op uw telefoon:",
        "step_pin": "Of ga naar {start} en typ deze code: {pin}",
        "validity": "De koppeling en de code zijn {minutes} minuten geldig (tot {until} UTC).",
        "nothing": "Er wordt niets gedeeld totdat u akkoord gaat en uw technicus de sessie start.",
        "button": "Sessie starten",
    },
}


@dataclass(frozen=True)
class Invitation:
    name: str
    technician: str
    pin: str
    link: str
    start_page: str
    expires_at: datetime
    minutes: int
    language: str = "en"
    organisation: str = ""
    support_email: str = ""


class MailError(Exception):
    """The relay refused or could not be reached; the message says why."""


def _strings(invitation: Invitation) -> dict[str, str]:
    table = _TEXT.get(invitation.language, _TEXT["en"])
    values = {
        "name": invitation.name,
        "technician": invitation.technician,
        "pin": invitation.pin,
        "start": invitation.start_page,
        "minutes": str(invitation.minutes),
        "until": invitation.expires_at.strftime("%H:%M"),
        "organisation": invitation.organisation,
        "support": invitation.support_email,
    }
    strings = {key: text.format(**values) for key, text in table.items()}
    if invitation.organisation:
        strings["subject"], strings["intro"] = strings["subject_org"], strings["intro_org"]
    if not invitation.support_email:
        strings["support"] = ""
    return strings


def compose_text(invitation: Invitation) -> tuple[str, str]:
    """Subject and plain-text body (also used for the technician's own mail client)."""
    s = _strings(invitation)
    parts = [
        s["greeting"],
        s["intro"],
        f"{s['step_link']}\n{invitation.link}",
        s["step_pin"],
        s["validity"],
        s["nothing"],
        s["support"],
    ]
    return s["subject"], "\n\n".join(part for part in parts if part) + "\n"


def compose_html(invitation: Invitation) -> str:
    """HTML body; every value is escaped, so a customer name cannot add markup."""
    s = {key: html.escape(value) for key, value in _strings(invitation).items()}
    link = html.escape(invitation.link, quote=True)
    pin = html.escape(invitation.pin)
    pin_line = s["step_pin"].replace(pin, f'<b style="font-size:24px">{pin}</b>')
    return (
        '<!doctype html><html><body style="font-family:sans-serif;font-size:16px">'
        f"<p>{s['greeting']}</p><p>{s['intro']}</p>"
        f'<p><a href="{link}" style="font-size:20px">{s["button"]}</a></p>'
        f"<p>{s['step_link']}<br>{link}</p>"
        f"<p>{pin_line}</p>"
        f"<p>{s['validity']}</p><p>{s['nothing']}</p>"
        + (f"<p>{s['support']}</p>" if s["support"] else "")
        + "</body></html>"
    )


def mailto_url(to: str, subject: str, body: str) -> str:
    return f"mailto:{quote(to)}?subject={quote(subject)}&body={quote(body)}"


def build_message(invitation: Invitation, sender: str, to: str) -> EmailMessage:
    subject, text = compose_text(invitation)
    message = EmailMessage()
    # EmailMessage's default policy refuses CR/LF in header values: no header injection.
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = to
    # An aware local time: RFC 5322's "-0000" would say the sender's zone is unknown.
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain="lens")
    message.set_content(text)
    message.add_alternative(compose_html(invitation), subtype="html")
    return message


class Mailer:
    def __init__(self, settings: Settings, on_failure: Callable[[], None] | None = None) -> None:
        self._settings = settings
        self._on_failure = on_failure  # lens_email_failures_total

    @property
    def sender(self) -> str:
        return self._settings.mail_from

    @property
    def uses_outbox(self) -> bool:
        return not self._settings.smtp_host

    async def send(self, message: EmailMessage) -> str:
        """Returns "sent" or "outbox"; raises MailError with the relay's reason."""
        if self.uses_outbox:
            path = await asyncio.to_thread(self._write_outbox, message)
            log.info("mail written to outbox: %s", path)
            return "outbox"
        try:
            await self._send_smtp(message)
        except MailError as exc:
            # The reason only: the message itself carries the PIN and the link.
            log.warning("mail not sent: %s", exc)
            if self._on_failure is not None:
                self._on_failure()
            raise
        return "sent"

    async def _send_smtp(self, message: EmailMessage) -> None:
        s = self._settings
        try:
            await aiosmtplib.send(
                message,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_username or None,
                password=s.smtp_password or None,
                use_tls=s.smtp_security == "tls",
                start_tls=s.smtp_security == "starttls",
                timeout=s.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPResponseException as exc:
            raise MailError(
                f"The mail relay refused the message: {exc.code} {exc.message}"
            ) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            reason = str(exc) or type(exc).__name__
            raise MailError(f"Could not send the email through {s.smtp_host}: {reason}") from exc

    def _write_outbox(self, message: EmailMessage) -> Path:
        outbox = self._settings.outbox
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns()}.eml"
        path.write_bytes(bytes(message))
        return path
