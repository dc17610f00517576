"""What the headless customer sends: aiortc tracks for video and audio.

Each synthetic track paces itself in real time from its own start, the way a camera
or a microphone delivers, and stamps presentation times in the clock rate aiortc's
encoders expect (90 kHz video, 48 kHz audio).  Files and devices go through aiortc's
MediaPlayer, which already does that for anything FFmpeg opens.
"""

from __future__ import annotations

import asyncio
import fractions
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np
from aiortc.contrib.media import MediaPlayer
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from lens_customer.pattern import PatternPainter

VIDEO_CLOCK_RATE = 90000
AUDIO_RATE = 48000
AUDIO_PTIME = 0.020


class PacedClock:
    """Sleeps until each frame's due time; after a stall it skips ahead rather than
    bursting, because a real camera drops frames instead of catching up."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._start: float | None = None
        self._index = 0

    async def tick(self) -> int:
        """Waits for the next frame slot and returns its index since the start."""
        now = time.monotonic()
        if self._start is None:
            self._start = now
            return 0
        self._index += 1
        due = self._start + self._index * self.interval
        if now - due > self.interval:
            self._index = int((now - self._start) / self.interval)
            due = self._start + self._index * self.interval
        if due > now:
            await asyncio.sleep(due - now)
        return self._index


class PatternVideoTrack(MediaStreamTrack):
    """The stamped test pattern (lens_customer.pattern) at a fixed size and rate.

    The stamp is taken right before painting, so a receiver's "paint time - stamp"
    is the whole glass-to-glass delay: encode, network, decode and paint.
    """

    kind = "video"

    def __init__(self, width: int = 1280, height: int = 720, fps: float = 30.0) -> None:
        super().__init__()
        self.width = width
        self.height = height
        self.fps = fps
        self.frames_sent = 0
        self._painter = PatternPainter(width, height)
        self._clock = PacedClock(1.0 / fps)
        self._time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        index = await self._clock.tick()
        stamp_ms = time.time_ns() // 1_000_000
        t = index / self.fps
        image = self._painter.paint(self.frames_sent, stamp_ms, t)
        frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
        frame.pts = round(t * VIDEO_CLOCK_RATE)
        frame.time_base = self._time_base
        self.frames_sent += 1
        return frame


class ToneAudioTrack(MediaStreamTrack):
    """A continuous sine tone in 20 ms s16 frames, so the receiver hears something
    it can check for (not silence) without a microphone."""

    kind = "audio"

    def __init__(self, freq: float = 440.0, channels: int = 1, amplitude: float = 0.3) -> None:
        super().__init__()
        self.freq = freq
        self.channels = channels
        self.amplitude = amplitude
        self.frames_sent = 0
        self._samples = round(AUDIO_RATE * AUDIO_PTIME)
        self._clock = PacedClock(AUDIO_PTIME)
        self._time_base = fractions.Fraction(1, AUDIO_RATE)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        index = await self._clock.tick()
        start = index * self._samples
        t = (start + np.arange(self._samples)) / AUDIO_RATE
        wave = (self.amplitude * 32767 * np.sin(2 * math.pi * self.freq * t)).astype(np.int16)
        frame = _s16_frame(wave, self.channels)
        frame.pts = start
        frame.time_base = self._time_base
        self.frames_sent += 1
        return frame


def _s16_frame(mono: np.ndarray, channels: int) -> av.AudioFrame:
    """Packed s16 frame from mono samples (duplicated for stereo)."""
    layout = "stereo" if channels == 2 else "mono"
    packed = np.repeat(mono, channels) if channels == 2 else mono
    frame = av.AudioFrame.from_ndarray(packed.reshape(1, -1), format="s16", layout=layout)
    frame.sample_rate = AUDIO_RATE
    return frame


class MicrophoneTrack(MediaStreamTrack):
    """Microphone audio through sounddevice (PortAudio).

    PortAudio calls back on its own thread; blocks are handed to the event loop with
    call_soon_threadsafe and queued, never touched from that thread.  The queue is
    bounded: if nobody reads (no peer yet) old audio is dropped, not buffered.
    """

    kind = "audio"

    def __init__(self, device: str | None = None) -> None:
        super().__init__()
        import sounddevice  # imported late: PortAudio only for a real mic

        self._event_loop = asyncio.get_running_loop()
        self._queue: asyncio.Queue[np.ndarray] = asyncio.Queue(maxsize=25)
        self._samples = round(AUDIO_RATE * AUDIO_PTIME)
        self._pts = 0
        self._time_base = fractions.Fraction(1, AUDIO_RATE)
        self.frames_sent = 0
        # Raw stream: see lens_customer.playback (sounddevice's NumPy wrapper warns).
        self._stream = sounddevice.RawInputStream(
            samplerate=AUDIO_RATE,
            channels=1,
            dtype="int16",
            blocksize=self._samples,
            device=device,
            callback=self._on_block,
        )
        self._stream.start()

    def _on_block(self, data: Any, frames: int, _time: Any, _status: Any) -> None:
        block = np.frombuffer(bytes(data), dtype=np.int16)
        self._event_loop.call_soon_threadsafe(self._enqueue, block)

    def _enqueue(self, block: np.ndarray) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(block)

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        block = await self._queue.get()
        frame = _s16_frame(block, 1)
        frame.pts = self._pts
        frame.time_base = self._time_base
        self._pts += len(block)
        self.frames_sent += 1
        return frame

    def stop(self) -> None:
        if self.readyState == "live":
            self._stream.stop()
            self._stream.close()
        super().stop()


def webcam_player(device: str | None, width: int, height: int, fps: float) -> MediaPlayer:
    """A camera through FFmpeg's capture input for this platform."""
    options = {"video_size": f"{width}x{height}", "framerate": f"{fps:g}"}
    if sys.platform == "darwin":
        return MediaPlayer(device or "default:none", format="avfoundation", options=options)
    if sys.platform == "win32":
        return MediaPlayer(
            f"video={device or 'Integrated Camera'}", format="dshow", options=options
        )
    return MediaPlayer(device or "/dev/video0", format="v4l2", options=options)


