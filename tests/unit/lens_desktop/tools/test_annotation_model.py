"""The annotation model: kinds, limits, undo/redo, erase-one hit testing, callbacks."""

from __future__ import annotations

import math

import pytest

from lens_desktop.tools.annotations import (
    DEFAULT_COLOUR,
    MAX_POINTS,
    MAX_TEXT,
    PALETTE,
    Annotation,
    AnnotationError,
    AnnotationLimitError,
    AnnotationModel,
    Change,
)


def recorded(model: AnnotationModel) -> list[Change]:
    changes: list[Change] = []
    model.subscribe(changes.append)
    return changes


def test_every_kind_is_added_with_defaults_and_heard() -> None:
    model = AnnotationModel()
    changes = recorded(model)
    pen = model.add("pen", [(0.1, 0.1), (0.2, 0.2), (0.3, 0.25)])
    model.add("highlighter", [(0.1, 0.5), (0.9, 0.5)], colour=PALETTE[1], width=3)
    model.add("arrow", [(0.1, 0.1), (0.5, 0.5)])
    model.add("rectangle", [(0.2, 0.2), (0.4, 0.4)])
    model.add("ellipse", [(0.6, 0.6), (0.8, 0.9)])
    model.add("text", [(0.5, 0.1)], text="Press here")
    assert pen.colour == DEFAULT_COLOUR == "#ff1744" and pen.width == 2
    assert [a.kind for a in model.annotations()] == [
        "pen",
        "highlighter",
        "arrow",
        "rectangle",
        "ellipse",
        "text",
    ]
    assert [c.op for c in changes] == ["set"] * 6
    assert len({a.id for a in model.annotations()}) == 6


def test_markers_number_on_from_the_highest_shown() -> None:
    model = AnnotationModel()
    numbers = [model.add("marker", [(0.1 * i, 0.5)]).number for i in range(1, 4)]
    assert numbers == [1, 2, 3]
    model.remove(model.annotations()[-1].id)
    assert model.add("marker", [(0.9, 0.9)]).number == 3
    model.clear()
    assert model.add("marker", [(0.9, 0.9)]).number == 1


@pytest.mark.parametrize(
    ("kind", "points", "extra", "message"),
    [
        ("arrow", [(0.1, 0.1)], {}, "arrow takes 2 point"),
        ("rectangle", [(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)], {}, "rectangle takes 2"),
        ("text", [(0.1, 0.1)], {"text": "  "}, "needs text"),
        ("pen", [], {}, "at least one point"),
        ("pen", [(1.5, 0.1)], {}, "normalised"),
        ("pen", [(math.nan, 0.1)], {}, "normalised"),
        ("pen", [(0.1, math.inf)], {}, "normalised"),
        ("pen", [(0.1, 0.1)], {"colour": "#123456"}, "palette"),
        ("pen", [(0.1, 0.1)], {"width": 7}, "width"),
        ("blob", [(0.1, 0.1)], {}, "unknown kind"),
    ],
)
def test_bad_annotations_are_refused_and_nothing_changes(
    kind: str, points: list, extra: dict, message: str
) -> None:
    model = AnnotationModel()
    changes = recorded(model)
    with pytest.raises(AnnotationError, match=message):
        model.add(kind, points, **extra)  # type: ignore[arg-type]
    assert len(model) == 0 and changes == [] and not model.can_undo


def test_limits_on_count_points_and_text() -> None:
    model = AnnotationModel(max_annotations=3)
    for _ in range(3):
        model.add("marker", [(0.5, 0.5)])
    with pytest.raises(AnnotationLimitError, match="at most 3 annotations"):
        model.add("marker", [(0.5, 0.5)])
    big = AnnotationModel()
    stroke = [(i / MAX_POINTS, 0.5) for i in range(MAX_POINTS)]
    assert len(big.add("pen", stroke).points) == MAX_POINTS
    with pytest.raises(AnnotationLimitError, match="at most 2000 points"):
        big.add("pen", [*stroke, (1.0, 0.5)])
    assert big.add("text", [(0.1, 0.1)], text="x" * MAX_TEXT).text == "x" * MAX_TEXT
    with pytest.raises(AnnotationLimitError, match="at most 200 characters"):
        big.add("text", [(0.1, 0.1)], text="x" * (MAX_TEXT + 1))
    assert len(big) == 2


