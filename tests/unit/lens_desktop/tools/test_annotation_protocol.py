"""Version 1 of the annotation and pointer messages: builders round-trip through the
strict parser, and hostile input comes back as a Rejection, never an exception."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lens_desktop.tools import protocol
from lens_desktop.tools.annotations import MAX_POINTS, PALETTE, AnnotationModel
from lens_desktop.tools.link import AnnotationLink, replay
from lens_desktop.tools.protocol import (
    ClearAnnotations,
    CustomerTap,
    PointerHide,
    PointerMove,
    Rejection,
    RemoveAnnotation,
    SetAnnotation,
    decode_control,
    parse_message,
)


def over_the_wire(message: dict[str, Any]) -> Any:
    decoded = decode_control(json.dumps(message))
    assert isinstance(decoded, dict)
    return parse_message(decoded)


def good_set() -> dict[str, Any]:
    model = AnnotationModel()
    return protocol.set_message(model.add("rectangle", [(0.1, 0.2), (0.3, 0.4)]))


def test_every_kind_round_trips() -> None:
    model = AnnotationModel()
    items = [
        model.add("pen", [(i / MAX_POINTS, 0.5) for i in range(MAX_POINTS)], width=1),
        model.add("highlighter", [(0.1, 0.1), (0.2, 0.2)], colour=PALETTE[1]),
        model.add("arrow", [(0.1, 0.1), (0.9, 0.9)], width=3),
        model.add("ellipse", [(0.1, 0.1), (0.9, 0.9)], colour=PALETTE[3]),
        model.add("text", [(0.1, 0.1)], text="Turn <b>this</b> ✓"),
        model.add("marker", [(0.5, 0.5)], anchor="track-1"),
    ]
    model.place(items[-1].id, (1.0, 0.0, 0.1, 0.0, 1.0, -0.1), visible=False)
    for item in model.annotations():
        message = protocol.set_message(item)
        assert len(json.dumps(message)) < protocol.MAX_MESSAGE_BYTES
        assert over_the_wire(message) == SetAnnotation(item)


def test_other_messages_round_trip() -> None:
    assert over_the_wire(protocol.remove_message("a7")) == RemoveAnnotation("a7")
    assert over_the_wire(protocol.clear_message()) == ClearAnnotations()
    assert over_the_wire(protocol.pointer_message(0.25, 1.7)) == PointerMove(0.25, 1.0)
    assert over_the_wire(protocol.pointer_hide_message()) == PointerHide()


def mutate(message: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    copy = json.loads(json.dumps(message))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (["v"], 2),
        (["v"], "1"),
        (["op"], "explode"),
        (["annotation"], "rect"),
        (["annotation", "kind"], "blob"),
        (["annotation", "kind"], None),
        (["annotation", "colour"], "#12345"),
        (["annotation", "colour"], "red" * 1000),
        (["annotation", "width"], True),
        (["annotation", "width"], 2.5),
        (["annotation", "points"], [[0.1, 0.2]]),
        (["annotation", "points"], [[0.1, 0.2], [0.3]]),
        (["annotation", "points"], [[0.1, 0.2], ["0.3", 0.4]]),
        (["annotation", "points"], [[0.1, 0.2], [1e308 * 10, 0.4]]),
        (["annotation", "points"], [[0.1, 0.2], [-0.1, 0.4]]),
        (["annotation", "points"], [[0.1, 0.2]] * (MAX_POINTS + 1)),
        (["annotation", "id"], ""),
        (["annotation", "id"], "x" * 33),
        (["annotation", "id"], "<script>"),
        (["annotation", "text"], "x" * 201),
        (["annotation", "transform"], [1, 0, 0, 0, 1]),
        (["annotation", "transform"], [1, 0, 0, 0, 1, 1e6]),
        (["annotation", "visible"], "yes"),
        (["annotation", "extra"], {"a": [[[]]]}),
        (["at"], -1),
        (["at"], 200),
        (["at"], 1.5),
    ],
)
def test_malformed_annotations_are_rejected(path: list[str], value: Any) -> None:
    result = parse_message(mutate(good_set(), path, value))
    assert isinstance(result, Rejection), result
    assert result.reason


@pytest.mark.parametrize(
    "message",
    [
        {"type": "pointer", "v": 1, "x": 0.5},
        {"type": "pointer", "v": 1, "x": 0.5, "y": True},
        {"type": "pointer", "v": 1, "x": 0.5, "y": 2},
        {"type": "pointer", "v": 1, "hide": "yes", "x": None},
        {"type": "annot", "v": 1, "op": "remove", "id": 7},
        {"type": "annot", "v": 1, "op": "remove", "id": "x" * 1000},
        {"type": "annot", "op": "clear"},
        {"type": "chat", "v": 1},
    ],
)
def test_malformed_pointer_and_ops_are_rejected(message: dict[str, Any]) -> None:
    assert isinstance(parse_message(message), Rejection)


def test_a_customer_tap_is_parsed_to_its_point() -> None:
    tap = {"type": "tap", "v": 1, "x": 0.42, "y": 0.61}
    assert over_the_wire(tap) == CustomerTap(0.42, 0.61)
    assert over_the_wire({"type": "tap", "v": 1, "x": 0, "y": 1}) == CustomerTap(0.0, 1.0)


@pytest.mark.parametrize(
    "message",
    [
        {"type": "tap", "v": 1, "x": 0.5},
        {"type": "tap", "v": 1, "y": 0.5},
        {"type": "tap", "v": 2, "x": 0.5, "y": 0.5},
        {"type": "tap", "x": 0.5, "y": 0.5},
        {"type": "tap", "v": 1, "x": -0.01, "y": 0.5},
        {"type": "tap", "v": 1, "x": 0.5, "y": 1.0001},
        {"type": "tap", "v": 1, "x": 1e308, "y": 0.5},
        {"type": "tap", "v": 1, "x": "0.5", "y": 0.5},
        {"type": "tap", "v": 1, "x": True, "y": 0.5},
        {"type": "tap", "v": 1, "x": None, "y": 0.5},
        {"type": "tap", "v": 1, "x": [0.5], "y": 0.5},
        {"type": "tap", "v": 1, "x": {"$gt": 0}, "y": 0.5},
        {"type": "tap", "v": 1, "x": 0.5, "y": 0.5, "note": "<img src=x onerror=alert(1)>"},
        {"type": "tap", "v": 1, "x": 0.5, "y": 0.5, "hide": True},
        {"type": "tap", "v": True, "x": 0.5, "y": 0.5},
    ],
)
def test_hostile_taps_are_rejected(message: dict[str, Any]) -> None:
    result = parse_message(message)
    assert isinstance(result, Rejection), result
    assert result.reason


@pytest.mark.parametrize(
    "text",
    [
        "x" * (protocol.MAX_MESSAGE_BYTES + 1),
        "{not json",
        '{"type": "pointer", "v": 1, "x": NaN, "y": 0.5}',
        '{"type": "pointer", "v": 1, "x": Infinity, "y": 0.5}',
        "[" * 50_000 + "]" * 50_000,  # over the size limit
        "[" * 30_000 + "]" * 30_000,  # under 64 KiB, past the recursion limit
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        "[1, 2, 3]",
        '"text"',
        b"\xff\xfe\x00",
    ],
)
def test_hostile_frames_are_rejected_without_raising(text: str | bytes) -> None:
    assert isinstance(decode_control(text), Rejection)


def test_a_flood_of_messages_is_parsed_one_by_one_without_growth() -> None:
    results = [parse_message(protocol.pointer_message(i / 5000, 0.5)) for i in range(5000)]
    assert all(isinstance(r, PointerMove) for r in results)


def test_replay_sends_clear_then_the_set_in_drawing_order() -> None:
    model = AnnotationModel()
    a = model.add("rectangle", [(0.1, 0.1), (0.2, 0.2)])
    b = model.add("marker", [(0.5, 0.5)])
    sent: list[dict[str, Any]] = []
    assert replay(model, lambda m: sent.append(m) is None) == 2
    assert [parse_message(m) for m in sent] == [
        ClearAnnotations(),
        SetAnnotation(a),
        SetAnnotation(b),
    ]
    assert replay(model, lambda m: False) == 0  # channel closed: nothing claimed


def test_an_undone_erase_goes_back_to_its_place_in_the_drawing_order() -> None:
    model = AnnotationModel()
    sent: list[dict[str, Any]] = []
    link = AnnotationLink(model, lambda m: sent.append(m) is None)
    a = model.add("pen", [(0.1, 0.1)])
    model.add("pen", [(0.2, 0.2)])
    model.remove(a.id)
    model.undo()
    assert parse_message(sent[-1]) == SetAnnotation(a, at=0)
    link.close()


def test_the_link_sends_each_change_and_stops_when_closed() -> None:
    model = AnnotationModel()
    sent: list[dict[str, Any]] = []
    link = AnnotationLink(model, lambda m: sent.append(m) is None)
    item = model.add("arrow", [(0.1, 0.1), (0.4, 0.4)])
    model.remove(item.id)
    model.undo()
    model.clear()
    assert link.send_pointer(0.3, 0.6) and link.send_pointer(None)
    assert [parse_message(m) for m in sent] == [
        SetAnnotation(item, at=0),
        RemoveAnnotation(item.id),
        SetAnnotation(item, at=0),
        ClearAnnotations(),
        PointerMove(0.3, 0.6),
        PointerHide(),
    ]
    link.close()
    link.close()
    model.undo()
    assert len(sent) == 6


def test_the_link_is_freed_by_reference_counting_alone() -> None:
    """No model <-> link cycle: the peer behind ``send`` must not wait for the cyclic GC
    (which may run in the media thread, where freeing a QObject crashes Qt)."""
    import gc
    import weakref

    model = AnnotationModel()
    link = AnnotationLink(model, lambda m: True)
    gone = weakref.ref(link)
    gc.disable()
    try:
        del link
        assert gone() is None
    finally:
        gc.enable()
    model.add("pen", [(0.1, 0.1)])  # a listener whose link is gone stays quiet
