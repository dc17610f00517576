"""The console's annotation set: what the technician drew over the live picture.

The console owns the annotations; the phone only shows what it is sent
(docs/protocol.md, "Annotations and pointer"). Every point is in the video frame's own
normalised coordinates (0..1 of the decoded frame, x to the right, y down), so each side
maps them to its own view and crop and the same thing lies under an annotation on both.

The model is plain Python (no Qt): the drawing UI calls it, listeners hear each change
through plain callbacks (the annotation link turns them into data-channel messages), and
every change goes through a command history for undo and redo. Bounds on count, points
and text keep a runaway tool or a bad caller from growing it without limit.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

Kind = Literal["pen", "highlighter", "arrow", "rectangle", "ellipse", "text", "marker"]
KINDS: tuple[Kind, ...] = ("pen", "highlighter", "arrow", "rectangle", "ellipse", "text", "marker")
FREEHAND_KINDS = frozenset({"pen", "highlighter"})
TWO_POINT_KINDS = frozenset({"arrow", "rectangle", "ellipse"})
ONE_POINT_KINDS = frozenset({"text", "marker"})

PALETTE: tuple[str, ...] = ("#ff1744", "#ffea00", "#00e676", "#2979ff", "#ffffff", "#000000")
"""Red, yellow, green, blue, white, black: saturated enough to stand out on a camera
picture; the first is the default (bright red reads on most scenes)."""
DEFAULT_COLOUR = PALETTE[0]
WIDTHS: tuple[int, ...] = (1, 2, 3)
WIDTH_FRACTION = {1: 0.004, 2: 0.008, 3: 0.016}
"""Stroke width as a fraction of the picture's shorter displayed side, so a line covers
the same part of the picture on the console and on the phone."""
DEFAULT_WIDTH = 2

MAX_ANNOTATIONS = 200
MAX_POINTS = 2000
MAX_TEXT = 200
MAX_MARKER = 999
MAX_ID_LENGTH = 32
MAX_TRANSFORM = 10.0
"""No tracker moves a drawing by more than ten picture widths or scales it tenfold."""
MAX_HISTORY = 500

Point = tuple[float, float]
Transform = tuple[float, float, float, float, float, float]
"""2x3 affine (a, b, c, d, e, f): x' = a*x + b*y + c, y' = d*x + e*y + f."""


class AnnotationError(ValueError):
    """An annotation that breaks the rules (kind, colour, points, text); nothing changed."""


class AnnotationLimitError(AnnotationError):
    """A bound would be exceeded (count, points per stroke, text length)."""


@dataclass(frozen=True)
class Annotation:
    """One drawn thing. ``points``: freehand strokes any number up to MAX_POINTS;
    arrow tail -> head, rectangle and ellipse two opposite corners; text and marker one
    point (the text's top-left, the marker's centre)."""

    id: str
    kind: Kind
    points: tuple[Point, ...]
    colour: str = DEFAULT_COLOUR
    width: int = DEFAULT_WIDTH
    text: str = ""
    number: int | None = None
    anchor: str | None = None
    transform: Transform | None = None
    visible: bool = True

    def placed_points(self) -> tuple[Point, ...]:
        """The points where they show now: through the tracker's transform, if any."""
        if self.transform is None:
            return self.points
        a, b, c, d, e, f = self.transform
        return tuple((a * x + b * y + c, d * x + e * y + f) for x, y in self.points)


def check_annotation(item: Annotation) -> None:
    """Raise AnnotationError (or AnnotationLimitError) if ``item`` breaks a rule."""
    if not (0 < len(item.id) <= MAX_ID_LENGTH) or not _is_token(item.id):
        raise AnnotationError(f"id must be 1-{MAX_ID_LENGTH} letters, digits, '-' or '_'")
    if item.kind not in KINDS:
        raise AnnotationError(f"unknown kind {item.kind!r}")
    if item.colour not in PALETTE:
        raise AnnotationError(f"colour {item.colour!r} is not in the palette")
    if item.width not in WIDTHS:
        raise AnnotationError(f"width must be one of {WIDTHS}")
    _check_points(item.kind, item.points)
    _check_text(item)
    if item.anchor is not None and not (0 < len(item.anchor) <= MAX_ID_LENGTH):
        raise AnnotationError("anchor must be a short id")
    if item.transform is not None:
        check_transform(item.transform)


