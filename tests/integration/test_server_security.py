"""Issue 16: PIN guessing budgets, sign-in throttling and the way back in, against a real
uvicorn + SQLite server (docs/security.md has the numbers these tests tighten)."""

from __future__ import annotations

import asyncio
import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select

from lens_server import admin
from lens_server.models import AuditEvent
from tests.live_server import LiveServer

# One address, no backoff: only the daily cap (the bucket) limits the guesses.
CAP_ONLY = {
    "pin_failures_burst_per_address": 6,
    "pin_free_failures": 100,
    "pin_failures_burst_global": 1000,
}


def _wrong_pin(right: str) -> str:
    return "999999" if right != "999999" else "999998"


def _link_token(session: dict[str, Any]) -> str:
    match = re.search(r"/join/([A-Za-z0-9_-]+)$", session["link"])
    assert match, session["link"]
    return match.group(1)


def _audit(live_server: LiveServer) -> list[tuple[str, str, str]]:
    database = live_server.database()
    try:
        with database.session() as db:
            rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id))
            return [(e.actor, e.action, e.detail) for e in rows]
    finally:
        database.close()


# --- PIN guessing ----------------------------------------------------------------


def test_parallel_guesses_cannot_exceed_the_address_budget(live_server: LiveServer) -> None:
    live_server.restart(**CAP_ONLY)
    tech = live_server.technician()
    pin = live_server.create_session(tech.token)["session"]["pin"]
    wrong = _wrong_pin(pin)

    def guess(_: int) -> int:
        with httpx.Client(base_url=live_server.url, timeout=30) as http:
            return http.post("/api/v1/customer/redeem", json={"pin": wrong}).status_code

    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(guess, range(24)))
    assert codes.count(404) == 6 and codes.count(429) == 18
    # after the limit even the right PIN is not looked up: nothing is learnt from it
    limited = live_server.redeem(pin=pin)
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    retry = limited.json()["error"]["details"]["retry_after"]
    assert limited.headers["Retry-After"] == str(retry)
    assert 3600 < retry <= 86_400 / 3 + 1  # the bucket refills one failure per 8 h
    assert "use the link in your invitation" in limited.json()["error"]["message"]


