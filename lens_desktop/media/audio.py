"""Two-way session audio through PortAudio (sounddevice).

Playback: decoded frames of the customer's voice are handed to the callable that
:meth:`AudioEngine.start_playout` returns, the moment their packet arrived
(``aiortc_receiver.AudioPacketBuffer`` decodes on the receiving loop; a plain track,
as in tests, goes through :meth:`AudioEngine.play_track`). They are resampled with
``av.AudioResampler`` to the output device's rate and pushed into a
:class:`~lens_desktop.media.playout.JitterBuffer`, the one time-based audio buffer of
the console, which also hears how late each frame came. A frame the network lost
shows up as a gap in the frames' pts, and the buffer conceals it.

The device is fed, not polled (docs/decisions/0010): the output stream is a blocking
PortAudio stream with room for the whole reserve (``OUTPUT_CAPACITY_S``), topped up
from the jitter buffer on the receiving loop as audio arrives and every
``FEED_INTERVAL_S``, up to the buffer's cushion. The reserve against late audio thus
sits in the device (or the sound server behind it), which plays on while this process
is held up; the jitter buffer counts it as part of its level. With PortAudio's output
callback, which needs the GIL, the device needed a reserve of its own (40 ms) against
the process being held up, on top of the jitter buffer's against late packets, though
both come from the same stalls. A device that ran dry anyway (PortAudio's
``output_underflow``) is counted in :attr:`AudioEngine.device_underflows`.

Microphone: a PortAudio input stream delivers 20 ms blocks of 48 kHz mono s16 in its
own thread; they reach the asyncio loop only via ``call_soon_threadsafe`` and are sent
as aiortc audio frames by :class:`MicrophoneTrack`.

Loops: playback and the microphone track run on the loop that asked for them (the
media thread's, when a ``PeerSession`` drives the engine); :meth:`AudioEngine.close`
may be awaited from any loop and stops them on theirs. No Qt here, and no loop objects
touched from PortAudio threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from PySide6.QtCore import QCoreApplication

from lens_desktop.media.media_loop import set_realtime
from lens_desktop.media.playout import ArrivalLateness, JitterBuffer, missing_samples

log = logging.getLogger(__name__)

MIC_RATE = 48_000
MIC_BLOCK = 960
"""20 ms at 48 kHz: one Opus frame per block, no re-chunking needed."""
OUTPUT_CAPACITY_S = 0.100
"""Device buffer asked for: about the largest cushion (``JITTER_CUSHION_MAX_S``); how
much of it is filled is the jitter buffer's decision, and what does not fit waits in
the jitter buffer. A larger buffer makes PulseAudio take larger gulps (40 ms at
150 ms against 30 ms at 100 ms)."""
OUTPUT_BLOCK_S = 0.010
"""The unit written to the device."""
DEVICE_FLOOR_S = 0.010
"""Below this much queued in the device the feed writes even without a whole block of
audio (the jitter buffer's silence or concealment) rather than let the device run dry:
a device that runs dry restarts, and that costs more than the gap."""
FEED_INTERVAL_S = 0.005
"""How often the device is topped up between arrivals."""
CALLBACK_PRIORITY = 10
"""SCHED_FIFO priority asked for PortAudio's callback threads (rtkit grants up to 20)."""
MIC_QUEUE_MAX = 10
"""Blocks kept when the sender lags (200 ms); older ones are dropped."""


UNAVAILABLE = "Audio unavailable: "
"""The lead-in of every reason, kept English: the session tab replaces it with its own
translated one and shows the (translated) detail after it."""
translate = QCoreApplication.translate


class AudioUnavailable(RuntimeError):
    """PortAudio or a sound device cannot be used; the message says why for a person."""


def load_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio into a readable error."""
    try:
        import sounddevice
    except OSError as exc:
        detail = translate(
            "Audio", "PortAudio library not found (install libportaudio2). Video still works."
        )
        raise AudioUnavailable(UNAVAILABLE + detail) from exc
    return sounddevice


@dataclass(frozen=True)
class AudioStatus:
    """What the machine offers for audio, for the settings page and the status bar."""

    available: bool
    reason: str
    inputs: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def request_realtime() -> bool:
    """Ask for real-time scheduling of the calling thread, as audio programs do.

    On a loaded machine the callback threads waited several times their CPU time for
    a core (docs/performance.md), and a late callback is a click. Allowed for root,
    with an ``rtprio`` limit (the ``audio`` group on many distributions) or via
    ``CAP_SYS_NICE``; elsewhere it is refused and the thread stays as it was.
    """
    return set_realtime(0, CALLBACK_PRIORITY)


SOUND_CLIENT_THREADS = ("threaded-ml",)
"""Threads the sound system's client library starts inside our process: libpulse's
mainloop (behind ALSA's pulse plugin), which carries every block between PortAudio
and the sound server. It waited for a core 6-8 s a minute on a busy machine, the most
of any thread (docs/performance.md), and the speaker ran dry meanwhile."""


def prioritise_sound_client_threads(names: tuple[str, ...] = SOUND_CLIENT_THREADS) -> int:
    """Ask for real-time scheduling (as for the callbacks) for the sound library's own
    threads in this process, found by name (Linux); how many got it."""
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return 0
    done = 0
    for task in tasks.iterdir():
        with contextlib.suppress(OSError, ValueError):
            if (task / "comm").read_text().strip() not in names:
                continue
            tid = int(task.name)
            if os.sched_getscheduler(tid) != os.SCHED_OTHER or set_realtime(tid, CALLBACK_PRIORITY):
                done += 1
    return done


class MicrophoneTrack(MediaStreamTrack):
    """aiortc audio track fed by the engine's input stream (48 kHz mono s16, 20 ms)."""

    kind = "audio"

    def __init__(self, engine: AudioEngine) -> None:
        super().__init__()
        self._engine = engine
        self._queue: asyncio.Queue[np.ndarray | None] = asyncio.Queue()
        self._pts = 0
        self.blocks_dropped = 0

    def feed(self, block: np.ndarray | None) -> None:
        """Called on the loop (via call_soon_threadsafe) with each captured block."""
        if self._queue.qsize() >= MIC_QUEUE_MAX:
            self._queue.get_nowait()
            self.blocks_dropped += 1
        self._queue.put_nowait(block)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        block = await self._queue.get()
        if block is None:
            self.stop()
            raise MediaStreamError
        if self._engine.mic_muted:
            block = np.zeros_like(block)
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = MIC_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, MIC_RATE)
        self._pts += frame.samples
        tap = self._engine.mic_tap
        if tap is not None:
            try:
                tap(frame)
            except Exception:  # the recorder's fault must never stop the microphone
                log.exception("the microphone tap failed")
        return frame

    def stop(self) -> None:
        """End the track and wake a pending ``recv`` so the sender stops too."""
        if self.readyState == "live":
            self._queue.put_nowait(None)
        super().stop()
        self._engine._forget_mic(self)


class _Playout:
    """One stream's decoded frames into the jitter buffer: how late each came, what
    was lost before it (concealed), resampled to the device's rate."""

    def __init__(self, engine: AudioEngine, buffer: JitterBuffer, rate: int) -> None:
        self._engine = engine
        self._buffer = buffer
        self._rate = rate
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
        self._expected: int | None = None
        self._lateness = ArrivalLateness()

    def __call__(self, frame: av.AudioFrame) -> None:
        if self._engine._playout is not self:
            return  # a connection that was replaced still delivering: not ours to play
        buffer = self._buffer
        if frame.pts is not None and frame.time_base is not None:
            buffer.expect_lateness(self._lateness.arrived(float(frame.pts * frame.time_base)))
        buffer.conceal(missing_samples(self._expected, frame, self._rate))
        self._expected = None if frame.pts is None else frame.pts + frame.samples
        for out in self._resampler.resample(frame):
            buffer.push(out.to_ndarray().reshape(-1).astype(np.float32))
        self._engine.frames_played += 1
        self._engine._feed()


class AudioEngine:
    """Speaker and microphone of the console for the active session."""

    def __init__(self, input_device: str | None = None, output_device: str | None = None):
        self._sd = load_sounddevice()
        self.input_device = input_device
        self.output_device = output_device
        self.mic_muted = False
        self.speaker_muted = False
        self.mic_tap: Callable[[av.AudioFrame], None] | None = None
        """Called on the loop with every microphone frame sent (as sent: silence while
        muted); the session recorder's, which must not block."""
        self._volume = 1.0
        self._output: Any = None
        self._capacity = 0
        """Samples the output stream holds (its free space right after it started)."""
        self._block = np.zeros(0, dtype=np.float32)
        self._floor = 0
        self._rate = 0
        self._written = 0
        """The device's level as it read after the last write."""
        self._taken_at = 0.0
        """When the device's level was last seen to fall (the sound server took audio)."""
        self._clock = time.monotonic
        self._feeder: asyncio.TimerHandle | None = None
        self._feed_loop: asyncio.AbstractEventLoop | None = None
        self._input: Any = None
        self._buffer: JitterBuffer | None = None
        self._player: asyncio.Task[None] | None = None
        self._playout: _Playout | None = None
        """The stream now playing; an older one's frames are dropped."""
        self._mic: MicrophoneTrack | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.frames_played = 0
        """aiortc audio frames received and queued for the speaker."""
        self.samples_output = 0
        self.device_underflows = 0
        """PortAudio's ``output_underflow``: the device ran dry (an audible gap)
        before the feed came back to it."""
        self.mic_overflows = 0
        """PortAudio's ``input_overflow``: microphone samples lost before we read them."""
        self.realtime_threads: dict[str, bool] = {}
        """"input": whether the microphone's callback thread got real-time scheduling
        (see :func:`request_realtime`); "sound client": whether the sound library's own
        threads did (:func:`prioritise_sound_client_threads`). The speaker has no
        thread of its own: it is fed on the receiving loop."""
        self._callback_threads: dict[str, int] = {}
        self._closed = False

    # -- device discovery -------------------------------------------------------------

    @staticmethod
    def probe() -> AudioStatus:
        """Whether audio can work here, and the devices a technician may pick."""
        try:
            sd = load_sounddevice()
            devices = list(sd.query_devices())
        except AudioUnavailable as exc:
            return AudioStatus(False, str(exc))
        except Exception as exc:  # PortAudioError and friends: report, never crash the UI
            return AudioStatus(False, UNAVAILABLE + str(exc))
        inputs = [d["name"] for d in devices if d["max_input_channels"] > 0]
        outputs = [d["name"] for d in devices if d["max_output_channels"] > 0]
        if not outputs and not inputs:
            return AudioStatus(False, UNAVAILABLE + translate("Audio", "no sound devices found."))
        return AudioStatus(True, "", inputs, outputs)

    # -- properties -------------------------------------------------------------------

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, value: float) -> None:
        self._volume = min(1.0, max(0.0, float(value)))

    @property
    def buffer_underruns(self) -> int:
        """Times the jitter buffer ran dry (network or decoder late)."""
        return self._buffer.underruns if self._buffer is not None else 0

    @property
    def underruns(self) -> int:
        """Gaps a listener hears: the jitter buffer ran dry, or the device did."""
        return self.buffer_underruns + self.device_underflows

    @property
    def output_latency(self) -> float:
        """Seconds of audio the output stream can hold (PortAudio's figure)."""
        return float(getattr(self._output, "latency", 0.0) or 0.0)

    def stats(self) -> dict[str, Any]:
        """Counters for the session's statistics line (see lens_desktop.media.stats)."""
        buffer = self._buffer
        rate = int(self._output.samplerate) if self._output is not None else 0
        queued = (buffer.buffered + buffer.ahead) / rate if buffer is not None and rate else 0.0
        concealed = buffer.concealed_samples / rate if buffer is not None and rate else 0.0
        stretched = buffer.stretched_samples / rate if buffer is not None and rate else 0.0
        return {
            "audio_underruns": self.underruns,
            "audio_device_underflows": self.device_underflows,
            "audio_delay_ms": round(1000 * queued, 1),
            "audio_concealed_ms": round(1000 * concealed, 1),
            "audio_stretched_ms": round(1000 * stretched, 1),
        }

    # -- speaker ----------------------------------------------------------------------

    def start_playout(self) -> Callable[[av.AudioFrame], None]:
        """Play a new stream of decoded frames, each passed to the returned callable as
        it arrives, on the running loop (the one receiving them), which also feeds the
        device; replaces whatever was playing."""
        loop = asyncio.get_running_loop()
        if self._player is not None:
            self._player.cancel()
            self._player = None
        self._ensure_output()
        assert self._buffer is not None and self._output is not None
        self._buffer.reset()
        self._playout = _Playout(self, self._buffer, int(self._output.samplerate))
        self._stop_feeding()
        self._feed_loop = loop
        self._feeder = loop.call_later(FEED_INTERVAL_S, self._tick)
        return self._playout

    def play_track(self, track: MediaStreamTrack) -> asyncio.Task[None]:
        """Play an audio track's frames (a task on this loop); replaces whatever was
        playing."""
        play = self.start_playout()
        self._player = asyncio.ensure_future(self._play(track, play))
        return self._player

    def _ensure_output(self) -> None:
        if self._output is not None:
            return
        info = self._sd.query_devices(self.output_device, "output")
        rate = int(info["default_samplerate"])
        self._buffer = JitterBuffer(rate)
        self._block = np.zeros(int(rate * OUTPUT_BLOCK_S), dtype=np.float32)
        self._floor = int(rate * DEVICE_FLOOR_S)
        self._rate = rate
        self._output = self._sd.RawOutputStream(
            samplerate=rate,
            channels=1,
            dtype="float32",
            device=self.output_device,
            blocksize=len(self._block),
            latency=OUTPUT_CAPACITY_S,
        )
        self._output.start()
        self._capacity = int(self._output.write_available)
        self.realtime_threads["sound client"] = prioritise_sound_client_threads() > 0

    def _tick(self) -> None:
        self._feed()
        if self._feed_loop is not None and not self._closed:
            self._feeder = self._feed_loop.call_later(FEED_INTERVAL_S, self._tick)

    def _stop_feeding(self) -> None:
        if self._feeder is not None:
            self._feeder.cancel()
            self._feeder = None

    def _feed(self) -> None:
        """Top the device up from the jitter buffer, on the receiving loop: up to the
        buffer's cushion (by the level counted down, :meth:`_device_level`) while whole
        blocks are queued, and with whatever it gives (silence, concealment) when the
        device itself says it is about to run dry. Not on the counted-down level: a
        sound server late to take its gulp has played nothing meanwhile, and silence
        written then would be a gap of our own making."""
        stream, buffer, block = self._output, self._buffer, self._block
        if stream is None or buffer is None or self._closed:
            return
        try:
            reading = self._capacity - int(stream.write_available)
            ahead = self._device_level(reading)
            target = max(buffer.cushion, self._floor)
            size = len(block)
            while (
                reading + size <= self._capacity
                and ahead < target
                and (buffer.buffered >= size or reading < self._floor)
            ):
                if buffer.pull(block, ahead):
                    self.samples_output += size
                if self.speaker_muted:
                    block.fill(0)
                elif self._volume != 1.0:
                    block *= self._volume
                if stream.write(block):  # True: the device had run dry before this write
                    self.device_underflows += 1
                ahead += size
                reading += size
                self._written += size
        except self._sd.PortAudioError as exc:  # device gone: the session goes on silent
            log.warning("Audio output failed: %s", exc)
            self._stop_feeding()

    def _device_level(self, reading: int) -> int:
        """Samples the device has yet to play, from what it reports (``reading``).

        PulseAudio takes audio from its clients in gulps (30-40 ms, measured through
        ALSA's pulse plugin), and the level a client sees only falls when it does: it is
        exact just after a gulp and up to a gulp too high just before the next. Taken at
        its word, the reserve the device really holds would sink a gulp below the
        cushion. So the level is counted down at the device's rate from the moment it
        was last seen to fall.
        """
        now = self._clock()
        if reading < self._written or reading == 0:
            self._taken_at = now
        self._written = reading
        elapsed = int((now - self._taken_at) * self._rate)
        return max(0, reading - elapsed)

    def _prioritise(self, stream: str) -> None:
        """Once per callback thread (PortAudio may start a new one): ask for RT."""
        ident = threading.get_ident()
        if self._callback_threads.get(stream) != ident:
            self._callback_threads[stream] = ident
            self.realtime_threads[stream] = request_realtime()

    @staticmethod
    async def _play(track: MediaStreamTrack, play: Callable[[av.AudioFrame], None]) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                if isinstance(frame, av.AudioFrame):
                    play(frame)

    # -- microphone -------------------------------------------------------------------

    def microphone_track(self) -> MicrophoneTrack:
        """A new track fed by the microphone; the previous one (old connection) ends."""
        if self._mic is not None:
            self._mic.stop()
        self._loop = asyncio.get_running_loop()
        self._mic = MicrophoneTrack(self)
        self._ensure_input()
        return self._mic

    def _ensure_input(self) -> None:
        if self._input is not None:
            return
        self._input = self._sd.RawInputStream(
            samplerate=MIC_RATE,
            channels=1,
            dtype="int16",
            blocksize=MIC_BLOCK,
            device=self.input_device,
            latency="low",
            callback=self._on_input,
        )
        self._input.start()
        self.realtime_threads["sound client"] = prioritise_sound_client_threads() > 0

    def _on_input(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        """PortAudio thread: copy the block and hand it to the loop."""
        del frames, time
        self._prioritise("input")
        if status.input_overflow:
            self.mic_overflows += 1
        mic, loop = self._mic, self._loop
        if mic is None or loop is None or loop.is_closed():
            return
        block = np.frombuffer(indata, dtype=np.int16).copy()
        with contextlib.suppress(RuntimeError):  # loop closed between check and call
            loop.call_soon_threadsafe(mic.feed, block)

    def _forget_mic(self, track: MicrophoneTrack) -> None:
        if self._mic is track:
            self._mic = None

    # -- shutdown ---------------------------------------------------------------------

    async def _stop_tasks(self) -> None:
        """On the loop that runs them: end playback, the device feed and the
        microphone track."""
        self._stop_feeding()
        player = self._player
        if player is not None:
            player.cancel()
            if player.get_loop() is asyncio.get_running_loop():
                with contextlib.suppress(asyncio.CancelledError):
                    await player
        if self._mic is not None:
            self._mic.stop()

    async def close(self) -> None:
        """Stop playback and capture and release the devices; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        owner = self._feed_loop or self._loop
        if owner is None or owner is asyncio.get_running_loop() or not owner.is_running():
            await self._stop_tasks()
        else:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._stop_tasks(), owner))
        for stream in (self._output, self._input):
            if stream is not None:
                await asyncio.get_running_loop().run_in_executor(None, stream.close)
        self._output = self._input = None