def _is_token(text: str) -> bool:
    return all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in text)


def _check_points(kind: str, points: Sequence[Point]) -> None:
    if len(points) > MAX_POINTS:
        raise AnnotationLimitError(f"a stroke has at most {MAX_POINTS} points")
    wanted = 2 if kind in TWO_POINT_KINDS else 1 if kind in ONE_POINT_KINDS else None
    if wanted is not None and len(points) != wanted:
        raise AnnotationError(f"{kind} takes {wanted} point(s), got {len(points)}")
    if not points:
        raise AnnotationError("a stroke needs at least one point")
    for x, y in points:
        if not (_unit(x) and _unit(y)):
            raise AnnotationError("points are normalised: 0 <= x, y <= 1")


def _unit(value: float) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and 0.0 <= value <= 1.0


def _check_text(item: Annotation) -> None:
    if len(item.text) > MAX_TEXT:
        raise AnnotationLimitError(f"text has at most {MAX_TEXT} characters")
    if item.kind == "text" and not item.text.strip():
        raise AnnotationError("a text label needs text")
    if item.kind == "marker" and not (
        isinstance(item.number, int) and 1 <= item.number <= MAX_MARKER
    ):
        raise AnnotationError(f"a marker's number is 1-{MAX_MARKER}")


def check_transform(transform: Sequence[float]) -> None:
    if len(transform) != 6 or not all(
        isinstance(v, int | float) and math.isfinite(v) and abs(v) <= MAX_TRANSFORM
        for v in transform
    ):
        raise AnnotationError(f"a transform is 6 finite numbers within +-{MAX_TRANSFORM}")


