"""The invitation's content in both languages, and that names stay text."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from lens_server.mail import Invitation, build_message, compose_text, mailto_url

INVITATION = Invitation(
    name="Ann & <Bob>",
    technician="Tess",
    pin="012345",
    link="https://lens.example.com/join/abc",
    start_page="https://lens.example.com/",
    expires_at=datetime(2026, 11, 23, 20, 5, tzinfo=UTC),
    minutes=20,
)


def test_text_has_link_pin_and_validity() -> None:
    subject, body = compose_text(INVITATION)
    assert subject == "Your support session with Tess"
    assert "https://lens.example.com/join/abc" in body and "012345" in body
    assert "valid for 20 minutes (until 20:05 UTC)" in body


def test_dutch() -> None:
    subject, body = compose_text(Invitation(**{**INVITATION.__dict__, "language": "nl"}))
    assert subject == "Uw ondersteuningssessie met Tess"
    assert "20 minuten geldig" in body


def test_html_escapes_the_name() -> None:
    message = build_message(INVITATION, "Lens <lens@example.com>", "ann@example.com")
    html = message.get_body(("html",)).get_content()
    assert "Ann &amp; &lt;Bob&gt;" in html and "<Bob>" not in html
    assert '<b style="font-size:24px">012345</b>' in html


def test_mailto_round_trips() -> None:
    subject, body = compose_text(INVITATION)
    url = mailto_url("ann@example.com", subject, body)
    query = parse_qs(urlsplit(url).query)
    assert query["subject"] == [subject] and query["body"] == [body]


def test_without_an_organisation_the_technician_alone_is_named() -> None:
    subject, body = compose_text(INVITATION)
    assert "Tess would like to see" in body
    assert " of " not in subject and "Questions?" not in body


def test_organisation_names_are_escaped_in_html() -> None:
    invitation = Invitation(
        **{**INVITATION.__dict__, "organisation": "R&D <Lab>", "support_email": "a@b.example"}
    )
    message = build_message(invitation, "Lens <lens@example.com>", "ann@example.com")
    html = message.get_body(("html",)).get_content()
    assert "Tess of R&amp;D &lt;Lab&gt; would like" in html and "<Lab>" not in html
    assert message["Subject"] == "Your support session with Tess of R&D <Lab>"
