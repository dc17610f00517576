"""Recording a session to Matroska: the received video as it came, and both voices.

What is written (docs/decisions/0034-recording.md):

- video: the customer's VP8 frames exactly as they came off the network, reassembled
  by the console's jitter buffer (``aiortc_receiver.VideoFrameBuffer.on_encoded``) and
  remuxed, never decoded or encoded again; each segment starts at a keyframe (one is
  asked for when recording starts and when a new connection begins);
- audio: two Opus tracks, "Customer" (the decoded voice the console plays) and
  "Technician" (the microphone frames sent to the phone, silence while muted), each
  encoded once at ``AUDIO_BITRATE``.

Every timestamp is the console's monotonic clock at hand-over, so picture and voices
stay in step as the technician experienced them; the video uses its RTP timestamps
between frames (smooth), re-anchored to the clock when they drift apart.

Nothing here may delay the picture or the sound: the media thread only appends to a
bounded queue (:meth:`Recorder.video`, :meth:`Recorder.audio`), and when the writer
thread falls behind, items are dropped and counted (``dropped``). The writer thread
muxes, encodes audio and writes; a write that fails (folder gone, disk full) stops the
recording with ``error`` set, and the part already written is closed as a valid file.

A new peer connection (the phone reconnected) ends the segment: the next one goes to
``<name>_part2.mkv`` beside it, and so on.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np

log = logging.getLogger(__name__)

QUEUE_MAX = 600
"""Media items held for the writer (about 4 s of 30 fps video and two voices); past
that they are dropped and counted rather than waited for."""
AUDIO_RATE = 48_000
AUDIO_FRAME = 960
"""Samples per Opus frame written (20 ms)."""
AUDIO_BITRATE = 32_000
AUDIO_GAP_S = 0.2
"""A voice that falls this far behind the clock (lost packets, a muted stream that
stopped) jumps ahead instead of being written late."""
VIDEO_REANCHOR_MS = 500
"""Video RTP time further than this from the clock is re-anchored to the clock."""
PENDING_AUDIO_MAX = 300
"""Audio frames kept while a segment waits for its first keyframe (about 3 s)."""
CLUSTER_OPTIONS = {
    "cluster_time_limit": "1000",
    "cluster_size_limit": "524288",
    "max_interleave_delta": "1000000",
}
"""Matroska holds a cluster in memory until it closes, by default at the next keyframe
after 5 s, or 5 MB: with a phone's keyframes minutes apart that is 5 MB per recording
in memory and lost in a crash. FFmpeg's interleaving also holds every packet for up to
10 s while one stream has none (the technician's track without a microphone). Both at
most 1 s here (a cluster also at most 512 kB), so a full disk is noticed within about
a second, and a crash loses about that much."""
AUDIO_TRACKS = ("Customer", "Technician")
CUSTOMER, TECHNICIAN = 0, 1
TIME_BASE = Fraction(1, 1000)


class RecordingError(Exception):
    """A recording cannot start or go on; the message says why, for a person."""


def sanitise(name: str, limit: int = 60) -> str:
    """A session name safe in a file name on every system: letters, digits, ``-`` and
    ``_`` only, spaces and the rest as ``_``, at most ``limit`` characters."""
    cleaned = re.sub(r"[^\w-]+", "_", name).strip("_")
    return cleaned[:limit] or "session"


def recording_base(folder: Path, session_name: str, session_id: str, now: datetime) -> Path:
    """``<folder>/<date>_<time>_<name>_<id>`` (no extension)."""
    stamp = now.strftime("%Y-%m-%d_%H-%M-%S")
    return folder / f"{stamp}_{sanitise(session_name)}_{sanitise(session_id, 40)}"


def reserve(path: Path) -> Path:
    """Create ``path`` empty, or ``<stem>-2`` and so on if it exists: never overwrite."""
    for attempt in range(1, 1000):
        candidate = path if attempt == 1 else path.with_name(f"{path.stem}-{attempt}{path.suffix}")
        try:
            with open(candidate, "xb"):
                return candidate
        except FileExistsError:
            continue
    raise FileExistsError(path)


def vp8_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a VP8 keyframe (RFC 6386 9.1), None for an inter frame."""
    if len(data) < 10 or data[0] & 0x01 or data[3:6] != b"\x9d\x01\x2a":
        return None
    width = int.from_bytes(data[6:8], "little") & 0x3FFF
    height = int.from_bytes(data[8:10], "little") & 0x3FFF
    return (width, height) if width and height else None


@dataclass
class _Video:
    generation: int
    at: float
    data: bytes
    rtp: int
    codec: str


@dataclass
class _Audio:
    generation: int
    at: float
    track: int
    frame: av.AudioFrame


class _Voice:
    """One voice: resampled to 48 kHz mono, cut into 20 ms frames, Opus-encoded."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.resampler = av.AudioResampler(format="s16", layout="mono", rate=AUDIO_RATE)
        self.samples = np.zeros(0, dtype=np.int16)
        self.next_pts: int | None = None  # in samples from the segment's start

    def add(self, frame: av.AudioFrame, at_s: float) -> list[av.Packet]:
        out: list[av.Packet] = []
        clock = int(at_s * AUDIO_RATE) - frame.samples
        if self.next_pts is None or clock - self.next_pts > AUDIO_GAP_S * AUDIO_RATE:
            out += self.flush()
            self.next_pts = max(clock, 0 if self.next_pts is None else self.next_pts)
        for resampled in self.resampler.resample(frame):
            self.samples = np.concatenate([self.samples, resampled.to_ndarray().reshape(-1)])
        while len(self.samples) >= AUDIO_FRAME:
            out += self._encode(self.samples[:AUDIO_FRAME])
            self.samples = self.samples[AUDIO_FRAME:]
        return out

    def flush(self) -> list[av.Packet]:
        if not len(self.samples):
            return []
        block = np.zeros(AUDIO_FRAME, dtype=np.int16)
        block[: len(self.samples)] = self.samples
        self.samples = self.samples[:0]
        return self._encode(block)

    def _encode(self, block: np.ndarray) -> list[av.Packet]:
        assert self.next_pts is not None
        frame = av.AudioFrame.from_ndarray(block.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = AUDIO_RATE
        frame.pts = self.next_pts
        frame.time_base = Fraction(1, AUDIO_RATE)
        self.next_pts += AUDIO_FRAME
        return list(self.stream.encode(frame))

    def finish(self) -> list[av.Packet]:
        packets = self.flush() if self.next_pts is not None else []
        return packets + list(self.stream.encode(None))


class _File(io.FileIO):
    """The segment's file as PyAV writes it, remembering the first write that failed:
    FFmpeg's own file output keeps such an error to itself until the file is closed
    (a full disk would go unnoticed for the rest of the recording)."""

    failed: OSError | None = None

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        done = 0
        try:
            while done < len(view):
                written = super().write(view[done:])
                if not written:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), self.name)
                done += written
        except OSError as exc:
            if self.failed is None:
                self.failed = exc if exc.filename else OSError(exc.errno, exc.strerror, self.name)
            raise
        return done


class _Segment:
    """One file: opened at the first keyframe, audio held until then."""

    def __init__(self, path: Path, generation: int, started: float) -> None:
        self.path = path
        self.generation = generation
        self.started = started
        self.container: Any = None
        self.file: _File | None = None
        self.video: Any = None
        self.voices: list[_Voice] = []
        self.pending: deque[_Audio] = deque(maxlen=PENDING_AUDIO_MAX)
        self.last_video_ms = -1
        self.rtp_anchor: tuple[int, int] | None = None  # (rtp, ms)
        self.last_rtp = 0
        self.bytes_video = 0

    @property
    def open(self) -> bool:
        return self.container is not None

    def start(self, size: tuple[int, int]) -> None:
        self.file = _File(self.path, "w")
        container = av.open(self.file, mode="w", format="matroska", options=CLUSTER_OPTIONS)
        try:
            video = container.add_stream("libvpx", rate=30)  # parameters only: never encodes
            video.width, video.height = size
            video.time_base = TIME_BASE
            video.metadata["title"] = "Customer camera"
            for title in AUDIO_TRACKS:
                audio = container.add_stream("libopus", rate=AUDIO_RATE, layout="mono")
                audio.bit_rate = AUDIO_BITRATE
                audio.metadata["title"] = title
                self.voices.append(_Voice(audio))
        except Exception:
            container.close()
            self.file.close()
            raise
        self.container, self.video = container, video

    def check(self) -> None:
        """Raise the write error FFmpeg kept to itself, if any."""
        if self.file is not None and self.file.failed is not None:
            raise self.file.failed

    def ms(self, at: float) -> int:
        return max(0, round((at - self.started) * 1000))

    def write_video(self, item: _Video, keyframe: bool) -> None:
        clock_ms = self.ms(item.at)
        if self.rtp_anchor is None:
            self.rtp_anchor = (item.rtp, clock_ms)
        rtp_ms = self.rtp_anchor[1] + ((item.rtp - self.rtp_anchor[0]) & 0xFFFFFFFF) // 90
        if abs(rtp_ms - clock_ms) > VIDEO_REANCHOR_MS:
            self.rtp_anchor, rtp_ms = (item.rtp, clock_ms), clock_ms
        pts = max(rtp_ms, self.last_video_ms + 1)
        self.last_video_ms = pts
        packet = av.Packet(item.data)
        packet.stream = self.video
        packet.time_base = TIME_BASE
        packet.pts = packet.dts = pts
        packet.is_keyframe = keyframe
        self.container.mux(packet)
        self.bytes_video += len(item.data)
        self.check()

    def write_audio(self, item: _Audio) -> None:
        voice = self.voices[item.track]
        for packet in voice.add(item.frame, item.at - self.started):
            self.container.mux(packet)
        self.check()

    def close(self) -> None:
        container, self.container = self.container, None
        if container is None:
            return
        try:
            if self.file is None or self.file.failed is None:
                for voice in self.voices:
                    for packet in voice.finish():
                        container.mux(packet)
            container.close()
        except Exception:
            if self.file is None or self.file.failed is None:
                raise  # a failed write was reported already: the part is what was written
            log.info("the recording's end could not be written; the part stays playable")
        finally:
            if self.file is not None:
                self.file.close()


class Recorder:
    """One recording, from Start to Stop, in one or more segment files.

    The media thread calls :meth:`video` and :meth:`audio` (never blocking); the GUI
    thread calls :meth:`stop` and reads ``error``, ``running``, ``files``. ``now`` and
    ``clock`` exist for the file name and the timestamps.
    """

    def __init__(
        self,
        folder: Path,
        session_name: str,
        session_id: str,
        now: Callable[[], datetime] = datetime.now,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._base = recording_base(folder, session_name, session_id, now())
            first = reserve(self._base.with_suffix(".mkv"))
        except OSError as exc:
            raise RecordingError(f"{folder}: {exc.strerror or exc}") from exc
        self._base = first.with_suffix("")
        self.files: list[Path] = [first]
        self.started_at = clock()
        self.dropped = 0
        """Media items dropped because the writer was behind (never waited for)."""
        self.frames_waiting = 0
        """Video frames skipped while a segment waited for its first keyframe."""
        self.video_frames = 0
        self.error: str | None = None
        """Why the recording stopped on its own (a write failed), for the technician."""
        self.unsupported_codec: str | None = None
        self._items: deque[Any] = deque()
        self._media_items = 0
        self._cond = threading.Condition()
        self._stopping = False
        self._segment: _Segment | None = None
        self._generation: int | None = None
        self._thread = threading.Thread(target=self._run, name="lens-recorder", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stopping

    @property
    def bytes_written(self) -> int:
        total = 0
        for path in self.files:
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    # -- media thread ------------------------------------------------------------------

    def video(self, generation: int, data: bytes, rtp_timestamp: int, codec: str) -> None:
        """One encoded frame as it was reassembled (``codec``: its MIME type)."""
        self._put(_Video(generation, self._clock(), data, rtp_timestamp, codec.lower()))

    def audio(self, generation: int, track: int, frame: av.AudioFrame) -> None:
        """One decoded audio frame of ``track`` (``CUSTOMER`` or ``TECHNICIAN``)."""
        self._put(_Audio(generation, self._clock(), track, frame))

    def _put(self, item: Any) -> None:
        with self._cond:
            if self._stopping:
                return
            if self._media_items >= QUEUE_MAX:
                self.dropped += 1
                return
            self._media_items += 1
            self._items.append(item)
            self._cond.notify()

    # -- GUI thread ----------------------------------------------------------------------

    def end_segment(self) -> None:
        """The connection is gone: close the current file now (a valid file); what
        arrives next starts the next part."""
        with self._cond:
            self._items.append("end_segment")
            self._cond.notify()

    def stop(self, timeout: float = 5.0) -> None:
        """Write what is queued, close the file, end the thread; safe to call twice."""
        with self._cond:
            if not self._stopping:
                self._stopping = True
                self._items.append("stop")
                self._cond.notify()
        self._thread.join(timeout)

    # -- writer thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                with self._cond:
                    while not self._items:
                        self._cond.wait()
                    item = self._items.popleft()
                    if not isinstance(item, str):
                        self._media_items -= 1
                if item == "stop":
                    break
                if item == "end_segment":
                    self._close_segment()
                    continue
                self._write(item)
        except Exception as exc:  # a write failed: stop; keep what was written valid
            if isinstance(exc, OSError | RecordingError):  # disk full, folder gone, codec
                log.warning("recording stopped: %s", exc)
            else:
                log.exception("recording stopped")
            self.error = _describe(exc)
            with self._cond:
                self._stopping = True
                self._items.clear()
        finally:
            try:
                self._close_segment()
            except Exception as exc:
                log.warning("closing the recording failed: %s", exc)
                self.error = self.error or _describe(exc)

    def _write(self, item: _Video | _Audio) -> None:
        segment = self._segment
        if segment is None or item.generation > segment.generation:
            if segment is not None:
                self._close_segment()
            if self._generation is not None and item.generation <= self._generation:
                return  # late from a connection already closed
            segment = self._new_segment(item.generation, item.at)
        elif item.generation < segment.generation:
            return
        if isinstance(item, _Audio):
            if segment.open:
                segment.write_audio(item)
            else:
                segment.pending.append(item)
            return
        if item.codec != "video/vp8":
            self.unsupported_codec = item.codec
            raise RecordingError(f"video codec {item.codec} cannot be recorded")
        size = vp8_size(item.data)
        if not segment.open:
            if size is None:
                self.frames_waiting += 1
                return
            segment.start(size)
            for pending in segment.pending:
                segment.write_audio(pending)
            segment.pending.clear()
        segment.write_video(item, size is not None)
        self.video_frames += 1

    def _new_segment(self, generation: int, at: float) -> _Segment:
        self._generation = generation
        if self._segment is None and len(self.files) == 1 and not self._used_first:
            path = self.files[0]
            self._used_first = True
        else:
            path = reserve(self._base.with_name(f"{self._base.name}_part{len(self.files) + 1}.mkv"))
            self.files.append(path)
        self._segment = _Segment(path, generation, at)
        return self._segment

    _used_first = False

    def _close_segment(self) -> None:
        segment, self._segment = self._segment, None
        if segment is None:
            return
        if not segment.open:
            with contextlib.suppress(OSError):
                if segment.path.stat().st_size == 0 and len(self.files) > 1:
                    segment.path.unlink()  # a part that never got a keyframe
                    self.files.remove(segment.path)
            return
        segment.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({getattr(exc, 'filename', '') or ''})".replace(" ()", "")
    return str(exc) or type(exc).__name__
