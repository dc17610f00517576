"""The SMS invitation's rules: numbers, masking, the text's length, the settings, and
the webhook's signature (the sending itself: tests/integration/test_server_sms.py)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from lens_server.config import Settings, load_settings
from lens_server.mail import Invitation
from lens_server.sms import (
    PhoneNumberError,
    WebhookGateway,
    compose_sms,
    fits_one_sms,
    mask_phone,
    normalise_phone,
    septets,
)

BASE = "https://lens.example.com"
INVITATION = Invitation(
    name="Ann",
    technician="Tess de Vries",
    pin="012345",
    # as the server makes them: secrets.token_urlsafe(24), 32 characters
    link=f"{BASE}/join/{'A_-b' * 8}",
    start_page=f"{BASE}/",
    expires_at=datetime(2026, 11, 23, 20, 5, tzinfo=UTC),
    minutes=20,
)


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("06 1234 5678", "NL", "+31612345678"),
        ("06-12345678", "nl", "+31612345678"),
        ("+31 (0)6 1234 5678", None, "+31612345678"),
        ("0031 6 12345678", "NL", "+31612345678"),
        ("0470 12 34 56", "BE", "+32470123456"),
        ("(201) 555-0123", "US", "+12015550123"),
        ("+44 7911 123456", "NL", "+447911123456"),  # a + number ignores the region
    ],
)
def test_numbers_are_normalised_to_e164(raw: str, region: str | None, e164: str) -> None:
    assert normalise_phone(raw, region) == e164


@pytest.mark.parametrize(
    ("raw", "region", "reason"),
    [
        ("", "NL", "Enter the customer's mobile number."),
        ("   ", "NL", "Enter the customer's mobile number."),
        ("06 123", "NL", "too short"),
        ("0612345678", None, "start it with + and the country code"),
        ("+31 20 123 4567", None, "not a mobile number"),
        ("+31 6 1234", None, "too short"),
        ("nonsense", "NL", "Not a valid phone number"),
        ("+999 612345678", "NL", "its country code is unknown"),
        ("0612345678", "ZZ", "Unknown region"),
    ],
)
def test_bad_numbers_say_why(raw: str, region: str | None, reason: str) -> None:
    with pytest.raises(PhoneNumberError, match=re.escape(reason)):
        normalise_phone(raw, region)


def test_a_masked_number_keeps_the_country_and_the_last_digits() -> None:
    assert mask_phone("+31612345678") == "+316*****678"
    assert mask_phone("+12015550123") == "+120*****123"
    assert mask_phone("+3161") == "+3***"


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_text_fits_one_sms_and_carries_link_and_pin(language: str) -> None:
    text = compose_sms(replace(INVITATION, language=language))
    assert INVITATION.link in text and INVITATION.pin in text and "Tess de Vries" in text
    assert septets(text) is not None and fits_one_sms(text)
    assert len(text) <= 160


@pytest.mark.parametrize("language", ["en", "nl"])
def test_a_long_name_costs_words_never_the_link_or_the_pin(language: str) -> None:
    long_name = "Technician with a very long display name, sixty-four characters!"
    assert len(long_name) == 64
    text = compose_sms(replace(INVITATION, technician=long_name, language=language))
    assert INVITATION.link in text and INVITATION.pin in text
    assert fits_one_sms(text) and len(text) <= 160


def test_the_organisation_signs_the_text_when_there_is_one() -> None:
    text = compose_sms(replace(INVITATION, organisation="Acme Support"))
    assert text.startswith("Acme Support: ") and "Tess" not in text


def test_a_name_outside_gsm7_falls_back_to_a_text_without_it() -> None:
    """ "Zoë" needs UCS-2 (70 characters a message): the text without the name stays
    GSM-7 and one message."""
    text = compose_sms(replace(INVITATION, technician="Zoë Ünal"))
    assert "Zoë" not in text and septets(text) is not None and fits_one_sms(text)
    assert INVITATION.link in text and INVITATION.pin in text


def test_septets_count_the_extension_table_twice() -> None:
    assert septets("abc") == 3
    assert septets("€[]") == 6
    assert septets("ë") is None
    assert fits_one_sms("a" * 160) and not fits_one_sms("a" * 161)
    assert fits_one_sms("ë" * 70) and not fits_one_sms("ë" * 71)


def test_a_longer_address_still_fits_one_message() -> None:
    base = "https://support-lens.some-company.example"
    invitation = replace(
        INVITATION,
        link=f"{base}/join/{secrets.token_urlsafe(24)}",
        start_page=f"{base}/",
    )
    for language in ("en", "nl"):
        text = compose_sms(replace(invitation, language=language))
        assert invitation.link in text and invitation.pin in text and fits_one_sms(text), text


TWILIO = {
    "sms_provider": "twilio",
    "sms_twilio_account_sid": "AC1",
    "sms_twilio_auth_token": "token",
    "sms_from": "+3197010000000",
}
WEBHOOK = {"sms_provider": "webhook", "sms_webhook_url": "https://relay.example/sms"}


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"sms_provider": "nexmo"}, "sms_provider must be twilio or webhook"),
        ({**TWILIO, "sms_twilio_auth_token": ""}, "needs sms_twilio_auth_token"),
        ({**TWILIO, "sms_from": ""}, "needs sms_from"),
        ({**TWILIO, "sms_twilio_base_url": "http://api.example"}, "must be an https:// URL"),
        (WEBHOOK, "needs sms_webhook_url and sms_webhook_secret"),
        ({**WEBHOOK, "sms_webhook_secret": "s", "sms_webhook_auth": "x"}, "hmac or bearer"),
        ({"sms_default_region": "XX"}, "unknown region"),
        ({"sms_timeout_seconds": 0.0}, "must be positive"),
    ],
)
def test_incomplete_sms_settings_are_refused(values: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Settings(**values)  # type: ignore[arg-type]


def test_plain_http_is_allowed_to_this_machine_only() -> None:
    Settings(**{**TWILIO, "sms_twilio_base_url": "http://127.0.0.1:8999"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="https"):
        Settings(**{**WEBHOOK, "sms_webhook_secret": "s", "sms_webhook_url": "http://10.0.0.1/"})  # type: ignore[arg-type]


def test_secrets_come_from_the_environment_and_stay_out_of_repr(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LENS_SMS_PROVIDER", "twilio")
    monkeypatch.setenv("LENS_SMS_TWILIO_ACCOUNT_SID", "AC1")
    monkeypatch.setenv("LENS_SMS_TWILIO_AUTH_TOKEN", "very-secret-token")
    monkeypatch.setenv("LENS_SMS_FROM", "Lens")
    monkeypatch.setenv("LENS_SMS_TIMEOUT_SECONDS", "2.5")
    settings = load_settings()
    assert settings.sms_twilio_auth_token == "very-secret-token"
    assert settings.sms_timeout_seconds == 2.5
    assert "very-secret-token" not in repr(settings)
    webhook = Settings(**{**WEBHOOK, "sms_webhook_secret": "hook-secret"})  # type: ignore[arg-type]
    assert "hook-secret" not in repr(webhook)


def test_the_webhook_signs_timestamp_and_body() -> None:
    gateway = WebhookGateway(Settings(**{**WEBHOOK, "sms_webhook_secret": "k"}))  # type: ignore[arg-type]
    body = b'{"to": "+31612345678", "text": "hi"}'
    headers = gateway.headers(body, now=1_800_000_000)
    expected = hmac.new(b"k", b"1800000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Lens-Timestamp"] == "1800000000"
    assert headers["X-Lens-Signature"] == f"sha256={expected}"
    assert "Authorization" not in headers  # the secret itself never travels
    bearer = WebhookGateway(
        Settings(**{**WEBHOOK, "sms_webhook_secret": "k", "sms_webhook_auth": "bearer"})  # type: ignore[arg-type]
    )
    assert bearer.headers(body)["Authorization"] == "Bearer k"
