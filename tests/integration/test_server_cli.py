"""`lens-server` as an administrator uses it: real processes, real database, real mail."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from lens_server.openapi import schema_text
from tests.live_server import LiveServer, free_port

ROOT = Path(__file__).resolve().parents[2]


def lens_server(
    data_dir: Path, *args: str, stdin: str = "", database_url: str = ""
) -> subprocess.CompletedProcess[str]:
    database = ["--database-url", database_url] if database_url else []
    return subprocess.run(
        [sys.executable, "-m", "lens_server.cli", "--data-dir", str(data_dir), *database, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_admin_sets_up_a_technician_who_can_send_an_email_session(live_server: LiveServer) -> None:
    data, url = live_server.settings.data_dir, live_server.settings.database_url

    def admin(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return lens_server(data, "admin", *args, stdin=stdin, database_url=url)

    made = admin("group", "add", "Helpdesk", "lens_sessions", "private_sessions")
    assert made.returncode == 0, made.stderr
    perms = admin("group", "set-permissions", "Helpdesk", "all")
    assert "connect_email" in perms.stdout
    added = admin(
        "technician", "add", "tess@example.com", "--name", "Tess",
        "--group", "Helpdesk", stdin="correct horse battery\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = admin("technician", "list")
    assert "tess@example.com\tTess\tHelpdesk\tenabled" in listed.stdout

    token = live_server.login("tess@example.com", "correct horse battery")
    created = live_server.create_session(
        token, "Ann", "email", delivery="server", to="ann@example.com"
    )
    mail = live_server.smtp.wait_for(1)[0]
    assert created["session"]["pin"] in mail.get_body(("plain",)).get_content()

    reset = admin("technician", "reset-password", "tess@example.com", stdin="new password 2\n")
    assert reset.returncode == 0
    assert live_server.api("GET", "/me", token).status_code == 401  # old sign-ins revoked
    live_server.login("tess@example.com", "new password 2")


def test_admin_errors_are_one_line_and_change_nothing(tmp_path: Path) -> None:
    unknown = lens_server(tmp_path, "admin", "group", "add", "G", "fly")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("lens-server admin: Unknown permission(s): fly")
    assert "Traceback" not in unknown.stderr
    assert lens_server(tmp_path, "admin", "group", "list").stdout == ""
    short = lens_server(
        tmp_path, "admin", "technician", "add", "a@example.com", "--name", "A", "--group", "G",
        stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 1 and "at least 8 characters" in short.stderr
    assert lens_server(tmp_path, "admin", "technician", "list").stdout == ""


def test_demo_server_runs_on_its_embedded_default(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "LENS_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "lens_server.cli", "--data-dir", str(tmp_path), "serve", "--demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.1)
        login = httpx.post(
            f"{url}/api/v1/auth/login",
            json={"email": "demo@example.com", "password": "lens-demo"},
        )
        token = login.json()["token"]
        created = httpx.post(
            f"{url}/api/v1/sessions",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Ann", "method": "email", "delivery": "server", "to": "a@example.com"},
        )
        assert created.status_code == 201 and created.json()["email"]["status"] == "outbox"
        outbox = list((tmp_path / "outbox").glob("*.eml"))
        assert len(outbox) == 1
        assert created.json()["session"]["link"].encode() in outbox[0].read_bytes()
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert "sign in as demo@example.com" in output
    pin = created.json()["session"]["pin"]
    token_part = created.json()["session"]["link"].rsplit("/", 1)[1]
    assert pin not in output and token_part not in output and token not in output


def test_openapi_document_is_current() -> None:
    checked_in = (ROOT / "docs" / "api" / "openapi.json").read_text()
    assert checked_in == schema_text(), "run: python -m lens_server.openapi > docs/api/openapi.json"
