"""Time-outs per group (issue 18 point 1): each one with a short setting, as the
technician's group sets it through the admin REST API, ends the session in the right
state, is pushed to the technician's and the customer's sockets, and is in the audit
log with its reason; a group without its own values takes the server's defaults.
Real uvicorn + SQLite and PostgreSQL, real WebSockets."""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import pytest

from lens_server import admin as administration
from lens_server.models import PERMISSIONS, AuditEvent
from tests.integration.test_server_cli import lens_server
from tests.live_server import LiveServer, Tech
from tests.ws_client import connect, next_of, state_of
from tests.ws_client import in_thread as run


def group_of(tech: Tech) -> str:
    """tests/live_server.py makes a group of its own for each technician."""
    return f"group-{tech.email.removeprefix('tech').split('@')[0]}"


def set_timeouts(server: LiveServer, admin: Tech, group: str, **values: Any) -> dict[str, Any]:
    answer = server.api("PUT", f"/admin/groups/{group}/timeouts", admin.token, json=values)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def last_event(server: LiveServer, token: str, session_id: str) -> dict[str, Any]:
    events = server.api("GET", f"/sessions/{session_id}/events", token).json()["events"]
    return dict(events[-1])


async def ended(tech_ws: Any, customer_ws: Any, state: str, timeout: float = 8) -> dict[str, Any]:
    """The final view as both sides' sockets get it pushed (the customer's is smaller)."""
    pushed = await state_of(tech_ws, state, timeout)
    assert (await state_of(customer_ws, state, timeout))["state"] == state
    return pushed


async def customer_socket(server: LiveServer, customer_token: str) -> Any:
    ws = await connect(server, "/ws/customer", customer_token)
    await next_of(ws, "session")
    return ws


# --- each time-out --------------------------------------------------------------------


async def test_pin_validity_of_the_group_expires_an_unredeemed_session(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), pin_validity=2)
    async with await connect(live_server, "/ws/technician", tech.token) as ws:
        await next_of(ws, "snapshot")
        created = (await run(live_server.create_session, tech.token))["session"]
        assert created["state"] == "connecting"
        pushed = await state_of(ws, "expired", 8)
    assert pushed["timeout"] == {"kind": "pin_validity", "seconds": 2}
    event = last_event(live_server, tech.token, created["id"])
    assert (event["actor"], event["action"], event["state"]) == ("system", "pin expired", "expired")
    assert event["detail"] == "PIN and link valid for 2 s, not redeemed"
    # The link died with the PIN.
    assert live_server.redeem(pin=created["pin"]).status_code == 404


async def test_connecting_timeout_of_the_group_ends_a_joined_but_unaccepted_session(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), connecting=2)
    created = live_server.create_session(tech.token)["session"]
    customer = live_server.redeem(pin=created["pin"]).json()["customer_token"]
    async with (
        await connect(live_server, "/ws/technician", tech.token) as ws,
        await customer_socket(live_server, customer) as phone,
    ):
        await next_of(ws, "snapshot")
        pushed = await ended(ws, phone, "timed_out")
    assert pushed["timeout"] == {"kind": "connecting", "seconds": 2}
    event = last_event(live_server, tech.token, created["id"])
    assert (event["actor"], event["action"]) == ("system", "did not accept in time")
    assert event["detail"] == (
        f"connecting time-out 2 s: joined, licence not accepted (group {group_of(tech)})"
    )


async def test_waiting_timeout_of_the_group(live_server: LiveServer) -> None:
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), waiting=3, waiting_warning=1)
    config = live_server.api("GET", "/config", tech.token).json()
    assert (config["waiting_timeout_seconds"], config["waiting_warning_seconds"]) == (3, 1)
    session, customer = live_server.join_waiting(tech.token)
    async with (
        await connect(live_server, "/ws/technician", tech.token) as ws,
        await customer_socket(live_server, customer) as phone,
    ):
        await next_of(ws, "snapshot")
        pushed = await ended(ws, phone, "timed_out")
    assert pushed["timeout"] == {"kind": "waiting", "seconds": 3}
    event = last_event(live_server, tech.token, session["id"])
    assert (event["actor"], event["action"]) == ("system", "waited too long")
    assert event["detail"] == f"waiting time-out 3 s (group {group_of(tech)})"


