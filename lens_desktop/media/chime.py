"""The "customer waiting" chime, played through PortAudio (sounddevice).

QtMultimedia is not part of PySide6-Essentials (and the bundle leaves it out), so the
console plays the WAV itself: read once with ``wave``, then handed to a PortAudio output
stream from its callback, so ``play()`` returns at once. A chime must never disturb the
console: when PortAudio, the device or the file is unusable, ``play()`` logs why once
(INFO: a machine without sound is not an error) and calls the fallback instead, which
the console sets to ``QApplication.beep``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lens_desktop.media.audio import load_sounddevice

log = logging.getLogger(__name__)

LATENCY_S = 0.1
"""Output buffering. A chime is not a conversation: 100 ms of buffer costs nothing and
keeps ALSA's PulseAudio plugin from underrunning, which it did at PortAudio's "high"
(35 ms) and "low" latency, each underrun a gap in the sound and a line on stderr."""


@dataclass(frozen=True)
class Sound:
    """A whole WAV in memory: 16-bit samples, shape (frames, channels)."""

    samples: np.ndarray
    rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate


def load_wav(path: Path) -> Sound:
    """Reads a 16-bit PCM WAV (what resources/sounds/make_chime.py writes)."""
    with wave.open(str(path), "rb") as source:
        if source.getsampwidth() != 2:
            raise ValueError(f"{path.name}: 16-bit PCM expected")
        raw = source.readframes(source.getnframes())
        channels, rate = source.getnchannels(), source.getframerate()
    return Sound(np.frombuffer(raw, dtype="<i2").reshape(-1, channels).copy(), rate)


class _Playback:
    """One run of the sound through its own output stream. Only PortAudio's thread
    moves the position; ``done`` tells the other threads it is over."""

    def __init__(self, sound: Sound, stop: type[Exception]) -> None:
        self._data = sound.samples.astype("<i2").tobytes()
        self._frame_bytes = 2 * sound.channels
        self._stop = stop
        self._position = 0
        self.completed = False
        """The last sample went out (not cut short by ``close()``)."""
        self.done = threading.Event()
        self.stream: Any = None

    def fill(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        """PortAudio thread: copy the next block; after the last one, stop the stream.

        A raw stream hands over a plain buffer, as in AudioEngine._on_output."""
        del time, status
        wanted = frames * self._frame_bytes
        block = self._data[self._position : self._position + wanted]
        self._position += len(block)
        outdata[: len(block)] = block
        if len(block) < wanted:
            outdata[len(block) :] = bytes(wanted - len(block))
            self.completed = True
            raise self._stop


class Chime:
    """Plays one short sound on demand, on the technician's chosen output device."""

    def __init__(
        self,
        path: Path,
        fallback: Callable[[], None],
        output_device: Callable[[], str | None] = lambda: None,
        load: Callable[[], Any] = load_sounddevice,
    ) -> None:
        """``output_device`` is asked at each chime (the settings may have changed since);
        ``load`` imports sounddevice (tests hand in one that fails)."""
        self._path = path
        self._fallback = fallback
        self._output_device = output_device
        self._load = load
        self._sd: Any = None
        self._sound: Sound | None = None
        self._broken = False
        self._unusable_devices: set[str] = set()
        self._playbacks: list[_Playback] = []
        self._closed = False
        self.played = 0
        """Chimes that played to their end on a PortAudio stream."""

    # -- public ----------------------------------------------------------------------

    def play(self) -> None:
        """Start the chime and return at once; never raises."""
        if self._closed:
            return
        self._release_finished()
        if not self._broken:
            try:
                self._start()
                return
            except Exception as exc:  # whatever breaks in sound, the console runs on
                self._broken = True
                log.info("new-session chime unavailable, using the system beep instead: %s", exc)
        self._fallback()

    @property
    def open_streams(self) -> int:
        """Output streams not yet released (one per chime still playing or just ended)."""
        return len(self._playbacks)

    def wait(self, timeout: float) -> bool:
        """Block until every chime started so far is over (for tests); True if they are."""
        return all(playback.done.wait(timeout) for playback in list(self._playbacks))

    def close(self) -> None:
        """Cut a chime still playing short and release the device; safe to call twice."""
        self._closed = True
        for playback in self._playbacks:
            with contextlib.suppress(Exception):
                playback.stream.close()
        self._playbacks.clear()

    # -- work ------------------------------------------------------------------------

    def _start(self) -> None:
        if self._sd is None:
            self._sd = self._load()  # AudioUnavailable when PortAudio is missing
        if self._sound is None:
            self._sound = load_wav(self._path)
        playback = _Playback(self._sound, self._sd.CallbackStop)
        playback.stream = self._open(self._sound, playback, self._output_device())
        self._playbacks.append(playback)
        playback.stream.start()

    def _open(self, sound: Sound, playback: _Playback, device: str | None) -> Any:
        """An output stream on ``device``, or on the default one when that one is gone."""
        loop = _running_loop()

        def finished() -> None:  # PortAudio's thread: the stream is closed on the loop
            if playback.completed:
                self.played += 1
            playback.done.set()
            if loop is not None:
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                    loop.call_soon_threadsafe(self._release_finished)

        def open_on(device: str | None) -> Any:
            return self._sd.RawOutputStream(
                samplerate=sound.rate,
                channels=sound.channels,
                dtype="int16",
                device=device,
                latency=LATENCY_S,
                callback=playback.fill,
                finished_callback=finished,
            )

        if device in self._unusable_devices:
            device = None
        try:
            return open_on(device)
        except (ValueError, self._sd.PortAudioError) as exc:
            if device is None:
                raise
            self._unusable_devices.add(device)
            log.info("chime: output device %r unusable (%s); using the default", device, exc)
            return open_on(None)

    def _release_finished(self) -> None:
        for playback in [p for p in self._playbacks if p.done.is_set()]:
            self._playbacks.remove(playback)
            with contextlib.suppress(Exception):
                playback.stream.close()


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The console's loop when called from it: finished streams are closed there."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
