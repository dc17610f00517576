"""GET /api/v1/sessions a page at a time: every session reachable, none twice, newest
first, and bad paging input refused with a clear error."""

from __future__ import annotations

from typing import Any

from tests.live_server import LiveServer


def _pages(server: LiveServer, token: str, limit: int | None = None) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {} if limit is None else {"limit": limit}
    while True:
        response = server.api("GET", "/sessions", token, params=params)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["sessions"])
        if body["next_cursor"] is None:
            return pages
        params = {**params, "cursor": body["next_cursor"]}


def test_more_than_500_sessions_are_all_listed_page_by_page(live_server: LiveServer) -> None:
    tech = live_server.technician()
    made = [
        live_server.create_session(tech.token, f"Customer {n}")["session"]["id"] for n in range(505)
    ]

    pages = _pages(live_server, tech.token)
    assert [len(page) for page in pages] == [100, 100, 100, 100, 100, 5]  # default page: 100
    assert [s["id"] for page in pages for s in page] == made[::-1]  # newest first, no repeats

    biggest = _pages(live_server, tech.token, limit=500)
    assert [len(page) for page in biggest] == [500, 5]


def test_a_session_created_while_paging_neither_shifts_nor_repeats_rows(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    made = [live_server.create_session(tech.token, f"C{n}")["session"]["id"] for n in range(5)]
    first = live_server.api("GET", "/sessions", tech.token, params={"limit": 2}).json()
    live_server.create_session(tech.token, "Newcomer")
    rest = live_server.api(
        "GET", "/sessions", tech.token, params={"limit": 10, "cursor": first["next_cursor"]}
    ).json()
    seen = [s["id"] for s in first["sessions"] + rest["sessions"]]
    assert seen == made[::-1] and rest["next_cursor"] is None


def test_bad_paging_input_is_refused_by_name(live_server: LiveServer) -> None:
    tech = live_server.technician()
    for params, status, code, words in [
        ({"limit": 0}, 422, "invalid_request", "limit"),
        ({"limit": 501}, 422, "invalid_request", "limit"),
        ({"cursor": "not-a-cursor"}, 400, "invalid_cursor", "cursor"),
    ]:
        response = live_server.api("GET", "/sessions", tech.token, params=params)
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code and words in error["message"], error
