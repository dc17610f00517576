"""The tracking link with the real tracker on generated clips (bench/tracking.py's scenes).

Frames go in as the media thread hands them over: decoded ``av.VideoFrame`` objects
through the tap the link installs, and the picture "on screen" is a console
``VideoFrame`` whose source is one of them. Every check reads the annotation model, as
the console's drawing layer and the phone (through the annotation link) do.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

import av
import cv2
import numpy as np
from PySide6.QtGui import QImage

from bench.tracking import Clip, Scenario, away_and_back, pan
from lens_desktop.media.frames import VideoFrame
from lens_desktop.tools.annotations import Annotation, AnnotationModel, Change
from lens_desktop.tools.tracking_link import (
    MIN_SIDE,
    TrackingLink,
    moved_px,
    region_of,
)

WIDTH, HEIGHT = 640, 360
FPS = 30

Tap = Callable[[av.VideoFrame, float], None]


class Camera:
    """Plays a clip into whatever tap the link installed, one frame at a time, waiting
    for the link to apply each frame's tracking result; keeps the frame "on screen"."""

    def __init__(self, clip: Clip) -> None:
        self.clip = clip
        self.tap: Tap | None = None
        self.taps_set: list[bool] = []
        self.shown: VideoFrame | None = None
        self.offered = 0

    def set_tap(self, tap: Tap | None) -> None:
        self.tap = tap
        self.taps_set.append(tap is not None)

    def decoded(self, t: float) -> av.VideoFrame:
        gray = self.clip.frame(t)
        return av.VideoFrame.from_ndarray(gray, format="gray").reformat(format="yuv420p")

    def show(self, t: float) -> None:
        """The console paints the frame of ``t``: the technician draws on it."""
        frame = self.decoded(t)
        self.shown = VideoFrame(frame.width, frame.height, QImage(), None, t, frame)

    def shown_frame(self) -> VideoFrame | None:
        return self.shown

    async def play(self, link: TrackingLink, t: float, show: bool = True) -> bool:
        """Decode the frame of ``t``; if tapped, hand it over and wait for its result.
        False when nothing was tapped."""
        frame = self.decoded(t)
        if show:
            self.shown = VideoFrame(frame.width, frame.height, QImage(), None, t, frame)
        if self.tap is None:
            return False
        before = link.results
        self.offered += 1
        self.tap(frame, t)
        for _ in range(2000):
            if link.results > before:
                return True
            await asyncio.sleep(0.005)
        raise AssertionError("no tracking result")


def scene_at(clip: Clip, t: float, x: float, y: float) -> tuple[float, float]:
    """The scene point under normalised (x, y) of the frame at ``t``."""
    inverse = cv2.invertAffineTransform(clip.camera(t))
    point = inverse @ np.array([x * clip.width, y * clip.height, 1.0])
    return float(point[0]), float(point[1])


def on_frame(clip: Clip, t: float, scene: tuple[float, float]) -> tuple[float, float]:
    """Where a scene point is on the frame at ``t`` (pixels)."""
    point = clip.camera(t) @ np.array([scene[0], scene[1], 1.0])
    return float(point[0]), float(point[1])


def shown_at(item: Annotation | None) -> tuple[float, float]:
    assert item is not None
    x, y = item.placed_points()[0]
    return x * WIDTH, y * HEIGHT


def setup(scenario: Scenario) -> tuple[Camera, AnnotationModel, TrackingLink]:
    camera = Camera(Clip(scenario, WIDTH, HEIGHT))
    model = AnnotationModel()
    link = TrackingLink(model, camera.set_tap, camera.shown_frame)
    return camera, model, link


async def test_an_annotation_moves_with_the_scene_it_was_drawn_on() -> None:
    camera, model, link = setup(Scenario("pan", lambda t: pan(3 * t)))
    try:
        camera.show(0.0)
        item = model.add("marker", [(0.5, 0.5)])
        assert model.get(item.id).anchor == link.anchors[item.id]  # type: ignore[union-attr]
        scene = scene_at(camera.clip, 0.0, 0.5, 0.5)
        worst = 0.0
        for n in range(1, 60):
            t = n / FPS
            assert await camera.play(link, t)
            drawn = model.get(item.id)
            assert drawn is not None and drawn.visible
            worst = max(worst, math.dist(shown_at(drawn), on_frame(camera.clip, t, scene)))
        travelled = math.dist(on_frame(camera.clip, 59 / FPS, scene), (WIDTH / 2, HEIGHT / 2))
        assert travelled > 60  # the scene really moved under it
        assert worst <= 3.0
    finally:
        link.close()