async def test_active_session_times_out_once_the_console_stops_reporting_activity(
    live_server: LiveServer,
) -> None:
    """The console reports video or an action (``alive``) while there is some: the
    session stays active past its idle time-out; once the reports stop, it times out."""
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), idle=2)
    config = live_server.api("GET", "/config", tech.token).json()
    assert (config["idle_timeout_seconds"], config["activity_report_seconds"]) == (2, 1)
    session, customer = live_server.join_waiting(tech.token)
    async with (
        await connect(live_server, "/ws/technician", tech.token) as ws,
        await customer_socket(live_server, customer) as phone,
    ):
        await next_of(ws, "snapshot")
        await run(live_server.start_session, tech.token, session["id"])
        await state_of(ws, "active")
        for _ in range(8):  # 4 s of video: twice the idle time-out
            await ws.send(json.dumps({"type": "alive", "session_id": session["id"]}))
            await asyncio.sleep(0.5)
        now = await run(live_server.api, "GET", f"/sessions/{session['id']}", tech.token)
        assert now.json()["state"] == "active"
        pushed = await ended(ws, phone, "timed_out")
    assert pushed["timeout"] == {"kind": "idle", "seconds": 2}
    event = last_event(live_server, tech.token, session["id"])
    assert (event["actor"], event["action"]) == ("system", "idle")
    assert event["detail"] == (
        f"active idle time-out 2 s: no video and no action (group {group_of(tech)})"
    )


async def test_on_hold_never_times_out_and_resume_starts_the_idle_time_again(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), idle=1)
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    live_server.api("POST", f"/sessions/{session['id']}/hold", tech.token)
    await asyncio.sleep(3)  # three idle time-outs, and as many sweeps
    assert live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()["state"] == (
        "on_hold"
    )
    async with await connect(live_server, "/ws/technician", tech.token) as ws:
        await next_of(ws, "snapshot")
        resumed = await run(
            live_server.api, "POST", f"/sessions/{session['id']}/resume", tech.token
        )
        assert resumed.json()["state"] == "active"
        pushed = await state_of(ws, "timed_out", 8)
    assert pushed["timeout"] == {"kind": "idle", "seconds": 1}


async def test_idle_zero_never_times_out_an_active_session(live_server: LiveServer) -> None:
    live_server.restart(idle_timeout_seconds=1)
    tech = live_server.technician()
    set_timeouts(live_server, tech, group_of(tech), idle=0)
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    await asyncio.sleep(3)
    assert live_server.api("GET", f"/sessions/{session['id']}", tech.token).json()["state"] == (
        "active"
    )


async def test_reports_for_another_technicians_session_do_not_keep_it_alive(
    live_server: LiveServer,
) -> None:
    owner, other = live_server.technician(), live_server.technician()
    set_timeouts(live_server, owner, group_of(owner), idle=2)
    session, _ = live_server.join_waiting(owner.token)
    live_server.start_session(owner.token, session["id"])
    async with await connect(live_server, "/ws/technician", other.token) as ws:
        await next_of(ws, "snapshot")
        for _ in range(10):
            await ws.send(json.dumps({"type": "alive", "session_id": session["id"]}))
            state = await run(live_server.api, "GET", f"/sessions/{session['id']}", owner.token)
            if state.json()["state"] == "timed_out":
                break
            await asyncio.sleep(0.5)
    assert state.json()["state"] == "timed_out"


async def test_server_defaults_apply_to_a_group_without_its_own(live_server: LiveServer) -> None:
    live_server.restart(waiting_timeout_seconds=2, waiting_warning_seconds=1)
    tech = live_server.technician()
    session, customer = live_server.join_waiting(tech.token)
    async with (
        await connect(live_server, "/ws/technician", tech.token) as ws,
        await customer_socket(live_server, customer) as phone,
    ):
        await next_of(ws, "snapshot")
        await ended(ws, phone, "timed_out")
    event = last_event(live_server, tech.token, session["id"])
    assert event["detail"] == "waiting time-out 2 s (server default)"


# --- the admin API ------------------------------------------------------------------------


