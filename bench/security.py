"""Issue 16's figures (docs/security.md), on loopback against a real server + SQLite:

- PIN guessing: many parallel wrong guesses from one address; how many got through
  against the per-address budget (the default: 6 at once).
- Sign-in timing: a wrong password for a known email against an unknown email, both
  verified against an argon2 hash; medians and p90 in ms.

Run: .venv/bin/python bench/security.py [--guesses 200] [--threads 16] [--logins 40]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.live_server import LiveServer


def parallel_guesses(server: LiveServer, guesses: int, threads: int) -> dict[int, int]:
    """Status code -> count for `guesses` wrong PINs sent from `threads` at once."""

    def guess(_: int) -> int:
        with httpx.Client(base_url=server.url, timeout=60) as http:
            return http.post("/api/v1/customer/redeem", json={"pin": "999999"}).status_code

    with ThreadPoolExecutor(threads) as pool:
        codes = list(pool.map(guess, range(guesses)))
    return {code: codes.count(code) for code in sorted(set(codes))}


def login_timings(server: LiveServer, email: str, rounds: int) -> tuple[list[float], list[float]]:
    """(known, unknown) wall times in ms, interleaved so load hits both alike."""

    def timed(address: str) -> float:
        started = time.perf_counter()
        answer = server.http.post(
            "/api/v1/auth/login", json={"email": address, "password": "not it"}
        )
        assert answer.status_code == 401, answer.text
        return (time.perf_counter() - started) * 1000

    known, unknown = [], []
    for i in range(rounds):
        known.append(timed(email))
        unknown.append(timed(f"nobody{i}@example.com"))
    return known, unknown


def row(name: str, values: list[float]) -> str:
    p90 = statistics.quantiles(values, n=10)[8]
    return f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p90:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guesses", type=int, default=200)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--logins", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        # the product's PIN budget; sign-in throttles opened wide to time the hash alone
        server = LiveServer(
            Path(folder),
            pin_failures_burst_per_address=6,
            pin_failures_burst_global=150,
            login_free_failures=100_000,
            login_failures_burst_per_address=100_000,
        )
        server.smtp.start()
        server.start()
        try:
            tech = server.technician()
            codes = parallel_guesses(server, args.guesses, args.threads)
            known, unknown = login_timings(server, tech.email, args.logins)
        finally:
            server.close()
    print(f"host: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"\n{args.guesses} wrong PINs from one address, {args.threads} at a time:")
    print("| answer | count |\n|---|---|")
    for code, count in codes.items():
        print(f"| {code} | {count} |")
    print("\nwrong sign-in, ms:")
    print("| email | n | median | p90 |\n|---|---|---|---|")
    print(row("known (wrong password)", known))
    print(row("unknown", unknown))
    gap = abs(statistics.median(known) - statistics.median(unknown))
    print(f"\nmedian gap: {gap:.1f} ms")


if __name__ == "__main__":
    main()