def test_the_budget_survives_a_restart(live_server: LiveServer) -> None:
    live_server.restart(**{**CAP_ONLY, "pin_failures_burst_per_address": 3})
    tech = live_server.technician()
    pin = live_server.create_session(tech.token)["session"]["pin"]
    codes = [live_server.redeem(pin=_wrong_pin(pin)).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
    live_server.restart()
    assert live_server.redeem(pin=_wrong_pin(pin)).status_code == 429
    assert live_server.redeem(pin=pin).status_code == 429


def test_the_backoff_grows_with_each_failure(live_server: LiveServer) -> None:
    live_server.restart(pin_free_failures=1, pin_backoff_seconds=2.0, pin_failures_burst_global=100)
    tech = live_server.technician()
    pin = live_server.create_session(tech.token)["session"]["pin"]

    def guess_when_allowed() -> httpx.Response:
        deadline = time.monotonic() + 15
        while (answer := live_server.redeem(pin=_wrong_pin(pin))).status_code == 429:
            assert time.monotonic() < deadline, "the backoff never ended"
            time.sleep(0.05)
        return answer

    assert live_server.redeem(pin=_wrong_pin(pin)).status_code == 404  # free
    waits = []
    for _ in range(3):
        assert guess_when_allowed().status_code == 404
        refused = live_server.redeem(pin=_wrong_pin(pin))
        assert refused.status_code == 429
        waits.append(refused.json()["error"]["details"]["retry_after"])
    # 2 s, 4 s, 8 s, less the time the refused request took to arrive (rounded up)
    nominal = (2, 4, 8)
    assert all(n - 1 <= w <= n for w, n in zip(waits, nominal, strict=True)), waits


def test_a_right_pin_costs_nothing(live_server: LiveServer) -> None:
    live_server.restart(**{**CAP_ONLY, "pin_failures_burst_per_address": 2})
    tech = live_server.technician()
    assert live_server.redeem(pin="999999").status_code == 404
    for _ in range(3):
        pin = live_server.create_session(tech.token)["session"]["pin"]
        assert live_server.redeem(pin=pin).status_code == 200
    assert live_server.redeem(pin="999999").status_code == 404
    assert live_server.redeem(pin="999999").status_code == 429


def test_the_global_budget_stops_pin_entry_but_not_links(live_server: LiveServer) -> None:
    live_server.restart(
        pin_failures_burst_per_address=1000, pin_free_failures=1000, pin_failures_burst_global=3
    )
    tech = live_server.technician()
    session = live_server.create_session(tech.token)["session"]
    codes = [live_server.redeem(pin=_wrong_pin(session["pin"])).status_code for _ in range(3)]
    assert codes == [404, 404, 404]
    paused = live_server.redeem(pin=session["pin"])
    assert paused.status_code == 429
    error = paused.json()["error"]
    assert error["code"] == "pin_entry_paused" and error["details"]["retry_after"] > 60
    assert "Use the link in your invitation" in error["message"]
    assert live_server.redeem(link_token=_link_token(session)).status_code == 200


def test_pin_entry_answers_unknown_used_and_expired_codes_alike(live_server: LiveServer) -> None:
    live_server.restart(pin_validity_seconds=1)
    tech = live_server.technician()
    used = live_server.create_session(tech.token, "Used")["session"]
    assert live_server.redeem(pin=used["pin"]).status_code == 200
    expired = live_server.create_session(tech.token, "Expired")["session"]
    deadline = time.monotonic() + 5
    while live_server.api("GET", f"/sessions/{expired['id']}", tech.token).json()["state"] != (
        "expired"
    ):
        assert time.monotonic() < deadline, "the PIN never expired"
        time.sleep(0.05)
    taken = {used["pin"], expired["pin"]}
    unknown = next(p for p in ("000000", "000001", "000002") if p not in taken)
    answers = [live_server.redeem(pin=p) for p in (unknown, used["pin"], expired["pin"])]
    assert {a.status_code for a in answers} == {404}
    assert len({json.dumps(a.json(), sort_keys=True) for a in answers}) == 1
    assert answers[0].json()["error"]["code"] == "pin_invalid"
    # the customer holding the real link is told plainly
    by_link = live_server.redeem(link_token=_link_token(expired))
    assert by_link.status_code == 410 and by_link.json()["error"]["code"] == "pin_expired"
    assert "expired" in by_link.json()["error"]["message"]


# --- technician sign-in -----------------------------------------------------------


def _login(live_server: LiveServer, email: str, password: str) -> httpx.Response:
    return live_server.http.post("/api/v1/auth/login", json={"email": email, "password": password})


def test_many_wrong_passwords_then_the_right_one_does_not_sign_in(
    live_server: LiveServer,
) -> None:
    tech = live_server.technician()
    answers = [_login(live_server, tech.email, f"wrong {i}") for i in range(101)]
    # A slow host may spend a whole back-off on wrong passwords; the right one must meet
    # a wait that is still running (more than 1 s left), whatever the host's speed.
    deadline = time.monotonic() + 30
    while not (answers[-1].status_code == 429 and int(answers[-1].headers["Retry-After"]) >= 2):
        assert time.monotonic() < deadline, [a.status_code for a in answers[-5:]]
        time.sleep(0.05)  # a poll: the running wait ends, the next failure doubles it
        answers.append(_login(live_server, tech.email, "still wrong"))
    codes = [answer.status_code for answer in answers]
    assert codes[:5] == [401] * 5 and set(codes[5:]) <= {401, 429} and 429 in codes
    right = _login(live_server, tech.email, tech.password)
    assert right.status_code == 429
    error = right.json()["error"]
    assert error["code"] == "rate_limited" and right.headers["Retry-After"] == str(
        error["details"]["retry_after"]
    )
    assert f"Try again in {error['details']['retry_after']} s" in error["message"]
    actions = [action for actor, action, _ in _audit(live_server) if tech.email in actor]
    assert actions.count("login_failed") == codes.count(401)
    assert "login_throttled" in actions


@pytest.mark.sqlite_only  # 100 argon2 checks; the budget store's SQL has its own PG tests
def test_the_account_locks_after_100_consecutive_failures(live_server: LiveServer) -> None:
    live_server.restart(login_backoff_seconds=0.0, login_failures_burst_per_address=1000)
    tech = live_server.technician()
    codes = [_login(live_server, tech.email, f"wrong {i}").status_code for i in range(100)]
    assert codes == [401] * 100
    locked = _login(live_server, tech.email, tech.password)
    assert locked.status_code == 423 and locked.json()["error"]["code"] == "account_locked"
    assert "administrator" in locked.json()["error"]["message"]
    live_server.restart()  # the lock is in the database
    assert _login(live_server, tech.email, tech.password).status_code == 423
    assert ("technician:" + tech.email, "login_locked") in [
        (actor, action) for actor, action, _ in _audit(live_server)
    ]
    database = live_server.database()
    try:
        with database.session() as db:
            admin.reset_password(db, tech.email, "a brand new password")
    finally:
        database.close()
    assert _login(live_server, tech.email, "a brand new password").status_code == 200


def test_one_address_cannot_try_many_accounts(live_server: LiveServer) -> None:
    live_server.restart(login_failures_burst_per_address=5)
    tech = live_server.technician()
    codes = [_login(live_server, f"guess{i}@example.com", "x").status_code for i in range(6)]
    assert codes == [401] * 5 + [429]
    assert _login(live_server, tech.email, tech.password).status_code == 429


@pytest.mark.sqlite_only  # 60 timed argon2 checks: about CPU time, not the database
def test_unknown_email_costs_what_a_wrong_password_costs(live_server: LiveServer) -> None:
    live_server.restart(login_free_failures=1000, login_failures_burst_per_address=1000)
    tech = live_server.technician()

    def timed(email: str) -> float:
        started = time.perf_counter()
        assert _login(live_server, email, "not the password").status_code == 401
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(30):  # interleaved, so load on the machine hits both alike
        known.append(timed(tech.email))
        unknown.append(timed(f"nobody{i}@example.com"))
    k, u = statistics.median(known), statistics.median(unknown)
    assert abs(k - u) / max(k, u) < 0.30, f"known {k * 1000:.1f} ms, unknown {u * 1000:.1f} ms"


# --- the way back in ----------------------------------------------------------------


async def _customer_socket(live_server: LiveServer, token: str) -> Any:
    url = live_server.url.replace("http://", "ws://") + "/ws/customer"
    ws = await websockets.connect(url)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv()) == {"type": "ready"}
    return ws


