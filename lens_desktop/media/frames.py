"""Decoded video -> QImage, newest frame only.

aiortc's receiver decodes in a thread and queues every decoded frame on the track
without bound. If painting (or converting) is ever slower than the camera, that queue
grows and the picture drifts seconds behind the phone. :class:`LatestFrameReader`
therefore reads the track as fast as frames come, keeps only the newest one, and
converts only that: stale frames are dropped and counted, so latency stays bounded by
one conversion.

Conversion (swscale to 32-bit RGB at the size the picture is shown at, wrapped in a
QImage without a copy) runs in a worker thread owned by the reader; QImage is not a
QObject and may be built off the GUI thread. The frame is handed back to the asyncio
loop, which delivers it to the UI.

The image is in the raster paint engine's own format (``PAINT_FORMAT``) and at the
video pane's size (``display_area``): painting it is then a copy of rows instead of a
conversion of every pixel from RGB888 or a smooth scale (``bench/paint.py`` has the
figures). It matters beyond the GUI thread's time: PySide holds the GIL through
``drawImage``, and the bench caught the real-time media thread waiting up to 30 ms for
the GIL behind a paint whose thread had lost its core.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoFrame:
    """A frame ready to paint. ``image`` owns its pixels (safe to keep or share); it is
    already at the size it is shown at, while ``width`` and ``height`` are the
    stream's."""

    width: int
    height: int
    image: QImage
    pts: int | None
    received_at: float
    """time.monotonic() when the decoded frame was taken from the track."""
    source: av.VideoFrame | None = field(default=None, compare=False, repr=False)
    """The decoded frame at the stream's own size that ``image`` was made from (a
    reference, not a copy): the freeze frame encodes it, and the annotation tracker
    anchors a new drawing on exactly the picture the technician saw."""


PAINT_FORMAT = QImage.Format.Format_RGB32
"""What Qt's raster backing store holds (0xffRRGGBB words)."""
AV_PAINT_FORMAT = "bgra" if sys.byteorder == "little" else "argb"
"""The same bytes as PyAV names them."""


ViewMode = Literal["fit", "actual", "stretch"]
VIEW_MODES: tuple[ViewMode, ...] = ("fit", "actual", "stretch")


@dataclass(frozen=True)
class DisplayArea:
    """How the picture is shown: the pane's size (device pixels), the view mode and the
    zoom on top of it (docs/decisions/0030). The frame source converts every frame to
    ``convert_size`` of it; the video pane paints in ``picture_size`` of it, so both
    follow one rule."""

    width: int
    height: int
    mode: ViewMode = "fit"
    zoom: float = 1.0
    ratio: float = 1.0
    """Device pixels per logical pixel: "actual" shows a frame pixel per logical pixel."""


Area = DisplayArea | tuple[int, int] | None
"""A DisplayArea; a plain (width, height) to fit into; None for the stream's size."""


def picture_size(width: int, height: int, area: DisplayArea) -> tuple[int, int]:
    """The size a ``width`` x ``height`` frame is painted at in ``area``: fitted with its
    aspect ratio ("fit"), filling the area ("stretch") or a frame pixel per logical pixel
    ("actual"), then times the zoom; at least 1 x 1."""
    if width <= 0 or height <= 0:
        return max(1, width), max(1, height)
    if area.mode == "actual" or min(area.width, area.height) <= 0:
        base_w, base_h = width * area.ratio, height * area.ratio
    elif area.mode == "stretch":
        base_w, base_h = area.width, area.height
    else:
        fitted = QSize(width, height).scaled(
            QSize(area.width, area.height), Qt.AspectRatioMode.KeepAspectRatio
        )
        base_w, base_h = fitted.width(), fitted.height()
    return max(1, round(base_w * area.zoom)), max(1, round(base_h * area.zoom))


def display_size(width: int, height: int, area: Area) -> tuple[int, int]:
    """The size a ``width`` x ``height`` frame is converted to for ``area``: the size it
    is painted at (painting is then a copy of rows), unless zooming made that larger
    than both the pane and the stream; then the stream's own size, and the pane scales
    only the part it shows. A plain tuple: the largest of the frame's aspect ratio that
    fits. The frame's own size when there is no area (or it is not laid out yet)."""
    if area is None or width <= 0 or height <= 0:
        return width, height
    if not isinstance(area, DisplayArea):
        area = DisplayArea(*area)
    if min(area.width, area.height) <= 0:
        return width, height
    size = picture_size(width, height, area)
    if size[0] > max(area.width, width) or size[1] > max(area.height, height):
        return width, height
    return size


