"""The customer's survey over REST (issue 18 point 5): a rating with a comment, a skip,
and everything refused with nothing written: out-of-range ratings, a huge comment, a
second answer, a session not ended or never started, a token that is not a customer's.
Real uvicorn, SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest

from lens_server.models import SessionEvent, SessionSurvey
from tests.live_server import LiveServer, Tech


def ended(live_server: LiveServer, by: str = "technician") -> tuple[Tech, str, str]:
    """A session that was started and has ended: (technician, session id, customer token)."""
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    if by == "technician":
        answer = live_server.api("POST", f"/sessions/{session['id']}/end", tech.token)
    else:
        answer = live_server.api("POST", "/customer/leave", customer)
    assert answer.status_code == 200, answer.text
    return tech, session["id"], customer


def post(live_server: LiveServer, token: str | None, body: Any) -> Any:
    return live_server.api("POST", "/customer/survey", token, json=body)


def stored(live_server: LiveServer, session_id: str) -> tuple[Any, list[str]]:
    database = live_server.database()
    try:
        with database.session() as db:
            survey = db.get(SessionSurvey, session_id)
            row = (survey.rating, survey.comment, survey.skipped) if survey else None
            details = [
                e.detail
                for e in db.query(SessionEvent).filter_by(session_id=session_id, action="survey")
            ]
            return row, details
    finally:
        database.close()


@pytest.mark.parametrize("by", ["technician", "customer"])
def test_a_rating_with_a_comment_is_stored_once(live_server: LiveServer, by: str) -> None:
    _, sid, customer = ended(live_server, by)
    comment = "  <script>alert(1)</script> Quick & kind.\nThanks  "
    answer = post(live_server, customer, {"rating": 5, "comment": comment})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["rating"], body["comment"], body["skipped"]) == (5, comment.strip(), False)
    again = post(live_server, customer, {"rating": 1})
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "survey_answered"
    assert post(live_server, customer, {"skip": True}).status_code == 409
    # The first answer stands; the log says there was one, without the comment's text.
    assert stored(live_server, sid) == (
        (5, comment.strip(), False),
        [f"rating 5, comment {len(comment.strip())} characters"],
    )


def test_a_skip_is_stored_and_closes_the_survey(live_server: LiveServer) -> None:
    _, sid, customer = ended(live_server)
    answer = post(live_server, customer, {"skip": True})
    assert answer.status_code == 201, answer.text
    assert (answer.json()["rating"], answer.json()["skipped"]) == (None, True)
    assert post(live_server, customer, {"rating": 4}).json()["error"]["code"] == "survey_answered"
    assert stored(live_server, sid) == ((None, "", True), ["skipped"])


@pytest.mark.parametrize(
    "body",
    [
        {"rating": 0},
        {"rating": 6},
        {"rating": -1},
        {"rating": "5"},
        {"rating": 4.5},
        {"rating": True},
        {"comment": "no rating"},
        {},
        {"skip": True, "rating": 3},
        {"skip": True, "comment": "but a comment"},
        {"rating": 3, "comment": "x" * 1001},
        {"rating": 3, "comment": "x" * 100_000},
        {"rating": 3, "comment": "bell \x07"},
        {"rating": 3, "extra": 1},
    ],
)
def test_bad_input_is_refused_and_nothing_changes(live_server: LiveServer, body: Any) -> None:
    _, sid, customer = ended(live_server)
    answer = post(live_server, customer, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == "invalid_request"
    assert stored(live_server, sid) == (None, [])
    assert post(live_server, customer, {"rating": 3}).status_code == 201  # still open


def test_no_survey_before_the_end_nor_for_a_session_never_started(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    sid = session["id"]
    live_server.start_session(tech.token, sid)
    answer = post(live_server, customer, {"rating": 5})
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "survey_not_open",
        "message": "The survey opens when a session that was started has ended.",
        "details": {"state": "active"},
    }
    # Declined at the licence: closed by the customer, but nobody was helped.
    created = live_server.create_session(tech.token)
    declined = live_server.redeem(created["session"]["pin"]).json()["customer_token"]
    assert live_server.api("POST", "/customer/decline", declined).status_code == 200
    assert post(live_server, declined, {"rating": 1}).json()["error"]["code"] == "survey_not_open"
    assert stored(live_server, sid) == (None, [])
    assert stored(live_server, created["session"]["id"]) == (None, [])


def test_only_a_customer_token_of_that_session_answers_it(live_server: LiveServer) -> None:
    tech, sid, customer = ended(live_server)
    for token in (None, "not-a-token", tech.token):
        answer = post(live_server, token, {"rating": 5})
        assert answer.status_code == 401, answer.text
    other_tech, other_sid, other_customer = ended(live_server)
    assert post(live_server, other_customer, {"rating": 2}).status_code == 201
    assert stored(live_server, sid) == (None, [])  # the other customer's answer is theirs
    assert stored(live_server, other_sid)[0] == (2, "", False)
    assert post(live_server, customer, {"rating": 5}).status_code == 201  # its own, still open
    assert stored(live_server, sid)[0] == (5, "", False)
    del other_tech


def test_after_the_end_the_token_answers_the_survey_and_changes_nothing_else(
    live_server: LiveServer,
) -> None:
    _, _, customer = ended(live_server)
    refused = [
        live_server.api("POST", "/customer/chat", customer, json={"text": "hi"}),
        live_server.api("POST", "/customer/activity", customer, json={"action": "mic_muted"}),
        live_server.api("POST", "/customer/accept", customer),
    ]
    assert [r.status_code for r in refused] == [409, 409, 409]
    assert post(live_server, customer, {"rating": 4}).status_code == 201