async def test_an_annotation_is_anchored_on_the_frame_the_technician_saw() -> None:
    """The picture on screen lags the tracker by a few frames: the second annotation
    is anchored on the frame shown when it was drawn, and lands on what was under it."""
    camera, model, link = setup(Scenario("pan", lambda t: pan(3 * t)))
    try:
        camera.show(0.0)
        model.add("marker", [(0.5, 0.5)])
        for n in range(1, 16):
            await camera.play(link, n / FPS, show=False)
        camera.show(10 / FPS)  # five frames behind the tracker
        second = model.add("rectangle", [(0.25, 0.25), (0.35, 0.35)])
        scene = scene_at(camera.clip, 10 / FPS, 0.25, 0.25)
        for n in range(16, 45):
            await camera.play(link, n / FPS)
        drawn = model.get(second.id)
        assert drawn is not None and drawn.visible
        assert math.dist(shown_at(drawn), on_frame(camera.clip, 44 / FPS, scene)) <= 3.0
    finally:
        link.close()


async def test_an_annotation_hides_while_its_object_is_away_and_shows_when_back() -> None:
    camera, model, link = setup(Scenario("away", away_and_back))
    try:
        camera.show(0.0)
        item = model.add("marker", [(0.3, 0.5)])
        scene = scene_at(camera.clip, 0.0, 0.3, 0.5)
        hidden_while_away = shown_again = False
        for n in range(1, int(7.5 * FPS)):
            t = n / FPS
            await camera.play(link, t)
            drawn = model.get(item.id)
            assert drawn is not None
            x, _ = on_frame(camera.clip, t, scene)
            if x < -10:
                assert not drawn.visible, t
                hidden_while_away = True
            elif hidden_while_away and drawn.visible:
                shown_again = True
                assert math.dist(shown_at(drawn), on_frame(camera.clip, t, scene)) <= 4.0
        assert hidden_while_away and shown_again
        assert model.get(item.id).visible  # type: ignore[union-attr]
    finally:
        link.close()


async def test_erasing_drops_the_anchor_and_bringing_back_anchors_again() -> None:
    camera, model, link = setup(Scenario("pan", pan))
    try:
        camera.show(0.0)
        item = model.add("pen", [(0.4, 0.4), (0.5, 0.45), (0.6, 0.4)])
        first = link.anchors[item.id]
        await camera.play(link, 1 / FPS)
        model.undo()  # the drawing undone
        assert link.anchors == {} and link.worker is None and camera.tap is None
        model.redo()
        assert link.anchors[item.id] != first
        assert model.get(item.id).anchor == link.anchors[item.id]  # type: ignore[union-attr]
        assert camera.tap is not None
        model.remove(item.id)
        assert link.anchors == {} and camera.tap is None
        model.undo()  # the erase undone
        assert item.id in link.anchors
        other = model.add("marker", [(0.2, 0.2)])
        model.clear()
        assert link.anchors == {} and camera.tap is None
        model.undo()
        assert set(link.anchors) == {item.id, other.id}
        await camera.play(link, 2 / FPS)
        assert link.results == 2
    finally:
        link.close()
    assert camera.tap is None


async def test_a_restyled_annotation_keeps_its_anchor_and_where_it_was_tracked_to() -> None:
    """A new colour, and that undone, bring the annotation back from the history with
    the transform it had then; it stays on its object."""
    camera, model, link = setup(Scenario("pan", lambda t: pan(3 * t)))
    try:
        camera.show(0.0)
        item = model.add("marker", [(0.5, 0.5)])
        anchor = link.anchors[item.id]
        scene = scene_at(camera.clip, 0.0, 0.5, 0.5)
        for n in range(1, 20):
            await camera.play(link, n / FPS)
        model.update(item.id, colour="#2979ff")
        for n in range(20, 40):
            await camera.play(link, n / FPS)
        model.undo()  # the history holds the annotation as it was 20 frames ago
        drawn = model.get(item.id)
        assert drawn is not None and drawn.colour == "#ff1744"
        assert link.anchors[item.id] == anchor and drawn.anchor == anchor
        assert math.dist(shown_at(drawn), on_frame(camera.clip, 39 / FPS, scene)) <= 3.0
    finally:
        link.close()


