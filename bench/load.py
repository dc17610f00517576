"""Issue 17's load bench: two lens-server processes over Redis and PostgreSQL, thousands
of customer sockets and a hundred consoles, then customers accepting the licence at a
steady rate. Prints one table.

What runs, all on this machine: a throw-away PostgreSQL cluster (tests/postgres.py),
redis-server (tests/redis_server.py), and two ``lens-server serve`` processes on their
own ports with the same ``database_url`` and ``redis_url`` (two systemd instances
behind Caddy, as docs/deployment.md lays out; the bench talks to them directly and
alternates, so each process holds half of each kind of socket). This process is every
client: asyncio, websockets and httpx.

1. Ramp: ``--technicians`` consoles sign in and open their socket; ``--customers``
   sessions are created (PIN), redeemed, and each customer opens its socket, spread
   over both processes (a customer's socket is on the other process from its console's
   for half of them). Idle memory: each server process's RSS before and after the
   customer sockets opened, per socket it holds.
2. Accepts: customers accept the licence at ``--rate`` a second, in random order over
   the technicians; each accept's time is taken from just before the POST to the
   moment its row arrives as "waiting" on its console's socket. The table gives the
   latency over all accepts, and over those made while 900 to 1,100 sessions were
   already waiting (the bar: p95 <= 50 ms at 1,000 waiting), CPU per process over
   the phase, and every error (a refused request, a socket closed, a row that never came).

Run: .venv/bin/python bench/load.py [--customers 2000 --technicians 100 --rate 25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import websockets
from websockets.asyncio.client import ClientConnection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lens_server import admin
from lens_server.db import Database
from lens_server.models import PERMISSIONS
from tests.live_server import free_port
from tests.postgres import cluster
from tests.redis_server import running_redis

BAR_P95_MS = 50.0
BAR_KB_PER_SOCKET = 50.0
WINDOW = (900, 1100)  # waiting sessions around 1,000
CONCURRENCY = 24


@dataclass
class Process:
    port: int
    popen: subprocess.Popen[bytes]
    ps: psutil.Process
    sockets: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Customer:
    session_id: str
    technician: int
    token: str
    socket: ClientConnection | None = None


@dataclass
class Result:
    latencies: list[tuple[int, float]] = field(default_factory=list)  # (waiting before, ms)
    errors: dict[str, int] = field(default_factory=dict)
    ramp_seconds: float = 0.0
    accept_seconds: float = 0.0
    rss_before: list[int] = field(default_factory=list)
    rss_idle: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    per_process: list[dict[str, int]] = field(default_factory=list)
    extra: list[int] = field(default_factory=list)  # extra idle console sockets per process
    extra_kb: list[float] = field(default_factory=list)
    extra_seconds: float = 0.0
    extra_stopped: str = ""

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


@contextmanager
def servers(folder: Path, database_url: str, redis_url: str) -> Iterator[list[Process]]:
    processes = []
    env = {
        **os.environ,
        "LENS_DATABASE_URL": database_url,
        "LENS_REDIS_URL": redis_url,
        "LENS_DATA_DIR": str(folder),
        # Every customer here comes from 127.0.0.1; the PIN budgets per address and for
        # the whole server count guesses in flight, so thousands of real customers from
        # one address would be (rightly) refused. Not what is measured here.
        "LENS_PIN_FAILURES_BURST_PER_ADDRESS": "1000000",
        "LENS_PIN_FAILURES_BURST_GLOBAL": "1000000",
        "LENS_PIN_FREE_FAILURES": "1000000",
    }
    try:
        for _ in range(2):
            port = free_port()
            popen = subprocess.Popen(
                [sys.executable, "-m", "lens_server.cli", "serve", "--port", str(port)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(folder / f"server-{port}.log", "wb"),  # noqa: SIM115
            )
            processes.append(Process(port, popen, psutil.Process(popen.pid)))
        for process in processes:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{process.url}/readyz").json().get("status") == "ready":
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or process.popen.poll() is not None:
                    raise RuntimeError(f"server on {process.port} did not come up")
                time.sleep(0.1)
        yield processes
    finally:
        for process in processes:
            process.popen.terminate()
        for process in processes:
            process.popen.wait(30)


def add_technicians(database_url: str, count: int) -> list[tuple[str, str]]:
    database = Database(database_url)
    people = [(f"tech{i}@example.com", f"password-{i}") for i in range(count)]
    with database.session() as db:
        admin.add_group(db, "desk", PERMISSIONS)
        db.flush()
        for email, password in people:
            admin.add_technician(db, email, email.split("@")[0], "desk", password)
    database.close()
    return people


async def open_socket(url: str, token: str) -> ClientConnection:
    ws = await websockets.connect(url.replace("http://", "ws://"), max_queue=None)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    if json.loads(await ws.recv()) != {"type": "ready"}:
        raise RuntimeError("socket refused")
    return ws


class Console:
    """One technician's socket: records when each session's row arrives as waiting."""

    def __init__(self, ws: ClientConnection, result: Result) -> None:
        self.ws = ws
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self._result = result
        self.task = asyncio.create_task(self._read())

    def expect(self, session_id: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[session_id] = future
        return future

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") != "session":
                    continue
                view = message["session"]
                future = self.waiting.get(view["id"])
                if view["state"] == "waiting" and future is not None and not future.done():
                    future.set_result(time.perf_counter())
        except websockets.ConnectionClosed:
            self._result.error("console socket closed")


async def drain(ws: ClientConnection) -> None:
    """A customer socket's messages are read and dropped, as an idle phone would."""
    try:
        async for _ in ws:
            pass
    except websockets.ConnectionClosed:
        pass


