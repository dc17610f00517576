"""Camera requests on the ``control`` data channel, version 1.

docs/protocol.md ("Camera requests (version 1)") is the contract; the phone's
``camera_requests.js`` applies the same rules. The phone says what its camera can do
(``camera_caps``), the console asks it to switch camera, turn the flashlight on or off,
zoom or focus at a point (``camera_request``), and the phone answers each request
(``camera_result``). The parser is strict: anything malformed, unknown or out of bounds
comes back as a :class:`Rejection` that the caller logs and ignores, never an exception.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from lens_desktop.tools.protocol import Rejection

VERSION = 1
FACINGS = ("user", "environment")
ACTIONS = ("switch", "torch", "zoom", "focus")
REASONS = ("not_supported", "paused", "on_hold", "busy", "invalid", "failed")
"""Why the phone did not do a request (``camera_result`` with ``ok: false``)."""
MAX_ZOOM = 1000.0
MAX_MESSAGE = 200
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
CAPS_FIELDS = frozenset(
    {"type", "v", "facing", "current", "torch", "torch_on", "zoom", "focus_point"}
)
ZOOM_FIELDS = frozenset({"min", "max", "step", "value"})
RESULT_FIELDS = frozenset({"type", "v", "id", "ok", "reason", "message"})


@dataclass(frozen=True)
class Zoom:
    min: float
    max: float
    step: float
    value: float

    def stepped(self, direction: int) -> float:
        """The next zoom towards ``direction`` (+1 in, -1 out): a tenth of the range,
        on the camera's own steps, within the range."""
        size = (self.max - self.min) / 10
        if self.step > 0:
            size = max(self.step, round(size / self.step) * self.step)
        return round(min(max(self.value + direction * size, self.min), self.max), 3)


@dataclass(frozen=True)
class CameraCaps:
    """What the phone's camera can do now (phone -> console)."""

    facing: tuple[str, ...]
    current: str
    torch: bool
    torch_on: bool
    zoom: Zoom | None
    focus_point: bool

    @property
    def can_switch(self) -> bool:
        return len(self.facing) > 1


@dataclass(frozen=True)
class CameraResult:
    """The phone's answer to request ``id``; ``reason`` (one of REASONS) when not ok."""

    id: str
    ok: bool
    reason: str | None = None
    message: str = ""


def is_camera_message(data: dict[str, Any]) -> bool:
    return data.get("type") in ("camera_caps", "camera_result")


def request_message(request_id: str, action: str, value: Any = None) -> dict[str, Any]:
    """A ``camera_request``; ``value`` per action: none, a bool, a zoom, {x, y}."""
    if action not in ACTIONS or not ID_PATTERN.fullmatch(request_id):
        raise ValueError(f"bad camera request {action!r} {request_id!r}")
    message: dict[str, Any] = {"type": "camera_request", "v": VERSION, "id": request_id}
    message["action"] = action
    if action == "focus":
        x, y = value
        value = {"x": round(min(max(x, 0.0), 1.0), 4), "y": round(min(max(y, 0.0), 1.0), 4)}
    if value is not None:
        message["value"] = value
    return message


def parse_camera_message(data: dict[str, Any]) -> CameraCaps | CameraResult | Rejection:
    """Validate one decoded ``camera_caps`` or ``camera_result`` message."""
    if isinstance(data.get("v"), bool) or data.get("v") != VERSION:
        return Rejection(f"unsupported version {str(data.get('v'))[:20]!r}")
    kind = data.get("type")
    try:
        if kind == "camera_caps":
            return _parse_caps(data)
        if kind == "camera_result":
            return _parse_result(data)
    except (TypeError, ValueError) as exc:
        return Rejection(f"{kind}: {exc}")
    return Rejection(f"unknown type {str(kind)[:40]!r}")


def _parse_caps(data: dict[str, Any]) -> CameraCaps:
    _only(data, CAPS_FIELDS)
    facing = data.get("facing")
    if (
        not isinstance(facing, list)
        or not 1 <= len(facing) <= len(FACINGS)
        or any(f not in FACINGS for f in facing)
        or len(set(facing)) != len(facing)
    ):
        raise ValueError("facing must list 'user' and/or 'environment'")
    current = data.get("current")
    if current not in FACINGS:
        raise ValueError("current must be 'user' or 'environment'")
    zoom = data.get("zoom")
    return CameraCaps(
        facing=tuple(facing),
        current=current,
        torch=_boolean(data.get("torch"), "torch"),
        torch_on=_boolean(data.get("torch_on"), "torch_on"),
        zoom=None if zoom is None else _zoom(zoom),
        focus_point=_boolean(data.get("focus_point"), "focus_point"),
    )


def _zoom(value: Any) -> Zoom:
    if not isinstance(value, dict):
        raise ValueError("zoom must be an object or null")
    _only(value, ZOOM_FIELDS)
    low, high = _number(value.get("min"), "zoom.min"), _number(value.get("max"), "zoom.max")
    step, now = _number(value.get("step"), "zoom.step"), _number(value.get("value"), "zoom.value")
    if not (0 < low < high <= MAX_ZOOM):
        raise ValueError(f"zoom range must be within 0..{MAX_ZOOM:g}, min below max")
    if not (0 <= step <= high - low):
        raise ValueError("zoom.step must be within the range")
    if not (low <= now <= high):
        raise ValueError("zoom.value must be within the range")
    return Zoom(low, high, step, now)


def _parse_result(data: dict[str, Any]) -> CameraResult:
    _only(data, RESULT_FIELDS)
    request_id = data.get("id")
    if not isinstance(request_id, str) or not ID_PATTERN.fullmatch(request_id):
        raise ValueError("id must be 1-32 of A-Z a-z 0-9 _ -")
    ok = _boolean(data.get("ok"), "ok")
    message = data.get("message", "")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        raise ValueError(f"message must be a string of at most {MAX_MESSAGE} characters")
    if ok:
        if "reason" in data:
            raise ValueError("a result that is ok has no reason")
        return CameraResult(request_id, True, None, message)
    reason = data.get("reason")
    if reason not in REASONS:
        raise ValueError(f"unknown reason {str(reason)[:40]!r}")
    return CameraResult(request_id, False, reason, message)


def _only(data: dict[str, Any], fields: frozenset[str]) -> None:
    unknown = set(data) - fields
    if unknown:
        raise ValueError(f"unknown fields {sorted(str(k)[:20] for k in unknown)[:5]}")


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name} must be a number")
    return float(value)


def _boolean(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name} must be true or false")
    return value