async def test_no_frame_goes_to_the_tracker_while_nothing_is_anchored() -> None:
    camera, model, link = setup(Scenario("pan", pan))
    try:
        for n in range(5):
            assert not await camera.play(link, n / FPS)
        assert camera.taps_set == [] and link.worker is None
        item = model.add("arrow", [(0.3, 0.3), (0.5, 0.5)])
        for n in range(5, 8):
            assert await camera.play(link, n / FPS)
        model.remove(item.id)
        for n in range(8, 12):
            assert not await camera.play(link, n / FPS)
        assert camera.offered == 3
        assert camera.taps_set == [True, False]
    finally:
        link.close()


async def test_pause_stops_tracking_and_placement_until_resumed() -> None:
    camera, model, link = setup(Scenario("pan", lambda t: pan(3 * t)))
    try:
        camera.show(0.0)
        item = model.add("marker", [(0.5, 0.5)])
        scene = scene_at(camera.clip, 0.0, 0.5, 0.5)
        for n in range(1, 10):
            await camera.play(link, n / FPS)
        link.set_frozen(True)
        held = model.get(item.id)
        assert camera.tap is None and link.paused
        for n in range(10, 13):
            assert not await camera.play(link, n / FPS)  # frozen: nothing tracked
        await asyncio.sleep(0.05)
        assert model.get(item.id) == held
        link.set_frozen(False)
        assert not link.paused
        for n in range(13, 30):
            assert await camera.play(link, n / FPS)
        drawn = model.get(item.id)
        assert drawn != held
        assert math.dist(shown_at(drawn), on_frame(camera.clip, 29 / FPS, scene)) <= 3.0
    finally:
        link.close()


async def test_sticking_turned_off_leaves_annotations_where_they_are() -> None:
    camera, model, link = setup(Scenario("pan", lambda t: pan(3 * t)))
    try:
        camera.show(0.0)
        item = model.add("marker", [(0.5, 0.5)])
        for n in range(1, 20):
            await camera.play(link, n / FPS)
        moved = model.get(item.id)
        assert moved is not None and moved.transform is not None
        link.set_enabled(False)
        assert not link.enabled and link.anchors == {} and camera.tap is None
        now = model.get(item.id)
        assert now is not None and now.anchor is None and now.visible
        assert now.transform == moved.transform  # stays where it was shown
        loose = model.add("marker", [(0.2, 0.2)])
        assert link.anchors == {} and model.get(loose.id).anchor is None  # type: ignore[union-attr]
        link.set_enabled(True)
        assert set(link.anchors) == {item.id, loose.id}
        await camera.play(link, 20 / FPS)
    finally:
        link.close()


async def test_still_pictures_and_fast_results_send_little_to_the_phone() -> None:
    """A still camera moves nothing, so nothing is sent; results far faster than 30 a
    second are thinned to 30 a second."""
    camera, model, link = setup(Scenario("still, then pan", lambda t: pan(4 * max(0.0, t - 1))))
    changes: list[Change] = []
    model.subscribe(changes.append)
    try:
        camera.show(0.0)
        model.add("marker", [(0.5, 0.5)])
        changes.clear()
        for n in range(1, 30):
            await camera.play(link, n / FPS)
        assert changes == [] and link.places == 0 and link.places_skipped == 29
        for n in range(1, 61):  # 60 frames 10 ms apart: 0.6 s
            await camera.play(link, 1.0 + n / 100)
        assert 10 <= link.places <= 0.6 * 30 + 1
    finally:
        link.close()


def test_regions_cover_the_drawing_and_have_a_least_size() -> None:
    marker = Annotation("a1", "marker", ((0.99, 0.5),), number=1)
    region = region_of(marker, 16 / 9)
    assert region.x + region.width <= 1.0 and region.x >= 0
    assert region.height >= MIN_SIDE - 1e-9
    assert region.width >= MIN_SIDE * 9 / 16 - 1e-9
    stroke = Annotation("a2", "rectangle", ((0.1, 0.2), (0.6, 0.7)))
    region = region_of(stroke)
    assert region.x < 0.1 and region.y < 0.2
    assert region.x + region.width > 0.6 and region.y + region.height > 0.7
    moved = Annotation("a3", "rectangle", ((0.1, 0.2), (0.3, 0.4)), transform=(1, 0, 0.5, 0, 1, 0))
    assert region_of(moved).x > 0.5  # where it shows now, not where it was drawn
    corners = ((0.0, 0.0), (1.0, 1.0))
    assert moved_px(None, (1, 0, 0.001, 0, 1, 0), corners) == 1.28