async def test_the_link_lets_the_customer_back_in_and_replaces_the_old_page(
    live_server: LiveServer,
) -> None:
    tech = await asyncio.to_thread(live_server.technician)
    session = (await asyncio.to_thread(live_server.create_session, tech.token))["session"]
    link = _link_token(session)
    first = (await asyncio.to_thread(live_server.redeem, None, link)).json()
    assert first["generation_base"] == 0
    await asyncio.to_thread(live_server.api, "POST", "/customer/accept", first["customer_token"])
    await asyncio.to_thread(live_server.start_session, tech.token, session["id"])
    old = await _customer_socket(live_server, first["customer_token"])

    again = await asyncio.to_thread(live_server.redeem, None, link)
    assert again.status_code == 200
    body = again.json()
    assert body["session"]["state"] in ("active", "reconnecting")
    assert body["generation_base"] > 1_000_000  # beats any offer of the old page
    async with asyncio.timeout(5):
        while json.loads(await old.recv())["type"] != "replaced":
            pass
        await old.wait_closed()
    gone = await asyncio.to_thread(
        live_server.api, "GET", "/customer/session", first["customer_token"]
    )
    assert gone.status_code == 401

    new = await _customer_socket(live_server, body["customer_token"])
    async with asyncio.timeout(5):
        while True:
            view = await asyncio.to_thread(
                live_server.api, "GET", f"/sessions/{session['id']}", tech.token
            )
            if view.json()["state"] == "active":
                break
            await asyncio.sleep(0.05)
    await new.close()
    events = await asyncio.to_thread(
        live_server.api, "GET", f"/sessions/{session['id']}/events", tech.token
    )
    assert "rejoined" in [e["action"] for e in events.json()["events"]]
    # the PIN stays single-use, and an ended session lets nobody back in
    assert (await asyncio.to_thread(live_server.redeem, session["pin"])).status_code == 404
    await asyncio.to_thread(live_server.api, "POST", f"/sessions/{session['id']}/end", tech.token)
    ended = await asyncio.to_thread(live_server.redeem, None, link)
    assert ended.status_code == 410 and ended.json()["error"]["code"] == "session_ended"
    assert "has ended" in ended.json()["error"]["message"]
