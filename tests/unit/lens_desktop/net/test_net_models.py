"""Parsing the protocol's JSON into the console's data classes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lens_desktop.net.models import (
    CreatedSession,
    ServerConfig,
    SessionInfo,
    Technician,
    parse_time,
)

SESSION = {
    "id": "b6c1",
    "type": "lens",
    "name": "Ann Smith",
    "state": "waiting",
    "method": "email",
    "pin": "483920",
    "pin_expires_at": "2026-11-23T19:40:00Z",
    "link": "https://lens.example.com/join/AbC",
    "created_at": "2026-11-23T19:30:00Z",
    "waiting_since": "2026-11-23T19:31:05.250Z",
    "started_at": None,
    "ended_at": None,
    "technician_id": 3,
    "private": True,
}


def test_session_parses_times_as_aware_utc_and_ignores_extra_fields() -> None:
    session = SessionInfo.from_json(SESSION)
    assert session.pin_expires_at == datetime(2026, 11, 23, 19, 40, tzinfo=UTC)
    assert session.waiting_since == datetime(2026, 11, 23, 19, 31, 5, 250000, tzinfo=UTC)
    assert session.started_at is None and session.ended_at is None
    assert (session.name, session.state, session.pin) == ("Ann Smith", "waiting", "483920")
    assert not session.is_final


@pytest.mark.parametrize(
    ("state", "final"),
    [
        ("connecting", False),
        ("waiting", False),
        ("active", False),
        ("on_hold", False),
        ("reconnecting", False),
        ("closed_by_technician", True),
        ("closed_by_customer", True),
        ("timed_out", True),
        ("expired", True),
    ],
)
def test_is_final_matches_the_protocol_states(state: str, final: bool) -> None:
    assert SessionInfo.from_json({**SESSION, "state": state}).is_final is final


def test_session_is_frozen() -> None:
    session = SessionInfo.from_json(SESSION)
    with pytest.raises(AttributeError):
        session.state = "active"  # type: ignore[misc]


def test_session_without_created_at_is_rejected() -> None:
    with pytest.raises(ValueError, match="created_at"):
        SessionInfo.from_json({**SESSION, "created_at": None})


def test_technician_permissions_become_a_frozenset() -> None:
    tech = Technician.from_json(
        {"id": 3, "email": "t@example.com", "display_name": "Tess", "permissions": ["connect_pin"]}
    )
    assert tech.permissions == frozenset({"connect_pin"})
    assert tech.may("connect_pin") and not tech.may("connect_email")
    assert tech.recording_forced is False  # a server without the field: optional


def test_a_group_that_forces_recording_reaches_the_technician() -> None:
    data = {"id": 3, "email": "t@example.com", "permissions": [], "recording_forced": True}
    assert Technician.from_json(data).recording_forced is True
    assert Technician.from_json({**data, "recording_forced": "yes"}).recording_forced is False


def test_created_session_and_config() -> None:
    created = CreatedSession.from_json(
        {"session": SESSION, "mailto": {"subject": "s", "body": "b", "url": "mailto:x"}}
    )
    assert created.session.id == "b6c1" and created.email is None
    assert created.mailto is not None and created.mailto["url"] == "mailto:x"
    config = ServerConfig.from_json(
        {
            "ice_servers": [{"urls": ["stun:stun.example.com"]}],
            "pin_validity_seconds": 600,
            "waiting_timeout_seconds": 900,
            "waiting_warning_seconds": 300,
        }
    )
    assert config.ice_servers == [{"urls": ["stun:stun.example.com"]}]
    assert config.pin_validity_seconds == 600


def test_parse_time_accepts_offsets_and_empty() -> None:
    assert parse_time(None) is None and parse_time("") is None
    assert parse_time("2026-01-01T00:00:00+00:00") == datetime(2026, 1, 1, tzinfo=UTC)


GUEST = {
    "technician_id": 9,
    "name": "Bob Jones",
    "state": "invited",
    "comment": "Look at the fuse box",
    "since": "2026-11-23T19:35:00Z",
}


def test_a_second_technician_parses_and_decides_whose_console_lists_it() -> None:
    session = SessionInfo.from_json(SESSION | {"state": "active", "guest": GUEST})
    guest = session.guest
    assert guest is not None and (guest.technician_id, guest.name) == (9, "Bob Jones")
    assert guest.comment == "Look at the fuse box" and not guest.joined
    assert guest.since == datetime(2026, 11, 23, 19, 35, tzinfo=UTC)
    assert session.guest_of(9) and not session.guest_of(3)  # 3 owns it
    assert session.belongs_to(9) and session.belongs_to(3) and not session.belongs_to(4)
    joined = SessionInfo.from_json(SESSION | {"guest": GUEST | {"state": "joined"}})
    assert joined.guest is not None and joined.guest.joined


@pytest.mark.parametrize(
    "value",
    [None, "Bob", [], {}, GUEST | {"state": "lost"}, GUEST | {"technician_id": "nine"},
     {k: v for k, v in GUEST.items() if k != "technician_id"}],
)  # fmt: skip
def test_an_absent_or_malformed_guest_is_none(value: object) -> None:
    session = SessionInfo.from_json(SESSION | {"guest": value})
    assert session.guest is None and not session.guest_of(9)
    assert SessionInfo.from_json(SESSION).guest is None
