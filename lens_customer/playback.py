"""What the headless customer does with the technician's voice.

The received track must always be read: aiortc queues decoded frames without bound,
so an unread track grows memory and, once read late, plays stale audio.  The sink
either plays frames through sounddevice or only counts them (`--no-audio-out`).
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
from collections.abc import Callable
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

log = logging.getLogger(__name__)

_RATE = 48000
_MAX_BUFFERED_SECONDS = 0.2


class _PlaybackBuffer:
    """A small mono s16 FIFO between the event loop and PortAudio's thread.

    It holds at most 200 ms: beyond that the oldest audio is dropped, so a hiccup
    never turns into permanent delay.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blocks: collections.deque[np.ndarray] = collections.deque()
        self._size = 0

    def push(self, samples: np.ndarray) -> None:
        with self._lock:
            self._blocks.append(samples)
            self._size += len(samples)
            while self._size > _RATE * _MAX_BUFFERED_SECONDS and len(self._blocks) > 1:
                self._size -= len(self._blocks.popleft())

    def pull(self, out: np.ndarray) -> None:
        """Fills the 1-D `out` and pads with silence on underrun."""
        filled = 0
        with self._lock:
            while filled < len(out) and self._blocks:
                block = self._blocks[0]
                take = min(len(block), len(out) - filled)
                out[filled : filled + take] = block[:take]
                filled += take
                self._size -= take
                if take == len(block):
                    self._blocks.popleft()
                else:
                    self._blocks[0] = block[take:]
        out[filled:] = 0


class AudioSink:
    """Reads a remote audio track until it ends; plays it unless `play` is False."""

    def __init__(self, play: bool, on_frame: Callable[[], None] | None = None) -> None:
        self.play = play
        self._on_frame_callback = on_frame
        self.frames_received = 0
        self.peak = 0
        self._buffer = _PlaybackBuffer()
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=_RATE)
        self._stream: Any = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def playing(self) -> bool:
        """True while an output stream to the sound system is running."""
        return self._stream is not None and bool(self._stream.active)

    def consume(self, track: MediaStreamTrack) -> None:
        """Starts reading `track` in a task this sink owns."""
        task = asyncio.get_running_loop().create_task(self._run(track))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, track: MediaStreamTrack) -> None:
        if self.play:
            self._open_stream()
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            self.frames_received += 1
            if isinstance(frame, av.AudioFrame):
                self._on_frame(frame)
            if self._on_frame_callback is not None:
                self._on_frame_callback()

    def _on_frame(self, frame: av.AudioFrame) -> None:
        for mono in self._resampler.resample(frame):
            samples = mono.to_ndarray().reshape(-1)
            self.peak = max(self.peak, int(np.abs(samples.astype(np.int32)).max(initial=0)))
            if self._stream is not None:
                self._buffer.push(samples)

    def _open_stream(self) -> None:
        if self._stream is not None:
            return
        try:
            import sounddevice  # imported late: PortAudio only when playing

            # Raw stream: sounddevice's NumPy wrapper sets ndarray.shape, deprecated in
            # NumPy 2.5, and a warning raised in PortAudio's callback aborts the stream.
            self._stream = sounddevice.RawOutputStream(
                samplerate=_RATE, channels=1, dtype="int16", callback=self._on_output
            )
            self._stream.start()
        except Exception as error:  # PortAudio missing, no device, device busy
            log.warning("cannot play the technician's audio (%s); continuing without", error)
            self._stream = None

    def _on_output(self, out: Any, _frames: int, _time: Any, _status: Any) -> None:
        self._buffer.pull(np.frombuffer(out, dtype=np.int16))

    async def close(self) -> None:
        """Stops reading and playing; safe to call twice."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
