"""Makes annotations stick to the objects they were drawn on, in the running console.

The link listens to the session's :class:`AnnotationModel`. An annotation drawn on the
live picture gets an anchor in a :class:`TrackerWorker`: the region under it (its
bounding box, padded, at least ``MIN_SIDE`` of the picture so a marker or a short label
still covers some texture), placed on the very frame the technician saw when the
stroke ended (``shown_frame()``: the decoded frame behind the picture on screen). Each
tracking result moves, scales and turns it through ``model.place`` (outside the undo
history), hides it while its object is out of the picture or covered, and shows it again
once the tracker finds it; the annotation link sends each such change to the phone.

Frames reach the tracker off the GUI thread: ``set_tap`` (the peer's
``set_frame_tap``) hands every decoded frame, on the media thread, to the worker's
one-slot mailbox, which never blocks (a frame not yet taken is replaced). The tap is set
only while at least one anchor exists and tracking is not paused: without anchors,
tracking costs nothing, not even a thread.

What goes to the phone is bounded: one annotation's placement changes at most
``MAX_PLACES_PER_S`` times a second, and not at all when no point of it would move
``MIN_MOVE_PX`` at 720p (a still camera sends nothing). The next result carries a
skipped change, since each placement is measured against what was placed last.

Erasing an annotation (erase, clear, undo of its drawing) removes its anchor; bringing it
back (redo, undo of the erase) anchors it again where it is shown then. ``enabled``
("Annotations stick to objects") turns it all off and on; ``pause``/``resume`` hold
tracking while the picture is frozen.
"""

from __future__ import annotations

import asyncio
import logging
import math
import weakref
from collections.abc import Callable
from dataclasses import dataclass

import av

from lens_desktop.media.frames import VideoFrame
from lens_desktop.tools.annotations import (
    MARKER_RADIUS,
    TEXT_SIZE,
    Annotation,
    AnnotationError,
    AnnotationModel,
    Change,
    Transform,
)
from lens_desktop.tools.tracker import Region, TrackerSettings, TrackResult
from lens_desktop.tools.tracker_worker import TrackerWorker

log = logging.getLogger(__name__)

Tap = Callable[[av.VideoFrame, float], None]
SetTap = Callable[[Tap | None], None]

MAX_PLACES_PER_S = 30.0
MIN_PLACE_INTERVAL_S = 0.9 / MAX_PLACES_PER_S
"""A little under 1/30 s: results come at the frame rate with some jitter, and a result
33 ms after the last one must not be skipped for arriving 1 ms early."""
MIN_MOVE_PX = 0.5
REFERENCE_SIZE = (1280, 720)
"""``MIN_MOVE_PX`` is measured on a picture this size."""
PADDING = 0.02
"""Added around an annotation's bounding box on each side (share of the picture)."""
MIN_SIDE = 0.12
"""A region is at least this share of the picture's height (and as many pixels wide)."""
DEFAULT_ASPECT = 16 / 9

_IDENTITY: Transform = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)


@dataclass
class _Anchored:
    """One tracked annotation: ``base`` maps its drawn points to where they were on the
    frame the anchor was placed on (its transform then; identity for a new drawing)."""

    anchor: str
    points: tuple[tuple[float, float], ...]
    base: Transform
    corners: tuple[tuple[float, float], ...]
    transform: Transform | None
    visible: bool
    placed_at: float = -math.inf


def compose(outer: Transform, inner: Transform) -> Transform:
    """``outer`` after ``inner`` (each a, b, c, d, e, f)."""
    a, b, c, d, e, f = outer
    p, q, r, s, t, u = inner
    return (
        a * p + b * s,
        a * q + b * t,
        a * r + b * u + c,
        d * p + e * s,
        d * q + e * t,
        d * r + e * u + f,
    )