# -- changes and the history ---------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What listeners hear: ``set`` (added or replaced; ``index`` is its place in the
    drawing order), ``remove`` or ``clear``."""

    op: Literal["set", "remove", "clear"]
    annotation: Annotation | None = None
    id: str | None = None
    index: int | None = None


@dataclass
class _Command:
    """One undoable step: the items before and after, by id (None: absent)."""

    before: list[tuple[int, Annotation]] = field(default_factory=list)
    after: list[Annotation] = field(default_factory=list)
    cleared: bool = False


Listener = Callable[[Change], None]


class AnnotationModel:
    """The current annotations in drawing order, with undo/redo and change callbacks."""

    def __init__(self, max_annotations: int = MAX_ANNOTATIONS) -> None:
        self._items: list[Annotation] = []
        self._undo: list[_Command] = []
        self._redo: list[_Command] = []
        self._listeners: list[Listener] = []
        self._next_id = 1
        self._max = max_annotations

    # -- reading --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._items)

    def annotations(self) -> tuple[Annotation, ...]:
        """All annotations, bottom first (the order they are drawn in)."""
        return tuple(self._items)

    def get(self, annotation_id: str) -> Annotation | None:
        return next((a for a in self._items if a.id == annotation_id), None)

    @property
    def max_annotations(self) -> int:
        return self._max

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def next_marker_number(self) -> int:
        """Steps count on from the highest marker shown (1 on an empty picture)."""
        numbers = [a.number or 0 for a in self._items if a.kind == "marker"]
        return min(max(numbers, default=0) + 1, MAX_MARKER)

    # -- listening ------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every change; returns the function that unsubscribes."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def _emit(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    # -- editing --------------------------------------------------------------------

    def add(
        self,
        kind: Kind,
        points: Iterable[Point],
        *,
        colour: str = DEFAULT_COLOUR,
        width: int = DEFAULT_WIDTH,
        text: str = "",
        anchor: str | None = None,
    ) -> Annotation:
        """Add a new annotation on top; markers are numbered on from the last one."""
        if len(self._items) >= self._max:
            raise AnnotationLimitError(f"at most {self._max} annotations; erase some first")
        number = self.next_marker_number() if kind == "marker" else None
        item = Annotation(
            id=f"a{self._next_id}",
            kind=kind,
            points=_as_points(points),
            colour=colour,
            width=width,
            text=text,
            number=number,
            anchor=anchor,
        )
        check_annotation(item)
        self._next_id += 1
        self._do(_Command(after=[item]))
        return item

    def update(self, annotation_id: str, **changes: object) -> Annotation:
        """Replace fields of one annotation (points, colour, text, ...), undoably."""
        current = self._require(annotation_id)
        if "points" in changes:
            changes["points"] = _as_points(changes["points"])
        if "id" in changes:
            raise AnnotationError("an annotation keeps its id")
        updated = replace(current, **changes)  # type: ignore[arg-type]
        check_annotation(updated)
        self._do(_Command(before=[(self._index(annotation_id), current)], after=[updated]))
        return updated

    def place(self, annotation_id: str, transform: Transform | None, visible: bool) -> None:
        """The tracker moved (or lost) an anchored annotation. Not undoable: it follows
        the picture, it is not the technician's edit."""
        current = self._require(annotation_id)
        if transform is not None:
            check_transform(transform)
        updated = replace(current, transform=transform, visible=visible)
        if updated != current:
            index = self._index(annotation_id)
            self._items[index] = updated
            self._emit(Change("set", annotation=updated, index=index))

    def set_anchor(self, annotation_id: str, anchor: str | None) -> None:
        """The tracker anchored an annotation (None: no longer). Not undoable, as
        ``place``: undo and redo bring back the annotation as drawn, and the tracker
        anchors it again."""
        current = self._require(annotation_id)
        updated = replace(current, anchor=anchor)
        check_annotation(updated)
        if updated != current:
            index = self._index(annotation_id)
            self._items[index] = updated
            self._emit(Change("set", annotation=updated, index=index))

    def remove(self, annotation_id: str) -> Annotation:
        """Erase one annotation, undoably."""
        current = self._require(annotation_id)
        self._do(_Command(before=[(self._index(annotation_id), current)]))
        return current

    def clear(self) -> None:
        """Erase all, undoably (one undo brings them all back)."""
        if self._items:
            self._do(_Command(before=list(enumerate(self._items)), cleared=True))

    def undo(self) -> bool:
        if not self._undo:
            return False
        command = self._undo.pop()
        self._redo.append(command)
        self._revert(command)
        return True

    def redo(self) -> bool:
        if not self._redo:
            return False
        command = self._redo.pop()
        self._undo.append(command)
        self._apply(command)
        return True

    # -- hit testing ----------------------------------------------------------------

    def hit_test(
        self, x: float, y: float, tolerance: float = 0.02, aspect: float = 1.0
    ) -> str | None:
        """The id of the topmost visible annotation within ``tolerance`` of (x, y), for
        "erase one". Distances are measured with x stretched by ``aspect`` (frame width
        / height) so the tolerance is the same fraction of the height in every direction."""
        best: tuple[float, int, str] | None = None
        for order, item in enumerate(self._items):
            if not item.visible:
                continue
            distance = distance_to(item, x, y, aspect)
            if distance <= tolerance and (best is None or (distance, -order) < best[:2]):
                best = (distance, -order, item.id)
        return best[2] if best is not None else None

    # -- internals ------------------------------------------------------------------

    def _require(self, annotation_id: str) -> Annotation:
        item = self.get(annotation_id)
        if item is None:
            raise AnnotationError(f"no annotation {annotation_id!r}")
        return item

    def _index(self, annotation_id: str) -> int:
        return next(i for i, a in enumerate(self._items) if a.id == annotation_id)

    def _do(self, command: _Command) -> None:
        # The history first, then the change: a listener that asks can_undo/can_redo
        # (the tool bar's Undo and Redo) hears the state that follows the change.
        self._undo.append(command)
        del self._undo[:-MAX_HISTORY]
        self._redo.clear()
        self._apply(command)

    def _apply(self, command: _Command) -> None:
        if command.cleared:
            self._items.clear()
            self._emit(Change("clear"))
            return
        for _, old in command.before:
            if not command.after:
                self._items.remove(self.get(old.id) or old)
                self._emit(Change("remove", id=old.id))
        for new in command.after:
            self._put(new, command.before[0][0] if command.before else len(self._items))

    def _revert(self, command: _Command) -> None:
        for new in command.after:
            if not command.before:
                self._items.remove(self.get(new.id) or new)
                self._emit(Change("remove", id=new.id))
        for index, old in command.before:
            self._put(old, index)

    def _put(self, item: Annotation, index: int) -> None:
        """Put ``item`` in place of its namesake, or at ``index`` if it is absent."""
        if self.get(item.id) is not None:
            index = self._index(item.id)
            self._items[index] = item
        else:
            index = min(index, len(self._items))
            self._items.insert(index, item)
        self._emit(Change("set", annotation=item, index=index))


