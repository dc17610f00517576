"""The console's receive path, alone in its own process, for bench/media.py.

Real parts only: EventSocket on /ws/technician, PeerSession (aiortc answerer) with its
LatestFrameReader, the AudioEngine on PulseAudio, and a VideoPane shown offscreen on a
qasync loop. The process is separate so its CPU time and RSS are the console's alone
(not the server's, nor Playwright's).

Instrumentation, all outside product code:
- a VideoPane subclass notes, after each paintEvent that drew a new frame, the wall
  clock and the stamp read from the painted QImage;
- a JitterBuffer subclass notes when a beep of the customer's tone (the timing marks of
  the fake microphone) enters the buffer, and estimates when it leaves the speaker:
  push time + audio already queued + the output stream's reported latency;
- optionally (--loss, --delay-ms) a wrapper on aiortc's ICE transport datagram send
  and receive drops / delays media packets inside this process (not netem).

Prints READY once the socket is up, then writes a JSON result to --out and exits.
Run by bench/media.py; by hand: python bench/media_console.py --help.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import gc
import itertools
import json
import os
import random
import resource
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import qasync
from PySide6.QtGui import QImage, QPaintEvent
from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lens_customer.pattern import band_height, read_stamp
from lens_desktop.gui_gc import GuiThreadCollector
from lens_desktop.media import audio as audio_module
from lens_desktop.media import playout
from lens_desktop.media.media_loop import CallerLoop
from lens_desktop.media.peer import PeerSession
from lens_desktop.media.recorder import Recorder
from lens_desktop.net.events import EventSocket
from lens_desktop.tools.annotations import AnnotationModel
from lens_desktop.tools.link import AnnotationLink
from lens_desktop.tools.tracking_link import TrackingLink
from lens_desktop.ui.video_pane import VideoPane

FULL_WIDTH = 1280
FULL_WAIT_S = 10.0
FIRST_FRAME_WAIT_S = 20.0
TRACKED_AT = [(0.5, 0.55), (0.25, 0.35), (0.75, 0.35), (0.25, 0.75), (0.75, 0.75)]
"""Where --track places its annotations (normalised; below the stamp band)."""


def wall_ms() -> float:
    return time.time() * 1000.0


def stamp_of(image: QImage) -> tuple[int, int] | None:
    """read_stamp on the top band of a frame's RGB32 QImage (BGRA bytes), without
    copying the frame."""
    width, height = image.width(), image.height()
    rows = min(height, band_height(width))
    line = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=line * rows)
    band = data.reshape(rows, line)[:, : width * 4].reshape(rows, width, 4)[:, :, 2::-1]
    return read_stamp(band)


def thread_cpu() -> dict[str, float]:
    """CPU seconds per thread of this process, named by Python's threading where it
    knows the thread (aiortc's decoder, the frame converter, ...), else by the kernel."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError):
            stat = (task / "stat").read_text()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            tid = int(task.name)
            name = "main (GUI thread)" if tid == os.getpid() else names.get(tid, comm)
            name = name.split("_", 1)[0] if name.startswith("lens-convert") else name
            out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def thread_waits() -> dict[str, float]:
    """Seconds each thread spent runnable but not running (the kernel's schedstat):
    how much the machine's load, not this process, held each thread back."""
    names = {t.native_id: t.name for t in threading.enumerate()}
    out: dict[str, float] = {}
    for task in Path("/proc/self/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            waited = int((task / "schedstat").read_text().split()[1]) / 1e9
            comm = (task / "comm").read_text().strip()
            tid = int(task.name)
            name = "main (GUI thread)" if tid == os.getpid() else names.get(tid, comm)
            name = name.split("_", 1)[0] if name.startswith("lens-convert") else name
            out[name] = out.get(name, 0.0) + waited
    return out


class FeedTrace:
    """What the speaker feed saw in the ~200 ms before each underrun or device underflow:
    per call of ``AudioEngine._feed``, (ms before the event, the device's own reading,
    its counted-down level, audio queued in the buffer, audio written), all in ms. Wraps
    the engine's ``_feed`` on the instance; the product code is unchanged."""

    KEEP = 60
    EVENTS = 6

    def __init__(self, engine: Any) -> None:
        self.recent: collections.deque[tuple[float, ...]] = collections.deque(maxlen=self.KEEP)
        self.events: list[list[tuple[float, ...]]] = []
        feed = engine._feed

        def traced() -> None:
            stream, buffer = engine._output, engine._buffer
            if stream is None or buffer is None:
                feed()
                return
            rate = engine._rate / 1000
            reading = engine._capacity - int(stream.write_available)
            queued, dry, flows = buffer.buffered, buffer.underruns, engine.device_underflows
            feed()  # reads the device again, a moment later: close enough for a trace
            level = max(0, reading - int((engine._clock() - engine._taken_at) * engine._rate))
            wrote = max(0, engine._written - reading)
            self.recent.append(
                (time.time(), reading / rate, level / rate, queued / rate, wrote / rate)
            )
            if (buffer.underruns != dry or engine.device_underflows != flows) and len(
                self.events
            ) < self.EVENTS:
                at = self.recent[-1][0]
                self.events.append(
                    [(round(1000 * (t - at)), *map(round, rest)) for t, *rest in self.recent]
                )

        engine._feed = traced

    def summary(self) -> list[str]:
        return [
            " ".join("/".join(str(v) for v in entry) for entry in event if entry[0] >= -200)
            for event in self.events
        ]


class StealClock:
    """CPU time the hypervisor took from this VM ("steal" in /proc/stat), sampled every
    100 ms on a thread of its own: a vCPU descheduled by the host stalls every thread on
    it, whatever its priority."""

    INTERVAL_S = 0.1

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-steal", daemon=True)
        self._thread.start()

    @staticmethod
    def _steal_ticks() -> int:
        with open("/proc/stat") as stat:
            return int(stat.readline().split()[8])

    def _run(self) -> None:
        while not self._stop.wait(self.INTERVAL_S):
            self.samples.append((time.time(), self._steal_ticks()))

    def summary(self, start_ms: float) -> dict[str, Any]:
        """Stolen seconds (all CPUs), and the 100 ms samples where over 25 ms was taken."""
        self._stop.set()
        tick = 1 / os.sysconf("SC_CLK_TCK")
        pairs = list(itertools.pairwise(self.samples))
        stolen = [(b[0], (b[1] - a[1]) * tick) for a, b in pairs]
        return {
            "seconds": round(sum(s for _, s in stolen), 2),
            "over_25ms_at_s": [
                (round(t - start_ms / 1000, 1), round(1000 * s)) for t, s in stolen if s > 0.025
            ],
        }


class GcClock:
    """Wall time spent in the cyclic garbage collector, per generation."""

    def __init__(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self.longest: list[tuple[float, str]] = []
        """The five longest collections (wall ms, thread): a collection whose thread
        lost its core holds the GIL, and every other thread, until it gets one back."""
        self._started = 0.0
        gc.callbacks.append(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            took = time.perf_counter() - self._started
            self.seconds[info["generation"]] += took
            self.count[info["generation"]] += 1
            entry = (round(1000 * took, 1), threading.current_thread().name)
            self.longest = sorted([*self.longest, entry], reverse=True)[:5]


class BenchPane(VideoPane):
    """The real VideoPane; after each paint of a new frame, logs (counter, stamp_ms,
    wall_ms, width, height)."""

    def __init__(self) -> None:
        super().__init__()
        self.paints: list[tuple[int, int, float, int, int]] = []
        self.unreadable = 0
        self.paint_seconds = 0.0

    def paintEvent(self, event: QPaintEvent) -> None:
        before = self.frames_painted
        started = time.perf_counter()
        super().paintEvent(event)
        self.paint_seconds += time.perf_counter() - started
        frame = self.last_painted_frame
        if self.frames_painted == before or frame is None:
            return
        now = wall_ms()
        stamp = stamp_of(frame.image)
        if stamp is None:
            self.unreadable += 1
            return
        self.paints.append((stamp[0], stamp[1], now, frame.width, frame.height))


class BeepBuffer(playout.JitterBuffer):
    """JitterBuffer that notes when each timing beep should reach the speaker."""

    onsets: list[float] = []
    pushes: list[float] = []
    """time.time() of every push (decoded audio reaching the buffer)"""
    pulls: list[float] = []
    """time.time() of every pull (the engine feeding the device)"""
    pushed: list[int] = []
    """samples of every push, alongside ``pushes``"""
    dry: list[float] = []
    """time.time() of every pull that ran dry (an underrun)"""
    onset_media: list[float] = []
    """media time (s from the stream's first packet) of every beep onset"""
    onset_arrival: list[float] = []
    """ms (time.time()) each beep onset reached the playout buffer"""
    onset_levels: list[tuple[float, float, float]] = []
    """ms queued in the buffer, in the device (as the feed counts it) and the cushion,
    as each beep onset arrived"""

    def __init__(self, rate: int) -> None:
        super().__init__(rate)
        self._envelope = 0.0
        self._last_onset = 0.0

    def pull(self, out: np.ndarray, ahead: int = 0) -> bool:
        BeepBuffer.pulls.append(time.time())
        before = self.underruns
        played = super().pull(out, ahead)
        if self.underruns != before:
            BeepBuffer.dry.append(time.time())
        return played

    def push(self, samples: np.ndarray) -> None:
        queued = self.buffered
        super().push(samples)
        now = time.time()
        BeepBuffer.pushes.append(now)
        BeepBuffer.pushed.append(len(samples))
        peak = float(np.abs(samples).max()) if len(samples) else 0.0
        threshold = max(1.8 * self._envelope, 0.05)
        if self._envelope and peak > threshold and now - self._last_onset > 0.5:
            index = int(np.argmax(np.abs(samples) > threshold))
            delay = (queued + self.ahead + index) / self._rate  # + what the device holds
            BeepBuffer.onsets.append((now + delay) * 1000.0)
            if Lateness.pushes:  # the frame being pushed: its media time, from the playout
                BeepBuffer.onset_media.append(Lateness.pushes[-1][1] + index / self._rate)
                BeepBuffer.onset_arrival.append((now + index / self._rate) * 1000.0)
                BeepBuffer.onset_levels.append(
                    tuple(round(1000 * n / self._rate) for n in (queued, self.ahead, self.cushion))
                )
            self._last_onset = now
        self._envelope = peak if not self._envelope else 0.95 * self._envelope + 0.05 * peak


def arrival_rate(start_ms: float, end_ms: float, engine: Any) -> float | None:
    """Decoded audio that reached the buffer in the window, as % of real time: below
    100 the sender's clock runs slow against this machine's (or it dropped audio)."""
    if engine is None or engine._output is None:
        return None
    rate = engine._output.samplerate
    samples = sum(
        n
        for t, n in zip(BeepBuffer.pushes, BeepBuffer.pushed, strict=True)
        if start_ms <= t * 1000 <= end_ms
    )
    return round(100 * samples / (rate * (end_ms - start_ms) / 1000), 2)


def gap_summary(times: list[float], start_ms: float, end_ms: float) -> dict[str, Any]:
    """Largest interval between consecutive events in the window, and how many
    intervals exceeded 25/50/100 ms (ms)."""
    inside = [t * 1000 for t in times if start_ms <= t * 1000 <= end_ms]
    gaps = [b - a for a, b in itertools.pairwise(inside)]
    over = {f">{limit}": sum(g > limit for g in gaps) for limit in (25, 50, 100)}
    return {"max": round(max(gaps, default=0.0)), **over}


class Lateness:
    """Where audio gets late: each Opus packet's arrival on the media loop (before the
    decoder thread) and each decoded frame's arrival in the playout task, with its media
    time, so both lateness series come out as the console's ``ArrivalLateness`` sees
    them; plus how late the media loop's own 5 ms timer fires (loop lag)."""

    arrivals: list[tuple[float, float]] = []
    pushes: list[tuple[float, float]] = []
    lags: list[tuple[float, float]] = []
    first_timestamp: int | None = None
    audio_ssrc: int | None = None
    reports: list[tuple[float, int]] = []
    """The audio sender's RTCP sender reports: (its wall clock, RTP timestamp then)."""

    @classmethod
    def install(cls) -> None:
        from aiortc.rtcrtpreceiver import RTCRtpReceiver
        from aiortc.rtp import RtcpSrPacket

        from lens_desktop.media import aiortc_receiver

        add = aiortc_receiver.AudioPacketBuffer.add
        arrived = playout.ArrivalLateness.arrived
        handle_rtcp = RTCRtpReceiver._handle_rtcp_packet

        def logged_add(self: Any, packet: Any) -> Any:
            cls.arrivals.append((time.time(), packet.timestamp / 48000))
            if cls.first_timestamp is None:
                cls.first_timestamp, cls.audio_ssrc = packet.timestamp, packet.ssrc
            return add(self, packet)

        async def logged_rtcp(self: Any, packet: Any) -> None:
            if isinstance(packet, RtcpSrPacket) and packet.ssrc == cls.audio_ssrc:
                ntp = packet.sender_info.ntp_timestamp
                wall = (ntp >> 32) - NTP_EPOCH_S + (ntp & 0xFFFFFFFF) / 2**32
                cls.reports.append((wall, packet.sender_info.rtp_timestamp))
            await handle_rtcp(self, packet)

        RTCRtpReceiver._handle_rtcp_packet = logged_rtcp  # type: ignore[method-assign]

        def logged_arrived(self: Any, media_time: float) -> float:
            cls.pushes.append((time.time(), media_time))
            return arrived(self, media_time)

        aiortc_receiver.AudioPacketBuffer.add = logged_add  # type: ignore[method-assign]
        playout.ArrivalLateness.arrived = logged_arrived  # type: ignore[method-assign]

    @classmethod
    async def probe_loop(cls) -> None:
        """On the media loop: a 5 ms timer, noting how late each one fires."""
        while True:
            before = time.monotonic()
            await asyncio.sleep(0.005)
            cls.lags.append((time.time(), time.monotonic() - before - 0.005))

    @staticmethod
    def late_ms(series: list[tuple[float, float]]) -> Iterator[tuple[float, float]]:
        """(time, lateness in ms) of each arrival: arrival minus media time, above the
        least of the previous ``LATENESS_BASE_WINDOW_S`` (a sliding minimum)."""
        window: collections.deque[tuple[float, float]] = collections.deque()
        for t, media in series:
            relative = t - media
            while window and window[0][0] < t - playout.LATENESS_BASE_WINDOW_S:
                window.popleft()
            while window and window[-1][1] >= relative:
                window.pop()
            window.append((t, relative))
            yield t, 1000 * (relative - window[0][1])

    @classmethod
    def summary(
        cls, series: list[tuple[float, float]], start_ms: float, end_ms: float
    ) -> dict[str, Any]:
        """Lateness in the window: p50 / p99 / max and how many were over 30 / 50 ms."""
        return quantile_summary(
            [late for t, late in cls.late_ms(series) if start_ms <= t * 1000 <= end_ms]
        )

    @classmethod
    def captured_ms(cls, media_times: list[float]) -> list[float]:
        """When the sender captured each of ``media_times`` (s from the stream's first
        packet), by its own clock: the RTP timestamp mapped through the sender report
        nearest in time (the sender's clock is this machine's: same host)."""
        if cls.first_timestamp is None or not cls.reports:
            return []
        out = []
        for media in media_times:
            rtp = (cls.first_timestamp + round(media * 48000)) % 2**32
            wall, at = min(cls.reports, key=lambda r: abs(uint32_delta(rtp, r[1])))
            out.append(1000 * (wall + uint32_delta(rtp, at) / 48000))
        return out

    @classmethod
    def late_at(cls, start_ms: float, end_ms: float, over_ms: float = 50.0) -> list[float]:
        """When (s into the window) audio packets came over ``over_ms`` late, one entry
        per late burst."""
        out: list[float] = []
        for t, late in cls.late_ms(cls.arrivals):
            at = t - start_ms / 1000
            if (
                late > over_ms
                and start_ms <= t * 1000 <= end_ms
                and (not out or at - out[-1] > 0.5)
            ):
                out.append(round(at, 1))
        return out

    @classmethod
    def stalls(cls, start_ms: float, end_ms: float, over_ms: float = 50.0) -> list[list[float]]:
        """[s into the window, ms] of each time the media loop's timer fired over
        ``over_ms`` late, from the console's READY on (negative: before the window)."""
        return [
            [round(t - start_ms / 1000, 2), round(1000 * lag)]
            for t, lag in cls.lags
            if 1000 * lag > over_ms and t * 1000 <= end_ms
        ]

    @staticmethod
    def lag_summary(start_ms: float, end_ms: float) -> dict[str, Any]:
        lags = [1000 * lag for t, lag in Lateness.lags if start_ms <= t * 1000 <= end_ms]
        return quantile_summary(lags)


class GilWatch:
    """Who keeps a real-time thread from running: a real-time thread that only sleeps
    5 ms at a time; when it wakes over 20 ms late it notes where every other thread is
    (``sys._current_frames``). The thread that held the GIL (or the CPU) that long is
    left just past what held it; threads parked in a wait are skipped."""

    events: list[tuple[float, float, list[str]]] = []
    IDLE = ("wait", "select", "_worker", "sleep", "get", "recv", "poll", "_bootstrap", "run")

    @classmethod
    def start(cls) -> None:
        threading.Thread(target=cls._watch, name="gil-watch", daemon=True).start()

    @classmethod
    def _watch(cls) -> None:
        with contextlib.suppress(OSError):
            os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(20))
        me = threading.get_ident()
        names = {}
        while True:
            before = time.monotonic()
            time.sleep(0.005)
            lag = time.monotonic() - before - 0.005
            if lag < 0.020:
                continue
            names.update({t.ident: t.name for t in threading.enumerate()})
            where = []
            for ident, frame in sys._current_frames().items():
                if ident == me or frame.f_code.co_name in cls.IDLE:
                    continue
                where.append(
                    f"{names.get(ident, ident)}: {frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} {frame.f_code.co_name}"
                )
            cls.events.append((time.time(), lag, where))

    @classmethod
    def summary(cls, start_ms: float, end_ms: float) -> dict[str, Any]:
        inside = [(lag, where) for t, lag, where in cls.events if start_ms <= t * 1000 <= end_ms]
        places = collections.Counter(w for _, where in inside for w in where)
        return {
            "wakes over 20 ms late": len(inside),
            "max ms": round(1000 * max((lag for lag, _ in inside), default=0.0)),
            "threads seen busy then": dict(places.most_common(8)),
        }


def normal_priority_threads() -> Iterator[int]:
    """Native ids of the process's normal-priority Python threads (GUI, video decoder,
    converter, executors): they all take the GIL the real-time ones wait for."""
    for thread in threading.enumerate():
        tid = thread.native_id
        if tid is not None and os.sched_getscheduler(tid) == os.SCHED_OTHER:
            yield tid


def renice_helpers(nice: int) -> None:
    """Experiment: every normal-priority thread of the process at ``nice``."""
    for tid in list(normal_priority_threads()):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, tid, nice)


def realtime_helpers(priority: int) -> None:
    """Experiment: every normal-priority thread of the process at SCHED_RR ``priority``
    (below the media thread's), so none of them loses its core while holding the GIL."""
    for tid in list(normal_priority_threads()):
        with contextlib.suppress(OSError):
            os.sched_setscheduler(tid, os.SCHED_RR, os.sched_param(priority))


NTP_EPOCH_S = 2_208_988_800
"""Seconds from 1900 (NTP) to 1970 (Unix)."""


def uint32_delta(a: int, b: int) -> int:
    """a - b for RTP timestamps, across the 32-bit wrap."""
    return (a - b + 2**31) % 2**32 - 2**31


def quantile_summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {}
    ordered = sorted(values)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)  # noqa: E731
    return {
        "p50": pick(0.5),
        "p99": pick(0.99),
        "max": round(ordered[-1], 1),
        ">30": sum(v > 30 for v in values),
        ">50": sum(v > 50 for v in values),
    }


def is_media(data: bytes) -> bool:
    """SRTP/SRTCP (first byte 128-191, RFC 7983); DTLS and STUN are left alone so the
    connection still sets up."""
    return bool(data) and 128 <= data[0] <= 191


def lossy_send(send: Callable[[bytes], Any], loss: float, rng: random.Random) -> Any:
    async def sendto(data: bytes) -> None:
        if is_media(data) and rng.random() < loss:
            return
        await send(data)

    return sendto


def lossy_recv(recv: Callable[[], Any], loss: float, delay_s: float, rng: random.Random) -> Any:
    """Drops `loss` of incoming media packets and releases the rest `delay_s` late; a
    pump task keeps reading meanwhile, so the delay does not cap throughput."""
    queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
    pump: list[asyncio.Task[None]] = []

    async def read() -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                data = await recv()
            except BaseException as exc:  # ends the connection: hand it on, in order
                loop.call_later(delay_s, queue.put_nowait, exc)
                return
            if not (is_media(data) and rng.random() < loss):
                loop.call_later(delay_s, queue.put_nowait, data)

    async def receive() -> bytes:
        if not pump:
            pump.append(asyncio.ensure_future(read()))
        item = await queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    return receive


def impair_network(loss: float, delay_ms: float) -> None:
    """Every ICE transport of this process loses `loss` of the media packets it sends
    and receives, and gets incoming packets `delay_ms` late: an in-process stand-in for
    netem, wrapped around aiortc's RTCIceTransport datagram send/recv."""
    from aiortc import rtcicetransport

    original = rtcicetransport.RTCIceTransport.__init__
    rng = random.Random(1)

    def patched(self: Any, gatherer: Any) -> None:
        original(self, gatherer)
        self._send = lossy_send(self._send, loss, rng)
        self._recv = lossy_recv(self._recv, loss, delay_ms / 1000, rng)

    rtcicetransport.RTCIceTransport.__init__ = patched  # type: ignore[method-assign]


def stock_receive_path(buffers: bool, watchdog: bool) -> None:
    """Experiment (before/after in one table): keep aiortc's own jitter buffers
    (`buffers`) and/or drop the console's keyframe watchdog (`watchdog`)."""
    from lens_desktop.media import aiortc_receiver, keyframes

    if buffers:

        def keep(receiver: Any, kind: str) -> Any:
            return getattr(receiver, aiortc_receiver.BUFFER_ATTRIBUTE)

        aiortc_receiver.install = keep  # type: ignore[assignment]
    if watchdog:

        async def never(self: Any, interval: float = 0.1) -> None:
            await asyncio.Event().wait()

        keyframes.KeyframeWatchdog.run = never  # type: ignore[method-assign]


class Receiver:
    """Wires the real console parts together for one session."""

    def __init__(
        self, args: argparse.Namespace, pane: BenchPane, show: Callable[[Any], None]
    ) -> None:
        self.args = args
        self.pane = pane
        self.socket = EventSocket()
        self.engine = self._audio_engine()
        self.feed_trace = FeedTrace(self.engine) if self.engine is not None else None
        media = CallerLoop() if args.gui_loop else None
        self.peer = PeerSession(args.session_id, [], self._send, audio=self.engine, media=media)
        self.peer.frame_ready.connect(show)
        if not args.paint_scales:  # as the session tab: frames come at the pane's size
            pane.display_area_changed.connect(self.peer.set_display_area)
            self.peer.set_display_area(pane.display_area())
        self.stats: dict[str, Any] = {}
        self.peer.stats_changed.connect(self.stats.update)
        self.socket.signal_received.connect(self._on_signal)
        self._tasks: set[asyncio.Task[None]] = set()
        self.tracking: TrackingLink | None = None
        self.annotation_link: AnnotationLink | None = None

    def finish_recording(self, recorder: Recorder | None) -> dict[str, Any]:
        """Stop the window's recording; what it wrote."""
        if recorder is None:
            return {}
        self.peer.set_recorder(None)
        recorder.stop()
        return {
            "bytes": recorder.bytes_written,
            "files": [str(p) for p in recorder.files],
            "video_frames": recorder.video_frames,
            "dropped": recorder.dropped,
            "error": recorder.error,
        }

    def place_annotations(self, count: int) -> None:
        """As the session tab does: a model mirrored to the phone, its annotations
        tracked on the decoded frames; ``count`` drawn on the picture on screen (markers
        and rectangles in turn)."""
        model = AnnotationModel()
        self.annotation_link = AnnotationLink(model, self.peer.send_control)
        pane = self.pane
        self.tracking = TrackingLink(
            model, self.peer.set_frame_tap, lambda: pane.last_painted_frame or pane.frame
        )
        for n in range(count):
            x, y = TRACKED_AT[n % len(TRACKED_AT)]
            if n % 2:
                model.add("rectangle", [(x - 0.05, y - 0.05), (x + 0.05, y + 0.05)])
            else:
                model.add("marker", [(x, y)])

    def tracking_counters(self) -> dict[str, Any]:
        link = self.tracking
        worker = link.worker if link is not None else None
        if link is None or worker is None:
            return {}
        shown = sum(1 for a in link.model.annotations() if a.visible)
        return {
            "busy_s": worker.busy_s,
            "tracked": worker.frames_tracked,
            "skipped": worker.frames_skipped,
            "submitted": worker.frames_submitted,
            "places": link.places,
            "places_skipped": link.places_skipped,
            "shown": shown,
            "anchored": len(link.anchors),
        }

    def _audio_engine(self) -> audio_module.AudioEngine | None:
        if self.args.no_audio:
            return None
        audio_module.JitterBuffer = BeepBuffer  # type: ignore[misc]
        if self.args.no_realtime:
            audio_module.request_realtime = lambda: False
        if self.args.output_capacity_ms is not None:
            audio_module.OUTPUT_CAPACITY_S = self.args.output_capacity_ms / 1000
        if self.args.output_block_ms is not None:
            audio_module.OUTPUT_BLOCK_S = self.args.output_block_ms / 1000
        if self.args.jitter_target_ms is not None:
            playout.JITTER_TARGET_S = self.args.jitter_target_ms / 1000
        if self.args.jitter_keep_ms is not None:
            playout.JITTER_KEEP_S = self.args.jitter_keep_ms / 1000
        if self.args.jitter_start_ms is not None:
            playout.JITTER_START_CUSHION_S = self.args.jitter_start_ms / 1000
        if self.args.lateness_margin_ms is not None:
            playout.LATENESS_MARGIN_S = self.args.lateness_margin_ms / 1000
        return audio_module.AudioEngine()

    def _send(self, data: dict[str, Any]) -> None:
        self.socket.send_signal(self.args.session_id, data)

    def _on_signal(self, session_id: str, data: dict[str, Any]) -> None:
        if session_id == self.args.session_id:
            task = asyncio.ensure_future(self.peer.handle_signal(data))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def wait(self, condition: Any, timeout: float) -> bool:
        """Polls a condition on the loop every 10 ms (Qt paints are not awaitable)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.01)
        return True

    async def run(self) -> dict[str, Any]:
        self.socket.start(self.args.url, self.args.token)
        await self.wait(lambda: self.socket.state == "connected", 10)
        print("READY", flush=True)
        # The media loop's timer is watched from here, so stalls before the window (the
        # call's start, the first frame) are seen too.
        media_loop = self.peer._media._loop
        probe = asyncio.run_coroutine_threadsafe(Lateness.probe_loop(), media_loop)
        try:
            first = await self.wait(lambda: bool(self.pane.paints), FIRST_FRAME_WAIT_S)
            if first:
                await self.wait(lambda: self.pane.paints[-1][3] >= FULL_WIDTH, FULL_WAIT_S)
            if first and self.args.track:
                self.place_annotations(self.args.track)
                await asyncio.sleep(1.0)  # anchored and tracking before the window
            result = await self.measure() if first else {"error": "no frame painted"}
        finally:
            media_loop.call_soon_threadsafe(probe.cancel)
        await self.close()
        return result

    async def measure(self) -> dict[str, Any]:
        setup_started = time.monotonic()
        counters_before = self.audio_counters()
        stats_before = dict(self.stats)
        gc_clock = GcClock()
        paint0, threads0, waits0 = self.pane.paint_seconds, thread_cpu(), thread_waits()
        if self.args.nice_helpers is not None:
            renice_helpers(self.args.nice_helpers)
        if self.args.gui_nice is not None:
            os.setpriority(
                os.PRIO_PROCESS, threading.main_thread().native_id or 0, self.args.gui_nice
            )
        if self.args.convert_nice is not None and self.peer.reader is not None:
            nice = self.args.convert_nice
            self.peer.reader._executor.submit(
                lambda: os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
            ).result()
        if self.args.rt_helpers is not None:
            realtime_helpers(self.args.rt_helpers)
        steal = StealClock()
        tracking0 = self.tracking_counters()
        recorder = None
        if self.args.record:  # as the session tab's Record button, for the whole window
            recorder = Recorder(Path(self.args.record), "bench", self.args.session_id)
            self.peer.set_recorder(recorder)
        start_ms, cpu0 = wall_ms(), time.process_time()
        setup_ms = 1000 * (time.monotonic() - setup_started)
        await asyncio.sleep(self.args.seconds)  # the measurement window itself
        end_ms, cpu1 = wall_ms(), time.process_time()
        tracking1 = self.tracking_counters()
        threads1, waits1 = thread_cpu(), thread_waits()
        recording = self.finish_recording(recorder)
        waits = {k: round(v - waits0.get(k, 0.0), 2) for k, v in waits1.items()}
        threads = {k: round(v - threads0.get(k, 0.0), 2) for k, v in threads1.items()}
        reader = self.peer.reader
        self.last_reader = reader
        return {
            "window_ms": [start_ms, end_ms],
            "cpu_s": cpu1 - cpu0,
            "recording": recording,
            "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            "paints": self.pane.paints,
            "unreadable": self.pane.unreadable,
            "received": reader.frames_received if reader else 0,
            "dropped_in_reader": reader.frames_dropped if reader else 0,
            **{
                k: v - counters_before[k] if isinstance(v, int) else v
                for k, v in self.audio_counters().items()
            },
            "keyframe_requests": self.stat_delta("keyframe_requests", stats_before),
            "video_holes_skipped": self.stat_delta("video_holes_skipped", stats_before),
            "video_hole_timeout_ms": self.stats.get("video_hole_timeout_ms"),
            "video_packets_asked_again": self.stat_delta("video_packets_asked_again", stats_before),
            "audio_frames": self.engine.frames_played if self.engine else 0,
            "beeps_out_ms": BeepBuffer.onsets,
            "beeps_captured_ms": Lateness.captured_ms(BeepBuffer.onset_media),
            "beeps_arrived_ms": BeepBuffer.onset_arrival,
            "beep_levels_ms": BeepBuffer.onset_levels,
            "feed_trace": self.feed_trace.summary() if self.feed_trace else [],
            "late_at_s": Lateness.late_at(start_ms, end_ms),
            "loop_stalls_at_s": Lateness.stalls(start_ms, end_ms),
            "window_setup_ms": round(setup_ms, 1),
            "first_paint_at_s": round((self.pane.paints[0][2] - start_ms) / 1000, 2),
            "sender_reports": len(Lateness.reports),
            "push_gaps_ms": gap_summary(BeepBuffer.pushes, start_ms, end_ms),
            "feed_gaps_ms": gap_summary(BeepBuffer.pulls, start_ms, end_ms),
            "lateness_ms": {
                "packet arrival": Lateness.summary(Lateness.arrivals, start_ms, end_ms),
                "decoded frame": Lateness.summary(Lateness.pushes, start_ms, end_ms),
                "media loop timer": Lateness.lag_summary(start_ms, end_ms),
            },
            **({"gil_watch": GilWatch.summary(start_ms, end_ms)} if self.args.gil_watch else {}),
            "arrival_rate_pct": arrival_rate(start_ms, end_ms, self.engine),
            "media_priority": getattr(self.peer._media, "priority", None),
            "underruns_at_s": [
                round(t - start_ms / 1000, 1) for t in BeepBuffer.dry if start_ms <= t * 1000
            ],
            **(
                {
                    "cushion_ms": round(1000 * buffer.cushion / buffer._rate, 1),
                    "lateness_peak_ms": round(1000 * buffer._lateness / buffer._rate, 1),
                }
                if (buffer := getattr(self.engine, "_buffer", None)) is not None
                else {}
            ),
            "output_latency_s": self.engine.output_latency if self.engine else 0.0,
            "paint_s": self.pane.paint_seconds - paint0,
            "tracking": {
                k: v - tracking0.get(k, 0) if k not in ("shown", "anchored") else v
                for k, v in tracking1.items()
            },
            "gc_s": gc_clock.seconds,
            "steal": steal.summary(start_ms),
            "gc_count": gc_clock.count,
            "gc_longest_ms": gc_clock.longest,
            "threads_wait_s": {k: v for k, v in sorted(waits.items(), key=lambda kv: -kv[1]) if v},
            "threads_cpu_s": {k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if v},
        }

    def audio_counters(self) -> dict[str, Any]:
        """The engine's own counters (product code), differenced over the window."""
        engine = self.engine
        if engine is None:
            return {}
        buffer = engine._buffer
        return {
            "underruns": engine.buffer_underruns,
            "device_underflows": engine.device_underflows,
            "mic_overflows": engine.mic_overflows,
            "realtime": engine.realtime_threads,
            "trimmed_samples": buffer.trimmed_samples if buffer else 0,
            "concealed_samples": buffer.concealed_samples if buffer else 0,
            "stretched_samples": buffer.stretched_samples if buffer else 0,
        }

    def stat_delta(self, key: str, before: dict[str, Any]) -> Any:
        """A counter of the console's stats line over the window (sampled once a second,
        so +-1 s at the edges); None when the line has no such key."""
        if key not in self.stats:
            return None
        return self.stats[key] - before.get(key, 0)

    async def close(self) -> None:
        if self.tracking is not None:
            self.tracking.close()
        if self.annotation_link is not None:
            self.annotation_link.close()
        await self.peer.close()
        if self.engine is not None:
            await self.engine.close()
        await self.socket.close()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--session-id", required=True)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--out", required=True)
    parser.add_argument("--no-audio", action="store_true")
    parser.add_argument(
        "--track",
        type=int,
        default=0,
        help="place this many annotations on the picture (tracked) before the window",
    )
    parser.add_argument("--loss", type=float, default=0.0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument(
        "--pane",
        default=f"{FULL_WIDTH}x720",
        help="the video pane's size, WxH (default: the stream's, so nothing is scaled)",
    )
    parser.add_argument(
        "--paint-scales",
        action="store_true",
        help="experiment: frames at the stream's size, scaled while painting (before)",
    )
    parser.add_argument(
        "--gui-loop",
        action="store_true",
        help="experiment: media on the GUI thread's qasync loop (before the media thread)",
    )
    parser.add_argument(
        "--media-priority",
        choices=["realtime", "nice", "normal"],
        help="experiment: the highest priority the media thread may ask for",
    )
    parser.add_argument(
        "--jitter-target-ms", type=float, help="experiment: AudioEngine jitter buffer target"
    )
    parser.add_argument(
        "--jitter-keep-ms", type=float, help="experiment: AudioEngine jitter buffer cushion"
    )
    parser.add_argument(
        "--jitter-start-ms", type=float, help="experiment: the cushion a new buffer starts with"
    )
    parser.add_argument(
        "--auto-gc",
        action="store_true",
        help="experiment: Python's automatic cyclic GC (any thread), as before gui_gc",
    )
    parser.add_argument(
        "--gui-nice", type=int, help="experiment: nice value of the GUI thread alone"
    )
    parser.add_argument(
        "--convert-nice", type=int, help="experiment: nice value of the frame converter"
    )
    parser.add_argument(
        "--lateness-margin-ms",
        type=float,
        help="experiment: reserve kept above the peak arrival lateness (playout)",
    )
    parser.add_argument(
        "--output-capacity-ms", type=float, help="experiment: PortAudio output buffer asked for"
    )
    parser.add_argument(
        "--output-block-ms", type=float, help="experiment: PortAudio output block size"
    )
    parser.add_argument(
        "--switch-interval-ms", type=float, help="experiment: sys.setswitchinterval"
    )
    parser.add_argument(
        "--no-realtime",
        action="store_true",
        help="experiment: leave PortAudio's (microphone) callback thread at normal priority",
    )
    parser.add_argument(
        "--stock-buffers",
        action="store_true",
        help="experiment: keep aiortc's own receive jitter buffers (the 'before')",
    )
    parser.add_argument(
        "--nice-helpers",
        type=int,
        help="experiment: renice the process's normal-priority threads at the window start",
    )
    parser.add_argument(
        "--rt-helpers",
        type=int,
        help="experiment: SCHED_RR for the process's normal-priority threads at the window start",
    )
    parser.add_argument(
        "--gil-watch",
        action="store_true",
        help="diagnosis: note where the other threads are when a real-time thread wakes late",
    )
    parser.add_argument(
        "--record",
        metavar="FOLDER",
        help="record the session into FOLDER for the whole window (the Record button)",
    )
    parser.add_argument(
        "--no-keyframe-watchdog",
        action="store_true",
        help="experiment: no PLI when the picture stops",
    )
    return parser.parse_args()


def make_pane(size: str) -> BenchPane:
    width, height = (int(n) for n in size.lower().split("x"))
    pane = BenchPane()
    pane.resize(width, height)
    pane.show()
    return pane


def run_qasync(args: argparse.Namespace) -> dict[str, Any]:
    """As the console runs: a qasync loop on the GUI thread for the UI and signaling,
    the media thread for aiortc and audio (or, with --gui-loop, the GUI loop for all)."""
    app = QApplication([])
    if not args.auto_gc:
        GuiThreadCollector(app)  # as run_console: cyclic GC on the GUI thread only
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    pane = make_pane(args.pane)
    with loop:
        return dict(loop.run_until_complete(Receiver(args, pane, pane.show_frame).run()))


def media_priority(highest: str | None) -> None:
    """Experiment: cap what the media thread asks for (realtime > nice > normal)."""
    from lens_desktop.media import media_loop

    if highest is not None:
        allowed = media_loop.PRIORITIES[media_loop.PRIORITIES.index(highest) :]
        media_loop.MediaLoop.__init__.__defaults__ = ("lens-media", allowed)


def main() -> None:
    args = parse_args()
    media_priority(args.media_priority)
    if args.loss or args.delay_ms:
        impair_network(args.loss, args.delay_ms)
    if args.switch_interval_ms:
        sys.setswitchinterval(args.switch_interval_ms / 1000)
    if args.stock_buffers or args.no_keyframe_watchdog:
        stock_receive_path(args.stock_buffers, args.no_keyframe_watchdog)
    Lateness.install()
    if args.gil_watch:
        GilWatch.start()
    result = run_qasync(args)
    Path(args.out).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
