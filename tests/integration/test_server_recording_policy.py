"""A group's recording policy (issue 15 point 4, docs/decisions/0036): the admin sets
it with ``lens-server admin group recording``, the console reads it in the signed-in
technician (``recording_forced``), and a forced group's technician may start a
recording without ``record_sessions``, noted as forced in the audit log."""

from __future__ import annotations

import subprocess

from tests.integration.test_server_cli import lens_server
from tests.live_server import LiveServer

PASSWORD = "correct horse battery"


def test_the_admin_forces_recording_for_a_group_and_the_console_sees_it(
    live_server: LiveServer,
) -> None:
    data, url = live_server.settings.data_dir, live_server.settings.database_url

    def admin(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return lens_server(data, "admin", *args, stdin=stdin, database_url=url)

    assert (
        admin(
            "group", "add", "Field", "lens_sessions", "private_sessions", "connect_pin"
        ).returncode
        == 0
    )
    added = admin(
        "technician", "add", "rita@example.com", "--name", "Rita", "--group", "Field",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert group_line(admin("group", "list").stdout).endswith("\trecording optional")
    login = live_server.api(
        "POST", "/auth/login", json={"email": "rita@example.com", "password": PASSWORD}
    ).json()
    assert login["technician"]["recording_forced"] is False
    token = login["token"]

    forced = admin("group", "recording", "Field", "forced")
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout == "group Field: recording forced\n"
    assert group_line(admin("group", "list").stdout).endswith("\trecording forced")
    me = live_server.api("GET", "/me", token).json()
    assert me["recording_forced"] is True and "record_sessions" not in me["permissions"]
    again = live_server.api(
        "POST", "/auth/login", json={"email": "rita@example.com", "password": PASSWORD}
    ).json()
    assert again["technician"]["recording_forced"] is True

    # Bad input: a clear line, exit 1, and the policy stays as it was.
    for args, reason in (
        (("Field", "sometimes"), "Unknown recording policy 'sometimes'. Known: forced, optional"),
        (("Nobody", "optional"), "No group named 'Nobody'."),
    ):
        bad = admin("group", "recording", *args)
        assert bad.returncode == 1 and bad.stderr == f"lens-server admin: {reason}\n"
        assert "Traceback" not in bad.stderr and bad.stdout == ""
    missing = admin("group", "recording", "Field")
    assert missing.returncode == 2 and "forced|optional" in missing.stderr
    assert group_line(admin("group", "list").stdout).endswith("\trecording forced")
    assert live_server.api("GET", "/me", token).json()["recording_forced"] is True

    # The group's policy, not record_sessions, lets the console report the recording.
    session, _ = live_server.join_waiting(token)
    live_server.start_session(token, session["id"])
    started = live_server.api(
        "POST", f"/sessions/{session['id']}/activity", token, json={"action": "recording_started"}
    )
    assert started.status_code == 204, started.text
    events = live_server.api("GET", f"/sessions/{session['id']}/events", token).json()["events"]
    [event] = [e for e in events if e["action"] == "recording_started"]
    assert event["detail"] == "forced by the group's recording policy"
    assert event["actor"] == "technician:rita@example.com"

    # Optional again: recording is back to the permission, which this group lacks.
    assert admin("group", "recording", "Field", "optional").returncode == 0
    refused = live_server.api(
        "POST", f"/sessions/{session['id']}/activity", token, json={"action": "recording_started"}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["missing_permission"] == "record_sessions"
    assert live_server.api("GET", "/me", token).json()["recording_forced"] is False


def test_a_new_group_records_optionally_and_a_permitted_recording_has_no_forced_note(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    assert live_server.api("GET", "/me", tech.token).json()["recording_forced"] is False
    session, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, session["id"])
    started = live_server.api(
        "POST",
        f"/sessions/{session['id']}/activity",
        tech.token,
        json={"action": "recording_started"},
    )
    assert started.status_code == 204
    events = live_server.api("GET", f"/sessions/{session['id']}/events", tech.token).json()
    [event] = [e for e in events["events"] if e["action"] == "recording_started"]
    assert event["detail"] == ""


def group_line(listing: str) -> str:
    """The Field group's line of ``admin group list``: name, permissions, time-outs,
    recording policy, tab-separated."""
    line = next(line for line in listing.splitlines() if line.startswith("Field\t"))
    assert line.startswith("Field\tlens_sessions private_sessions connect_pin\t")
    return line
