"""Addresses the customer derives from what it is given."""

from __future__ import annotations

import pytest

from lens_customer.api import CustomerError, parse_link, websocket_url
from lens_customer.peer import ice_servers_from_config


@pytest.mark.parametrize(
    ("link", "base", "token"),
    [
        ("https://lens.example.com/join/AbC-_9", "https://lens.example.com", "AbC-_9"),
        ("http://127.0.0.1:8000/join/tok?lang=nl", "http://127.0.0.1:8000", "tok"),
        ("https://example.com/lens/join/tok/", "https://example.com/lens", "tok"),
    ],
)
def test_parse_link(link: str, base: str, token: str) -> None:
    assert parse_link(link) == (base, token)


@pytest.mark.parametrize(
    "link", ["lens.example.com/join/tok", "https://h/start", "https://h/join/"]
)
def test_not_a_link(link: str) -> None:
    with pytest.raises(CustomerError, match="Not a Lens invitation link"):
        parse_link(link)


def test_websocket_url_follows_the_scheme() -> None:
    assert (
        websocket_url("http://127.0.0.1:8000", "/ws/customer") == "ws://127.0.0.1:8000/ws/customer"
    )
    assert websocket_url("https://h/lens/", "/ws/customer") == "wss://h/lens/ws/customer"


def test_ice_servers_from_config() -> None:
    servers = ice_servers_from_config(
        [
            {"urls": ["stun:stun.example.com:3478"]},
            {"urls": "turn:turn.example.com", "username": "u", "credential": "p"},
            {"username": "no urls"},
        ]
    )
    assert [s.urls for s in servers] == [["stun:stun.example.com:3478"], "turn:turn.example.com"]
    assert (servers[1].username, servers[1].credential) == ("u", "p")
    assert ice_servers_from_config([]) == []
