"""The console's side of camera requests (docs/protocol.md, "Camera requests"): the
phone's capabilities and results are parsed strictly (bad, unknown, out-of-bounds and
oversized messages come back as a Rejection, never an exception), and the requests the
console builds are the ones the protocol describes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lens_desktop.tools.camera import (
    CameraCaps,
    CameraResult,
    Zoom,
    parse_camera_message,
    request_message,
)
from lens_desktop.tools.protocol import Rejection, decode_control

CAPS: dict[str, Any] = {
    "type": "camera_caps",
    "v": 1,
    "facing": ["user", "environment"],
    "current": "environment",
    "torch": True,
    "torch_on": False,
    "zoom": {"min": 1, "max": 5, "step": 0.1, "value": 1},
    "focus_point": True,
}


def caps(**changes: Any) -> dict[str, Any]:
    return {**CAPS, **changes}


def test_good_caps_parse_to_what_the_camera_can_do() -> None:
    parsed = parse_camera_message(caps())
    assert parsed == CameraCaps(
        ("user", "environment"), "environment", True, False, Zoom(1, 5, 0.1, 1), True
    )
    assert parsed.can_switch
    single = parse_camera_message(caps(facing=["user"], current="user", zoom=None, torch=False))
    assert isinstance(single, CameraCaps)
    assert not single.can_switch and single.zoom is None and not single.torch


@pytest.mark.parametrize(
    "bad",
    [
        caps(v=2),
        caps(v=True),
        caps(facing=[]),
        caps(facing=["user", "user"]),
        caps(facing=["side"]),
        caps(facing="user"),
        caps(current="left"),
        caps(torch=1),
        caps(torch_on=None),
        caps(focus_point="yes"),
        caps(zoom={"min": 0, "max": 5, "step": 0.1, "value": 1}),
        caps(zoom={"min": 5, "max": 1, "step": 0.1, "value": 1}),
        caps(zoom={"min": 1, "max": 5, "step": 0.1, "value": 9}),
        caps(zoom={"min": 1, "max": 5, "step": 10, "value": 1}),
        caps(zoom={"min": 1, "max": 5000, "step": 1, "value": 1}),
        caps(zoom={"min": 1, "max": 5, "step": 0.1}),
        caps(zoom={"min": 1, "max": 5, "step": 0.1, "value": 1, "extra": 1}),
        caps(zoom={"min": True, "max": 5, "step": 0.1, "value": 1}),
        caps(zoom=[1, 5]),
        caps(extra="field"),
        {"type": "camera_caps", "v": 1},
        {"type": "camera_other", "v": 1},
    ],
)
def test_bad_caps_are_rejected_with_a_reason(bad: dict[str, Any]) -> None:
    parsed = parse_camera_message(bad)
    assert isinstance(parsed, Rejection) and parsed.reason


def test_results_ok_and_refused() -> None:
    ok = {"type": "camera_result", "v": 1, "id": "c7", "ok": True}
    assert parse_camera_message(ok) == CameraResult("c7", True)
    no = {**ok, "ok": False, "reason": "not_supported", "message": "no torch"}
    assert parse_camera_message(no) == CameraResult("c7", False, "not_supported", "no torch")
    for reason in ("paused", "on_hold", "busy", "invalid", "failed"):
        assert parse_camera_message({**no, "reason": reason}) == CameraResult(
            "c7", False, reason, "no torch"
        )


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "camera_result", "v": 1, "id": "c7"},
        {"type": "camera_result", "v": 1, "id": "c 7", "ok": True},
        {"type": "camera_result", "v": 1, "id": "x" * 33, "ok": True},
        {"type": "camera_result", "v": 1, "id": 7, "ok": True},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": "yes"},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": False},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": False, "reason": "bored"},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": True, "reason": "failed"},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": True, "message": "m" * 201},
        {"type": "camera_result", "v": 1, "id": "c7", "ok": True, "more": 1},
    ],
)
def test_bad_results_are_rejected(bad: dict[str, Any]) -> None:
    assert isinstance(parse_camera_message(bad), Rejection)


def test_oversized_and_hostile_frames_never_reach_the_parser() -> None:
    huge = json.dumps(caps(padding="x" * 70_000))
    assert isinstance(decode_control(huge), Rejection)
    nested = '{"type":"camera_caps","zoom":' + "[" * 100_000 + "]" * 100_000 + "}"
    assert isinstance(decode_control(nested), Rejection)
    assert isinstance(decode_control('{"type":"camera_caps","v":1,"zoom":NaN}'), Rejection)


def test_requests_are_built_as_the_protocol_says() -> None:
    assert request_message("c1", "switch") == {
        "type": "camera_request",
        "v": 1,
        "id": "c1",
        "action": "switch",
    }
    assert request_message("c2", "torch", True)["value"] is True
    assert request_message("c3", "zoom", 2.5)["value"] == 2.5
    assert request_message("c4", "focus", (0.123456, 1.5))["value"] == {"x": 0.1235, "y": 1.0}
    with pytest.raises(ValueError):
        request_message("c 5", "switch")
    with pytest.raises(ValueError):
        request_message("c5", "pan")


def test_zoom_steps_a_tenth_of_the_range_within_it() -> None:
    zoom = Zoom(1, 5, 0.1, 1)
    assert zoom.stepped(+1) == 1.4
    assert zoom.stepped(-1) == 1
    assert Zoom(1, 5, 0.1, 4.9).stepped(+1) == 5
    assert Zoom(100, 400, 1, 100).stepped(+1) == 130
    assert Zoom(1, 2, 0, 1.5).stepped(-1) == 1.4
