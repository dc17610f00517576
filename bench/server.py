"""Server latency bars (DESIGN.md), on loopback with a real SMTP sink:

- create session + server email delivered, p95 <= 300 ms
- create session + text message taken by the stand-in SMS provider (no bar of its own:
  held to the email's)
- customer accepts licence -> row pushed on the technician's socket, p95 <= 100 ms

Run: .venv/bin/python bench/server.py [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live_server import LiveServer


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else values[0]


def bench_create_and_email(server: LiveServer, token: str, rounds: int) -> list[float]:
    timings = []
    for i in range(rounds):
        started = time.perf_counter()
        server.create_session(token, f"Bench {i}", "email", delivery="server", to="b@example.com")
        server.smtp.wait_for(i + 1)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def bench_create_and_sms(server: LiveServer, token: str, rounds: int) -> list[float]:
    """The same through the stand-in SMS provider (tests/sms_gateway.py, Twilio's API):
    the server's own part of an SMS invitation; a real gateway adds its round trip."""
    timings = []
    for i in range(rounds):
        started = time.perf_counter()
        server.create_session(token, f"Bench {i}", "sms", to="+31612345678")
        server.sms.wait_for(i + 1)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def bench_waiting_push(server: LiveServer, token: str, rounds: int) -> list[float]:
    timings = []
    url = server.url.replace("http://", "ws://") + "/ws/technician"
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"type": "auth", "token": token}))
        while json.loads(await ws.recv())["type"] != "snapshot":
            pass
        for i in range(rounds):
            created = await asyncio.to_thread(server.create_session, token, f"Wait {i}")
            customer = (await asyncio.to_thread(server.redeem, created["session"]["pin"])).json()
            started = time.perf_counter()
            accept = asyncio.create_task(
                asyncio.to_thread(
                    server.api, "POST", "/customer/accept", customer["customer_token"]
                )
            )
            while True:
                message = json.loads(await ws.recv())
                if message["type"] == "session" and message["session"]["state"] == "waiting":
                    break
            timings.append((time.perf_counter() - started) * 1000)
            await accept
    return timings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    rounds = parser.parse_args().rounds
    server = LiveServer(Path(tempfile.mkdtemp()) / "bench")
    server.smtp.start()
    server.start()
    try:
        token = server.technician().token
        server.create_session(token, "warm-up")  # first request pays for lazy imports
        email = bench_create_and_email(server, token, rounds)
        sms = bench_create_and_sms(server, token, rounds)
        push = asyncio.run(bench_waiting_push(server, token, rounds))
    finally:
        server.close()
    print(f"machine: {platform.node()} {platform.machine()}, python {platform.python_version()}")
    print(f"{'measure':<44}{'p50 ms':>9}{'p95 ms':>9}{'bar ms':>9}  ok")
    for name, values, bar in [
        ("create session + email delivered (SMTP)", email, 300.0),
        ("create session + SMS taken (stand-in)", sms, 300.0),
        ("accept licence -> pushed to console", push, 100.0),
    ]:
        p50, high = statistics.median(values), p95(values)
        print(f"{name:<44}{p50:>9.1f}{high:>9.1f}{bar:>9.0f}  {'yes' if high <= bar else 'NO'}")


if __name__ == "__main__":
    main()
