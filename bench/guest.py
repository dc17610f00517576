"""Issue 18 point 3's cost on the phone: what a second technician ("guest") costs the
customer's phone in CPU and upload, one technician vs two. Prints one table.

Phone: the customer web app in Debian's Chromium (Playwright, fake camera = a generated
1280x720@30 clip whose frames carry a counter, fake microphone = a 440 Hz tone), walked
through the real flow; the owner and then the guest are real aiortc technicians
(tests/technician_peer.py) on a live server, as receivers, each in a process of its own
(as each console is on its own computer: one Python process decoding both would starve
their RTCP feedback and so the phone's bandwidth estimate). With the guest the phone
encodes and sends the camera twice (one peer connection each) and runs the WebAudio mix
of the voices (voice.js).

CPU: the sum of utime+stime (/proc, through psutil) of the Chromium browser process and
all its children (renderer, GPU, network, audio), over the window, divided by the
window: cores busy. Upload: outbound-rtp bytesSent (video + audio) per peer connection,
read from the page (lensDebug.sent() / guestSent()) at both ends of the window, kbit/s.
Frame rates: frames each aiortc technician decoded over the window; their processes'
CPU is shown too.

Run: .venv/bin/python bench/guest.py [--seconds 20 --settle 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import psutil
from playwright.async_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.media import poll, wait_state, walk_to_waiting
from bench.phone import PORTRAIT, phone_page
from lens_customer.pattern import write_tone_wav, write_y4m
from tests.live_server import LiveServer, Tech
from tests.technician_peer import TechnicianPeer

RECEIVER = "--receiver"
REPORT_EVERY_S = 0.25

MARK = "--lens-bench-guest-phone"
"""An extra flag that finds this run's browser among other Chromiums on the machine."""


@dataclass
class Window:
    label: str
    seconds: float
    cpu_cores: float
    owner_kbps: float
    guest_kbps: float
    owner_fps: float
    guest_fps: float
    owner_video_kbps: float
    guest_video_kbps: float
    receivers_cores: float
    sent_video: dict[str, str]

    @property
    def total_kbps(self) -> float:
        return self.owner_kbps + self.guest_kbps


def phone_processes() -> list[psutil.Process]:
    """Our Chromium's browser process and everything under it."""
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if MARK in cmdline and not any(arg.startswith("--type=") for arg in cmdline):
            return [process, *process.children(recursive=True)]
    raise RuntimeError("the benchmark's Chromium is not running")


def cpu_seconds() -> dict[int, float]:
    """utime+stime per process of the phone's browser, now."""
    seconds: dict[int, float] = {}
    for process in phone_processes():
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def busy_cores(before: dict[int, float], after: dict[int, float], elapsed: float) -> float:
    """CPU used over the window by the processes alive at its end (a process started
    meanwhile counts from zero)."""
    used = sum(total - before.get(pid, 0.0) for pid, total in after.items())
    return used / elapsed