def _as_points(points: Any) -> tuple[Point, ...]:
    try:
        return tuple((float(x), float(y)) for x, y in points)
    except (TypeError, ValueError) as exc:
        raise AnnotationError("points are pairs of numbers") from exc


# -- geometry for hit testing --------------------------------------------------------

MARKER_RADIUS = 0.03
"""A marker's radius as a fraction of the picture's height (the phone draws it so)."""
TEXT_SIZE = 0.045
"""A text label's height as a fraction of the picture's height."""


def distance_to(item: Annotation, x: float, y: float, aspect: float) -> float:
    """Distance from (x, y) to what ``item`` draws, in units of the picture's height."""
    points = [(px * aspect, py) for px, py in item.placed_points()]
    here = (x * aspect, y)
    if item.kind == "marker":
        return max(0.0, math.dist(here, points[0]) - MARKER_RADIUS)
    if item.kind == "text":
        left, top = points[0]
        right = left + 0.6 * TEXT_SIZE * len(item.text)
        return _distance_to_box(here, (left, top), (right, top + TEXT_SIZE))
    if item.kind == "rectangle":
        return _distance_to_polyline(here, _rectangle(points[0], points[1]))
    if item.kind == "ellipse":
        return _distance_to_polyline(here, _ellipse(points[0], points[1]))
    return _distance_to_polyline(here, points)


def _rectangle(a: Point, b: Point) -> list[Point]:
    return [a, (b[0], a[1]), b, (a[0], b[1]), a]


def _ellipse(a: Point, b: Point, steps: int = 64) -> list[Point]:
    cx, cy = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    rx, ry = abs(b[0] - a[0]) / 2, abs(b[1] - a[1]) / 2
    return [
        (cx + rx * math.cos(2 * math.pi * i / steps), cy + ry * math.sin(2 * math.pi * i / steps))
        for i in range(steps + 1)
    ]


def _distance_to_box(p: Point, low: Point, high: Point) -> float:
    dx = max(low[0] - p[0], 0.0, p[0] - high[0])
    dy = max(low[1] - p[1], 0.0, p[1] - high[1])
    return math.hypot(dx, dy)


def _distance_to_polyline(p: Point, points: Sequence[Point]) -> float:
    if len(points) == 1:
        return math.dist(p, points[0])
    return min(_distance_to_segment(p, a, b) for a, b in itertools.pairwise(points))


def _distance_to_segment(p: Point, a: Point, b: Point) -> float:
    ax, ay = b[0] - a[0], b[1] - a[1]
    length2 = ax * ax + ay * ay
    t = (
        0.0
        if length2 == 0
        else max(0.0, min(1.0, ((p[0] - a[0]) * ax + (p[1] - a[1]) * ay) / length2))
    )
    return math.dist(p, (a[0] + t * ax, a[1] + t * ay))
