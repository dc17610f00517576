"""The session list's waiting warning and the time-out texts, with no window: a row
red at the group's warning shows the time left before the waiting time-out and counts
it down each tick; a session ended by a time-out says which, in words."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from ui_factories import FakeClock, make_session, with_state

from lens_desktop.net.models import SessionInfo, SessionTimeout
from lens_desktop.ui.session_model import URGENT_BACKGROUND, SessionTableModel
from lens_desktop.ui.timeouts import ended_text, format_length, idle_warning, time_left
from tests.qt_fixtures import SignalRecorder

M = SessionTableModel


def new_model(clock: FakeClock) -> SessionTableModel:
    model = SessionTableModel(warning_seconds=120, timeout_seconds=900, clock=clock)
    model._timer.stop()  # the test ticks by hand with its own clock
    return model


def test_a_red_row_counts_down_to_the_waiting_timeout(qtmodeltester) -> None:
    clock = FakeClock()
    model = new_model(clock)
    model.set_sessions([make_session("w", state="waiting", created=0, waiting_since=0)])
    status = model.index(0, M.STATUS)
    clock.advance(119)
    model.tick()
    assert (
        model.data(status) == "Waiting" and model.data(status, Qt.ItemDataRole.ToolTipRole) is None
    )

    clock.advance(1.5)  # 120.5 s: the warning
    model.tick()
    assert model.is_urgent("w")
    assert model.data(status) == "Waiting, times out in 13:00"
    background = model.data(status, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush) and background.color() == URGENT_BACKGROUND
    assert model.data(status, Qt.ItemDataRole.ToolTipRole) == (
        "The customer has waited long. Start the session, or it ends by itself after "
        "15 minutes of waiting."
    )

    changed = SignalRecorder(model.dataChanged)
    clock.advance(60)
    model.tick()
    cells = sorted((args[0].column(), args[1].column()) for args in changed.emissions)
    assert cells == [(M.STATUS, M.STATUS), (M.WAITING, M.WAITING)]  # those two cells only
    assert model.data(status) == "Waiting, times out in 12:00"
    clock.advance(800)  # past the time-out, before the server's sweep: never negative
    model.tick()
    assert model.data(status) == "Waiting, times out in 00:00"
    qtmodeltester.check(model)

    model.apply(with_state(model.session_at(0), "active"))
    assert model.data(status) == "Active" and not model.is_urgent("w")


def test_group_limits_from_the_server_replace_the_defaults() -> None:
    clock = FakeClock()
    model = SessionTableModel(clock=clock)
    model._timer.stop()
    model.set_sessions([make_session("w", state="waiting", created=0, waiting_since=0)])
    clock.advance(30)
    model.set_waiting_limits(20, 60)
    assert model.is_urgent("w") and model.data(model.index(0, M.STATUS)) == (
        "Waiting, times out in 00:30"
    )


def test_without_a_known_timeout_the_row_is_red_without_a_countdown() -> None:
    clock = FakeClock()
    model = SessionTableModel(warning_seconds=120, clock=clock)
    model._timer.stop()
    model.set_sessions([make_session("w", state="waiting", created=0, waiting_since=0)])
    clock.advance(200)
    model.tick()
    assert model.is_urgent("w") and model.data(model.index(0, M.STATUS)) == "Waiting"


def ended(state: str, kind: str, seconds: int) -> SessionInfo:
    return with_state(make_session("s", name="Ann"), state, timeout=SessionTimeout(kind, seconds))


@pytest.mark.parametrize(
    ("state", "kind", "seconds", "text"),
    [
        ("expired", "pin_validity", 1200, "expired: the PIN and link were not used within 20 minutes."),
        ("timed_out", "connecting", 600, "timed out: the customer joined but did not accept the licence within 10 minutes."),
        ("timed_out", "waiting", 3600, "timed out: it waited 1 hour without being started."),
        ("timed_out", "idle", 1800, "timed out: no video and no action for 30 minutes."),
        ("timed_out", "reconnect", 120, "timed out: the customer did not come back within 2 minutes."),
    ],
)  # fmt: skip
def test_each_timeout_says_which_and_how_long(
    state: str, kind: str, seconds: int, text: str
) -> None:
    assert ended_text(ended(state, kind, seconds)) == f"The session with Ann {text}"


def test_no_timeout_no_text_and_lengths_in_words() -> None:
    assert ended_text(with_state(make_session("s"), "closed_by_customer")) is None
    assert ended_text(ended("timed_out", "a_newer_kind", 5)) is None
    assert [format_length(s) for s in (1, 45, 60, 90, 120, 3600, 7200)] == [
        "1 second",
        "45 seconds",
        "1 minute",
        "90 seconds",
        "2 minutes",
        "1 hour",
        "2 hours",
    ]
    assert (time_left(0.2, 3), time_left(2.0, 3), time_left(5, 3)) == (3, 1, 0)


def test_the_session_view_carries_the_timeout() -> None:
    view = {
        "id": "s",
        "state": "timed_out",
        "created_at": "2026-03-02T09:00:00.000Z",
        "timeout": {"kind": "idle", "seconds": 1800},
    }
    assert SessionInfo.from_json(view).timeout == SessionTimeout("idle", 1800)
    assert SessionInfo.from_json({**view, "timeout": None}).timeout is None
    del view["timeout"]  # a server older than time-out reasons
    assert SessionInfo.from_json(view).timeout is None


def test_the_idle_warning_comes_in_the_last_quarter_up_to_a_minute() -> None:
    assert idle_warning(1739, 1800) is None
    assert idle_warning(1740, 1800) == (
        "No video and no action: this session ends in 01:00 unless you use it."
    )
    assert idle_warning(1799.2, 1800).endswith("ends in 00:01 unless you use it.")
    assert idle_warning(1900, 1800).endswith("ends in 00:00 unless you use it.")
    assert idle_warning(29, 40) is None and idle_warning(30, 40) is not None  # a quarter
    assert idle_warning(10**6, 0) is None  # the group never times out