async def run(
    args: argparse.Namespace, processes: list[Process], people: list[tuple[str, str]]
) -> Result:
    result = Result()
    # Idle pooled connections are dropped after 2 s, before the server's own 5 s
    # keep-alive time-out: a request on a connection the server is closing that
    # moment fails with ReadError (a client race, not a server error).
    limits = httpx.Limits(
        max_connections=CONCURRENCY * 2,
        max_keepalive_connections=CONCURRENCY * 2,
        keepalive_expiry=2.0,
    )
    clients = [
        httpx.AsyncClient(base_url=f"{p.url}/api/v1", limits=limits, timeout=30) for p in processes
    ]
    gate = asyncio.Semaphore(CONCURRENCY)

    async def call(index: int, method: str, path: str, token: str | None = None, **kw: Any) -> Any:
        async with gate:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                response = await clients[index % 2].request(method, path, headers=headers, **kw)
            except httpx.TransportError as exc:
                result.error(f"{method} {path.rsplit('/', 1)[-1]} {type(exc).__name__}")
                return None
        if response.status_code >= 300:
            code = response.json().get("code", "") if response.content else ""
            result.error(f"{method} {path.rsplit('/', 1)[-1]} {response.status_code} {code}")
            return None
        return response.json() if response.content else {}

    started = time.perf_counter()
    tokens = await asyncio.gather(
        *(
            call(i, "POST", "/auth/login", json={"email": e, "password": p})
            for i, (e, p) in enumerate(people)
        )
    )
    tech_tokens = [t["token"] for t in tokens]
    consoles = []
    for i, token in enumerate(tech_tokens):
        consoles.append(
            Console(await open_socket(f"{processes[i % 2].url}/ws/technician", token), result)
        )
        processes[i % 2].sockets += 1

    async def make(n: int) -> Customer | None:
        tech = n % len(tech_tokens)
        created = await call(
            n, "POST", "/sessions", tech_tokens[tech], json={"name": f"C{n}", "method": "pin"}
        )
        if created is None:
            return None
        redeemed = await call(
            n + 1, "POST", "/customer/redeem", json={"pin": created["session"]["pin"]}
        )
        if redeemed is None:
            return None
        return Customer(created["session"]["id"], tech, redeemed["customer_token"])

    made = [c for c in await asyncio.gather(*(make(n) for n in range(args.customers))) if c]
    result.rss_before = [p.ps.memory_info().rss for p in processes]
    drains = []
    for n, customer in enumerate(made):
        process = processes[(n + 1) % 2]  # the other process from its console's, for half
        try:
            customer.socket = await open_socket(f"{process.url}/ws/customer", customer.token)
        except (OSError, RuntimeError, websockets.WebSocketException):
            result.error("customer socket refused")
            continue
        process.sockets += 1
        drains.append(asyncio.create_task(drain(customer.socket)))
    result.ramp_seconds = time.perf_counter() - started
    await asyncio.sleep(2)  # settle
    result.rss_idle = [p.ps.memory_info().rss for p in processes]
    result.per_process = [
        {"sockets": p.sockets, "connections": len(p.ps.net_connections("tcp"))} for p in processes
    ]

    # Accepts at a steady rate.
    order = [c for c in made if c.socket is not None][: args.accepts]
    random.Random(7).shuffle(order)
    cpu_before = [sum(p.ps.cpu_times()[:2]) for p in processes]
    phase = time.perf_counter()
    pending: list[asyncio.Task[None]] = []

    async def accept(k: int, customer: Customer) -> None:
        arrived = consoles[customer.technician].expect(customer.session_id)
        sent = time.perf_counter()
        if await call(k, "POST", "/customer/accept", customer.token) is None:
            return
        try:
            at = await asyncio.wait_for(arrived, 10)
        except TimeoutError:
            result.error("row never came")
            return
        result.latencies.append((k, (at - sent) * 1000))

    for k, customer in enumerate(order):
        pending.append(asyncio.create_task(accept(k, customer)))
        await asyncio.sleep(max(0.0, phase + (k + 1) / args.rate - time.perf_counter()))
    await asyncio.gather(*pending)
    result.accept_seconds = time.perf_counter() - phase
    result.cpu = [
        (sum(p.ps.cpu_times()[:2]) - before) / result.accept_seconds
        for p, before in zip(processes, cpu_before, strict=True)
    ]
    if args.extra_sockets:
        await open_extra(args, processes, tech_tokens, result)
    for console in consoles:
        await console.ws.close()
    for customer in made:
        if customer.socket is not None:
            await customer.socket.close()
    for task in drains:
        task.cancel()
    for client in clients:
        await client.aclose()
    return result