@dataclass
class MediaSources:
    """The tracks to send plus whatever owns them, closed together."""

    video: MediaStreamTrack | None = None
    audio: MediaStreamTrack | None = None
    players: list[MediaPlayer] = field(default_factory=list)

    def frames_sent(self) -> int:
        """Frames the video source has produced (pattern only; 0 for players)."""
        return int(getattr(self.video, "frames_sent", 0))

    def close(self) -> None:
        """Stops every track and player; safe to call twice."""
        for track in (self.video, self.audio):
            if track is not None:
                track.stop()
        for player in self.players:
            for track in (player.video, player.audio):
                if track is not None:
                    track.stop()
        self.players.clear()


@dataclass(frozen=True)
class SourceSpec:
    """What to send, as the command line names it."""

    video: str = "pattern"  # pattern | file | webcam | none
    audio: str = "tone"  # tone | file | mic | none
    file: str | None = None
    audio_file: str | None = None
    device: str | None = None
    width: int = 1280
    height: int = 720
    fps: float = 30.0
    tone_hz: float = 440.0


def open_sources(spec: SourceSpec) -> MediaSources:
    """Builds the tracks for a spec.  Must run inside the event loop (the mic needs it).

    A file given for both video and audio is opened once, so both come from the same
    player and stay in sync.
    """
    sources = MediaSources()
    players: dict[str, MediaPlayer] = {}

    def player_for(path: str, opener: Callable[[], MediaPlayer]) -> MediaPlayer:
        if path not in players:
            players[path] = opener()
            sources.players.append(players[path])
        return players[path]

    if spec.video == "pattern":
        sources.video = PatternVideoTrack(spec.width, spec.height, spec.fps)
    elif spec.video == "file":
        path = _required(spec.file, "--video file needs --file PATH")
        sources.video = _track(player_for(path, lambda: MediaPlayer(path, loop=True)), "video")
    elif spec.video == "webcam":
        camera = webcam_player(spec.device, spec.width, spec.height, spec.fps)
        sources.players.append(camera)
        sources.video = _track(camera, "video")

    if spec.audio == "tone":
        sources.audio = ToneAudioTrack(spec.tone_hz)
    elif spec.audio == "file":
        path = _required(spec.audio_file or spec.file, "--audio file needs --audio-file PATH")
        sources.audio = _track(player_for(path, lambda: MediaPlayer(path, loop=True)), "audio")
    elif spec.audio == "mic":
        sources.audio = MicrophoneTrack(spec.device if spec.video != "webcam" else None)
    return sources


def _required(value: str | None, message: str) -> str:
    if not value:
        raise ValueError(message)
    return value


def _track(player: MediaPlayer, kind: str) -> MediaStreamTrack:
    track = player.video if kind == "video" else player.audio
    if track is None:
        raise ValueError(f"the source has no {kind} stream")
    return track
