"""``lens-server``: run the server, administer groups and technicians, or write reports."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn

from lens_server import admin, timeouts
from lens_server.app import configure_logging, create_app
from lens_server.config import WORKER_SETTINGS, Settings, load_settings, settings_json
from lens_server.db import Database
from lens_server.errors import ApiError
from lens_server.models import PERMISSIONS
from lens_server.reports import (
    CHAT_COLUMNS,
    SESSION_COLUMNS,
    ReportService,
    csv_lines,
    json_lines,
    make_query,
)

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "lens-demo"  # noqa: S105 - the local demo's published password


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings(args.config, **_overrides(args))
    except (OSError, ValueError) as exc:
        print(f"lens-server: bad configuration: {exc}", file=sys.stderr)
        return 2
    if args.command == "serve":
        return serve(settings, demo=args.demo)
    return run_admin(settings, args)


def _overrides(args: argparse.Namespace) -> dict[str, object]:
    found: dict[str, object] = {}
    for name in ("host", "port", "data_dir", "database_url", "workers"):
        value = getattr(args, name, None)
        if value is not None:
            found[name] = value
    return found


def serve(settings: Settings, demo: bool = False) -> int:
    configure_logging()
    if demo:
        _prepare_demo(settings)
        settings = replace(settings, api_docs=True)  # a local playground: docs on
    if settings.workers > 1:
        return _serve_workers(settings)
    config = uvicorn.Config(create_app(settings), **uvicorn_options(settings))
    with _clean_exit_on_signals():
        uvicorn.Server(config).run()
    return 0


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "ssl_certfile": settings.tls_cert or None,
        "ssl_keyfile": settings.tls_key or None,
        "access_log": False,  # our own access log redacts the secret in /join/ links
        "ws_max_size": 256 * 1024,
        # The sockets carry small JSON messages: compressing them saves little, and a
        # zlib context for each direction of each socket cost most of an idle socket's
        # memory (bench/load.py, docs/performance.md "Server load").
        "ws_per_message_deflate": False,
        "proxy_headers": True,
        "log_config": None,
    }


def _serve_workers(settings: Settings) -> int:
    """N processes on one port (uvicorn's supervisor restarts one that dies). The
    schema is migrated here, once, before any worker starts; each worker builds the
    same settings from ``LENS_WORKER_SETTINGS`` (lens_server.app.worker_app)."""
    database = Database(settings.database)
    database.migrate()
    database.close()
    os.environ[WORKER_SETTINGS] = settings_json(settings)
    with _clean_exit_on_signals():
        uvicorn.run(
            "lens_server.app:worker_app",
            factory=True,
            workers=settings.workers,
            **uvicorn_options(settings),
        )
    return 0


@contextlib.contextmanager
def _clean_exit_on_signals() -> Iterator[None]:
    """After a graceful shutdown on SIGTERM or SIGINT, uvicorn raises the signal again
    under the handler that was in place before it started; with the default handler
    the process dies by that signal (exit -15), which a service manager reports as a
    failure. A no-op handler there lets ``serve`` return and the process exit 0."""
    handled = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, _ignore_signal) for sig in handled}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _ignore_signal(signum: int, frame: FrameType | None) -> None:
    del signum, frame


def _prepare_demo(settings: Settings) -> None:
    database = Database(settings.database)
    database.migrate()
    with database.session() as db:
        admin.ensure_demo(db, DEMO_EMAIL, DEMO_PASSWORD)
    database.close()
    print(
        f"Lens demo server at {settings.base_url}\n"
        f"  sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}\n"
        f"  invitation emails are written to {settings.outbox}\n"
        f"  API documentation: {settings.base_url}/docs",
        flush=True,
    )


def read_password(prompt: str = "Password: ") -> str:
    """From a prompt (typed twice) on a terminal, else one line of stdin; never argv."""
    if sys.stdin.isatty():
        first = getpass.getpass(prompt)
        if getpass.getpass("Repeat: ") != first:
            raise admin.AdminError("The two passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


def run_admin(settings: Settings, args: argparse.Namespace) -> int:
    database = Database(settings.database)
    try:
        database.migrate()
        if args.what == "report":
            run_report(database, args)
            return 0
        with database.session() as db:
            for line in _admin_action(db, args, settings):
                print(line)
    except admin.AdminError as exc:
        print(f"lens-server admin: {exc}", file=sys.stderr)
        return 1
    finally:
        database.close()
    return 0


def _admin_action(db: admin.Session, args: argparse.Namespace, settings: Settings) -> list[str]:
    action = f"{args.what} {args.action}"
    if action == "group timeouts":
        return _group_timeouts(db, args, settings)
    if action == "group add":
        group = admin.add_group(db, args.name, args.permissions)
        return [f"group {group.name} added: {group.permissions or '(no permissions)'}"]
    if action == "group list":
        return [
            f"{g.name}\t{g.permissions}\t{_timeouts_summary(admin.timeout_rows(g, settings))}"
            f"\trecording {admin.recording_policy(g)}"
            for g in admin.list_groups(db)
        ]
    if action == "group recording":
        group = admin.set_recording_policy(db, args.name, args.policy)
        return [f"group {group.name}: recording {admin.recording_policy(group)}"]
    if action == "group set-permissions":
        group = admin.set_permissions(db, args.name, args.permissions)
        return [f"group {group.name}: {group.permissions or '(no permissions)'}"]
    if action == "technician add":
        tech = admin.add_technician(db, args.email, args.name, args.group, read_password())
        return [f"technician {tech.email} added to {args.group}"]
    if action == "technician list":
        return [
            f"{t.email}\t{t.display_name}\t{t.group.name}\t{'disabled' if t.disabled else 'enabled'}"
            for t in admin.list_technicians(db)
        ]
    if action in ("technician disable", "technician enable"):
        tech = admin.set_disabled(db, args.email, args.action == "disable")
        return [f"technician {tech.email} {args.action}d"]
    if action == "technician reset-password":
        tech = admin.reset_password(db, args.email, read_password("New password: "))
        return [f"password of {tech.email} reset; their sign-ins were revoked"]
    if action == "technician set-group":
        tech = admin.set_group(db, args.email, args.group)
        return [f"technician {tech.email} moved to {args.group}"]
    raise admin.AdminError(f"unknown command {action}")


TIMEOUT_OPTIONS = {key.replace("_", "-"): key for key in timeouts.COLUMNS}
"""``--waiting-warning`` on the command line is the time-out ``waiting_warning``."""


def _group_timeouts(db: admin.Session, args: argparse.Namespace, settings: Settings) -> list[str]:
    """Sets the given time-outs (``--default X`` clears one), then shows them all."""
    changes: dict[str, int | None] = {TIMEOUT_OPTIONS[o]: None for o in args.default or ()}
    for option, key in TIMEOUT_OPTIONS.items():
        value = getattr(args, key)
        if value is not None:
            if key in changes:
                raise admin.AdminError(f"--{option} and --default {option} contradict each other.")
            changes[key] = value
    if changes:
        admin.set_timeouts(db, args.name, changes, settings)
        db.flush()
    rows = admin.group_timeouts(db, args.name, settings)
    lines = [f"group {args.name} time-outs (seconds):"]
    for key, seconds, own in rows:
        lines.append(f"{key.replace('_', '-')}\t{seconds}\t{'group' if own else 'default'}")
    return lines


def _timeouts_summary(rows: list[tuple[str, int, bool]]) -> str:
    """``waiting 15 min, idle never (default)``: the list's time-outs column."""
    parts = []
    for key, seconds, own in rows:
        length = "never" if seconds == 0 else timeouts.describe(seconds)
        parts.append(f"{key.replace('_', '-')} {length}{'' if own else ' (default)'}")
    return ", ".join(parts)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lens-server", description=__doc__)
    parser.add_argument("--config", type=Path, help="TOML settings file (LENS_* env vars override)")
    parser.add_argument("--data-dir", type=Path, help="folder for the SQLite file and the outbox")
    parser.add_argument("--database-url", help="SQLAlchemy URL, e.g. postgresql+psycopg://...")
    commands = parser.add_subparsers(dest="command", required=True)

    serve_cmd = commands.add_parser("serve", help="run the server")
    serve_cmd.add_argument("--host")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument(
        "--workers", type=int, help="server processes on this port (above 1 needs redis_url)"
    )
    serve_cmd.add_argument("--demo", action="store_true", help="add a demo technician")

    admin_cmd = commands.add_parser("admin", help="manage groups and technicians")
    what = admin_cmd.add_subparsers(dest="what", required=True)
    group = what.add_parser("group").add_subparsers(dest="action", required=True)
    add = group.add_parser("add")
    add.add_argument("name")
    add.add_argument("permissions", nargs="*", help=f"any of: {' '.join(PERMISSIONS)}, or all")
    group.add_parser("list")
    perms = group.add_parser("set-permissions")
    perms.add_argument("name")
    perms.add_argument("permissions", nargs="*")
    limits = group.add_parser(
        "timeouts", help="show the group's time-outs, or set some (seconds; idle 0: never)"
    )
    limits.add_argument("name")
    for option in TIMEOUT_OPTIONS:
        limits.add_argument(f"--{option}", type=int, metavar="SECONDS")
    limits.add_argument(
        "--default",
        action="append",
        choices=tuple(TIMEOUT_OPTIONS),
        help="back to the server's default (repeatable)",
    )
    policy = group.add_parser(
        "recording",
        help="forced: the console records every session of the group and cannot stop it; "
        "optional: recording is up to the technician (permission record_sessions)",
    )
    policy.add_argument("name")
    policy.add_argument("policy", metavar="forced|optional")

    tech = what.add_parser("technician").add_subparsers(dest="action", required=True)
    tadd = tech.add_parser("add", help="the password is read from a prompt or stdin")
    tadd.add_argument("email")
    tadd.add_argument("--name", required=True)
    tadd.add_argument("--group", required=True)
    tech.add_parser("list")
    for verb in ("disable", "enable", "reset-password"):
        tech.add_parser(verb).add_argument("email")
    move = tech.add_parser("set-group")
    move.add_argument("email")
    move.add_argument("group")
    _report_parser(what)
    return parser


def _report_parser(what: Any) -> None:
    report = what.add_parser(
        "report", help="session report or chat log of a date range, streamed (CSV or JSON)"
    )
    report.add_argument("--from", dest="start", required=True, help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--to", dest="end", required=True, help="day the range ends (excluded)")
    scope = report.add_mutually_exclusive_group()
    scope.add_argument("--technician", help="only this technician's sessions (email)")
    scope.add_argument("--group", help="only this group's sessions")
    report.add_argument("--kind", choices=("sessions", "chat"), default="sessions")
    report.add_argument("--format", choices=("csv", "json"), default="csv")
    report.add_argument("--output", type=Path, help="file to write (default: standard output)")


def run_report(database: Database, args: argparse.Namespace) -> None:
    """Writes the report row by row as it is read (lens_server.reports), so a year of
    sessions takes no more memory than a day."""
    service = ReportService(database)
    try:
        query = make_query(args.start, args.end, args.technician, args.group)
        service.check_scope(query)
    except ApiError as exc:
        raise admin.AdminError(exc.message) from None
    if args.kind == "chat":
        rows, columns = service.chat(query), CHAT_COLUMNS
    else:
        rows, columns = service.sessions(query), SESSION_COLUMNS
    lines = json_lines(rows) if args.format == "json" else csv_lines(columns, rows)
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(args.output.open("w", encoding="utf-8", newline=""))
            if args.output
            else sys.stdout
        )
        for line in lines:
            out.write(line)


if __name__ == "__main__":
    sys.exit(main())