async def open_extra(
    args: argparse.Namespace, processes: list[Process], tokens: list[str], result: Result
) -> None:
    """Toward 10,000 sockets a process: more idle console sockets (a console may have
    several), half on each process, each read until its snapshot; stops at the first
    refusal and says why."""
    before = [p.ps.memory_info().rss for p in processes]
    result.extra = [0, 0]
    sockets: list[ClientConnection] = []
    started = time.perf_counter()

    async def one(n: int) -> None:
        index = n % 2
        ws = await open_socket(f"{processes[index].url}/ws/technician", tokens[n % len(tokens)])
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
        sockets.append(ws)
        result.extra[index] += 1

    gate = asyncio.Semaphore(64)

    async def guarded(n: int) -> None:
        async with gate:
            if result.extra_stopped:
                return
            try:
                await one(n)
            except (OSError, RuntimeError, websockets.WebSocketException) as exc:
                result.extra_stopped = result.extra_stopped or f"{type(exc).__name__}: {exc}"[:120]

    await asyncio.gather(*(guarded(n) for n in range(args.extra_sockets)))
    result.extra_seconds = time.perf_counter() - started
    await asyncio.sleep(2)
    after = [p.ps.memory_info().rss for p in processes]
    result.extra_kb = [
        (a - b) / 1024 / max(1, n) for a, b, n in zip(after, before, result.extra, strict=True)
    ]
    for ws in sockets:
        await ws.close()


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100)[q - 1]


def table(result: Result, args: argparse.Namespace) -> str:
    every = [ms for _k, ms in result.latencies]
    window = [ms for k, ms in result.latencies if WINDOW[0] <= k <= WINDOW[1]]
    kb = [
        (idle - before) / 1024 / max(1, info["sockets"] - args.technicians // 2)
        for idle, before, info in zip(
            result.rss_idle, result.rss_before, result.per_process, strict=True
        )
    ]
    rows = [
        (
            "machine",
            "-",
            f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        ),
        ("customers / technicians", "2000 / 100", f"{args.customers} / {args.technicians}"),
        ("ramp (sign-ins, sessions, redeem, sockets)", "-", f"{result.ramp_seconds:.1f} s"),
        (
            "sockets per process (ours / TCP connections)",
            "-",
            " ; ".join(f"{p['sockets']} / {p['connections']}" for p in result.per_process),
        ),
        (
            "accepts (rate)",
            "-",
            f"{len(result.latencies)} in {result.accept_seconds:.1f} s ({args.rate}/s)",
        ),
        (
            "accept -> row p50 / p95 / p99, all",
            "-",
            f"{pct(every, 50):.1f} / {pct(every, 95):.1f} / {pct(every, 99):.1f} ms",
        ),
        (
            f"accept -> row p50 / p95 / p99, {WINDOW[0]}-{WINDOW[1]} waiting",
            f"p95 <= {BAR_P95_MS:.0f} ms",
            f"{pct(window, 50):.1f} / {pct(window, 95):.1f} / {pct(window, 99):.1f} ms (n={len(window)})"
            if window
            else "n/a",
        ),
        (
            "memory per idle customer socket",
            f"<= {BAR_KB_PER_SOCKET:.0f} kB",
            " ; ".join(f"{v:.1f} kB" for v in kb),
        ),
        ("server RSS idle", "-", " ; ".join(f"{v / 2**20:.0f} MB" for v in result.rss_idle)),
        ("CPU per process during accepts", "-", " ; ".join(f"{v:.2f} cores" for v in result.cpu)),
        *(
            [
                (
                    "extra idle console sockets per process (opened in)",
                    "toward 10000",
                    " ; ".join(str(n) for n in result.extra)
                    + f" ({result.extra_seconds:.0f} s)"
                    + (f"; stopped: {result.extra_stopped}" if result.extra_stopped else ""),
                ),
                (
                    "memory per extra idle console socket",
                    f"<= {BAR_KB_PER_SOCKET:.0f} kB",
                    " ; ".join(f"{v:.1f} kB" for v in result.extra_kb),
                ),
            ]
            if result.extra
            else []
        ),
        ("errors", "0", ", ".join(f"{k}: {v}" for k, v in result.errors.items()) or "0"),
    ]
    lines = ["| figure | bar | result |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--technicians", type=int, default=100)
    parser.add_argument("--accepts", type=int, default=1200, help="customers who accept")
    parser.add_argument("--rate", type=float, default=25.0, help="accepts a second")
    parser.add_argument(
        "--extra-sockets", type=int, default=0, help="then this many idle console sockets more"
    )
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the servers inherit it
    with tempfile.TemporaryDirectory(prefix="lens-load-") as tmp:
        folder = Path(tmp)
        with cluster() as pg, running_redis(folder / "redis") as redis:
            url = pg.url(pg.create_database())
            people = add_technicians(url, args.technicians)
            with servers(folder, url, redis.url) as processes:
                result = asyncio.run(run(args, processes, people))
    print(table(result, args))


if __name__ == "__main__":
    main()