def test_admin_api_reads_sets_and_clears_a_groups_timeouts(live_server: LiveServer) -> None:
    admin = live_server.technician()
    tech = live_server.technician(["lens_sessions", "private_sessions", "connect_pin"])
    path = f"/admin/groups/{group_of(tech)}/timeouts"
    before = live_server.api("GET", path, admin.token).json()
    assert before["overrides"] == dict.fromkeys(
        ("pin_validity", "connecting", "waiting", "waiting_warning", "idle")
    )
    assert (
        before["timeouts"]
        == before["defaults"]
        == {
            "pin_validity": 1200,
            "connecting": 600,
            "waiting": 1800,
            "waiting_warning": 300,
            "idle": 1800,
        }
    )
    changed = set_timeouts(live_server, admin, group_of(tech), waiting=900, waiting_warning=120)
    assert changed["timeouts"]["waiting"] == 900 and changed["overrides"]["waiting"] == 900
    assert changed["overrides"]["idle"] is None
    config = live_server.api("GET", "/config", tech.token).json()
    assert (config["waiting_timeout_seconds"], config["waiting_warning_seconds"]) == (900, 120)
    assert config["idle_timeout_seconds"] == 1800

    cleared = set_timeouts(live_server, admin, group_of(tech), waiting=None, waiting_warning=None)
    assert cleared["timeouts"] == before["defaults"]
    database = live_server.database()
    try:
        with database.session() as db:
            actions = [(e.actor, e.action, e.detail) for e in db.query(AuditEvent).all()]
    finally:
        database.close()
    assert (
        f"technician:{admin.email}",
        "group timeouts set",
        f"group {group_of(tech)}: waiting 900, waiting_warning 120",
    ) in actions


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"waiting": 0}, "waiting"),
        ({"idle": -1}, "idle"),
        ({"pin_validity": 8 * 24 * 3600}, "pin_validity"),
        ({"waiting": "900"}, "waiting"),
        ({"waiting": 1.5}, "waiting"),
        ({"hold": 60}, "hold"),
    ],
)
def test_admin_api_refuses_bad_values_and_changes_nothing(
    live_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    admin = live_server.technician()
    path = f"/admin/groups/{group_of(admin)}/timeouts"
    before = live_server.api("GET", path, admin.token).json()
    refused = live_server.api("PUT", path, admin.token, json={"connecting": 60, **body})
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["code"] == "invalid_request"
    assert field in refused.json()["error"]["message"]
    assert live_server.api("GET", path, admin.token).json() == before


def test_admin_api_refuses_a_warning_not_before_the_timeout(live_server: LiveServer) -> None:
    admin = live_server.technician()
    path = f"/admin/groups/{group_of(admin)}/timeouts"
    set_timeouts(live_server, admin, group_of(admin), waiting=600)
    refused = live_server.api(
        "PUT", path, admin.token, json={"connecting": 60, "waiting_warning": 600}
    )
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "invalid_timeouts"
    assert "must come before the waiting time-out (600 s)" in error["message"]
    after = live_server.api("GET", path, admin.token).json()
    assert (
        after["overrides"]["connecting"] is None and after["overrides"]["waiting_warning"] is None
    )


def test_admin_api_needs_manage_groups(live_server: LiveServer) -> None:
    without = [p for p in PERMISSIONS if p != "manage_groups"]
    tech = live_server.technician(without)
    path = f"/admin/groups/{group_of(tech)}/timeouts"
    for method, body in (("GET", None), ("PUT", {"waiting": 60})):
        refused = live_server.api(method, path, tech.token, json=body)
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert refused.json()["error"]["details"] == {"missing_permission": "manage_groups"}
    assert live_server.api("GET", path).status_code == 401
    # Taken away from a signed-in administrator: refused at the next call.
    admin = live_server.technician()
    admin_path = f"/admin/groups/{group_of(admin)}/timeouts"
    assert live_server.api("GET", admin_path, admin.token).status_code == 200
    database = live_server.database()
    try:
        with database.session() as db:
            administration.set_permissions(db, group_of(admin), without)
    finally:
        database.close()
    assert live_server.api("GET", admin_path, admin.token).status_code == 403


def test_admin_api_unknown_group_is_404(live_server: LiveServer) -> None:
    admin = live_server.technician()
    missing = live_server.api("GET", "/admin/groups/Nobody/timeouts", admin.token)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "group_not_found"


# --- the admin CLI ------------------------------------------------------------------------


def test_admin_cli_sets_shows_and_clears_a_groups_timeouts(live_server: LiveServer) -> None:
    data, url = live_server.settings.data_dir, live_server.settings.database_url

    def admin(*args: str) -> subprocess.CompletedProcess[str]:
        return lens_server(data, "admin", "group", *args, database_url=url)

    assert admin("add", "Helpdesk", "all").returncode == 0
    made = admin(
        "timeouts", "Helpdesk", "--waiting", "900", "--waiting-warning", "120", "--idle", "0"
    )
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        "group Helpdesk time-outs (seconds):",
        "pin-validity\t1200\tdefault",
        "connecting\t600\tdefault",
        "waiting\t900\tgroup",
        "waiting-warning\t120\tgroup",
        "idle\t0\tgroup",
    ]
    listed = admin("list").stdout
    assert "waiting 15 min, waiting-warning 2 min, idle never" in listed
    assert "pin-validity 20 min (default)" in listed

    # Bad input: a message, exit 1, and nothing changed.
    for bad in (
        ("--waiting-warning", "900"),
        ("--connecting", "0"),
        ("--pin-validity", "999999999"),
        ("--idle", "60", "--default", "idle"),
    ):
        refused = admin("timeouts", "Helpdesk", "--connecting", "45", *bad)
        assert refused.returncode != 0 and refused.stderr, bad
    assert admin("timeouts", "Helpdesk").stdout == made.stdout
    assert "Nothing was changed" in admin("timeouts", "Helpdesk", "--waiting", "100").stderr
    assert (
        admin("timeouts", "Nobody").stderr.strip() == "lens-server admin: No group named 'Nobody'."
    )

    cleared = admin("timeouts", "Helpdesk", "--default", "waiting", "--default", "idle")
    assert "waiting\t1800\tdefault" in cleared.stdout and "idle\t1800\tdefault" in cleared.stdout
    assert "waiting-warning\t120\tgroup" in cleared.stdout