def test_default_bound_is_200_annotations() -> None:
    model = AnnotationModel()
    for _ in range(200):
        model.add("pen", [(0.5, 0.5)])
    with pytest.raises(AnnotationLimitError):
        model.add("pen", [(0.5, 0.5)])


def test_undo_and_redo_walk_add_update_remove_and_clear() -> None:
    model = AnnotationModel()
    changes = recorded(model)
    first = model.add("rectangle", [(0.1, 0.1), (0.3, 0.3)])
    second = model.add("ellipse", [(0.5, 0.5), (0.7, 0.7)])
    model.update(first.id, colour=PALETTE[3])
    model.remove(first.id)
    model.clear()
    assert len(model) == 0
    assert model.undo()  # clear
    assert [a.id for a in model.annotations()] == [second.id]
    assert model.undo()  # remove: back in its old place, with the new colour
    assert [(a.id, a.colour) for a in model.annotations()] == [
        (first.id, PALETTE[3]),
        (second.id, DEFAULT_COLOUR),
    ]
    assert model.undo()  # update
    assert model.get(first.id) == first
    assert model.redo() and model.get(first.id).colour == PALETTE[3]  # type: ignore[union-attr]
    model.add("marker", [(0.5, 0.5)])  # a new edit drops the redo branch
    assert not model.can_redo
    assert [c.op for c in changes[:5]] == ["set", "set", "set", "remove", "clear"]
    while model.undo():
        pass
    assert len(model) == 0 and not model.undo()


def test_a_refused_update_changes_nothing() -> None:
    model = AnnotationModel()
    item = model.add("pen", [(0.1, 0.1)])
    with pytest.raises(AnnotationError):
        model.update(item.id, points=[(2.0, 0.1)])
    with pytest.raises(AnnotationError, match="no annotation"):
        model.remove("a99")
    assert model.annotations() == (item,)


def test_hit_test_finds_the_nearest_visible_annotation_within_tolerance() -> None:
    model = AnnotationModel()
    rect = model.add("rectangle", [(0.2, 0.2), (0.4, 0.4)])
    ellipse = model.add("ellipse", [(0.6, 0.2), (0.8, 0.4)])
    marker = model.add("marker", [(0.5, 0.8)])
    text = model.add("text", [(0.05, 0.9)], text="Valve")
    assert model.hit_test(0.2, 0.3) == rect.id  # on the left edge
    assert model.hit_test(0.3, 0.3) is None  # inside, far from the outline
    assert model.hit_test(0.8, 0.3) == ellipse.id  # the ellipse's right end
    assert model.hit_test(0.51, 0.81) == marker.id
    assert model.hit_test(0.07, 0.92) == text.id
    assert model.hit_test(0.95, 0.05) is None
    model.place(marker.id, None, visible=False)  # tracker lost it: not erasable
    assert model.hit_test(0.5, 0.8) is None


def test_hit_test_tolerance_follows_the_aspect_ratio() -> None:
    model = AnnotationModel()
    line = model.add("arrow", [(0.5, 0.1), (0.5, 0.9)])
    # 0.015 of the width away: on a 16:9 frame that is 0.027 of the height
    assert model.hit_test(0.515, 0.5, tolerance=0.02, aspect=1.0) == line.id
    assert model.hit_test(0.515, 0.5, tolerance=0.02, aspect=16 / 9) is None


def test_transform_moves_where_an_annotation_is_hit() -> None:
    model = AnnotationModel()
    marker = model.add("marker", [(0.2, 0.2)], anchor="t1")
    model.place(marker.id, (1, 0, 0.5, 0, 1, 0.5), visible=True)
    assert model.hit_test(0.7, 0.7) == marker.id
    assert model.hit_test(0.2, 0.2) is None
    with pytest.raises(AnnotationError):
        model.place(marker.id, (1, 0, math.nan, 0, 1, 0), visible=True)


def test_unsubscribed_listeners_hear_nothing_more() -> None:
    model = AnnotationModel()
    heard: list[Change] = []
    unsubscribe = model.subscribe(heard.append)
    model.add("pen", [(0.1, 0.1)])
    unsubscribe()
    unsubscribe()
    model.clear()
    assert [c.op for c in heard] == ["set"]


def test_annotation_placed_points_apply_the_transform() -> None:
    item = Annotation("a1", "arrow", ((0.0, 0.0), (1.0, 1.0)), transform=(0.5, 0, 0.1, 0, 0.5, 0.2))
    assert item.placed_points() == ((0.1, 0.2), (0.6, 0.7))
