"""lens_server.timeouts without a database: a group's effective values, the checks an
administrator's change must pass (all or nothing), and the server's own settings."""

from __future__ import annotations

import pytest

from lens_server import timeouts
from lens_server.config import Settings
from lens_server.models import Group

DEFAULTS = {"pin_validity": 1200, "connecting": 600, "waiting": 1800, "waiting_warning": 300, "idle": 1800}  # fmt: skip


def test_a_group_without_values_takes_the_server_defaults() -> None:
    group = Group(name="Help", permissions="")
    assert timeouts.effective(group, Settings()).as_json() == DEFAULTS
    assert timeouts.effective(None, Settings(idle_timeout_seconds=0)).idle == 0


def test_overrides_apply_and_none_goes_back_to_the_default() -> None:
    group, settings = Group(name="Help", permissions=""), Settings()
    result = timeouts.set_overrides(
        group, {"waiting": 900, "waiting_warning": 120, "idle": 0}, settings
    )
    assert (result.waiting, result.waiting_warning, result.idle) == (900, 120, 0)
    assert group.waiting_timeout_seconds == 900 and group.idle_timeout_seconds == 0
    result = timeouts.set_overrides(group, {"waiting": None}, settings)
    assert result.waiting == 1800 and group.waiting_timeout_seconds is None
    assert timeouts.overrides(group)["waiting_warning"] == 120


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"waiting": 0}, "waiting time-out must be 1..86400 seconds, not 0"),
        ({"idle": -5}, "active idle time-out must be 1..86400 seconds (or 0 for never), not -5"),
        ({"pin_validity": 8 * 86400}, "PIN/link validity must be 1..604800 seconds"),
        ({"connecting": 60, "waiting": 300}, "waiting warning (300 s) must come before the waiting time-out (300 s)"),
        ({"connecting": 60, "waiting_warning": 2000}, "must come before the waiting time-out (1800 s)"),
        ({"hold": 60}, "unknown time-out(s): hold"),
    ],
)  # fmt: skip
def test_a_bad_change_is_refused_whole(changes: dict[str, int], message: str) -> None:
    group = Group(name="Help", permissions="")
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        timeouts.set_overrides(group, changes, Settings())
    assert set(timeouts.overrides(group).values()) == {None}  # nothing was set


def test_report_interval_is_a_tenth_of_the_idle_timeout_within_1_to_30_s() -> None:
    assert [timeouts.report_interval(s) for s in (1, 2, 25, 100, 1800, 0)] == [1, 1, 2, 10, 30, 30]


def test_reasons_name_the_timeout_its_length_and_where_it_came_from() -> None:
    waiting = timeouts.Due("s", timeouts.RULES[2], 900, "Help")
    assert waiting.detail == "waiting time-out 15 min (group Help)"
    idle = timeouts.Due("s", timeouts.RULES[3], 3600, None)
    assert idle.detail == "active idle time-out 1 h: no video and no action (server default)"
    pin = timeouts.Due("s", timeouts.RULES[0], 90, None)
    assert pin.detail == "PIN and link valid for 90 s, not redeemed"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"waiting_timeout_seconds": 0}, "waiting_timeout_seconds must be positive"),
        ({"connecting_timeout_seconds": -1}, "connecting_timeout_seconds must be positive"),
        ({"idle_timeout_seconds": -1}, "idle_timeout_seconds must be 0"),
        ({"waiting_timeout_seconds": 300}, "waiting_warning_seconds must be below"),
    ],
)
def test_server_settings_are_checked(settings: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(**settings)
