"""Annotation and pointer messages on the ``control`` data channel, version 1.

docs/protocol.md ("Annotations and pointer (version 1)") is the contract; the phone's
``annotations.js`` applies the same rules. The builders make the messages the console
sends; the parser is strict, because the peer on the other end may be buggy or hostile:
anything malformed, unknown, out of bounds or oversized comes back as a
:class:`Rejection` that the caller logs and ignores, never as an exception.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from lens_desktop.tools.annotations import (
    KINDS,
    MAX_ANNOTATIONS,
    MAX_ID_LENGTH,
    MAX_POINTS,
    MAX_TEXT,
    Annotation,
    AnnotationError,
    check_annotation,
)

VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024
"""No control message is larger (a 2,000-point stroke at 4 decimals is ~32 KiB)."""
DECIMALS = 4
"""Coordinates travel rounded to 1/10,000 of the frame: finer than a 4K pixel."""
ANNOTATION_FIELDS = frozenset(
    {"id", "kind", "colour", "width", "points", "text", "number", "anchor", "transform", "visible"}
)


# -- what the parser returns -----------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """A message that was not taken, and why (for the log)."""

    reason: str


@dataclass(frozen=True)
class SetAnnotation:
    """Add or replace; a new one goes at ``at`` in the drawing order (None: on top)."""

    annotation: Annotation
    at: int | None = None


@dataclass(frozen=True)
class RemoveAnnotation:
    id: str


@dataclass(frozen=True)
class ClearAnnotations:
    pass


@dataclass(frozen=True)
class PointerMove:
    x: float
    y: float


@dataclass(frozen=True)
class PointerHide:
    pass


@dataclass(frozen=True)
class CustomerTap:
    """The customer tapped the picture at (x, y) of the frame (phone -> console)."""

    x: float
    y: float


Parsed = (
    SetAnnotation | RemoveAnnotation | ClearAnnotations | PointerMove | PointerHide | CustomerTap
)
TAP_FIELDS = frozenset({"type", "v", "x", "y"})


# -- builders ------------------------------------------------------------------------


def annotation_to_wire(item: Annotation) -> dict[str, Any]:
    wire: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "colour": item.colour,
        "width": item.width,
        "points": [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in item.points],
        "visible": item.visible,
    }
    if item.text:
        wire["text"] = item.text
    if item.number is not None:
        wire["number"] = item.number
    if item.anchor is not None:
        wire["anchor"] = item.anchor
    if item.transform is not None:
        wire["transform"] = [round(v, 6) for v in item.transform]
    return wire


def set_message(item: Annotation, at: int | None = None) -> dict[str, Any]:
    message = {"type": "annot", "v": VERSION, "op": "set", "annotation": annotation_to_wire(item)}
    if at is not None:
        message["at"] = at
    return message


def remove_message(annotation_id: str) -> dict[str, Any]:
    return {"type": "annot", "v": VERSION, "op": "remove", "id": annotation_id}


def clear_message() -> dict[str, Any]:
    return {"type": "annot", "v": VERSION, "op": "clear"}


def pointer_message(x: float, y: float) -> dict[str, Any]:
    """The technician's mouse over the picture, clamped to the frame."""
    return {
        "type": "pointer",
        "v": VERSION,
        "x": round(min(max(x, 0.0), 1.0), DECIMALS),
        "y": round(min(max(y, 0.0), 1.0), DECIMALS),
    }


def pointer_hide_message() -> dict[str, Any]:
    return {"type": "pointer", "v": VERSION, "hide": True}


# -- parsing -------------------------------------------------------------------------


def decode_control(text: str | bytes) -> dict[str, Any] | Rejection:
    """A control-channel frame -> a JSON object, or a Rejection: too large, not JSON,
    nested past Python's recursion limit, or not an object."""
    if len(text) > MAX_MESSAGE_BYTES:
        return Rejection(f"message of {len(text)} bytes exceeds {MAX_MESSAGE_BYTES}")
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        return Rejection(f"not JSON: {type(exc).__name__}")
    if not isinstance(data, dict):
        return Rejection("not a JSON object")
    return data


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON; Python's json takes them unless told not to."""
    raise ValueError(f"{name} is not allowed")


