"""Media bars (DESIGN.md) on loopback: a customer streams to a receiver through the real
server, and this prints one table.

Senders: the customer web app in Debian's Chromium (fake camera = a generated y4m
clip whose frames carry a counter, fake microphone = a tone with a beep every second),
walked through the real flow (link -> tutorial -> camera -> licence), at 1280x720 and
1920x1080; and the headless customer (lens_customer, 1280x720@30 pattern whose stamp
is its capture time).

Receivers, in turn on the same clip: (a) the console's real receive path in its own
process (bench/media_console.py: EventSocket, PeerSession, LatestFrameReader,
AudioEngine, VideoPane offscreen); (b) a second headless Chromium acting as the
technician (bench/media_js.py RECEIVER in a page of the server's origin, since the
socket checks Origin; page.evaluate is not bound by the page's CSP).

Glass-to-glass: the customer page logs, per frame counter, when the frame reached its
own preview (requestVideoFrameCallback, performance.timeOrigin + now); the receiver
logs when it painted that counter. Both clocks are on this machine and each page's
clock offset to Python's time.time() is measured and removed. The headless customer
stamps its wall clock into the frame, so there the stamp is the sender time.

Run: .venv/bin/python bench/media.py [--seconds 60] [--only 720p]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import contextlib
import itertools
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psutil
from playwright.async_api import Browser, Page, Playwright, async_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.media_audio import PrivateSink, SinkMonitor
from bench.media_js import (
    AUDIO_STATS,
    CLOCK,
    RECEIVER,
    SENDER_BEEPS,
    SENDER_RECORDER,
    STAMP_READER,
)
from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from lens_customer.pattern import PatternPainter, band_height, write_tone_wav, write_y4m
from lens_desktop.media.peer import munge_answer_sdp
from tests.chromium import CHROMIUM, FAKE_MEDIA_FLAGS, HEADLESS_FLAGS
from tests.live_server import LiveServer, Tech

ROOT = Path(__file__).resolve().parent.parent
CLIP_FPS = 30
CLIP_SECONDS = 2.0
TONE_SECONDS = 10.0
FULL_WIDTH = 1280
RECEIVER_MARK = "--lens-bench-receiver"
SENDER_MARK = "--lens-bench-sender"
SENDER_NICE: dict[str, int] = {}
"""{"nice": N} from --sender-nice: the sender's browser runs at that niceness."""
PINNED: dict[str, str] = {}
"""{"sender": "0", "console": "1"} from --sender-cpus / --console-cpus: the CPUs
(taskset's list) each process may run on."""
SAMPLE_S = 0.25
FREEZE_MS = 200.0
PYTHON = sys.executable


@dataclass
class Run:
    """What one sender -> receiver pairing measured; times in ms on Python's clock."""

    name: str
    receiver: str
    start_ms: float = 0.0
    window: tuple[float, float] = (0.0, 0.0)
    paints: list[tuple[int, float, int, int]] = field(default_factory=list)
    """(counter, painted_at_ms, width, height)"""
    sent: dict[int, list[float]] = field(default_factory=dict)
    """counter -> times it reached the sender's preview; empty when stamps carry time."""
    stamps: dict[int, float] = field(default_factory=dict)
    wrap: int | None = None
    cpu_s: float = 0.0
    peak_rss_mb: float = 0.0
    underruns: int | None = None
    audio_latency: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    beeps_out: list[float] = field(default_factory=list)
    audio_estimate: list[float] = field(default_factory=list)
    audio_rtcp: list[float] = field(default_factory=list)
    """One-way audio from the sender's own capture clock (RTCP sender reports)."""
    beeps_captured: list[float] = field(default_factory=list)
    beeps_arrived: list[float] = field(default_factory=list)
    sender_counts: list[tuple[float, int]] = field(default_factory=list)
    """(ms, frames the sender's encoder sent so far), sampled every SAMPLE_S."""
    load: float = 0.0
    device_underflows: int | None = None
    console_flags: list[str] = field(default_factory=list)
    recording: dict[str, Any] = field(default_factory=dict)
    """With --record: what bench/media_console.py's recorder wrote."""
    threads_cpu: dict[str, float] = field(default_factory=dict)
    """Extra flags for this run's console process (network impairment)."""
    tracking: dict[str, Any] = field(default_factory=dict)
    """With --track: the tracker's counters over the window (bench/media_console.py)."""
    sender_end: dict[str, Any] = field(default_factory=dict)
    """The Chromium sender's outbound video numbers (lensDebug.stats) at the window's
    end: the resolution it settled at, and what limited it."""


def write_scene_y4m(path: Path, width: int, height: int, fps: int, seconds: float) -> Path:
    """A y4m clip for the tracking rows: bench/tracking.py's textured scene under a
    camera that pans and turns a little and comes back to where it started at the end
    of the clip (Chromium loops it without a jump), with the pattern's stamp band on
    top (the painted-frame counter)."""
    import cv2

    from bench.tracking import Clip, Pose, Scenario

    def pose(t: float) -> Pose:
        turn = math.pi * t / seconds * 2
        return Pose(
            0.05 * math.sin(turn), 0.03 * math.sin(2 * turn), math.radians(3) * math.sin(turn)
        )

    # rendered at half size and scaled up: a camera's picture is smoother than pixel
    # noise, which would cost the sender's encoder far more than a real scene does
    scene = Clip(Scenario("bench loop", pose), width // 2, height // 2)
    painter = PatternPainter(width, height)
    top = band_height(width)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode("ascii"))
        for counter in range(max(1, round(fps * seconds))):
            t = counter / fps
            frame = painter.paint(counter, round(t * 1000), t)
            picture = cv2.resize(scene.frame(t), (width, height), interpolation=cv2.INTER_LINEAR)
            frame[top:height] = picture[top:]
            frame[height:] = 128
            out.write(b"FRAME\n")
            out.write(frame.tobytes())
    return path


