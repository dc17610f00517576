"""Issue 14's measure on loopback: a technician's stroke to pixels on the customer's
screen, and a pointer move to the dot. Prints one table.

Technician: a real aiortc peer (tests/technician_peer.py) that sends through the
console's own AnnotationModel and AnnotationLink (lens_desktop/tools), as the session
tab does. Customer: the web app in Debian's Chromium (Playwright, fake 1280x720 camera,
a phone held sideways: 844x390), walked through the real flow and started through the
API, so the data channel is the real one of a live session.

Send time: the link hands each message to a wrapper around TechnicianPeer.send_control,
which notes time.time() just before handing it on. Paint time: an observer injected
into the customer's page (page.evaluate, no change to the app) queues, from every
requestAnimationFrame, a task that runs once that frame's rendering step is over (the
step in which annotations.js draws) and reads the annotation canvas itself at the spot
where the next stroke (or pointer dot) must appear; the first frame that shows ink
there records performance.timeOrigin + performance.now(). Each stroke has a cell of its
own on a 20 x 10 grid over the picture, so the ink at its spot is its own. The page's
clock offset to time.time() is measured as the glass-to-glass bench does (the tightest
of a few round trips, bench/media.py clock_offset), before and after the run.

Run: .venv/bin/python bench/annotations.py [--strokes 200 --seconds 30 --moves 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.async_api import Page

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.media import poll, wait_state, walk_to_waiting
from bench.media_js import CLOCK
from bench.phone import phone_page
from lens_customer.pattern import write_tone_wav, write_y4m
from lens_desktop.tools.annotations import KINDS, PALETTE, AnnotationModel
from lens_desktop.tools.link import AnnotationLink
from tests.live_server import LiveServer
from tests.technician_peer import TechnicianPeer

BAR_MS = 100.0
COLUMNS, ROWS = 20, 10
CELL_W, CELL_H = 1 / COLUMNS, 1 / ROWS
POINTER_COLUMNS, POINTER_ROWS = 9, 5
VIEWPORT = {"width": 844, "height": 390}

OBSERVER = """
({ strokes, pointers }) => {
  // strokes / pointers: [[x, y, w, h], ...] boxes in the frame's 0..1 coordinates where
  // the i-th stroke / pointer dot must put ink. Reads the annotation canvas only.
  const video = document.getElementById('preview');
  const canvas = document.getElementById('annotations');
  const ctx = canvas.getContext('2d');
  const st = (window.lensBenchAnnotations = {
    strokes: [], pointers: [], frames: 0, checks: 0, checkMs: 0, pointerPhase: false,
  });
  let nextStroke = 0, nextPointer = 0;
  function position() {
    const parts = getComputedStyle(video).objectPosition.split(/\\s+/);
    const f = (p) => (p && p.endsWith('%') ? parseFloat(p) / 100 : 0.5);
    return [f(parts[0]), f(parts[1] || parts[0])];
  }
  function picture() {
    // Where the picture lies on the canvas, in canvas pixels (object-fit: contain).
    const vw = video.videoWidth, vh = video.videoHeight;
    if (!vw || !vh || !canvas.width || !canvas.clientWidth) return null;
    const scale = Math.min(video.clientWidth / vw, video.clientHeight / vh);
    const w = vw * scale, h = vh * scale;
    const [px, py] = position();
    const vr = video.getBoundingClientRect(), cr = canvas.getBoundingClientRect();
    const k = canvas.width / canvas.clientWidth;
    return {
      x: (vr.left + (video.clientWidth - w) * px - cr.left) * k,
      y: (vr.top + (video.clientHeight - h) * py - cr.top) * k,
      w: w * k, h: h * k,
    };
  }
  function inked(pic, [x, y, w, h]) {
    const x0 = Math.floor(pic.x + x * pic.w), y0 = Math.floor(pic.y + y * pic.h);
    const x1 = Math.ceil(pic.x + (x + w) * pic.w), y1 = Math.ceil(pic.y + (y + h) * pic.h);
    const data = ctx.getImageData(x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0)).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) return true;
    return false;
  }
  function check() {
    const now = performance.timeOrigin + performance.now();
    const started = performance.now();
    st.checks += 1;
    const pic = picture();
    if (pic) {
      if (!st.pointerPhase) {
        for (let k = nextStroke; k < Math.min(nextStroke + 4, strokes.length); k++) {
          if (st.strokes[k] === undefined && inked(pic, strokes[k])) st.strokes[k] = now;
        }
        while (st.strokes[nextStroke] !== undefined) nextStroke += 1;
      } else {
        // A newer move can replace an older one before a frame shows it: the older is
        // then never painted (null), as on a real screen. The dot is in one place at a
        // time: the newest inked spot of the pending moves is where it is (a spot comes
        // back only after 45 moves, so 40 are looked at).
        for (let k = Math.min(nextPointer + 40, pointers.length) - 1; k >= nextPointer; k--) {
          if (inked(pic, pointers[k])) {
            for (let j = nextPointer; j < k; j++) st.pointers[j] = null;
            st.pointers[k] = now;
            nextPointer = k + 1;
            break;
          }
        }
      }
    }
    st.checkMs += performance.now() - started;
  }
  function frame() {
    st.frames += 1;
    setTimeout(check, 0); // runs after this frame's rendering step, drawing included
    requestAnimationFrame(frame);
  }
  requestAnimationFrame(frame);
}
"""


@dataclass
class Stroke:
    kind: str
    points: list[tuple[float, float]]
    probe: tuple[float, float, float, float]
    text: str = ""


@dataclass
class Result:
    stroke_ms: list[float] = field(default_factory=list)
    stroke_missing: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    pointer_ms: list[float] = field(default_factory=list)
    pointer_skipped: int = 0
    pointer_missing: int = 0
    offsets: tuple[float, float] = (0.0, 0.0)
    round_trips: tuple[float, float] = (0.0, 0.0)
    frames: int = 0
    check_ms: float = 0.0
    checks: int = 0
    stroke_span_s: float = 0.0
    pointer_span_s: float = 0.0
    negative: int = 0
    sequence: list[tuple[str, int, float]] = field(default_factory=list)
    """(kind, sent at ms, latency ms) per painted stroke, in order (--dump)."""
    pointer_sequence: list[tuple[int, float]] = field(default_factory=list)


def around(x: float, y: float, half_w: float = 0.003, half_h: float = 0.005) -> tuple:
    return (x - half_w, y - half_h, 2 * half_w, 2 * half_h)


def stroke_for(index: int) -> Stroke:
    """The index-th stroke: kinds in turn, each in a cell of its own (row by row)."""
    kind = KINDS[index % len(KINDS)]
    x0, y0 = (index % COLUMNS) * CELL_W, (index // COLUMNS) * CELL_H
    a, b = (x0 + 0.01, y0 + 0.02), (x0 + 0.04, y0 + 0.08)
    mid_y = y0 + 0.05
    if kind == "pen":
        points = [(x0 + 0.01, mid_y), (x0 + 0.025, y0 + 0.03), (x0 + 0.04, mid_y)]
        return Stroke(kind, points, around(x0 + 0.01, mid_y))
    if kind == "highlighter":
        points = [(x0 + 0.01, mid_y), (x0 + 0.04, mid_y)]
        return Stroke(kind, points, around(x0 + 0.025, mid_y))
    if kind == "arrow":
        return Stroke(kind, [a, b], around(x0 + 0.025, mid_y))
    if kind == "rectangle":
        return Stroke(kind, [a, b], around(x0 + 0.01, mid_y))
    if kind == "ellipse":
        return Stroke(kind, [a, b], around(x0 + 0.04, mid_y))
    if kind == "text":
        origin = (x0 + 0.006, y0 + 0.025)
        return Stroke(kind, [origin], (origin[0], origin[1], 0.02, 0.05), text="A")
    return Stroke(kind, [(x0 + 0.025, mid_y)], around(x0 + 0.025, mid_y))  # marker


def pointer_spot(index: int) -> tuple[float, float]:
    """Moves over a 9 x 5 grid, each a new spot (never where the dot just was)."""
    cell = index % (POINTER_COLUMNS * POINTER_ROWS)
    return (0.1 + (cell % POINTER_COLUMNS) * 0.1, 0.1 + (cell // POINTER_COLUMNS) * 0.2)


async def clock_offset(page: Page, tries: int = 20) -> tuple[float, float, float]:
    """(Python ms, page clock - Python clock in ms, round trip ms) from the tightest of
    `tries` round trips (bench/media.py's way, with more tries: the host is busy); the
    offset is known to within half the round trip."""
    best: tuple[float, float, float] | None = None
    for _ in range(tries):
        before = time.time() * 1000
        page_now = float(await page.evaluate(CLOCK))
        after = time.time() * 1000
        middle = (before + after) / 2
        if best is None or after - before < best[0]:
            best = (after - before, middle, page_now - middle)
    assert best is not None
    return best[1], best[2], best[0]


def quantiles(values: list[float]) -> tuple[float, float, float, float]:
    """(p50, p95, max, mean) in ms."""
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95, ordered[-1], statistics.fmean(ordered)


async def live_session(server: LiveServer, page: Page) -> tuple[Any, str, TechnicianPeer]:
    tech = await asyncio.to_thread(server.technician)
    created = await asyncio.to_thread(server.create_session, tech.token, "Bench", "link")
    session_id = created["session"]["id"]
    await page.goto(server.url + urlparse(created["session"]["link"]).path)
    await walk_to_waiting(page)
    await wait_state(server, tech.token, session_id, "waiting")
    peer = await TechnicianPeer.connect(server.url, tech.token, session_id)
    await asyncio.to_thread(server.start_session, tech.token, session_id)
    await peer.wait_for(lambda: peer.channel is not None and peer.frames_received > 30, 30)

    async def live() -> bool:
        return bool(await page.evaluate("window.lensDebug.linkState === 'live'"))

    try:
        await poll(live, 60, "the phone's link to be live")
    except TimeoutError:
        status = await page.evaluate("document.getElementById('status').textContent")
        raise TimeoutError(f"the phone is not live; it says {status!r}") from None
    return tech, session_id, peer


async def measure(page: Page, peer: TechnicianPeer, args: argparse.Namespace) -> Result:
    result = Result()
    strokes = [stroke_for(i) for i in range(args.strokes)]
    pointers = [around(*pointer_spot(i), 0.002, 0.003) for i in range(args.moves)]
    sent_set: list[float] = []
    sent_pointer: list[float] = []

    def send(message: dict[str, Any]) -> bool:
        # The moment the console hands the message to the peer.
        stamp = time.time() * 1000
        if message.get("type") == "pointer" and not message.get("hide"):
            sent_pointer.append(stamp)
        elif message.get("op") == "set":
            sent_set.append(stamp)
        return peer.send_control(message)

    model = AnnotationModel()
    link = AnnotationLink(model, send)
    await page.evaluate(OBSERVER, {"strokes": [s.probe for s in strokes], "pointers": pointers})
    before = await clock_offset(page)
    await asyncio.sleep(0.5)

    # Strokes, evenly over the window; colours and widths in turn.
    gap = args.seconds / args.strokes
    start = time.monotonic()
    for i, stroke in enumerate(strokes):
        await asyncio.sleep(max(0.0, start + i * gap - time.monotonic()))
        model.add(
            stroke.kind,  # type: ignore[arg-type]
            stroke.points,
            colour=PALETTE[i % 4],
            width=1 + i % 3,
            text=stroke.text,
        )
    result.stroke_span_s = time.monotonic() - start
    await asyncio.sleep(1.0)

    # Pointer moves at the console's rate (30 a second) over a cleared picture.
    model.clear()
    await asyncio.sleep(0.5)
    await page.evaluate("window.lensBenchAnnotations.pointerPhase = true")
    start = time.monotonic()
    for i in range(args.moves):
        await asyncio.sleep(max(0.0, start + i / 30 - time.monotonic()))
        link.send_pointer(*pointer_spot(i))
    result.pointer_span_s = time.monotonic() - start
    await asyncio.sleep(1.0)
    link.send_pointer(None)
    link.close()

    after = await clock_offset(page)
    result.offsets = (before[1], after[1])
    result.round_trips = (before[2], after[2])

    def offset(at: float) -> float:
        """The page's offset at Python time `at`, drift spread evenly over the run."""
        return before[1] + (after[1] - before[1]) * (at - before[0]) / (after[0] - before[0])

    state = await page.evaluate("window.lensBenchAnnotations")
    result.frames, result.checks, result.check_ms = (
        state["frames"],
        state["checks"],
        state["checkMs"],
    )
    painted = state["strokes"] + [None] * (len(strokes) - len(state["strokes"]))
    assert len(sent_set) == len(strokes), (len(sent_set), len(strokes))
    for stroke, sent, seen in zip(strokes, sent_set, painted, strict=True):
        if seen is None:
            result.stroke_missing += 1
            continue
        latency = seen - offset(sent) - sent
        result.negative += latency < 0
        result.stroke_ms.append(latency)
        result.sequence.append((stroke.kind, round(sent), round(latency, 1)))
        result.by_kind.setdefault(stroke.kind, []).append(latency)
    shown = state["pointers"] + [None] * (args.moves - len(state["pointers"]))
    last_seen = max((i for i, v in enumerate(shown) if v is not None), default=-1)
    for i, (sent, seen) in enumerate(zip(sent_pointer, shown, strict=True)):
        if seen is None:
            if i < last_seen:
                result.pointer_skipped += 1
            else:
                result.pointer_missing += 1
            continue
        latency = seen - offset(sent) - sent
        result.negative += latency < 0
        result.pointer_ms.append(latency)
        result.pointer_sequence.append((round(sent), round(latency, 1)))
    return result


def table(result: Result, args: argparse.Namespace) -> str:
    rows = [
        "| what | count | p50 ms | p95 ms | max ms | mean ms | bar |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(name: str, values: list[float], bar: bool) -> None:
        if not values:
            rows.append(f"| {name} | 0 | - | - | - | - | - |")
            return
        p50, p95, top, mean = quantiles(values)
        verdict = ("met" if p95 <= BAR_MS else "MISSED") + f" (p95 <= {BAR_MS:.0f})"
        rows.append(
            f"| {name} | {len(values)} | {p50:.1f} | {p95:.1f} | {top:.1f} | {mean:.1f} | "
            f"{verdict if bar else ''} |"
        )

    row(f"stroke -> pixels ({args.strokes} over {args.seconds:.0f} s)", result.stroke_ms, True)
    for kind in KINDS:
        row(f"  {kind}", result.by_kind.get(kind, []), False)
    row(f"pointer move -> dot ({args.moves} at 30/s)", result.pointer_ms, True)
    return "\n".join(rows)


async def bench(args: argparse.Namespace) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="lens-annotations-"))
    clip = write_y4m(folder / "clip.y4m", 1280, 720, 30, 2.0)
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=5.0)
    server = LiveServer(folder / "server")
    server.smtp.start()
    server.start()
    try:
        async with phone_page(clip, tone, VIEWPORT) as page:
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            tech, session_id, peer = await live_session(server, page)
            try:
                result = await measure(page, peer, args)
            finally:
                await peer.close()
                await asyncio.to_thread(
                    server.api, "POST", f"/sessions/{session_id}/end", tech.token
                )
            if errors:
                print(f"page errors: {errors[:5]}", file=sys.stderr)
            return result
    finally:
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Annotation latency on loopback.")
    parser.add_argument("--strokes", type=int, default=200, help="at most 200 (the phone's bound)")
    parser.add_argument("--seconds", type=float, default=30.0, help="over which the strokes go")
    parser.add_argument("--moves", type=int, default=300, help="pointer moves, 30 a second")
    parser.add_argument("--dump", type=Path, help="write each stroke's latency here (JSON)")
    args = parser.parse_args()
    if not 1 <= args.strokes <= COLUMNS * ROWS:
        parser.error(f"--strokes: 1 to {COLUMNS * ROWS}")
    load_before = os.getloadavg()
    result = asyncio.run(bench(args))
    if args.dump:
        args.dump.write_text(
            json.dumps({"strokes": result.sequence, "pointer": result.pointer_sequence})
        )
    print(f"machine: {platform.node()} {' '.join(os.uname())}, {os.cpu_count()} cores")
    print(f"load average: before {load_before}, at end {os.getloadavg()}")
    drift = result.offsets[1] - result.offsets[0]
    print(
        f"page clock - Python clock: {result.offsets[0]:.1f} ms before, "
        f"{result.offsets[1]:.1f} ms after (drift {drift:.1f} ms over the run, spread "
        f"evenly); round trips {result.round_trips[0]:.1f} and {result.round_trips[1]:.1f} ms"
    )
    print(
        f"strokes sent over {result.stroke_span_s:.1f} s, pointer moves over "
        f"{result.pointer_span_s:.1f} s; page frames {result.frames}, observer "
        f"{result.check_ms / max(1, result.checks):.2f} ms per check\n"
    )
    print(table(result, args))
    print(
        f"\nstrokes never painted: {result.stroke_missing}; pointer moves replaced by a "
        f"newer one before a frame showed them: {result.pointer_skipped}; never shown: "
        f"{result.pointer_missing}; negative latencies (clock error): {result.negative}, "
        f"smallest {min(result.stroke_ms + result.pointer_ms, default=0):.1f} ms"
    )


if __name__ == "__main__":
    main()