class Receiver:
    """One aiortc technician in a child process, which reports its frame count."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.frames = 0
        self.changed = asyncio.Event()
        self.reader = asyncio.ensure_future(self.read())

    @classmethod
    async def start(cls, url: str, token: str, session_id: str) -> Receiver:
        process = await asyncio.create_subprocess_exec(
            sys.executable, __file__, RECEIVER, url, token, session_id,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def read(self) -> None:
        assert self.process.stdout is not None
        async for line in self.process.stdout:
            self.frames = int(json.loads(line)["frames"])
            self.changed.set()

    async def wait_frames(self, count: int, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while self.frames < count:
                self.changed.clear()
                await self.changed.wait()

    def cpu_seconds(self) -> float:
        times = psutil.Process(self.process.pid).cpu_times()
        return times.user + times.system

    async def close(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        await self.process.wait()
        self.reader.cancel()


async def receive(url: str, token: str, session_id: str) -> None:
    """The child: a technician that answers the phone and counts decoded frames."""
    peer = await TechnicianPeer.connect(url, token, session_id)
    try:
        while True:
            print(json.dumps({"frames": peer.frames_received}), flush=True)
            await asyncio.sleep(REPORT_EVERY_S)
    finally:
        await peer.close()


async def sent(page: Page) -> dict[str, dict[str, dict[str, int]]]:
    return {
        "owner": await page.evaluate("lensDebug.sent()"),
        "guest": await page.evaluate("lensDebug.guestSent()"),
    }


def kbps(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], s: float) -> float:
    total = sum(after[kind]["bytesSent"] - before[kind]["bytesSent"] for kind in after)
    return total * 8 / 1000 / s


def video_kbps(
    before: dict[str, dict[str, int]], after: dict[str, dict[str, int]], s: float
) -> float:
    return (after["video"]["bytesSent"] - before["video"]["bytesSent"]) * 8 / 1000 / s


async def sent_video(page: Page, expression: str) -> str:
    """The encoder's own account at the window's end: size, rate, what limits it."""
    stats = await page.evaluate(expression)
    if not stats:
        return "-"
    return (
        f"{stats['frameWidth']}x{stats['frameHeight']} {stats['framesPerSecond']:.0f} fps, "
        f"{stats.get('qualityLimitationReason') or '?'}"
    )


async def measure(
    label: str, page: Page, owner: Receiver, guest: Receiver | None, seconds: float
) -> Window:
    receivers = [owner] if guest is None else [owner, guest]
    frames = (owner.frames, guest.frames if guest else 0)
    bytes_before = await sent(page)
    cpu_before = cpu_seconds()
    receivers_before = sum(r.cpu_seconds() for r in receivers)
    started = time.monotonic()
    await asyncio.sleep(seconds)
    cpu_after = cpu_seconds()
    receivers_after = sum(r.cpu_seconds() for r in receivers)
    elapsed = time.monotonic() - started
    bytes_after = await sent(page)
    return Window(
        label,
        elapsed,
        busy_cores(cpu_before, cpu_after, elapsed),
        kbps(bytes_before["owner"], bytes_after["owner"], elapsed),
        kbps(bytes_before["guest"], bytes_after["guest"], elapsed),
        (owner.frames - frames[0]) / elapsed,
        ((guest.frames - frames[1]) / elapsed) if guest else 0.0,
        video_kbps(bytes_before["owner"], bytes_after["owner"], elapsed),
        video_kbps(bytes_before["guest"], bytes_after["guest"], elapsed),
        (receivers_after - receivers_before) / elapsed,
        {
            "owner": await sent_video(page, "lensDebug.stats"),
            "guest": await sent_video(page, "lensDebug.guest.open && lensDebug.guest.stats"),
        },
    )


async def live_session(server: LiveServer, page: Page) -> tuple[Tech, str, Receiver]:
    owner = await asyncio.to_thread(server.technician)
    created = await asyncio.to_thread(server.create_session, owner.token, "Bench", "link")
    session_id = created["session"]["id"]
    await page.goto(server.url + urlparse(created["session"]["link"]).path)
    await walk_to_waiting(page)
    await wait_state(server, owner.token, session_id, "waiting")
    peer = await Receiver.start(server.url, owner.token, session_id)
    await asyncio.sleep(2)  # its socket is up
    await asyncio.to_thread(server.start_session, owner.token, session_id)
    await peer.wait_frames(30, 60)
    return owner, session_id, peer


async def add_guest(server: LiveServer, page: Page, owner: Tech, session_id: str) -> Receiver:
    guest = await asyncio.to_thread(server.technician)
    guest_id = (await asyncio.to_thread(server.api, "GET", "/me", guest.token)).json()["id"]
    peer = await Receiver.start(server.url, guest.token, session_id)
    await asyncio.sleep(2)  # its socket is up
    body = {"to_technician_id": guest_id, "comment": "bench"}
    path = f"/sessions/{session_id}/guest"
    invited = await asyncio.to_thread(server.api, "POST", path, owner.token, json=body)
    invited.raise_for_status()
    accepted = await asyncio.to_thread(server.api, "POST", f"{path}/accept", guest.token)
    accepted.raise_for_status()
    await peer.wait_frames(30, 60)

    async def connected() -> bool:
        return bool(await page.evaluate("lensDebug.guest.connectionState === 'connected'"))

    await poll(connected, 30, "the phone's link to the guest")
    return peer


async def bench(args: argparse.Namespace) -> list[Window]:
    folder = Path(tempfile.mkdtemp(prefix="lens-guest-"))
    clip = write_y4m(folder / "clip.y4m", 1280, 720, 30, 2.0)
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=5.0)
    server = LiveServer(folder / "server")
    server.smtp.start()
    server.start()
    windows: list[Window] = []
    try:
        async with phone_page(clip, tone, PORTRAIT, MARK) as page:
            owner, session_id, owner_peer = await live_session(server, page)
            guest_peer = None
            try:
                await asyncio.sleep(args.settle)  # the encoder ramps up to full size
                windows.append(
                    await measure("one technician", page, owner_peer, None, args.seconds)
                )
                guest_peer = await add_guest(server, page, owner, session_id)
                await asyncio.sleep(args.settle)
                windows.append(
                    await measure("two technicians", page, owner_peer, guest_peer, args.seconds)
                )
                mixing = await page.evaluate("lensDebug.guest.voice.mixing")
                print(f"voice mix running during the second window: {mixing}")
            finally:
                if guest_peer is not None:
                    await guest_peer.close()
                await owner_peer.close()
    finally:
        server.close()
    return windows


def report(windows: list[Window]) -> None:
    print()
    print(
        "| technicians | phone CPU (cores) | upload to owner (kbit/s) | upload to guest "
        "(kbit/s) | upload total (kbit/s) | video to owner / guest (kbit/s) | "
        "decoded fps owner / guest | receivers' CPU (cores) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for w in windows:
        guest = f"{w.guest_kbps:.0f}" if w.guest_kbps else "-"
        guest_video = f"{w.guest_video_kbps:.0f}" if w.guest_kbps else "-"
        guest_fps = f"{w.guest_fps:.1f}" if w.guest_fps else "-"
        print(
            f"| {w.label} | {w.cpu_cores:.2f} | {w.owner_kbps:.0f} | {guest} | "
            f"{w.total_kbps:.0f} | {w.owner_video_kbps:.0f} / {guest_video} | "
            f"{w.owner_fps:.1f} / {guest_fps} | {w.receivers_cores:.2f} |"
        )
    print()
    for w in windows:
        print(
            f"{w.label}: the phone's encoder to the owner {w.sent_video['owner']}; "
            f"to the guest {w.sent_video['guest']}"
        )
    print()
    print(
        f"windows of {windows[0].seconds:.1f} s; machine: {platform.node()}, "
        f"{os.cpu_count()} cores, {cpu_model()}"
    )


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == RECEIVER:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(receive(*sys.argv[2:]))
        return
    parser = argparse.ArgumentParser(description="A second technician's cost on the phone.")
    parser.add_argument("--seconds", type=float, default=20.0, help="each measuring window")
    parser.add_argument("--settle", type=float, default=8.0, help="wait before each window")
    args = parser.parse_args()
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
    windows = asyncio.run(bench(args))
    report(windows)
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
