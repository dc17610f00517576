"""TURN REST-API credentials (coturn's use-auth-secret). The vector was computed with
openssl, not with this code:
    printf '%s' '1700086400:technician-7' | openssl dgst -sha1 -hmac 'lens-test-secret' -binary | base64
coturn accepts what this code makes and refuses it once expired:
tests/integration/test_coturn_credentials.py, tests/e2e/test_turn_console.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lens_server.config import Settings, load_settings
from lens_server.turn import ice_servers, rest_credential

URLS = ("turn:turn.example.com:3478?transport=udp", "turns:turn.example.com:443?transport=tcp")


def test_credential_matches_a_known_vector() -> None:
    username, credential = rest_credential("lens-test-secret", "technician-7", 1700086400)
    assert username == "1700086400:technician-7"
    assert credential == "EyZkDs5aD86NK3KEWRejj3jvPec="


def test_ice_servers_add_fresh_turn_credentials_after_the_static_ones() -> None:
    static = {"urls": ["stun:stun.example.com:3478"]}
    settings = Settings(
        ice_servers=(static,),
        turn_secret="lens-test-secret",
        turn_urls=URLS,
        turn_credential_lifetime_seconds=86400,
    )
    servers = ice_servers(settings, "technician-7", now=1700000000.9)
    assert servers[0] == static
    assert servers[1] == {
        "urls": list(URLS),
        "username": "1700086400:technician-7",
        "credential": "EyZkDs5aD86NK3KEWRejj3jvPec=",
    }


def test_without_turn_only_the_static_servers() -> None:
    static = {"urls": ["stun:stun.example.com:3478"]}
    assert ice_servers(Settings(ice_servers=(static,)), "session-x") == [static]
    # a secret alone (urls not yet set) gives nothing either
    assert ice_servers(Settings(turn_secret="s"), "session-x") == []


def test_turn_settings_from_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "lens.toml"
    config.write_text(
        'turn_urls = ["turn:t.example.com:3478?transport=udp"]\n'
        "turn_credential_lifetime_seconds = 3600\n"
        'ice_transport_policy = "relay"\n'
    )
    monkeypatch.setenv("LENS_TURN_SECRET", "from-the-environment")
    settings = load_settings(config)
    assert settings.turn_secret == "from-the-environment"
    assert settings.turn_urls == ("turn:t.example.com:3478?transport=udp",)
    assert settings.turn_credential_lifetime_seconds == 3600
    assert settings.ice_transport_policy == "relay"
    assert "from-the-environment" not in repr(settings)


def test_turn_urls_from_the_environment_are_a_comma_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LENS_TURN_SECRET", "s")
    monkeypatch.setenv("LENS_TURN_URLS", "turn:a:3478?transport=udp, turns:a:443?transport=tcp")
    assert load_settings().turn_urls == ("turn:a:3478?transport=udp", "turns:a:443?transport=tcp")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ice_transport_policy": "none"}, "ice_transport_policy must be all or relay"),
        ({"turn_urls": "turn:a:3478"}, "turn_urls needs turn_secret"),
        ({"turn_urls": "stun:a:3478", "turn_secret": "s"}, "must start with turn: or turns:"),
        ({"turn_credential_lifetime_seconds": 0}, "must be positive"),
        ({"ice_transport_policy": "relay"}, "relay needs a TURN server"),
        (
            {"ice_transport_policy": "relay", "ice_servers": [{"urls": "stun:s:3478"}]},
            "relay needs a TURN server",
        ),
    ],
)
def test_bad_turn_settings_are_clear_errors(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(**overrides)


def test_relay_only_with_a_static_turn_server_is_fine() -> None:
    static = [{"urls": ["turn:t.example.com:3478"], "username": "u", "credential": "c"}]
    settings = load_settings(ice_transport_policy="relay", ice_servers=static)
    assert settings.ice_transport_policy == "relay"