# --- pages and processes ----------------------------------------------------------------


def chromium_args(clip: Path | None, tone: Path) -> list[str]:
    """The flags the e2e tests use (tests/chromium.py), with this run's fake media."""
    args, fake = list(HEADLESS_FLAGS), list(FAKE_MEDIA_FLAGS)
    if clip is None:  # the receiver: a fake microphone only, like the console's
        return [*args, *fake, f"--use-file-for-fake-audio-capture={tone}", RECEIVER_MARK]
    return [
        *args,
        *fake,
        f"--use-file-for-fake-video-capture={clip}",
        f"--use-file-for-fake-audio-capture={tone}",
        SENDER_MARK,
    ]


def pinned(which: str) -> list[str]:
    """The taskset prefix that keeps `which` ("sender", "console") on its CPUs."""
    return ["taskset", "-c", PINNED[which]] if which in PINNED else []


def sender_executable(folder: Path) -> str:
    """Chromium, or for --sender-nice / --sender-cpus a script that starts it at that
    niceness, on those CPUs (all its processes inherit both)."""
    prefix = pinned("sender")
    if "nice" in SENDER_NICE:
        prefix = ["nice", "-n", str(SENDER_NICE["nice"]), *prefix]
    if not prefix:
        return CHROMIUM
    script = folder / "chromium-wrapped"
    script.write_text(f'#!/bin/sh\nexec {" ".join(prefix)} {CHROMIUM} "$@"\n')
    script.chmod(0o755)
    return str(script)


async def launch(pw: Playwright, clip: Path | None, tone: Path) -> Browser:
    # Playwright mutes headless browsers; the receiver must play to the null sink.
    unmuted = ["--mute-audio"] if clip is None else []
    return await pw.chromium.launch(
        env=SINK["sink"].env(),
        executable_path=CHROMIUM if clip is None else sender_executable(tone.parent),
        headless=True,
        args=chromium_args(clip, tone),
        ignore_default_args=unmuted,
    )


async def clock_offset(page: Page) -> float:
    """page clock - Python clock, in ms, from the tightest of a few round trips."""
    best: tuple[float, float] | None = None
    for _ in range(5):
        before = time.time() * 1000
        page_now = float(await page.evaluate(CLOCK))
        after = time.time() * 1000
        if best is None or after - before < best[0]:
            best = (after - before, page_now - (before + after) / 2)
    assert best is not None
    return best[1]


