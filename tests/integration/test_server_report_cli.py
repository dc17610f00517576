"""`lens-server admin report` as an administrator runs it: a real process on the test
server's database (SQLite and PostgreSQL), CSV to standard output, JSON to a file,
the scope options, the chat log, and clear refusals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.integration.test_server_cli import lens_server
from tests.live_server import LiveServer
from tests.report_history import scripted

MONTH = ("--from", "2026-11-01", "--to", "2026-12-01")


def report(live_server: LiveServer, *args: str) -> tuple[int, str, str]:
    done = lens_server(
        live_server.settings.data_dir,
        "admin",
        "report",
        *args,
        database_url=live_server.settings.database_url,
    )
    return done.returncode, done.stdout, done.stderr


def test_admin_report_writes_csv_and_json(live_server: LiveServer, tmp_path: Path) -> None:
    _, ann, bob, ids = scripted(live_server)
    code, out, err = report(live_server, *MONTH)
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(r["session_id"], r["total_seconds"]) for r in rows] == [
        (ids["helped"], "480.0"),
        (ids["not_started"], "0.0"),
    ]
    assert rows[0]["survey_rating"] == "4"

    target = tmp_path / "bob.json"
    code, out, err = report(
        live_server, *MONTH, "--technician", bob.email, "--format", "json", "--output", str(target)
    )
    assert (code, out) == (0, ""), err
    (only,) = json.loads(target.read_text(encoding="utf-8"))
    assert (only["session_id"], only["waiting_seconds"]) == (ids["not_started"], 300.0)

    group = json.loads(report(live_server, *MONTH, "--format", "json")[1])[0]["group"]
    code, out, _ = report(live_server, *MONTH, "--group", group, "--kind", "chat")
    lines = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(line["technician_email"], line["text"]) for line in lines] == [
        (ann.email, "hello"),
        (ann.email, "bye"),
    ]


def test_admin_report_refuses_clearly(live_server: LiveServer) -> None:
    for args, message in (
        (("--group", "Nobody"), "lens-server admin: No group named 'Nobody'.\n"),
        (
            ("--technician", "x@example.com"),
            "lens-server admin: No technician with email 'x@example.com'.\n",
        ),
    ):
        assert report(live_server, *MONTH, *args) == (1, "", message)
    code, _, err = report(live_server, "--from", "2026-12-01", "--to", "2026-11-01")
    assert (code, err) == (1, "lens-server admin: to: the end must be after the start.\n")
    code, _, err = report(live_server, "--from", "November", "--to", "2026-12-01")
    assert code == 1 and "not a date" in err