def to_qimage(frame: av.VideoFrame, size: tuple[int, int] | None = None) -> QImage:
    """Convert a decoded frame to a ``PAINT_FORMAT`` QImage with its own pixels, at
    ``size`` (default: the frame's own).

    swscale (``reformat``, which releases the GIL) does the colour conversion and the
    scaling in C into a new padded plane, and the QImage wraps that plane with its real
    line size: no copy. PySide keeps the buffer (and so the av frame that owns it)
    alive for as long as any copy of the image shares its pixels, and releases it with
    the last (``test_media_units`` checks both). A frame already in that format and
    size is wrapped as it is (``reformat`` returns it). Scaling here rather than in
    ``drawImage`` takes it off the GUI thread, which holds the GIL while it paints (see
    the module docstring).
    """
    width, height = size or (frame.width, frame.height)
    frame = frame.reformat(
        width=width, height=height, format=AV_PAINT_FORMAT, interpolation="BILINEAR"
    )
    plane = frame.planes[0]
    return QImage(memoryview(plane), width, height, plane.line_size, PAINT_FORMAT)


def convert(
    frame: av.VideoFrame, received_at: float, size: tuple[int, int] | None = None
) -> VideoFrame:
    """av frame -> VideoFrame whose image is ``size`` (runs in the reader's worker
    thread). ``width`` and ``height`` stay the stream's."""
    image = to_qimage(frame, size)
    return VideoFrame(frame.width, frame.height, image, frame.pts, received_at, frame)


class LatestFrameReader:
    """Reads a video track, coalesces to the newest frame, converts it, hands it on.

    Two tasks: ``_receive`` pulls frames as fast as the track yields them into a
    one-slot mailbox; ``_deliver`` waits for the mailbox, converts the newest frame in
    the worker thread and calls ``on_frame`` on the loop. A frame overwritten in the
    mailbox before ``_deliver`` took it is counted as dropped.
    """

    def __init__(
        self,
        track: MediaStreamTrack,
        on_frame: Callable[[VideoFrame], None],
        on_decoded: Callable[[av.VideoFrame, float], None] | None = None,
    ):
        self._track = track
        self._on_frame = on_frame
        self._on_decoded = on_decoded
        """Called on the loop with every decoded frame as it comes off the track (the
        annotation tracker's feed); it must return at once."""
        self._latest: tuple[av.VideoFrame, float] | None = None
        self._wakeup = asyncio.Event()
        self._ended = False
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lens-convert")
        self._tasks: list[asyncio.Task[None]] = []
        self.frames_received = 0
        self.frames_converted = 0
        self.frames_dropped = 0
        self.last_size: tuple[int, int] | None = None
        self.last_frame_at: float | None = None
        """time.monotonic() when the newest decoded frame came off the track."""
        self.display_area: Area = None
        """Where and how the picture is shown (set from the GUI thread; one assignment
        of an immutable value, read once per frame): frames are converted for it."""

    def start(self) -> None:
        """Start both tasks on the running loop."""
        self._tasks = [
            asyncio.ensure_future(self._receive()),
            asyncio.ensure_future(self._deliver()),
        ]

    @property
    def done(self) -> bool:
        """True once the track has ended and the last frame was delivered."""
        return bool(self._tasks) and all(t.done() for t in self._tasks)

    async def _receive(self) -> None:
        try:
            while True:
                frame = await self._track.recv()
                if not isinstance(frame, av.VideoFrame):
                    continue
                self.frames_received += 1
                if self._latest is not None:
                    self.frames_dropped += 1
                self.last_frame_at = time.monotonic()
                self._latest = (frame, self.last_frame_at)
                self._wakeup.set()
                if self._on_decoded is not None:
                    self._on_decoded(frame, self.last_frame_at)
        except MediaStreamError:
            log.debug("video track ended")
        finally:
            self._ended = True
            self._wakeup.set()

    async def _deliver(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._latest is None:
                if self._ended:
                    return
                await self._wakeup.wait()
                self._wakeup.clear()
                continue
            frame, received_at = self._latest
            self._latest = None
            size = display_size(frame.width, frame.height, self.display_area)
            converted = await loop.run_in_executor(
                self._executor, convert, frame, received_at, size
            )
            self.frames_converted += 1
            self.last_size = (converted.width, converted.height)
            self._on_frame(converted)

    async def close(self) -> None:
        """Cancel both tasks and release the worker thread; safe to call twice."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._executor.shutdown(wait=False, cancel_futures=True)
