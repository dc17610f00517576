"""Time in states and Rescue's total time (lens_server.reports), from scripted
histories whose figures are worked out by hand in the comments."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from lens_server.errors import ApiError
from lens_server.reports import (
    csv_lines,
    json_lines,
    make_query,
    seconds_by_state,
    state_spans,
    total_seconds,
)

T0 = datetime(2026, 11, 3, 10, 0, 0, tzinfo=UTC)


def at(minutes: int, seconds: int = 0) -> datetime:
    return T0 + timedelta(minutes=minutes, seconds=seconds)


# Each step: the moment and the state after it (as session_events stores them).
FULL_SESSION = [
    (at(0), "connecting"),  # created
    (at(0, 30), "waiting"),  # licence accepted: connecting 30 s
    (at(2), "active"),  # started: waiting 90 s
    (at(2, 10), "active"),  # a chat message: no change
    (at(5), "on_hold"),  # active 10:02:00-10:05:00 = 180 s
    (at(6, 30), "active"),  # on hold 90 s
    (at(7), "reconnecting"),  # active 30 s
    (at(7, 20), "active"),  # reconnecting 20 s
    (at(9), "transferring"),  # active 100 s
    (at(9, 45), "active"),  # transferring 45 s
    (at(10), "closed_by_technician"),  # active 15 s
    (at(12), "closed_by_technician"),  # the survey, after the end: counts nothing
]


def test_a_full_session_adds_up_as_worked_out_by_hand() -> None:
    spans = state_spans(FULL_SESSION, until=at(60))
    assert seconds_by_state(spans) == {
        "connecting": 30.0,
        "waiting": 90.0,
        "active": 180.0 + 30.0 + 100.0 + 15.0,
        "on_hold": 90.0,
        "reconnecting": 20.0,
        "transferring": 45.0,
    }
    # active 325 + on hold 90 + reconnecting 20 + transfer 45; not connecting, not waiting.
    assert total_seconds(spans) == 480.0
    assert [span.state for span in spans][:4] == ["connecting", "waiting", "active", "on_hold"]
    assert spans[-1].end == at(10)


def test_a_session_still_open_counts_until_the_report_is_made() -> None:
    history = [(at(0), "connecting"), (at(1), "waiting"), (at(3), "active")]
    spans = state_spans(history, until=at(8))
    assert seconds_by_state(spans) == {"connecting": 60.0, "waiting": 120.0, "active": 300.0}
    assert total_seconds(spans) == 300.0


def test_a_session_never_started_has_no_total_time() -> None:
    history = [(at(0), "connecting"), (at(0, 40), "waiting"), (at(5, 40), "timed_out")]
    spans = state_spans(history, until=at(60))
    assert seconds_by_state(spans) == {"connecting": 40.0, "waiting": 300.0}
    assert total_seconds(spans) == 0.0


def test_an_empty_history_has_nothing() -> None:
    assert state_spans([], until=at(1)) == []
    assert total_seconds([]) == 0.0


def test_the_range_and_the_scope_are_checked() -> None:
    query = make_query("2026-11-01", "2026-12-01", None, None)
    assert (query.start, query.end) == (
        datetime(2026, 11, 1, tzinfo=UTC),
        datetime(2026, 12, 1, tzinfo=UTC),
    )
    assert make_query("2026-11-01T08:00:00+01:00", "2026-11-02", "", "").start == datetime(
        2026, 11, 1, 7, tzinfo=UTC
    )
    for start, end, tech, group in (
        ("2026-12-01", "2026-11-01", None, None),
        ("yesterday", "2026-11-01", None, None),
        ("2026-11-01", "2026-12-01", "a@example.com", "Support"),
    ):
        with pytest.raises(ApiError) as refused:
            make_query(start, end, tech, group)
        assert refused.value.status == 422


def test_csv_cells_read_back_with_the_csv_module_and_formulas_are_defused() -> None:
    rows = [
        {"a": "plain", "b": 'quote " and, comma\nand a line', "c": None},
        {"a": "=HYPERLINK(1)", "b": -3.5, "c": True},
    ]
    text = "".join(csv_lines(("a", "b", "c"), rows))
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["a", "b", "c"],
        ["plain", 'quote " and, comma\nand a line', ""],
        ["'=HYPERLINK(1)", "-3.5", "yes"],
    ]


def test_json_lines_make_one_array() -> None:

    assert json.loads("".join(json_lines(iter([{"a": 1}, {"a": "ü"}])))) == [{"a": 1}, {"a": "ü"}]
    assert json.loads("".join(json_lines(iter([])))) == []