def is_tool_message(data: dict[str, Any]) -> bool:
    return data.get("type") in ("annot", "pointer", "tap")


def parse_message(data: dict[str, Any]) -> Parsed | Rejection:
    """Validate one decoded ``annot``, ``pointer`` or ``tap`` message."""
    if isinstance(data.get("v"), bool) or data.get("v") != VERSION:  # True == 1 in Python
        return Rejection(f"unsupported version {data.get('v')!r}")
    try:
        if data.get("type") == "pointer":
            return _parse_pointer(data)
        if data.get("type") == "annot":
            return _parse_annot(data)
        if data.get("type") == "tap":
            return _parse_tap(data)
    except (AnnotationError, TypeError, ValueError, KeyError) as exc:
        return Rejection(f"{data.get('type')}: {exc}")
    return Rejection(f"unknown type {data.get('type')!r}")


def _parse_pointer(data: dict[str, Any]) -> PointerMove | PointerHide:
    if data.get("hide") is True:
        return PointerHide()
    return PointerMove(_unit(data.get("x")), _unit(data.get("y")))


def _parse_tap(data: dict[str, Any]) -> CustomerTap:
    """Exactly ``{"type":"tap","v":1,"x":..,"y":..}``: a phone that sends more is not
    the phone this console was written for."""
    unknown = set(data) - TAP_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(str(k)[:20] for k in unknown)[:5]}")
    return CustomerTap(_unit(data.get("x")), _unit(data.get("y")))


def _parse_annot(data: dict[str, Any]) -> SetAnnotation | RemoveAnnotation | ClearAnnotations:
    op = data.get("op")
    if op == "clear":
        return ClearAnnotations()
    if op == "remove":
        return RemoveAnnotation(_token(data.get("id"), "id"))
    if op == "set":
        at = data.get("at")
        if at is not None and not (_integer(at, "at") >= 0 and at < MAX_ANNOTATIONS):
            raise ValueError(f"at must be 0-{MAX_ANNOTATIONS - 1}")
        return SetAnnotation(annotation_from_wire(data.get("annotation")), at)
    raise ValueError(f"unknown op {op!r}")


def annotation_from_wire(wire: Any) -> Annotation:
    """Build an Annotation from its wire form; AnnotationError/ValueError if bad."""
    if not isinstance(wire, dict):
        raise ValueError("annotation must be an object")
    unknown = set(wire) - ANNOTATION_FIELDS
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)[:5]}")
    kind = wire.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {str(kind)[:20]!r}")
    item = Annotation(
        id=_token(wire.get("id"), "id"),
        kind=kind,
        points=_points(wire.get("points")),
        colour=_string(wire.get("colour"), "colour", 7),
        width=_integer(wire.get("width"), "width"),
        text=_string(wire.get("text", ""), "text", MAX_TEXT),
        number=None if wire.get("number") is None else _integer(wire.get("number"), "number"),
        anchor=None if wire.get("anchor") is None else _token(wire.get("anchor"), "anchor"),
        transform=_transform(wire.get("transform")),
        visible=_boolean(wire.get("visible", True), "visible"),
    )
    check_annotation(item)
    return item


def _unit(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("coordinate must be a number")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError("coordinate outside 0..1")
    return float(value)


def _points(value: Any) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list) or not value:
        raise ValueError("points must be a non-empty list")
    if len(value) > MAX_POINTS:
        raise ValueError(f"more than {MAX_POINTS} points")
    pairs: list[tuple[float, float]] = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError("a point is [x, y]")
        pairs.append((_unit(pair[0]), _unit(pair[1])))
    return tuple(pairs)


def _transform(value: Any) -> tuple[float, float, float, float, float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 6:
        raise ValueError("transform is 6 numbers")
    numbers = [v for v in value if isinstance(v, int | float) and not isinstance(v, bool)]
    if len(numbers) != 6:
        raise ValueError("transform is 6 numbers")
    a, b, c, d, e, f = (float(v) for v in numbers)
    return (a, b, c, d, e, f)


def _token(value: Any, name: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= MAX_ID_LENGTH:
        raise ValueError(f"{name} must be a string of 1-{MAX_ID_LENGTH} characters")
    return value


def _string(value: Any, name: str, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise ValueError(f"{name} must be a string of at most {limit} characters")
    return value


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value
