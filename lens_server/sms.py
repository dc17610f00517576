"""The invitation by text message: the number checked and normalised to E.164, a short
text in English or Dutch that fits one SMS where it can, and a gateway adapter that
sends it without blocking the event loop (httpx, async, with a time-out).

Two adapters (docs/decisions/0031): Twilio's REST API (``Messages.json``; many other
providers speak the same subset) and a generic HTTPS webhook (a JSON body, signed with
an HMAC or carrying a bearer token) for any gateway behind a small relay of one's own.
No gateway configured: SMS is unavailable and ``/api/v1/config`` says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import certifi
import httpx
import phonenumbers

from lens_server.config import Settings
from lens_server.mail import Invitation

log = logging.getLogger(__name__)

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
"""Each of these takes two septets (an escape, then the character)."""
ONE_SMS_GSM7 = 160
ONE_SMS_UCS2 = 70


class PhoneNumberError(ValueError):
    """The number cannot be an SMS recipient; the message says why, for a person."""


_REASONS = {
    phonenumbers.ValidationResult.TOO_SHORT: "it is too short",
    phonenumbers.ValidationResult.TOO_LONG: "it is too long",
    phonenumbers.ValidationResult.INVALID_COUNTRY_CODE: "its country code is unknown",
    phonenumbers.ValidationResult.INVALID_LENGTH: "it has the wrong number of digits",
}


def check_region(region: str | None) -> str | None:
    """An ISO 3166 region phonenumbers knows ("NL"), upper-cased; None for none."""
    if not region:
        return None
    code = region.strip().upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise PhoneNumberError(f"Unknown region {region[:8]!r}: use a two-letter code like NL.")
    return code


def normalise_phone(raw: str, region: str | None) -> str:
    """``06 1234 5678`` in NL -> ``+31612345678``. Without a region the number must
    start with + and its country code. Raises PhoneNumberError."""
    text = raw.strip()
    if not text:
        raise PhoneNumberError("Enter the customer's mobile number.")
    try:
        number = phonenumbers.parse(text, check_region(region))
    except phonenumbers.NumberParseException as exc:
        unknown_country = exc.error_type == phonenumbers.NumberParseException.INVALID_COUNTRY_CODE
        if unknown_country and text.startswith("+"):
            raise PhoneNumberError(
                "Not a valid phone number: its country code is unknown."
            ) from None
        if unknown_country:
            raise PhoneNumberError(
                "Not a valid phone number: start it with + and the country code "
                "(or set the default region)."
            ) from None
        raise PhoneNumberError("Not a valid phone number.") from None
    # Lengths as a mobile number has them: "06 123" is a possible Dutch short number.
    mobile = phonenumbers.PhoneNumberType.MOBILE
    reason = phonenumbers.is_possible_number_for_type_with_reason(number, mobile)
    if reason in _REASONS:
        raise PhoneNumberError(f"Not a valid phone number: {_REASONS[reason]}.")
    if not phonenumbers.is_valid_number(number):
        raise PhoneNumberError("Not a valid phone number for its country.")
    if phonenumbers.number_type(number) not in _TEXTABLE:
        raise PhoneNumberError("This is not a mobile number: a text message cannot reach it.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,  # the US and others can't tell
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
    phonenumbers.PhoneNumberType.UNKNOWN,
}


def mask_phone(e164: str) -> str:
    """``+31612345678`` -> ``+316*****678``: enough to tell two customers apart in a
    log, not enough to call one."""
    if len(e164) <= 7:
        return e164[:2] + "*" * (len(e164) - 2)
    return e164[:4] + "*" * (len(e164) - 7) + e164[-3:]


# --- the text -------------------------------------------------------------------------

_TEXT = {
    "en": (
        "{who}: to show your technician what your phone's camera sees, open {link} "
        "or enter code {pin} at {start} ({minutes} min)",
        "{who}: open {link} for video support, or enter code {pin} at {start}",
        "{who}: open {link} for video support. Code: {pin}",
        "Video support: open {link} Code: {pin}",
    ),
    "nl": (
        "{who}: open {link} om uw technicus te laten meekijken met uw camera, "
        "of typ code {pin} op {start} ({minutes} min)",
        "{who}: open {link} voor hulp op afstand, of typ code {pin} op {start}",
        "{who}: open {link} voor hulp op afstand. Code: {pin}",
        "Hulp op afstand: open {link} Code: {pin}",
    ),
}
"""Longest first: the first that fits one SMS is sent, so a long name or address costs
words, never the link or the code."""


def septets(text: str) -> int | None:
    """The length in GSM-7 septets, or None when a character needs UCS-2."""
    count = 0
    for ch in text:
        if ch in GSM7_BASIC:
            count += 1
        elif ch in GSM7_EXTENDED:
            count += 2
        else:
            return None
    return count


def fits_one_sms(text: str) -> bool:
    length = septets(text)
    if length is None:
        return len(text.encode("utf-16-le")) // 2 <= ONE_SMS_UCS2
    return length <= ONE_SMS_GSM7


def compose_sms(invitation: Invitation) -> str:
    """The invitation's text: the link and the PIN always; who sends it, where to type
    the code and for how long, as far as one SMS allows."""
    who = invitation.organisation or invitation.technician
    values = {
        "who": who,
        "link": invitation.link,
        "pin": invitation.pin,
        "start": invitation.start_page.rstrip("/"),
        "minutes": str(invitation.minutes),
    }
    candidates = [t.format(**values) for t in _TEXT.get(invitation.language, _TEXT["en"])]
    for text in candidates:
        if fits_one_sms(text):
            return text
    return candidates[-1]  # sent as a multi-part message


# --- the gateways ---------------------------------------------------------------------


class SmsError(Exception):
    """The gateway refused, failed or did not answer in time; the message says why
    and never carries a credential."""


@dataclass(frozen=True)
class SmsReceipt:
    provider: str
    reference: str = ""  # the gateway's id of the message, when it gives one


class SmsGateway(Protocol):
    name: str

    async def send(self, to: str, text: str) -> SmsReceipt: ...


class TwilioGateway:
    """POST {base}/2010-04-01/Accounts/{sid}/Messages.json, form fields To, From, Body,
    HTTP basic auth sid:token (Twilio's API; others copy it)."""

    name = "twilio"

    def __init__(self, settings: Settings) -> None:
        s = settings
        base = s.sms_twilio_base_url.rstrip("/")
        self._url = f"{base}/2010-04-01/Accounts/{s.sms_twilio_account_sid}/Messages.json"
        self._auth = (s.sms_twilio_account_sid, s.sms_twilio_auth_token)
        self._sender = s.sms_from
        self._timeout = s.sms_timeout_seconds
        self._host = httpx.URL(base).host
        self._verify = _tls()

    async def send(self, to: str, text: str) -> SmsReceipt:
        form = {"To": to, "From": self._sender, "Body": text}
        async with httpx.AsyncClient(timeout=self._timeout, verify=self._verify) as http:
            response = await _post(http, self._host, self._url, data=form, auth=self._auth)
        if not response.is_success:  # a redirect too: nothing was sent
            raise SmsError(f"The SMS gateway refused the message: {_reason(response)}")
        return SmsReceipt(self.name, str(_json(response).get("sid") or ""))


class WebhookGateway:
    """POST {"to", "text"} as JSON to a URL of one's own; authenticated by an HMAC of
    the timestamp and the body (``X-Lens-Signature: sha256=<hex>``; the secret never
    travels) or by ``Authorization: Bearer <secret>``."""

    name = "webhook"

    def __init__(self, settings: Settings) -> None:
        self._url = settings.sms_webhook_url
        self._secret = settings.sms_webhook_secret.encode()
        self._auth = settings.sms_webhook_auth
        self._timeout = settings.sms_timeout_seconds
        self._host = httpx.URL(self._url).host
        self._verify = _tls()

    def headers(self, body: bytes, now: float | None = None) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        if self._auth == "bearer":
            headers["Authorization"] = f"Bearer {self._secret.decode()}"
            return headers
        stamp = str(int(now if now is not None else time.time()))
        mac = hmac.new(self._secret, stamp.encode() + b"." + body, hashlib.sha256)
        headers["X-Lens-Timestamp"] = stamp
        headers["X-Lens-Signature"] = f"sha256={mac.hexdigest()}"
        return headers

    async def send(self, to: str, text: str) -> SmsReceipt:
        body = json.dumps({"to": to, "text": text}, ensure_ascii=False).encode()
        async with httpx.AsyncClient(timeout=self._timeout, verify=self._verify) as http:
            response = await _post(
                http, self._host, self._url, content=body, headers=self.headers(body)
            )
        if not response.is_success:
            raise SmsError(f"The SMS gateway refused the message: {_reason(response)}")
        return SmsReceipt(self.name, str(_json(response).get("id") or ""))


def _tls() -> ssl.SSLContext:
    """Made once per gateway: building it (loading the CA bundle) costs more than the
    whole send on loopback."""
    return ssl.create_default_context(cafile=certifi.where())


async def _post(http: httpx.AsyncClient, host: str, url: str, **kwargs: object) -> httpx.Response:
    try:
        return await http.post(url, **kwargs)  # type: ignore[arg-type]
    except httpx.TimeoutException:
        raise SmsError(f"The SMS gateway at {host} did not answer in time.") from None
    except httpx.HTTPError as exc:
        # Only the kind of failure: the exception's text may quote the URL.
        reason = type(exc).__name__
        raise SmsError(f"Could not reach the SMS gateway at {host} ({reason}).") from None


def _json(response: httpx.Response) -> dict[str, object]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _reason(response: httpx.Response) -> str:
    """HTTP status plus the gateway's own message (Twilio: ``message`` and ``code``)."""
    data = _json(response)
    said = _printable(str(data.get("message") or data.get("error") or ""))[:200]
    code = f" (code {_printable(str(data['code']))[:20]})" if "code" in data else ""
    return f"HTTP {response.status_code}" + (f": {said}{code}" if said else "")


def _printable(text: str) -> str:
    """A gateway's words on one line: they reach the audit log and the console."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def make_gateway(settings: Settings) -> SmsGateway | None:
    if settings.sms_provider == "twilio":
        return TwilioGateway(settings)
    if settings.sms_provider == "webhook":
        return WebhookGateway(settings)
    return None


class SmsSender:
    """The app's one SMS sender (None gateway: unavailable). Failures are logged with
    the masked number and counted; the text itself (the PIN, the link) never is."""

    def __init__(self, settings: Settings, on_failure: Callable[[], None] | None = None) -> None:
        self.gateway = make_gateway(settings)
        self.default_region = settings.sms_default_region.upper() or None
        self._on_failure = on_failure

    @property
    def available(self) -> bool:
        return self.gateway is not None

    async def send(self, to: str, text: str) -> SmsReceipt:
        if self.gateway is None:
            raise SmsError("This server has no SMS gateway configured.")
        try:
            receipt = await self.gateway.send(to, text)
        except SmsError as exc:
            log.warning("sms not sent to %s: %s", mask_phone(to), exc)
            if self._on_failure is not None:
                self._on_failure()
            raise
        log.info("sms sent to %s via %s", mask_phone(to), receipt.provider)
        return receipt
