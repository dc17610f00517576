"""``lens-desktop --live-check`` from source, against a real server, with the headless
customer as the phone: the same steps the frozen bundle's CI run takes
(tests/bundle/test_frozen_console.py), plus the ways it can fail."""

from __future__ import annotations

import asyncio
import io
import os
import re

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from lens_desktop.live_check import LiveCheck, LiveCheckOptions, read_password
from tests.qt_fixtures import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # no display here or on CI

SMALL = SourceSpec(width=320, height=180, fps=15, audio="none")
PIN_LINE = re.compile(r"^ok   session: PIN (\d{6}), valid until ", re.MULTILINE)


def checked_lines(out: io.StringIO) -> list[str]:
    return [line for line in out.getvalue().splitlines() if not line.startswith("     ")]


async def test_live_check_signs_in_waits_paints_and_ends(qapp, live_server) -> None:
    qapp.setQuitOnLastWindowClosed(False)  # as run_live_check() does
    tech = live_server.technician()
    out = io.StringIO()
    options = LiveCheckOptions(live_server.url, tech.email, tech.password, frames=10, wait_s=30)
    run = asyncio.ensure_future(LiveCheck(options, out).run())
    customer: HeadlessCustomer | None = None
    try:
        await wait_until(lambda: PIN_LINE.search(out.getvalue()) is not None, timeout=10)
        pin = PIN_LINE.search(out.getvalue()).group(1)
        assert f"lens-customer --server {live_server.url} --pin {pin}" in out.getvalue()
        customer = HeadlessCustomer(
            CustomerOptions(server=live_server.url, pin=pin, sources=SMALL, audio_out=False),
            report=lambda _line: None,
        )
        await customer.join()
        assert await asyncio.wait_for(run, 30) == 0
    finally:
        if customer is not None:
            await customer.close()
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)

    lines = checked_lines(out)
    assert lines[0] == f"ok   sign-in: {tech.email} on {live_server.url}"
    assert lines[2].startswith("ok   customer: waiting after ")
    assert re.match(
        r"ok   video: 1\d frames painted, 320x180, first \d+\.\d\d s after Start", lines[3]
    )
    assert lines[4] == "ok   end: session closed by technician"
    assert lines[5] == "lens-desktop live check: passed"
    sessions = live_server.api("GET", "/sessions", tech.token).json()["sessions"]
    assert [s["name"] for s in sessions if s["state"] == "closed_by_technician"] == ["Live check"]


async def test_live_check_reports_a_wrong_password(live_server) -> None:
    tech = live_server.technician()
    out = io.StringIO()
    options = LiveCheckOptions(live_server.url, tech.email, "not-the-password", wait_s=5)
    assert await LiveCheck(options, out).run() == 1
    lines = checked_lines(out)
    assert lines[0].startswith("FAIL sign-in: ")
    assert lines[-1] == "lens-desktop live check: FAILED"
    assert live_server.api("GET", "/sessions", tech.token).json()["sessions"] == []


async def test_live_check_gives_up_and_ends_the_session_when_nobody_joins(live_server) -> None:
    tech = live_server.technician()
    out = io.StringIO()
    options = LiveCheckOptions(live_server.url, tech.email, tech.password, wait_s=0.5)
    assert await LiveCheck(options, out).run() == 1
    lines = checked_lines(out)
    assert lines[2].startswith("FAIL customer: nobody joined within 0 s")
    assert lines[-1] == "lens-desktop live check: FAILED"
    (session,) = live_server.api("GET", "/sessions", tech.token).json()["sessions"]
    assert session["state"] == "closed_by_technician"  # no session is left behind


async def test_live_check_refused_without_pin_permission(live_server) -> None:
    tech = live_server.technician(permissions=["lens_sessions", "private_sessions"])
    out = io.StringIO()
    options = LiveCheckOptions(live_server.url, tech.email, tech.password, wait_s=5)
    assert await LiveCheck(options, out).run() == 1
    assert checked_lines(out)[1].startswith("FAIL create session: ")
    assert "connect_pin" in checked_lines(out)[1] or "PIN" in checked_lines(out)[1]


def test_password_is_the_first_line_of_piped_input() -> None:
    assert read_password(io.StringIO("s3cret pass\nsecond line\n")) == "s3cret pass"