async def poll(condition: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    """Re-checks an async condition every 50 ms (pages cannot push to us cheaply)."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def wait_state(server: LiveServer, token: str, session_id: str, state: str) -> None:
    async def reached() -> bool:
        response = await asyncio.to_thread(server.api, "GET", f"/sessions/{session_id}", token)
        return bool(response.json()["state"] == state)

    await poll(reached, 15, f"session {state}")


async def walk_to_waiting(page: Page) -> None:
    """Tutorial -> camera -> preview -> licence, as a customer taps through."""
    for name in ("OK", "Turn on camera", "Continue", "Accept"):
        await page.get_by_role("button", name=name).click()


def browser_processes(mark: str) -> dict[int, tuple[str, psutil.Process]]:
    """pid -> (process type, process) for every process of the browser launched with
    `mark` (renderers, GPU, utility, the browser itself)."""
    for proc in psutil.process_iter(["cmdline"]):
        if mark in (proc.info["cmdline"] or []):
            found = {proc.pid: ("browser", proc)}
            for child in proc.children(recursive=True):
                try:
                    kinds = [a[7:] for a in child.cmdline() if a.startswith("--type=")]
                except psutil.Error:  # a helper that exited (or is a zombie) meanwhile
                    continue
                found[child.pid] = (kinds[0] if kinds else "?", child)
            return found
    raise RuntimeError("receiver browser process not found")


def cpu_seconds(processes: dict[int, tuple[str, psutil.Process]]) -> dict[int, float]:
    out = {}
    for pid, (_, proc) in processes.items():
        with contextlib.suppress(psutil.Error):
            out[pid] = sum(proc.cpu_times()[:2])
    return out


def cpu_and_wait(processes: dict[int, tuple[str, psutil.Process]]) -> tuple[float, float]:
    """CPU seconds run and seconds runnable but waiting for a CPU, over every thread of
    these processes so far (``/proc/PID/task/*/schedstat``)."""
    ran = waited = 0.0
    for pid in processes:
        for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError):
                fields = stat.read_text().split()
                ran += int(fields[0]) / 1e9
                waited += int(fields[1]) / 1e9
    return ran, waited


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def sample_sent(count: Callable[[], Awaitable[int]], into: list[tuple[float, int]]) -> None:
    """Samples the sender's frame count until cancelled."""
    while True:
        with contextlib.suppress(Exception):  # a page mid-navigation: skip one sample
            into.append((time.time() * 1000, await count()))
        await asyncio.sleep(SAMPLE_S)


@contextlib.asynccontextmanager
async def sampling(count: Callable[[], Awaitable[int]], run: Run) -> Any:
    task = asyncio.ensure_future(sample_sent(count, run.sender_counts))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- receivers ------------------------------------------------------------------------


SINK: dict[str, PrivateSink] = {}
"""The bench's own null sink, while bench() runs."""
PROFILE: dict[str, Path] = {}
PROFILE_TARGET: dict[str, Path] = {}
PROFILE_FLAGS: list[str] = []
CONSOLE_FLAGS: list[str] = []
"""Extra flags for bench/media_console.py (experiments), from --console-flag."""
"""{"path": where to write} while the next console run is still to be profiled."""


async def start_profiler(pid: int, seconds: float) -> asyncio.subprocess.Process:
    """py-spy on the console process: a flame graph (.svg) or collapsed stacks (.txt)."""
    path = PROFILE_TARGET["path"]
    fmt = "flamegraph" if path.suffix == ".svg" else "raw"
    spy = Path(PYTHON).with_name("py-spy")
    return await asyncio.create_subprocess_exec(
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(int(seconds + 5)),
        "--rate",
        "100",
        "--format",
        fmt,
        "-o",
        str(path),
        *PROFILE_FLAGS,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def console_receiver(
    server: LiveServer, tech: Tech, session_id: str, seconds: float, run: Run
) -> None:
    """Start the session with the console process listening; fills `run`."""
    out, log = console_files()
    # "--name=value": a token or id may begin with "-", which argparse reads as a flag.
    args = [f"--url={server.url}", f"--token={tech.token}", f"--session-id={session_id}"]
    with log.open("wb") as errors:
        proc = await asyncio.create_subprocess_exec(
            *pinned("console"),
            PYTHON,
            str(ROOT / "bench" / "media_console.py"),
            *args,
            "--seconds",
            str(seconds),
            "--out",
            str(out),
            *CONSOLE_FLAGS,
            *run.console_flags,
            stdout=asyncio.subprocess.PIPE,
            stderr=errors,
            env=SINK["sink"].env(),
        )
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        if line.strip() != b"READY":
            raise RuntimeError(f"console receiver did not start: {line!r}")
        profiler = await start_profiler(proc.pid, seconds) if PROFILE.pop("path", None) else None
        run.start_ms = time.time() * 1000
        await asyncio.to_thread(server.start_session, tech.token, session_id)
        await asyncio.wait_for(proc.wait(), seconds + 90)
        if profiler is not None:
            await profiler.wait()
    apply_console_result(run, out, log)


def console_files() -> tuple[Path, Path]:
    """Temp files for the console process's JSON result and its stderr."""
    return Path(tempfile.mkstemp(suffix=".json")[1]), Path(tempfile.mkstemp(suffix=".log")[1])


def apply_console_result(run: Run, out: Path, log: Path) -> None:
    """Fills `run` from what bench/media_console.py wrote; removes its files."""
    result = json.loads(out.read_text())
    alsa = log.read_text(errors="replace").count("underrun occurred")
    out.unlink()
    log.unlink()
    if "error" in result:
        raise RuntimeError(result["error"])
    run.window = (result["window_ms"][0], result["window_ms"][1])
    run.load = os.getloadavg()[0]
    run.paints = [(c, t, w, h) for c, _, t, w, h in result["paints"]]
    run.stamps = {c: float(stamp) for c, stamp, *_ in result["paints"]}
    run.cpu_s = result["cpu_s"]
    run.recording = result.get("recording") or {}
    run.threads_cpu = result.get("threads_cpu_s") or {}
    run.tracking = result.get("tracking") or {}
    run.peak_rss_mb = result["peak_rss_kb"] / 1024
    run.underruns = result["underruns"]
    run.device_underflows = result["device_underflows"]
    run.beeps_out = result["beeps_out_ms"]
    run.beeps_captured = result.get("beeps_captured_ms", [])
    run.beeps_arrived = result.get("beeps_arrived_ms", [])
    if result.get("beep_levels_ms"):
        run.notes.append(
            "queued in the buffer / the device / cushion as each beep arrived, ms: "
            + " ".join("/".join(map(str, levels)) for levels in result["beep_levels_ms"])
        )
    for trace in result.get("feed_trace", []):
        run.notes.append(
            "speaker feed before an underrun, per call: ms before / device reading / "
            f"counted-down level / queued / written (ms): {trace}"
        )
    run.notes.append(
        f"console: {result['received']} frames decoded, {result['dropped_in_reader']} "
        f"dropped as stale by the reader, {result['unreadable']} painted without a stamp; "
        f"ALSA reported {alsa} playback underruns (device level, below the jitter buffer)"
    )
    keys = (
        "mic_overflows",
        "trimmed_samples",
        "concealed_samples",
        "stretched_samples",
        "cushion_ms",
        "lateness_peak_ms",
        "realtime",
        "underruns_at_s",
        "late_at_s",
        "loop_stalls_at_s",
        "window_setup_ms",
        "first_paint_at_s",
        "media_priority",
        "arrival_rate_pct",
    )
    extra = ("push_gaps_ms", "feed_gaps_ms", "lateness_ms", "gil_watch")
    audio = {k: result.get(k) for k in (*keys, *extra) if k in result}
    run.notes.append(
        f"console receive path: {result.get('keyframe_requests')} keyframe requests by the "
        f"watchdog, {result.get('video_holes_skipped')} unrepaired video holes skipped "
        f"(hole timeout at the end {result.get('video_hole_timeout_ms')} ms, "
        f"{result.get('video_packets_asked_again')} lost packets asked for again); "
        f"audio {audio}"
    )
    run.notes.append(
        f"console window: paintEvent {result['paint_s']:.2f} s wall, cyclic GC "
        f"{sum(result['gc_s']):.2f} s in {result['gc_count']} collections (gen 0/1/2), "
        f"longest (ms, thread) {result.get('gc_longest_ms')}, "
        f"audio device buffer {1000 * result['output_latency_s']:.0f} ms; CPU s by thread: "
        f"{result['threads_cpu_s']}; runnable but waiting for a CPU, s by thread: "
        f"{result.get('threads_wait_s')}"
    )
    if steal := result.get("steal"):
        run.notes.append(
            f"CPU taken by the hypervisor (steal) in the window: {steal['seconds']} s; "
            f"100 ms samples with over 25 ms taken (s into the window, ms): "
            f"{steal['over_25ms_at_s']}"
        )
    if causes := underrun_causes(result):
        run.notes.append(f"around each underrun (s into the window): {causes}")


def underrun_causes(result: dict[str, Any]) -> str:
    """For each underrun: what the hypervisor took in the second before it (100 ms
    samples over 25 ms) and whether audio packets came over 50 ms late then."""
    stolen = (result.get("steal") or {}).get("over_25ms_at_s", [])
    late = result.get("late_at_s", [])
    causes = []
    for at in result.get("underruns_at_s", []):
        took = sum(ms for t, ms in stolen if at - 1.0 <= t <= at + 0.1)
        came_late = any(at - 1.0 <= t <= at + 0.1 for t in late)
        causes.append(
            f"{at}: steal {took} ms, packets {'over 50 ms late' if came_late else 'on time'}"
        )
    return "; ".join(causes)


async def chromium_receiver(
    browser: Browser, server: LiveServer, tech: Tech, session_id: str, seconds: float, run: Run
) -> None:
    """Start the session with a Chromium page answering as the technician."""
    context = await browser.new_context(viewport={"width": 1300, "height": 760})
    page = await context.new_page()
    try:
        await page.expose_function("lensMungeAnswer", munge_answer_sdp)
        # Any document of the server's origin will do (the socket checks Origin);
        # page.evaluate is not bound by its CSP.
        await page.goto(server.url + BLANK_PATH)
        await page.evaluate(STAMP_READER)
        ws_url = server.url.replace("http://", "ws://") + "/ws/technician"
        await page.evaluate(
            RECEIVER, {"wsUrl": ws_url, "token": tech.token, "sessionId": session_id}
        )
        await poll(lambda: page.evaluate("lensBenchReceiver.ready"), 10, "receiver socket")
        offset = await clock_offset(page)
        run.start_ms = time.time() * 1000
        await asyncio.to_thread(server.start_session, tech.token, session_id)
        await poll(lambda: page.evaluate("lensBenchReceiver.frames.length > 0"), 20, "a frame")
        with contextlib.suppress(TimeoutError):
            await poll(
                lambda: page.evaluate(f"lensBenchReceiver.frames.at(-1)[2] >= {FULL_WIDTH}"),
                10,
                "full width",
            )
        processes = browser_processes(RECEIVER_MARK)
        audio0 = await page.evaluate(AUDIO_STATS)
        cpu0, start = cpu_seconds(processes), time.time() * 1000
        await asyncio.sleep(seconds)  # the measurement window itself
        cpu1, end = cpu_seconds(processes), time.time() * 1000
        used = {pid: cpu1[pid] - cpu0[pid] for pid in cpu1 if pid in cpu0}
        renderer = max(
            (pid for pid in used if processes[pid][0] == "renderer"), key=lambda p: used[p]
        )
        run.window = (start, end)
        run.load = os.getloadavg()[0]
        run.cpu_s = used[renderer]
        run.peak_rss_mb = peak_rss_mb(renderer)
        by_kind: dict[str, float] = {}
        for pid, spent in used.items():
            by_kind[processes[pid][0]] = by_kind.get(processes[pid][0], 0.0) + spent
        cores = {kind: round(spent / seconds, 2) for kind, spent in by_kind.items()}
        run.notes.append(f"chromium receiver CPU by process type (cores): {cores}")
        frames = await page.evaluate("lensBenchReceiver.frames")
        run.paints = [(c, t - offset, w, h) for c, t, w, h in frames]
        audio1 = await page.evaluate(AUDIO_STATS)
        if audio0 and audio1:
            run.underruns = audio1["concealmentEvents"] - audio0["concealmentEvents"]
            emitted = audio1["jitterBufferEmittedCount"] - audio0["jitterBufferEmittedCount"]
            delay = audio1["jitterBufferDelay"] - audio0["jitterBufferDelay"]
            run.notes.append(
                f"chromium receiver audio: {run.underruns} concealment events (counted as "
                f"underruns), jitter buffer {1000 * delay / max(emitted, 1):.0f} ms average"
            )
    finally:
        await context.close()


BLANK_PATH = "/static/customer/eula.en.txt"


# --- senders --------------------------------------------------------------------------


async def new_link_session(server: LiveServer, tech: Tech) -> tuple[str, str]:
    created = await asyncio.to_thread(server.create_session, tech.token, "Bench", "link")
    return created["session"]["id"], urlparse(created["session"]["link"]).path


async def end_session(server: LiveServer, tech: Tech, session_id: str) -> None:
    await asyncio.to_thread(server.api, "POST", f"/sessions/{session_id}/end", tech.token)


async def chromium_sender_run(
    sender: Browser,
    receiver_browser: Browser | None,
    server: LiveServer,
    tech: Tech,
    run: Run,
    seconds: float,
) -> Run:
    session_id, path = await new_link_session(server, tech)
    context = await sender.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    try:
        await page.goto(server.url + path)
        await page.evaluate(STAMP_READER)
        await page.evaluate(SENDER_RECORDER)
        await walk_to_waiting(page)
        await wait_state(server, tech.token, session_id, "waiting")
        run.notes.append(f"sender audio tap: {await page.evaluate(SENDER_BEEPS)}")

        async def receive() -> None:
            if receiver_browser is None:
                await console_receiver(server, tech, session_id, seconds, run)
            else:
                await chromium_receiver(receiver_browser, server, tech, session_id, seconds, run)

        offset = await clock_offset(page)
        monitor = SinkMonitor(SINK["sink"].monitor)
        await monitor.start()

        async def frames_sent() -> int:
            stats = await page.evaluate("({...lensDebug.stats})")
            if stats.get("frameWidth") and run.window == (0.0, 0.0):
                run.sender_end = stats  # the newest before the receiver closes the window
            return int(stats.get("framesSent") or 0)

        sender_processes = browser_processes(SENDER_MARK)
        before, started = cpu_and_wait(sender_processes), time.monotonic()
        try:
            async with sampling(frames_sent, run):
                await receive()
        finally:
            played = await monitor.stop()
        after, took = cpu_and_wait(sender_processes), time.monotonic() - started
        run.notes.append(
            f"sender browser over the run's {took:.0f} s (Start to end): "
            f"{(after[0] - before[0]) / took:.2f} cores, waited for a CPU "
            f"{(after[1] - before[1]) / took:.2f} s/s (all threads, nice "
            f"{SENDER_NICE.get('nice', 0)})"
        )
        beeps, fit = steady_beeps(
            [b - offset for b in await page.evaluate("lensBenchSender.beeps")]
        )
        run.notes.append(fit)
        run.audio_latency = match_beeps(beeps, played, run.window)
        run.audio_estimate = match_beeps(beeps, run.beeps_out, run.window)
        run.audio_rtcp = match_beeps(run.beeps_captured, played, run.window)
        if run.beeps_captured and run.beeps_arrived:
            sender = match_beeps(run.beeps_captured, run.beeps_arrived, run.window)
            console = match_beeps(run.beeps_arrived, played, run.window)
            split = [
                fmt("audio", (percentile(x, 50), percentile(x, 95))) for x in (sender, console)
            ]
            run.notes.append(
                "audio one-way split: sender + network (its RTCP clock -> packet at the "
                f"console) p50 / p95 {split[0]}; console (packet -> sink monitor) {split[1]}"
            )
            run.notes.append(
                "console part by beep, ms, in order: " + " ".join(f"{x:.0f}" for x in console)
            )
        run.notes.append(
            f"audio: {len(beeps)} beeps captured on the sender, {len(played)} on the sink "
            f"monitor, {len(run.beeps_out)} entering the console's jitter buffer"
        )
        frames = await page.evaluate("lensBenchSender.frames")
        for counter, t in frames:
            run.sent.setdefault(counter, []).append(t - offset)
    finally:
        await end_session(server, tech, session_id)
        await context.close()
    return run


async def headless_sender_run(server: LiveServer, tech: Tech, run: Run, seconds: float) -> Run:
    session_id, path = await new_link_session(server, tech)
    options = CustomerOptions(
        link=server.url + path,
        sources=SourceSpec(video="pattern", audio="tone", width=1280, height=720, fps=30),
        audio_out=False,
        stats_interval=0,
    )
    customer = HeadlessCustomer(options, report=lambda line: None)
    try:
        await customer.join()
        await wait_state(server, tech.token, session_id, "waiting")

        async def frames_sent() -> int:
            return customer.frames_sent

        async with sampling(frames_sent, run):
            await console_receiver(server, tech, session_id, seconds, run)
    finally:
        await end_session(server, tech, session_id)
        await customer.close()
    return run


# --- figures --------------------------------------------------------------------------


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def in_window(run: Run) -> list[tuple[int, float, int, int]]:
    start, end = run.window
    return [p for p in run.paints if start <= p[1] <= end]


def unwrapped(counters: list[int], wrap: int | None) -> list[int]:
    """Counters made monotonic across the clip's loops (the clip restarts at 0)."""
    if wrap is None or not counters:
        return counters
    out = [counters[0]]
    for previous, current in itertools.pairwise(counters):
        out.append(out[-1] + (current - previous) % wrap)
    return out


def painted_ratio(run: Run) -> tuple[int, int]:
    """(distinct frames painted, frames the counters say were captured) in the window."""
    counters = unwrapped([p[0] for p in in_window(run)], run.wrap)
    if not counters:
        return 0, 0
    return len(set(counters)), counters[-1] - counters[0] + 1


def latencies(run: Run) -> list[float]:
    """Paint time - sender time for every painted frame of the window."""
    out = []
    limit = 1000.0 if run.wrap is None else min(1000.0, run.wrap / CLIP_FPS * 500)
    for counter, painted, _, _ in in_window(run):
        if counter in run.stamps and not run.sent:
            sent = run.stamps[counter]
        else:
            times = run.sent.get(counter, [])
            index = bisect.bisect_right(times, painted) - 1
            if index < 0:
                continue
            sent = times[index]
        if 0 <= painted - sent <= limit:
            out.append(painted - sent)
    return out


def steady_beeps(beeps: list[float]) -> tuple[list[float], str]:
    """The sender's beep times without the jitter of its tap.

    The tap (a ScriptProcessor on the sender page's main thread) stamps each beep when
    the page's busy main thread gets to it: late by 0 to 100+ ms, more so the busier
    the machine (which made one-way latency read lower under load, e.g. 17 ms). The
    beeps are exactly 1 s apart in the fake microphone's file, and the fake microphone
    runs at real time (the console's "arrival rate" note reads 99.98-100.02 % on a
    clean link), so their true times are t0 + k s: t0 is taken from the least-delayed
    stamp (the lower envelope). What is left is the tap's own smallest delay, a
    constant that makes the figures read a few ms low. The note also gives the slope a
    free fit would find: above 1000 ms when the tap falls further behind over the run.
    """
    if len(beeps) < 3:
        return beeps, "too few sender beeps to fit"
    beeps = sorted(beeps)
    index = [round((b - beeps[0]) / 1000.0) for b in beeps]
    base = min(b - 1000.0 * k for b, k in zip(beeps, index, strict=True))
    late = sorted(b - 1000.0 * k - base for b, k in zip(beeps, index, strict=True))
    slope = statistics.linear_regression(index, beeps).slope
    note = (
        f"sender beeps: tap stamps late by p50 {late[len(late) // 2]:.0f} / max "
        f"{late[-1]:.0f} ms against a 1000 ms grid (removed); a free fit's period "
        f"{slope:.2f} ms"
    )
    return [base + 1000.0 * k for k in index], note


BEEP_MATCH_MS = {"limit": 500.0}
"""A beep heard later than this after the newest sent one is not matched to it
(bench/netfault.py raises it for its 300 ms delayed path; beeps are 1 s apart)."""


def match_beeps(sent: list[float], heard: list[float], window: tuple[float, float]) -> list[float]:
    """For each beep estimated to leave the console's speaker in the window, the time
    since the newest beep the sender captured before it (beeps are 1 s apart)."""
    out = []
    sent = sorted(sent)
    limit = BEEP_MATCH_MS["limit"]
    for at in heard:
        index = bisect.bisect_right(sent, at) - 1
        if window[0] <= at <= window[1] and index >= 0 and at - sent[index] < limit:
            out.append(at - sent[index])
    return out


def sent_in_window(run: Run) -> int | None:
    """Frames the sender produced/sent during the window, from the sampled counts."""
    samples = run.sender_counts
    if len(samples) < 2:
        return None

    def at(ms: float) -> float:
        times = [t for t, _ in samples]
        i = min(max(bisect.bisect_left(times, ms), 1), len(samples) - 1)
        (t0, c0), (t1, c1) = samples[i - 1], samples[i]
        return c0 + (c1 - c0) * (ms - t0) / (t1 - t0) if t1 > t0 else c1

    return round(at(run.window[1]) - at(run.window[0]))


def freezes(run: Run) -> tuple[float, float]:
    """(longest gap between paints, total of gaps over FREEZE_MS) in the window, ms."""
    times = [p[1] for p in in_window(run)]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    return max(gaps, default=0.0), sum(g for g in gaps if g > FREEZE_MS)


def first_frame_s(run: Run) -> float | None:
    return (run.paints[0][1] - run.start_ms) / 1000 if run.paints else None


def full_res_s(run: Run) -> float | None:
    if not run.paints:
        return None
    full = [p for p in run.paints if p[2] >= FULL_WIDTH]
    return (full[0][1] - run.paints[0][1]) / 1000 if full else None


def figures(run: Run) -> dict[str, Any]:
    painted, captured = painted_ratio(run)
    sent = sent_in_window(run)
    lat = latencies(run)
    seconds = (run.window[1] - run.window[0]) / 1000
    sizes = {f"{w}x{h}" for _, _, w, h in in_window(run)}
    return {
        "first": first_frame_s(run),
        "full": full_res_s(run),
        "painted": (painted, captured),
        "fps": painted / seconds if seconds else None,
        "sent": (sent, captured),
        "painted_sent": (painted, sent),
        "g2g": (percentile(lat, 50), percentile(lat, 95), len(lat)),
        "cpu": run.cpu_s / seconds if seconds else None,
        "rss": run.peak_rss_mb,
        "audio": (percentile(run.audio_latency, 50), percentile(run.audio_latency, 95)),
        "audio_est": (percentile(run.audio_estimate, 50), percentile(run.audio_estimate, 95)),
        "audio_rtcp": (percentile(run.audio_rtcp, 50), percentile(run.audio_rtcp, 95)),
        "cpu_frame": 1000 * run.cpu_s / painted if painted else None,
        "load": run.load,
        "freeze": freezes(run),
        "underruns": run.underruns,
        "underflows": run.device_underflows,
        "sizes": ", ".join(sorted(sizes)),
        "tracking": tracking_figures(run, seconds),
    }


def tracking_figures(run: Run, seconds: float) -> tuple[float, float, float, str] | None:
    """(tracker CPU in cores, ms per tracked frame, frames tracked per second,
    "shown/anchored" at the end); None for a run without annotations."""
    t = run.tracking
    if not t or not seconds:
        return None
    per_frame = 1000 * t["busy_s"] / t["tracked"] if t["tracked"] else 0.0
    return t["busy_s"] / seconds, per_frame, t["tracked"] / seconds, f"{t['shown']}/{t['anchored']}"


ROWS: list[tuple[str, str, str]] = [
    ("first", "Start -> first frame painted", "<= 1.0 s"),
    ("full", "first frame -> 1280x720 painted", "<= 3 s"),
    ("painted", "frames painted / captured (window)", ">= 98 %"),
    ("sent", "frames sent by the sender / captured (window)", "-"),
    ("painted_sent", "frames painted / sent by the sender (window; sent is +-30)", "-"),
    ("fps", "painted frames per second", "30"),
    ("g2g", "glass-to-glass p50 / p95", "p95 <= 150 ms"),
    ("cpu", "receiver CPU (cores)", "<= 1 core"),
    ("rss", "receiver peak RSS", "-"),
    ("cpu_frame", "receiver CPU ms per painted frame", "-"),
    (
        "audio_rtcp",
        "audio one-way p50 / p95 (sender's RTCP clock -> sink monitor)",
        "p95 <= 150 ms",
    ),
    ("audio", "audio one-way p50 / p95 (sender's tap -> sink monitor)", "-"),
    ("audio_est", "audio one-way p50 / p95 (console buffer estimate)", "-"),
    ("underruns", "audio underruns in window (jitter buffer ran dry)", "0"),
    ("underflows", "audio device underflows in window (PortAudio flag)", "0"),
    ("sizes", "sizes painted in window", "1280x720"),
    (
        "tracking",
        "annotation tracker: CPU cores / ms per frame / frames tracked per s / shown",
        "-",
    ),
    ("freeze", "longest freeze / time frozen (gaps > 200 ms)", "-"),
    ("load", "load average (1 min) at window end", "-"),
]


def fmt(key: str, value: Any) -> str:
    if value is None:
        return "n/a"
    if key in ("first", "full"):
        return f"{value:.2f} s"
    if key in ("painted", "sent", "painted_sent"):
        painted, captured = value
        if painted is None:
            return "n/a"
        return f"{painted}/{captured} = {100 * painted / captured:.1f} %" if captured else "n/a"
    if key == "fps":
        return f"{value:.1f}"
    if key == "g2g":
        p50, p95, n = value
        return "n/a" if p50 is None else f"{p50:.0f} / {p95:.0f} ms (n={n})"
    if key == "cpu":
        return f"{value:.2f}"
    if key == "rss":
        return f"{value:.0f} MB"
    if key == "cpu_frame":
        return f"{value:.1f} ms"
    if key == "load":
        return f"{value:.2f}"
    if key == "tracking":
        cores, per_frame, fps, shown = value
        return f"{cores:.2f} / {per_frame:.1f} ms / {fps:.1f} / {shown}"
    if key == "freeze":
        return f"{value[0]:.0f} ms / {value[1]:.0f} ms"
    if key in ("audio", "audio_est", "audio_rtcp"):
        p50, p95 = value
        return "n/a" if p50 is None else f"{p50:.0f} / {p95:.0f} ms"
    return str(value)


def ratio(key: str, console: Any, chromium: Any) -> str:
    """console / Chromium for the scalar figures (> 1 means the console needs more)."""

    def scalar(value: Any) -> float | None:
        if key in ("painted", "sent", "painted_sent"):
            return value[0] / value[1] if value and value[0] is not None and value[1] else None
        if key == "g2g":
            return value[1] if value else None
        if key in ("audio", "audio_est"):
            return value[1] if value else None
        if key in ("load", "freeze", "underflows", "tracking"):
            return None
        return value if isinstance(value, (int, float)) else None

    a, b = scalar(console), scalar(chromium)
    return f"{a / b:.2f}" if a is not None and b else "-"


def table(runs: list[Run]) -> str:
    rows = {run.name: figures(run) for run in runs}
    pairs = [
        (c.name, m.name)
        for c in runs
        for m in runs
        if c.receiver == "console"
        and m.receiver == "chromium"
        and c.name.split(" ->")[0] == m.name.split(" ->")[0]
    ]
    head = [
        "figure",
        "bar",
        *rows,
        *(f"ratio {c.split(' ->')[0]} console/Chromium" for c, _ in pairs),
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, label, bar in ROWS:
        cells = [label, bar, *(fmt(key, f[key]) for f in rows.values())]
        cells += [ratio(key, rows[c][key], rows[m][key]) for c, m in pairs]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def impaired_run(label: str, impairment: str) -> Run:
    """A console run whose network loses and/or delays packets: "loss=0.05", "delay=200"
    or both ("loss=0.01,delay=200"), applied inside the console process."""
    flags, words = [], []
    for part in impairment.split(","):
        key, value = part.split("=")
        if key == "loss":
            flags.append(f"--loss={float(value)}")
            words.append(f"{100 * float(value):g}% loss")
        elif key == "delay":
            flags.append(f"--delay-ms={float(value)}")
            words.append(f"+{float(value):g} ms")
        else:
            raise ValueError(f"unknown impairment {part!r}")
    run = Run(
        f"Chromium {label} -> console, {' '.join(words)} (in-process)",
        "console-impaired",
        wrap=round(CLIP_FPS * CLIP_SECONDS),
    )
    run.console_flags = flags
    return run


# --- main -----------------------------------------------------------------------------


async def tracking_runs(
    pw: Playwright,
    folder: Path,
    tone: Path,
    server: LiveServer,
    tech: Tech,
    args: argparse.Namespace,
) -> list[Run]:
    """The textured, moving scene at 720p into the console, without and then with
    ``args.track`` annotations placed on it and tracked."""
    clip = write_scene_y4m(folder / "scene.y4m", 1280, 720, CLIP_FPS, CLIP_SECONDS)
    sender = await launch(pw, clip, tone)
    runs = []
    try:
        for count in (0, args.track):
            name = f"Chromium 720p scene -> console, {count} annotations tracked"
            run = Run(name, "console-scene", wrap=round(CLIP_FPS * CLIP_SECONDS))
            run.console_flags = [f"--track={count}"] if count else []
            runs.append(await chromium_sender_run(sender, None, server, tech, run, args.seconds))
            print(f"done: {run.name}", file=sys.stderr, flush=True)
    finally:
        await sender.close()
        clip.unlink()
    return runs


async def recording_runs(server: LiveServer, tech: Tech, folder: Path, seconds: float) -> list[Run]:
    """The headless customer's 720p30 pattern and tone into the console, without and
    then with the session recorded for the whole window (the Record button)."""
    runs = []
    for record in (False, True):
        run = Run(
            f"lens-customer 720p -> console, {'recording' if record else 'not recording'}",
            "console",
        )
        run.console_flags = [f"--record={folder / 'recordings'}"] if record else []
        runs.append(await headless_sender_run(server, tech, run, seconds))
        print(f"done: {run.name}", file=sys.stderr, flush=True)
    plain, recorded = runs
    found = recorded.recording
    if found.get("error"):
        raise RuntimeError(f"the recording failed: {found['error']}")
    extra = (recorded.cpu_s - plain.cpu_s) / seconds
    writer = recorded.threads_cpu.get("lens-recorder", 0.0) / seconds
    per_minute = found["bytes"] / 1e6 * 60 / seconds
    recorded.notes.append(
        f"recording: {extra:+.3f} cores for the console process against the run without "
        f"(bar: <= 0.1), of which the writer thread {writer:.3f} cores; "
        f"{per_minute:.1f} MB per minute ({found['video_frames']} video frames, "
        f"{found['dropped']} items dropped, files {found['files']}); load average "
        f"{plain.load:.1f} / {recorded.load:.1f} at the end of each run"
    )
    return runs


async def bench(args: argparse.Namespace) -> list[Run]:
    folder = Path(tempfile.mkdtemp(prefix="lens-media-"))
    tone = write_tone_wav(folder / "tone.wav", freq=440.0, seconds=TONE_SECONDS, marks=True)
    sizes = {"720p": (1280, 720), "1080p": (1920, 1080)}
    server = LiveServer(folder / "server")
    server.smtp.start()
    server.start()
    runs: list[Run] = []
    try:
        tech = await asyncio.to_thread(server.technician)
        async with async_playwright() as pw:
            voice = write_tone_wav(folder / "voice.wav", freq=660.0, seconds=TONE_SECONDS)
            receiver_browser = await launch(pw, None, voice)
            for label in [] if args.receiver == ["none"] else args.only or list(sizes):
                width, height = sizes[label]
                clip = write_y4m(folder / f"{label}.y4m", width, height, CLIP_FPS, CLIP_SECONDS)
                sender = await launch(pw, clip, tone)
                for receiver in args.receiver or ["console", "chromium"]:
                    run = Run(
                        f"Chromium {label} -> {receiver}",
                        receiver,
                        wrap=round(CLIP_FPS * CLIP_SECONDS),
                    )
                    target = None if receiver == "console" else receiver_browser
                    runs.append(
                        await chromium_sender_run(sender, target, server, tech, run, args.seconds)
                    )
                    print(f"done: {run.name}", file=sys.stderr, flush=True)
                for impairment in args.impair if label == "720p" else []:
                    run = impaired_run(label, impairment)
                    runs.append(
                        await chromium_sender_run(sender, None, server, tech, run, args.seconds)
                    )
                    print(f"done: {run.name}", file=sys.stderr, flush=True)
                await sender.close()
                clip.unlink()
                if args.track and label == "720p":
                    runs += await tracking_runs(pw, folder, tone, server, tech, args)
            await receiver_browser.close()
        if not args.skip_headless:
            run = Run("lens-customer 720p -> console", "console")
            runs.append(await headless_sender_run(server, tech, run, args.seconds))
        if args.record:
            runs += await recording_runs(server, tech, folder, args.seconds)
    finally:
        server.close()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description="Media bars on loopback; prints one table.")
    parser.add_argument("--seconds", type=float, default=60.0, help="measurement window")
    parser.add_argument("--only", action="append", choices=["720p", "1080p"])
    parser.add_argument(
        "--receiver",
        action="append",
        choices=["console", "chromium", "none"],
        help="none: no Chromium runs (with --record: only the recording runs)",
    )
    parser.add_argument(
        "--impair",
        action="append",
        default=[],
        help="extra Chromium 720p -> console run on an impaired network, e.g. loss=0.01, "
        "delay=200 (ms, incoming), loss=0.05,delay=200; drops/delays inside the console",
    )
    parser.add_argument("--skip-headless", action="store_true")
    parser.add_argument(
        "--record",
        action="store_true",
        help="two extra runs of the headless customer at 720p30 into the console, without "
        "and with recording: recording's extra CPU (cores) and file size per minute",
    )
    parser.add_argument(
        "--track",
        type=int,
        default=0,
        metavar="N",
        help="two extra runs into the console on a textured moving 720p scene: without, "
        "then with N annotations placed on it and tracked",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        help="py-spy the first console run into this file (.svg flame graph, .txt stacks)",
    )
    parser.add_argument("--native", action="store_true", help="py-spy --native (C frames too)")
    parser.add_argument(
        "--console-flag",
        action="append",
        default=[],
        help="pass a flag to bench/media_console.py, e.g. --console-flag=--gui-loop",
    )
    parser.add_argument(
        "--sender-nice",
        type=int,
        help="run the Chromium sender at this niceness (e.g. -10: a phone has its own CPU)",
    )
    parser.add_argument(
        "--sender-cpus",
        help="experiment: run the Chromium sender on these CPUs only (taskset list, e.g. 0)",
    )
    parser.add_argument(
        "--console-cpus",
        help="experiment: run the console process on these CPUs only (e.g. 1)",
    )
    args = parser.parse_args()
    CONSOLE_FLAGS.extend(args.console_flag)
    for which, cpus in (("sender", args.sender_cpus), ("console", args.console_cpus)):
        if cpus is not None:
            PINNED[which] = cpus
    if args.sender_nice is not None:
        SENDER_NICE["nice"] = args.sender_nice
    if args.native:
        PROFILE_FLAGS.append("--native")  # py-spy cannot combine it with --nonblocking
    else:
        PROFILE_FLAGS.append("--nonblocking")
    if args.profile:
        PROFILE["path"] = PROFILE_TARGET["path"] = args.profile.resolve()
    with PrivateSink() as sink:
        SINK["sink"] = sink
        runs = asyncio.run(bench(args))
    print(f"machine: {platform.node()} {' '.join(os.uname())}, {os.cpu_count()} cores")
    print(f"load average at end: {os.getloadavg()}")
    print(f"window: {args.seconds:.0f} s per run; console flags: {CONSOLE_FLAGS or 'none'}\n")
    print(table(runs))
    for run in runs:
        for note in run.notes:
            print(f"- {run.name}: {note}")


if __name__ == "__main__":
    main()
