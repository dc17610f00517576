"""SessionTableModel with no view: Qt's model contract and fine-grained updates."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont
from ui_factories import FakeClock, make_session, with_state

from lens_desktop.ui.session_model import URGENT_BACKGROUND, SessionTableModel
from tests.qt_fixtures import SignalRecorder

M = SessionTableModel


def new_model(clock: FakeClock, warning: int = 120) -> SessionTableModel:
    model = SessionTableModel(warning_seconds=warning, clock=clock)
    model._timer.stop()  # the test ticks by hand with its own clock
    return model


def display(model: SessionTableModel, row: int, column: int) -> str:
    return model.data(model.index(row, column))


def test_model_contract_through_a_session_lifecycle(qtmodeltester) -> None:
    clock = FakeClock()
    model = new_model(clock)
    qtmodeltester.check(model)
    model.set_sessions([make_session("a", created=0), make_session("b", created=10)])
    qtmodeltester.check(model)
    model.apply(make_session("c", created=20, state="waiting", waiting_since=25))
    clock.advance(200)
    model.tick()
    model.apply(with_state(model.session_by_id("c"), "active"))
    model.remove("a")
    qtmodeltester.check(model)


def test_snapshot_sorts_newest_first_and_shows_readable_columns() -> None:
    clock = FakeClock()
    clock.advance(95)
    model = new_model(clock)
    model.set_sessions(
        [
            make_session("old", name="Bob", created=0, method="email"),
            make_session("new", name="Ann", created=30, state="waiting", waiting_since=30),
        ]
    )
    assert [display(model, r, M.NAME) for r in range(2)] == ["Ann", "Bob"]
    assert display(model, 0, M.STATUS) == "Waiting"
    assert display(model, 0, M.PIN) == "483 920"
    assert display(model, 0, M.WAITING) == "01:05"
    assert display(model, 1, M.CONNECTION) == "Email"
    assert display(model, 1, M.WAITING) == ""
    assert model.headerData(M.WAITING, Qt.Orientation.Horizontal) == "Waiting"


def test_pushed_new_session_is_inserted_at_its_place() -> None:
    model = new_model(FakeClock())
    model.set_sessions([make_session("a", created=0), make_session("c", created=20)])
    inserted = SignalRecorder(model.rowsInserted)
    reset = SignalRecorder(model.modelReset)
    model.apply(make_session("b", created=10))
    assert [args[1:] for args in inserted.emissions] == [(1, 1)]
    assert reset.emissions == []
    assert [model.session_at(r).id for r in range(3)] == ["c", "b", "a"]


def test_pushed_change_updates_one_row_in_place() -> None:
    model = new_model(FakeClock())
    model.set_sessions([make_session("a", created=0), make_session("b", created=10)])
    changed = SignalRecorder(model.dataChanged)
    inserted = SignalRecorder(model.rowsInserted)
    model.apply(
        with_state(
            model.session_by_id("a"), "waiting", waiting_since=model.session_by_id("a").created_at
        )
    )
    assert len(changed.emissions) == 1
    top_left, bottom_right = changed.emissions[0][:2]
    assert (top_left.row(), top_left.column()) == (1, 0)
    assert (bottom_right.row(), bottom_right.column()) == (1, M.WAITING)
    assert inserted.emissions == []
    assert display(model, 1, M.STATUS) == "Waiting"


def test_tick_refreshes_only_the_waiting_column_of_waiting_rows() -> None:
    clock = FakeClock()
    model = new_model(clock)
    model.set_sessions(
        [
            make_session("w", state="waiting", created=0, waiting_since=0),
            make_session("x", created=5),
        ]
    )
    changed = SignalRecorder(model.dataChanged)
    clock.advance(61)
    model.tick()
    assert len(changed.emissions) == 1
    top_left, bottom_right, roles = changed.emissions[0]
    assert top_left == bottom_right
    assert (top_left.row(), top_left.column()) == (model.row_of("w"), M.WAITING)
    assert roles == [Qt.ItemDataRole.DisplayRole]
    assert display(model, model.row_of("w"), M.WAITING) == "01:01"


def test_waiting_too_long_turns_the_row_urgent_red_and_bold() -> None:
    clock = FakeClock()
    model = new_model(clock, warning=120)
    model.set_sessions([make_session("w", state="waiting", created=0, waiting_since=0)])
    index = model.index(0, M.NAME)
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is None
    changed = SignalRecorder(model.dataChanged)
    clock.advance(121)
    model.tick()
    top_left, bottom_right = changed.emissions[-1][:2]
    assert (top_left.column(), bottom_right.column()) == (0, M.WAITING)
    background = model.data(index, Qt.ItemDataRole.BackgroundRole)
    assert isinstance(background, QBrush) and background.color() == URGENT_BACKGROUND
    font = model.data(index, Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()
    model.apply(with_state(model.session_at(0), "active"))
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is None
    assert not model.is_urgent("w")


def test_new_waiting_session_is_announced_once_but_not_from_a_snapshot() -> None:
    model = new_model(FakeClock())
    waiting = SignalRecorder(model.session_waiting)
    model.set_sessions([make_session("s", state="waiting", waiting_since=0)])
    model.apply(make_session("a", created=1))
    assert waiting.values == []
    model.apply(
        with_state(
            model.session_by_id("a"), "waiting", waiting_since=model.session_by_id("a").created_at
        )
    )
    model.apply(with_state(model.session_by_id("a"), "waiting", name="Ann B."))
    assert [s.id for s in waiting.values] == ["a"]


def test_final_sessions_are_greyed_then_dropped_after_the_retention() -> None:
    clock = FakeClock()
    model = SessionTableModel(final_retention_seconds=600, clock=clock)
    model._timer.stop()
    model.set_sessions([make_session("a", created=0)])
    model.apply(with_state(model.session_at(0), "closed_by_customer", ended_at=clock.now))
    foreground = model.data(model.index(0, M.NAME), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(foreground, QBrush) and foreground.color().name() == "#8a8a8a"
    assert display(model, 0, M.STATUS) == "Ended by customer"
    assert display(model, 0, M.PIN) == ""
    removed = SignalRecorder(model.rowsRemoved)
    clock.advance(601)
    model.tick()
    assert [args[1:] for args in removed.emissions] == [(0, 0)]
    assert model.rowCount() == 0


def test_a_stale_list_greys_every_row_and_says_why_then_comes_back(qtmodeltester) -> None:
    """Issue 16 D: while the console cannot hear the server the list is marked stale."""
    clock = FakeClock()
    model = new_model(clock)
    model.set_sessions([make_session("a", created=0), make_session("b", created=10)])
    changes = SignalRecorder(model.dataChanged)
    model.set_stale(True)
    qtmodeltester.check(model)
    assert model.stale and len(changes.values) == 1  # one signal for the whole table
    cell = model.index(1, M.STATUS)
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole) == (
        "Out of date: the console is reconnecting to the server."
    )
    assert model.data(cell, Qt.ItemDataRole.ForegroundRole).color().name() == "#9a9a9a"
    assert model.data(cell, Qt.ItemDataRole.FontRole).italic()
    model.set_stale(True)
    assert len(changes.values) == 1  # no change, no signal
    model.set_stale(False)
    qtmodeltester.check(model)
    assert model.data(cell, Qt.ItemDataRole.ToolTipRole) is None
    assert model.data(cell, Qt.ItemDataRole.ForegroundRole) is None
    assert len(changes.values) == 2
