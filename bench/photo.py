"""Issue 15 point 3's measure on loopback: HD photo, the time from the technician's
request to the saved file, and the photo's size in pixels. Prints one table.

Customer: the web app in Debian's Chromium (Playwright, a fake camera playing a clip of
``--size``: the test pattern, or with ``--noise`` random pixels, whose PNG does not
compress, as large as a phone's JPEG), walked through the real flow and started
through the API, so the data channel is the real one of a live session. Technician: a
real aiortc peer (tests/technician_peer.py) that asks and receives through the
console's own code: ``request_message`` and ``PhotoAssembler`` (lens_desktop/tools/
photo.py), then ``store_photo`` (lens_desktop/ui/hd_photo.py: header check, decode,
write and fsync into a folder, thumbnail) in a worker thread, as the session tab does.
The session tab's widgets are left out: they only show the progress.

Times (time.perf_counter): request sent -> the phone's ``photo`` announcement (the
camera taking the photo and the page reading it) -> its last chunk in (the transfer)
-> the file written (check, decode, save).

Run: .venv/bin/python bench/photo.py [--runs 10 --size 1280x720 --noise]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtGui import QGuiApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.annotations import live_session
from bench.phone import phone_page
from lens_customer.pattern import write_tone_wav, write_y4m
from lens_desktop.tools.photo import (
    Photo,
    PhotoAssembler,
    PhotoFailed,
    PhotoStart,
    request_message,
)
from lens_desktop.tools.protocol import Rejection
from lens_desktop.ui.hd_photo import store_photo
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer


@dataclass
class Run:
    taken_ms: float
    transfer_ms: float
    save_ms: float
    width: int
    height: int
    size: int
    source: str

    @property
    def total_ms(self) -> float:
        return self.taken_ms + self.transfer_ms + self.save_ms


def write_noise_y4m(path: Path, width: int, height: int, fps: int, frames: int) -> Path:
    """A clip of random pixels (yuv420p): a photo of it compresses as little as a real one."""
    rng = np.random.default_rng(15)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n")
            out.write(rng.integers(16, 236, width * height * 3 // 2, dtype=np.uint8).tobytes())
    return path


async def take_one(peer: TechnicianPeer, photo_id: str, folder: Path) -> Run:
    """One photo asked for, received and saved through the console's code."""

    assembler = PhotoAssembler()
    assembler.expect(photo_id)
    seen = len(peer.control_messages)
    marks: dict[str, float] = {}
    outcome: list[Photo | PhotoFailed] = []

    def arrived() -> bool:
        nonlocal seen
        while seen < len(peer.control_messages) and not outcome:
            message = peer.control_messages[seen]
            seen += 1
            if not str(message.get("type", "")).startswith("photo"):
                continue
            event = assembler.feed(message)
            if isinstance(event, PhotoStart):
                marks["announced"] = time.perf_counter()
            elif isinstance(event, Photo | PhotoFailed):
                outcome.append(event)
            elif isinstance(event, Rejection):
                raise RuntimeError(f"the phone sent a message the console rejects: {event}")
        return bool(outcome)

    started = time.perf_counter()
    assert peer.send_control(request_message(photo_id))
    await peer.wait_for(arrived, timeout=120)
    received = time.perf_counter()
    photo = outcome[0]
    if isinstance(photo, PhotoFailed):
        raise RuntimeError(f"no photo: {photo}")
    path, _, size = await asyncio.to_thread(store_photo, photo, folder, f"bench {photo_id}")
    saved = time.perf_counter()
    assert path.stat().st_size == len(photo.data)
    return Run(
        (marks["announced"] - started) * 1000,
        (received - marks["announced"]) * 1000,
        (saved - received) * 1000,
        size.width(),
        size.height(),
        len(photo.data),
        photo.source,
    )


async def bench(args: argparse.Namespace, width: int, height: int) -> list[Run]:
    folder = Path(tempfile.mkdtemp(prefix="lens-photo-"))
    if args.noise:
        clip = write_noise_y4m(folder / "clip.y4m", width, height, 10, 10)
    else:
        clip = write_y4m(folder / "clip.y4m", width, height, 30, 2.0)
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=5.0)
    server = LiveServer(folder / "server")
    server.smtp.start()
    server.start()
    runs: list[Run] = []
    try:
        async with phone_page(clip, tone) as page:
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tech, session_id, peer = await live_session(server, page)
            try:
                for index in range(args.runs):
                    runs.append(await take_one(peer, f"b{index}", folder / "photos"))
                    await asyncio.sleep(0.3)
            finally:
                await peer.close()
                await asyncio.to_thread(
                    server.api, "POST", f"/sessions/{session_id}/end", tech.token
                )
            if errors:
                print(f"page errors: {errors[:5]}", file=sys.stderr)
    finally:
        server.close()
    return runs


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def table(runs: list[Run], clip: str) -> str:
    pixels = sorted({(r.width, r.height) for r in runs})
    sources = sorted({r.source for r in runs})
    sizes = [r.size for r in runs]
    total = [r.total_ms for r in runs]
    rate = statistics.median(r.size / r.transfer_ms / 1000 for r in runs)  # MB/s
    lines = [
        f"clip {clip}: {len(runs)} runs; photo "
        + ", ".join(f"{w}x{h}" for w, h in pixels)
        + f" ({', '.join(sources)}); {statistics.median(sizes):,.0f} bytes median "
        f"({min(sizes):,}-{max(sizes):,})",
        f"{'':34}{'p50':>9}{'p95':>9}{'max':>9}",
    ]
    for name, values in (
        ("request -> saved (ms)", total),
        ("  request -> announced (take)", [r.taken_ms for r in runs]),
        ("  announced -> last chunk in", [r.transfer_ms for r in runs]),
        ("  last chunk -> file saved", [r.save_ms for r in runs]),
    ):
        lines.append(
            f"{name:34}{statistics.median(values):9.0f}{percentile(values, 0.95):9.0f}"
            f"{max(values):9.0f}"
        )
    lines.append(f"transfer rate, median: {rate:.1f} MB/s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description="HD photo: request to saved file, on loopback.")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--size", default="1280x720", help="the fake camera's capture size")
    parser.add_argument("--noise", action="store_true", help="random pixels, not the pattern")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QGuiApplication.instance() or QGuiApplication([])  # Qt's image plugins
    load_before = os.getloadavg()
    runs = asyncio.run(bench(args, width, height))
    print(f"machine: {platform.node()} {' '.join(os.uname())}, {os.cpu_count()} cores")
    print(f"load average: before {load_before}, at end {os.getloadavg()}")
    print(table(runs, f"{args.size}{' noise' if args.noise else ' pattern'}"))
    del app


if __name__ == "__main__":
    main()
