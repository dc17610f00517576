"""Runs the tracker in a thread of its own, on the newest frame only.

Painting must never wait for tracking, and tracking must never fall further and
further behind the picture. So the producer (the frame reader) drops each decoded frame
into a one-slot mailbox and goes on: a frame not yet taken when the next arrives is
replaced and counted as skipped. The worker thread takes the newest frame, tracks it,
and hands the result to the asyncio loop with ``call_soon_threadsafe`` (as the media
thread does); it never touches loop or Qt objects itself.

Anchors are added and removed through the worker too: the commands are queued and
applied in the worker thread before the next frame, so the tracker is only ever used
from one thread.

OpenCV is limited to one thread (``cv2.setNumThreads(1)``, process-wide): the tracker
works on frames at most 640 pixels wide, where OpenCV's own thread pool gains little
and would compete with the video decoder and the GUI thread for the two cores a
technician's laptop may have. OpenCV releases the GIL in its heavy calls, so this
thread runs beside the GUI and media threads, not in their way.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from collections.abc import Callable

import av
import cv2
import numpy as np

from lens_desktop.tools.tracker import (
    WORK_WIDTH,
    Gray,
    Region,
    Tracker,
    TrackerSettings,
    TrackResult,
)

log = logging.getLogger(__name__)
TRACKER_NICE = 5
"""The tracker's thread runs this much nicer than the console's others (Linux): when the
CPU is short, decoding, painting and audio come first and the tracker skips frames (it
always takes the newest), rather than the other way round."""
_Command = Callable[[Tracker], None]
Picture = Gray | av.VideoFrame
"""A grayscale array, or a decoded frame made one (``gray_frame``) in the worker thread."""


def _gray(picture: Picture) -> Gray:
    return gray_frame(picture) if isinstance(picture, av.VideoFrame) else picture


def gray_frame(frame: av.VideoFrame) -> Gray:
    """A decoded frame as the tracker takes it: grayscale, ``WORK_WIDTH`` wide.
    swscale does both in one pass (and releases the GIL), cheaper than handing the
    tracker the full picture to scale itself. A smaller frame is scaled up to it: a
    sender changes its resolution as its bitrate ramps up or drops (320, 640, 1280
    wide), and the tracker follows its features only between frames of one size."""
    width = WORK_WIDTH
    height = max(1, round(frame.height * width / frame.width))
    gray = frame.reformat(width=width, height=height, format="gray").to_ndarray()
    return gray.astype(np.uint8, copy=False)


class TrackerWorker:
    """A :class:`Tracker` in a daemon thread fed with the newest frame.

    ``submit`` never blocks; ``on_result`` is called on ``loop`` with each frame's
    :class:`TrackResult`. ``close`` stops the thread (idempotent).
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        on_result: Callable[[TrackResult], None],
        settings: TrackerSettings | None = None,
    ) -> None:
        cv2.setNumThreads(1)
        self._loop = loop
        self._on_result = on_result
        self._tracker = Tracker(settings)
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._frame: tuple[Picture, float] | None = None
        self._commands: list[_Command] = []
        self._closed = False
        self.frames_submitted = 0
        self.frames_tracked = 0
        self.frames_skipped = 0
        self.busy_s = 0.0
        """CPU time this thread spent converting and tracking frames (seconds)."""
        self._thread = threading.Thread(target=self._main, name="lens-tracker", daemon=True)
        self._thread.start()

    def submit(self, frame: Picture, timestamp: float) -> None:
        """Offers a grayscale frame, or a decoded one (converted in the worker thread:
        the caller's thread does nothing but this hand-over); replaces one not yet
        taken (which is skipped)."""
        with self._lock:
            if self._closed:
                return
            self.frames_submitted += 1
            if self._frame is not None:
                self.frames_skipped += 1
            self._frame = (frame, timestamp)
            self._wakeup.notify()

    def add(self, anchor_id: str, region: Region, frame: Picture | None = None) -> None:
        """Anchors ``region`` on ``frame`` (the picture it was drawn on, gray or decoded)
        or on the newest frame tracked, before the next frame is tracked."""
        self._command(
            lambda tracker: tracker.add(anchor_id, region, None if frame is None else _gray(frame))
        )

    def remove(self, anchor_id: str) -> None:
        self._command(lambda tracker: tracker.remove(anchor_id))

    def close(self, wait: bool = True) -> None:
        """Stops the thread after the frame it is on (``wait``: and waits for that);
        results still queued on the loop are delivered. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._frame = None
            self._wakeup.notify()
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def _command(self, command: _Command) -> None:
        with self._lock:
            if not self._closed:
                self._commands.append(command)
                self._wakeup.notify()

    def _take(self) -> tuple[list[_Command], tuple[Picture, float] | None] | None:
        """Waits for work; None once closed."""
        with self._lock:
            while not self._closed and self._frame is None and not self._commands:
                self._wakeup.wait()
            if self._closed:
                return None
            commands, self._commands = self._commands, []
            frame, self._frame = self._frame, None
            return commands, frame

    def _main(self) -> None:
        _be_nicer(TRACKER_NICE)
        while (work := self._take()) is not None:
            commands, frame = work
            started = time.thread_time()
            for command in commands:
                try:
                    command(self._tracker)
                except Exception:  # one bad anchor must not stop tracking the others
                    log.exception("a tracker command failed")
            if frame is not None:
                picture, timestamp = frame
                result = self._tracker.track(_gray(picture), timestamp)
                self.frames_tracked += 1
                self._publish(result)
            self.busy_s += time.thread_time() - started

    def _publish(self, result: TrackResult) -> None:
        try:
            self._loop.call_soon_threadsafe(self._on_result, result)
        except RuntimeError:  # the loop is closed: the console is shutting down
            with self._lock:
                self._closed = True


def _be_nicer(step: int) -> None:
    """Raise the calling thread's nice value by ``step`` (Linux: a thread's own id
    names it for setpriority; elsewhere that id could name another process: skipped)."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + step)
    except OSError as exc:
        log.info("the tracker runs at the console's priority: %s", exc)