def apply(transform: Transform | None, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = transform or _IDENTITY
    return a * x + b * y + c, d * x + e * y + f


def moved_px(
    before: Transform | None, after: Transform | None, corners: tuple[tuple[float, float], ...]
) -> float:
    """How far (pixels at ``REFERENCE_SIZE``) the farthest-moving corner of an
    annotation's box moves between two placements (an affine map moves a box farthest
    at a corner)."""
    width, height = REFERENCE_SIZE
    worst = 0.0
    for x, y in corners:
        x0, y0 = apply(before, x, y)
        x1, y1 = apply(after, x, y)
        worst = max(worst, math.hypot((x1 - x0) * width, (y1 - y0) * height))
    return worst


def region_of(item: Annotation, aspect: float = DEFAULT_ASPECT) -> Region:
    """The part of the picture an annotation covers where it is shown now, padded and
    grown to ``MIN_SIDE``, within the picture (normalised; ``aspect`` = width/height)."""
    points = item.placed_points()
    xs, ys = [x for x, _ in points], [y for _, y in points]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if item.kind == "marker":
        x0, x1 = x0 - MARKER_RADIUS / aspect, x1 + MARKER_RADIUS / aspect
        y0, y1 = y0 - MARKER_RADIUS, y1 + MARKER_RADIUS
    elif item.kind == "text":
        x1 = x0 + 0.6 * TEXT_SIZE * len(item.text) / aspect
        y1 = y0 + TEXT_SIZE
    min_w, min_h = MIN_SIDE / aspect, MIN_SIDE
    x0, x1 = _grown(x0 - PADDING, x1 + PADDING, min_w)
    y0, y1 = _grown(y0 - PADDING, y1 + PADDING, min_h)
    return Region(x0, y0, x1 - x0, y1 - y0)


def _grown(low: float, high: float, least: float) -> tuple[float, float]:
    """[low, high] grown about its centre to ``least`` and moved inside 0..1."""
    if high - low < least:
        centre = (low + high) / 2
        low, high = centre - least / 2, centre + least / 2
    if low < 0:
        low, high = 0.0, high - low
    if high > 1:
        low, high = low - (high - 1), 1.0
    return max(0.0, low), min(1.0, high)


def _corners(points: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return ((min(xs), min(ys)), (max(xs), min(ys)), (min(xs), max(ys)), (max(xs), max(ys)))


class TrackingLink:
    """Keeps a model's annotations on their objects until closed.

    ``set_tap`` installs (or, with None, removes) the media thread's frame tap;
    ``shown_frame`` returns the frame on screen now (None before the first).
    """

    def __init__(
        self,
        model: AnnotationModel,
        set_tap: SetTap,
        shown_frame: Callable[[], VideoFrame | None],
        settings: TrackerSettings | None = None,
    ) -> None:
        self.model = model
        self._set_tap = set_tap
        self._shown_frame = shown_frame
        self._settings = settings
        self._worker: TrackerWorker | None = None
        self._worker_generation = 0
        self._anchored: dict[str, _Anchored] = {}
        self._by_anchor: dict[str, str] = {}
        self._next_anchor = 1
        self._placing = False
        self._tap: Tap | None = None
        self._paused = False
        self._enabled = True
        self._closed = False
        self.places = 0
        """Placements made (each one message to the phone)."""
        self.places_skipped = 0
        """Tracker updates not passed on: too soon after the last, or too small."""
        self.results = 0
        """Tracking results applied (one per tracked frame)."""
        self._unsubscribe: Callable[[], None] | None = model.subscribe(_weak_listener(self))

    # -- settings ----------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """The setting "Annotations stick to objects" (on by default)."""
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        """Off: every annotation stays where it shows now, shown, and is no longer
        tracked. On: every annotation is anchored where it shows now."""
        if enabled == self._enabled or self._closed:
            return
        self._enabled = enabled
        if enabled:
            for item in self.model.annotations():
                self._anchor(item)
            return
        anchored = list(self._anchored.items())
        self._drop_all()
        for annotation_id, record in anchored:
            self._tag(annotation_id, None)
            self._place(annotation_id, record.transform, True)

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        """The picture is frozen: no frames are tracked and nothing is moved. An
        annotation drawn meanwhile is anchored on the frozen picture."""
        self._paused = True
        self._update_tap()

    def resume(self) -> None:
        """The picture is live again: tracking goes on from the last tracked frame."""
        self._paused = False
        self._update_tap()

    def set_frozen(self, frozen: bool) -> None:
        if frozen:
            self.pause()
        else:
            self.resume()

    # -- state, for the console and tests ---------------------------------------------

    @property
    def anchors(self) -> dict[str, str]:
        """annotation id -> its anchor id, for every annotation being tracked."""
        return {annotation_id: r.anchor for annotation_id, r in self._anchored.items()}

    @property
    def worker(self) -> TrackerWorker | None:
        """The tracker's thread (None while nothing is anchored)."""
        return self._worker

    @property
    def tapped(self) -> bool:
        """Whether decoded frames are being handed to the tracker."""
        return self._tap is not None

    # -- the model ---------------------------------------------------------------------

    def on_model_change(self, change: Change) -> None:
        if self._placing or self._closed:
            return
        if change.op == "clear":
            self._drop_all()
        elif change.op == "remove" and change.id is not None:
            self._drop(change.id)
        elif change.op == "set" and change.annotation is not None and self._enabled:
            item = change.annotation
            record = self._anchored.get(item.id)
            if record is not None and record.points == item.points:
                self._restore(item, record)  # restyled, or its edit undone: same anchor
            else:
                self._drop(item.id)
                self._anchor(item)

    def _anchor(self, item: Annotation) -> None:
        """Anchor ``item`` where it shows now, on the frame on screen."""
        shown = self._shown_frame()
        aspect = shown.width / shown.height if shown and shown.height else DEFAULT_ASPECT
        anchor = f"t{self._next_anchor}"
        self._next_anchor += 1
        record = _Anchored(
            anchor=anchor,
            points=item.points,
            base=item.transform or _IDENTITY,
            corners=_corners(item.points),
            transform=item.transform,
            visible=item.visible,
        )
        worker = self._ensure_worker()
        worker.add(anchor, region_of(item, aspect), shown.source if shown else None)
        self._anchored[item.id] = record
        self._by_anchor[anchor] = item.id
        self._tag(item.id, anchor)
        self._update_tap()

    def _restore(self, item: Annotation, record: _Anchored) -> None:
        """An anchored annotation came back from the history with its points as they
        were: it keeps its anchor and the placement the tracker gave it last."""
        self._tag(item.id, record.anchor)
        self._place(item.id, record.transform, record.visible)

    def _drop(self, annotation_id: str) -> None:
        record = self._anchored.pop(annotation_id, None)
        if record is None:
            return
        self._by_anchor.pop(record.anchor, None)
        if self._worker is not None:
            self._worker.remove(record.anchor)
        if not self._anchored:
            self._stop_worker()
        self._update_tap()

    def _drop_all(self) -> None:
        self._anchored.clear()
        self._by_anchor.clear()
        self._stop_worker()
        self._update_tap()

    # -- the tracker ------------------------------------------------------------------

    def _ensure_worker(self) -> TrackerWorker:
        if self._worker is None:
            self._worker_generation += 1
            generation, link = self._worker_generation, weakref.ref(self)

            def on_result(result: TrackResult) -> None:
                alive = link()  # weakly: the peer holds the worker through the tap
                if alive is not None:
                    alive._on_result(generation, result)

            self._worker = TrackerWorker(asyncio.get_event_loop(), on_result, self._settings)
        return self._worker

    def _stop_worker(self) -> None:
        """With no anchor left the tracker goes: its last frame would be stale by the
        time something is anchored again."""
        worker, self._worker = self._worker, None
        self._update_tap()
        if worker is not None:
            worker.close(wait=False)

    def _update_tap(self) -> None:
        """The tap is the worker's mailbox while anything is anchored and not paused."""
        worker = self._worker
        tap = worker.submit if worker is not None and self._anchored and not self._paused else None
        if tap != self._tap:
            self._set_tap(tap)
            self._tap = tap

    def _on_result(self, generation: int, result: TrackResult) -> None:
        if generation != self._worker_generation or self._paused or self._closed:
            return
        self.results += 1
        for anchor, update in result.anchors.items():
            annotation_id = self._by_anchor.get(anchor)
            record = self._anchored.get(annotation_id) if annotation_id else None
            if annotation_id is None or record is None:
                continue
            (a, b, c), (d, e, f) = update.transform
            transform = compose((a, b, c, d, e, f), record.base)
            self._follow(annotation_id, record, transform, update.visible, result.timestamp)

    def _follow(
        self,
        annotation_id: str,
        record: _Anchored,
        transform: Transform,
        visible: bool,
        at: float,
    ) -> None:
        """Place one annotation as the tracker says, unless that changes too little or
        comes too soon after the last placement (a change of visibility always goes)."""
        if visible == record.visible and (
            not visible
            or at - record.placed_at < MIN_PLACE_INTERVAL_S
            or moved_px(record.transform, transform, record.corners) < MIN_MOVE_PX
        ):
            self.places_skipped += 1
            return
        try:
            self._place(annotation_id, transform, visible)
            record.transform, record.visible = transform, visible
        except AnnotationError:  # beyond the protocol's bounds: the tracker went astray
            self._place(annotation_id, record.transform, False)
            record.visible = False
        record.placed_at = at
        self.places += 1

    def _tag(self, annotation_id: str, anchor: str | None) -> None:
        """Set an annotation's anchor without hearing it back as the technician's edit."""
        if self.model.get(annotation_id) is None:
            return
        self._placing = True
        try:
            self.model.set_anchor(annotation_id, anchor)
        finally:
            self._placing = False

    def _place(self, annotation_id: str, transform: Transform | None, visible: bool) -> None:
        """Move or hide an annotation without hearing it back as the technician's edit."""
        if self.model.get(annotation_id) is None:
            return
        self._placing = True
        try:
            self.model.place(annotation_id, transform, visible)
        finally:
            self._placing = False

    # -- shutdown ---------------------------------------------------------------------

    def close(self) -> None:
        """Stop tracking and listening; safe to call twice."""
        if self._closed:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._anchored.clear()
        self._by_anchor.clear()
        self._stop_worker()
        self._closed = True


def _weak_listener(link: TrackingLink) -> Callable[[Change], None]:
    """The model's listener, holding the link weakly (as the annotation link does: no
    reference cycle through the model keeps the peer's QObject alive)."""
    ref = weakref.ref(link)

    def listener(change: Change) -> None:
        alive = ref()
        if alive is not None:
            alive.on_model_change(change)

    return listener
