"""The console's input rules, as plain functions (no Qt)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from lens_desktop.ui.formatting import format_duration, format_pin, pin_validity_text
from lens_desktop.ui.validation import (
    SignInValues,
    invalid_email_text,
    normalize_server_url,
    validate_email,
    validate_name,
    validate_server_url,
    validate_sign_in,
)
from lens_server.validation import clean_name


@pytest.mark.parametrize("name", ["Ann", "  Ann Smith  ", "x" * 64, "Zoë O'Brien #42", "李雷"])
def test_good_names_pass(name: str) -> None:
    assert validate_name(name) is None


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("", "Enter"),
        ("   ", "Enter"),
        ("x" * 65, "too long"),
        ("Ann\nSmith", "printable"),
        ("Ann\tSmith", "printable"),
        ("Ann\u200bS", "printable"),
    ],
)
def test_bad_names_say_why(name: str, fragment: str) -> None:
    error = validate_name(name)
    assert error is not None and fragment in error


@given(st.text(max_size=80))
@example("0\u16800")  # an ogham space mark: the server reads it as a space
@example("\u00a0Ann\u00a0")
def test_name_rule_is_the_servers_rule(text: str) -> None:
    try:
        clean_name(text)
        server_accepts = True
    except ValueError:
        server_accepts = False
    assert (validate_name(text) is None) == server_accepts


@given(
    st.text(
        alphabet=st.characters(categories=["L", "N", "P", "S"], include_characters=" "),
        min_size=1,
        max_size=64,
    )
)
def test_printable_names_of_allowed_length_pass_once_trimmed(text: str) -> None:
    if text.strip():
        assert validate_name(text) is None


@pytest.mark.parametrize("address", ["ann@example.com", " ann.smith+lens@mail.example.org "])
def test_good_emails_pass(address: str) -> None:
    assert validate_email(address) is None


@pytest.mark.parametrize(
    "address", ["", "ann", "ann@", "@example.com", "ann@@example.com", "a b@example.com"]
)
def test_bad_emails_fail(address: str) -> None:
    assert validate_email(address)


def test_in_english_the_library_reason_is_kept_even_when_we_have_no_translation() -> None:
    assert (
        validate_email("ann") == "Not a valid email address: An email address must have an @-sign."
    )
    assert invalid_email_text("Something new.") == "Not a valid email address: Something new."


@pytest.mark.parametrize(
    "url", ["https://lens.example.com", "http://127.0.0.1:8000", "https://x.org/lens/"]
)
def test_good_server_urls_pass(url: str) -> None:
    assert validate_server_url(url) is None


@pytest.mark.parametrize(
    "url", ["", "lens.example.com", "ftp://x.org", "https://", "http://h:99999"]
)
def test_bad_server_urls_fail(url: str) -> None:
    assert validate_server_url(url)


def test_server_url_is_normalized() -> None:
    assert normalize_server_url(" https://x.org/lens/ ") == "https://x.org/lens"


def test_sign_in_reports_each_field() -> None:
    errors = validate_sign_in(SignInValues("nope", "", "", remember=False))
    assert set(errors) == {"server_url", "email", "password"}
    assert validate_sign_in(SignInValues("http://h", "a@b.local", "pw", remember=True)) == {}


def test_formatting_reads_like_a_person_would_say_it() -> None:
    assert format_pin("483920") == "483 920"
    assert format_duration(65) == "01:05"
    assert format_duration(3725) == "1:02:05"
    text = pin_validity_text("2026-03-02T09:20:00Z", 1200)
    assert text.startswith("valid until ") and text.endswith("(20 minutes)")
