"""Keeps annotations on the objects under them while the phone moves.

Each anchor is a region of the picture (normalised 0..1 frame coordinates, as
annotations travel) placed on one frame. For every later frame the tracker says where
that region went: a 2x3 transform from the placement frame to now, in normalised
coordinates, and whether the annotation should show.

How, per frame (all on a grayscale copy at most ``WORK_WIDTH`` wide, which keeps the
cost per frame nearly the same at 720p and 1080p):

- every anchor's features (corners from ``goodFeaturesToTrack``, inside the region and
  in a ring around it) move by pyramidal Lucas-Kanade in one call for all anchors,
  kept only when tracking them back lands where they started (forward-backward);
- each feature remembers where it sat on the placement frame, so the transform is fitted
  from placement to now directly (``estimateAffinePartial2D``, RANSAC: a similarity),
  not chained frame to frame: errors do not add up from frame to frame;
- features inside the region count three times in that fit, so an object that moves on
  its own is followed, not the background around it; the ring keeps a small or plain
  region tracked while the inside is briefly covered;
- features that disagree with the fit are dropped and new ones found where few are left;
- corners spread over the whole picture give the camera's own motion;
- an anchor that has moved with the camera for half a second and suddenly does not is
  being covered (a hand, something passing): it hides where the camera takes it rather
  than follow what covers it; a region that no longer looks like its placement-frame
  self (normalised cross-correlation of a blurred patch) hides too;
- a hidden anchor (out of the picture, covered, too few features) moves with the camera
  and is taken back once its region is in view and looks like itself again, aligned to
  that patch; failing that, ORB descriptors of the region taken when it was placed are
  matched against the picture, for ``reacquire_seconds``.

docs/decisions/0020-annotation-tracking.md says why this way; ``bench/tracking.py``
measures it.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

WORK_WIDTH = 640
"""Frames wider than this are scaled down to it before tracking (pixels)."""

Gray = npt.NDArray[np.uint8]
Points = npt.NDArray[np.float32]
Affine = npt.NDArray[Any]
"""A 2x3 matrix (float64; OpenCV's stubs type what it returns loosely)."""

_IDENTITY: Affine = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
_LK = {
    "winSize": (11, 11),
    "maxLevel": 3,
    "criteria": (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 0.03),
}


class AnchorState(enum.Enum):
    """``TRACKING``: shown where the region is now. ``HIDDEN``: tracked, but outside the
    picture. ``SEARCHING``: lost for now, looked for. ``LOST``: given up on."""

    TRACKING = "tracking"
    HIDDEN = "hidden"
    SEARCHING = "searching"
    LOST = "lost"


@dataclass(frozen=True)
class Region:
    """An axis-aligned rectangle in normalised frame coordinates (0..1)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class AnchorUpdate:
    """Where one anchor is on a frame: ``transform`` maps normalised coordinates of the
    placement frame to this frame's (x' = a*x + b*y + c, y' = d*x + e*y + f, as rows
    of a 2x3 matrix); ``visible`` says whether to draw it."""

    anchor_id: str
    transform: tuple[tuple[float, float, float], tuple[float, float, float]]
    state: AnchorState

    @property
    def visible(self) -> bool:
        return self.state is AnchorState.TRACKING

    def apply(self, x: float, y: float) -> tuple[float, float]:
        """A normalised point of the placement frame, where it is on this frame."""
        (a, b, c), (d, e, f) = self.transform
        return a * x + b * y + c, d * x + e * y + f


@dataclass(frozen=True)
class TrackResult:
    """Every anchor's update for the frame taken at ``timestamp`` (seconds)."""

    timestamp: float
    anchors: dict[str, AnchorUpdate]


@dataclass(frozen=True)
class TrackerSettings:
    """Tuning; the defaults meet the bars of ``bench/tracking.py``."""

    inner_features: int = 16
    ring_features: int = 8
    ring_margin: float = 0.75
    """The ring reaches this share of the region's size beyond each side."""
    min_region_pixels: int = 24
    """A smaller region is grown to this many working pixels to find features in."""
    inner_weight: int = 3
    min_inliers: int = 6
    fb_error_px: float = 1.0
    ransac_px: float = 2.0
    reacquire_seconds: float = 5.0
    search_every: int = 4
    """While searching, ORB runs on one frame in this many (its cost is the largest)."""
    min_matches: int = 10
    scene_agreement_px: float = 1.5
    """An anchor moving with the camera lands within this of where the camera takes it."""
    scene_frames: int = 15
    camera_features: int = 48
    """Corners over the whole picture that follow the camera itself."""
    min_correlation: float = 0.8
    """How alike the region must look to its placement-frame self to be taken back."""
    min_correlation_tracking: float = 0.5
    compare_every: int = 2
    align_px: int = 6
    """How far (working pixels) a region being taken back is looked for around where
    it is expected."""
    """Below this, a tracked region is taken to be covered."""


@dataclass
class _Anchor:
    region: Region
    placed_at: float
    transform: Affine = field(default_factory=lambda: _IDENTITY.copy())
    """Working pixels of the placement frame -> working pixels now."""
    ref: Points = field(default_factory=lambda: np.empty((0, 2), np.float32))
    cur: Points = field(default_factory=lambda: np.empty((0, 2), np.float32))
    inner: npt.NDArray[np.bool_] = field(default_factory=lambda: np.empty(0, bool))
    state: AnchorState = AnchorState.TRACKING
    lost_at: float = 0.0
    keypoints: Points = field(default_factory=lambda: np.empty((0, 2), np.float32))
    descriptors: npt.NDArray[Any] | None = None
    patch: Gray | None = None
    with_scene: float = 0.0
    """Reaches 1 once the anchor has moved with the camera for ``scene_frames`` frames."""
    patch_origin: tuple[int, int] = (0, 0)


class Tracker:
    """Tracks anchors through a sequence of grayscale frames; one thread at a time.

    ``add`` places an anchor on the newest frame given to ``track`` (or on ``frame``),
    ``track`` moves every anchor to a new frame and returns their updates.
    """

    def __init__(self, settings: TrackerSettings | None = None) -> None:
        self.settings = settings or TrackerSettings()
        self._anchors: dict[str, _Anchor] = {}
        self._pending: dict[str, Region] = {}
        self._camera: Points = np.empty((0, 2), np.float32)
        self._orb_frame = -1
        self._orb_features: tuple[Any, Any] = ((), None)
        self._prev: Gray | None = None
        self._prev_at = 0.0
        self._size = (0, 0)
        self._frames = 0
        self._orb = cv2.ORB.create(nfeatures=1000, fastThreshold=12)
        self._matcher = cv2.BFMatcher(cv2.NORM_HAMMING)

    @property
    def anchor_ids(self) -> list[str]:
        return [*self._anchors, *self._pending]

    def add(self, anchor_id: str, region: Region, frame: Gray | None = None) -> None:
        """Anchors ``region`` on ``frame`` (the picture the annotation was drawn on),
        or on the newest tracked frame (on the next one before any). A frame that is not
        the newest is tracked up to the newest at once, so the next ``track`` continues
        from there."""
        if frame is None and self._prev is None:
            self._pending[anchor_id] = region
            return
        image = self._prev if frame is None else self._working(frame)
        assert image is not None
        anchor = _Anchor(region=region, placed_at=self._prev_at)
        self._size = (image.shape[1], image.shape[0])
        self._describe(anchor, image)
        self._replenish(anchor, image)
        if frame is not None and self._prev is not None:
            self._catch_up(anchor, image, self._prev)
        elif self._prev is None:
            self._prev = image
        self._anchors[anchor_id] = anchor

    def remove(self, anchor_id: str) -> None:
        self._anchors.pop(anchor_id, None)
        self._pending.pop(anchor_id, None)

    def track(self, frame: Gray, timestamp: float) -> TrackResult:
        """Moves every anchor to ``frame`` (grayscale, any size) taken at ``timestamp``."""
        image = self._working(frame)
        self._frames += 1
        if self._prev is not None and self._prev.shape == image.shape:
            self._follow(self._prev, image, timestamp)
        self._prev, self._prev_at = image, timestamp
        self._size = (image.shape[1], image.shape[0])
        while self._pending:
            self.add(*self._pending.popitem())
        return TrackResult(timestamp, {k: self._update(k, a) for k, a in self._anchors.items()})

    # -- one frame ---------------------------------------------------------------------

    def _follow(self, prev: Gray, image: Gray, timestamp: float) -> None:
        active = [a for a in self._anchors.values() if a.state in _ACTIVE and len(a.cur)]
        motion = None
        if self._anchors:
            camera = self._camera
            before = np.concatenate([camera, *(a.cur for a in active)])
            moved, ok = _flow(prev, image, before, self.settings.fb_error_px)
            motion = _camera_motion(
                camera[ok[: len(camera)]], moved[: len(camera)][ok[: len(camera)]]
            )
            self._camera = moved[: len(camera)][ok[: len(camera)]]
            self._spread_camera_features(image)
            start = len(camera)
            for anchor in active:
                end = start + len(anchor.cur)
                anchor.cur, anchor.ref, anchor.inner = (
                    moved[start:end][ok[start:end]],
                    anchor.ref[ok[start:end]],
                    anchor.inner[ok[start:end]],
                )
                start = end
        for anchor in self._anchors.values():
            self._step(anchor, image, timestamp, motion)

    def _spread_camera_features(self, image: Gray) -> None:
        """Corners all over the picture, whose common motion is the camera's: it carries
        lost anchors along while they are out of the picture or covered. A few per cell
        of a 4x4 grid, so that no one object (a hand, something moving) holds most of
        them; found on a half-size copy (a quarter of the cost) when few are left."""
        wanted = self.settings.camera_features
        if len(self._camera) >= wanted // 2:
            return
        small = cv2.pyrDown(image)
        height, width = small.shape
        per_cell = max(1, wanted // 16)
        found = []
        for row in range(4):
            for col in range(4):
                y0, y1 = row * height // 4, (row + 1) * height // 4
                x0, x1 = col * width // 4, (col + 1) * width // 4
                corners = cv2.goodFeaturesToTrack(small[y0:y1, x0:x1], per_cell, 0.01, 8)
                if corners is not None:
                    found.append(corners.reshape(-1, 2) + np.array([x0, y0]))
        if found:
            self._camera = (np.concatenate(found) * 2).astype(np.float32)

    def _step(self, anchor: _Anchor, image: Gray, timestamp: float, motion: Affine | None) -> None:
        if anchor.state in _ACTIVE:
            before = anchor.transform
            if (
                self._fit(anchor)
                and self._keeps_to_the_scene(anchor, before, motion)
                and self._still_itself(anchor, image)
            ):
                self._replenish(anchor, image)
                anchor.state = (
                    AnchorState.TRACKING if self._in_picture(anchor) else AnchorState.HIDDEN
                )
                return
            anchor.state, anchor.lost_at = AnchorState.SEARCHING, timestamp
        if anchor.state is AnchorState.SEARCHING:
            if timestamp - anchor.lost_at > self.settings.reacquire_seconds:
                anchor.state = AnchorState.LOST
            elif self._reacquire(anchor, image, motion):
                anchor.state = AnchorState.TRACKING

    def _reacquire(self, anchor: _Anchor, image: Gray, motion: Affine | None) -> bool:
        """Carries a lost anchor along with the camera's motion (seen by the other
        anchors' features) and takes it back where its placement-frame patch matches
        the picture; failing that, looks for it by its ORB descriptors now and then."""
        if motion is not None:
            anchor.transform = _compose(motion, anchor.transform)
            if not self._in_picture(anchor):
                return False  # out of the picture: nothing to look for yet
            if self._patch_in_picture(anchor) and self._aligns(anchor, image):
                self._replenish(anchor, image)
                if len(anchor.cur) >= self.settings.min_inliers:
                    return True
        if self._frames % self.settings.search_every == 0 and self._search(anchor, image):
            self._replenish(anchor, image)
            return True
        return False

    def _keeps_to_the_scene(self, anchor: _Anchor, before: Affine, motion: Affine | None) -> bool:
        """An anchor that has moved with the camera for a while (something lying still in
        the scene) and now suddenly does not is being covered by something moving: it
        stops there, before that thing carries it off. One that moves on its own keeps
        following its own features."""
        if motion is None:
            return True
        centre = self._centre(anchor)
        expected = _transform(_compose(motion, before), centre)[0]
        now = _transform(anchor.transform, centre)[0]
        agrees = float(np.hypot(*(now - expected))) <= self.settings.scene_agreement_px
        if not agrees and anchor.with_scene >= 1.0:
            anchor.transform = _compose(motion, before)
            return False
        step = 1.0 / (self.settings.scene_frames)
        anchor.with_scene = min(1.0, anchor.with_scene + step) if agrees else 0.0
        return True

    def _centre(self, anchor: _Anchor) -> Points:
        inner_box, _ = self._boxes(anchor)
        return np.array(
            [[(inner_box[0] + inner_box[2]) / 2, (inner_box[1] + inner_box[3]) / 2]], np.float32
        )

    def _still_itself(self, anchor: _Anchor, image: Gray) -> bool:
        """Whether a tracked region still looks like itself. Something passing in front
        of it (a hand, another object) would otherwise lend it its features and carry
        the annotation away; covered, it hides and follows the camera instead. Out of
        the picture there is nothing to compare. Compared on one frame in
        ``compare_every`` (a cost the scene check makes up for between)."""
        if self._frames % self.settings.compare_every or not self._patch_in_picture(anchor):
            return True
        return self._matches(anchor, image, self.settings.min_correlation_tracking)

    def _patch_in_picture(self, anchor: _Anchor) -> bool:
        """Whether the whole region is in the picture (only then can it be compared)."""
        if anchor.patch is None:
            return False
        x0, y0 = anchor.patch_origin
        height, width = anchor.patch.shape
        corners = np.array(
            [[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], np.float32
        )
        moved = _transform(anchor.transform, corners)
        w, h = self._size
        return bool(np.all((moved >= 0) & (moved < [w, h])))

    def _matches(self, anchor: _Anchor, image: Gray, threshold: float | None = None) -> bool:
        """Whether the picture, mapped back to the placement frame, looks like the region
        did then (normalised cross-correlation of the region's patch)."""
        if anchor.patch is None:
            return threshold is not None
        score = cv2.matchTemplate(self._back(anchor, image, 0), anchor.patch, cv2.TM_CCOEFF_NORMED)
        return float(score.max()) >= (threshold or self.settings.min_correlation)

    def _aligns(self, anchor: _Anchor, image: Gray) -> bool:
        """Like ``_matches``, for an anchor being taken back: the patch is looked for a
        few pixels around where it is expected, and the transform corrected to where it
        fits best (to a tenth of a pixel). Without it, what the camera's motion or a
        covering object moved it by would stay as an offset."""
        if anchor.patch is None:
            return False
        margin = self.settings.align_px
        scores = cv2.matchTemplate(
            self._back(anchor, image, margin), anchor.patch, cv2.TM_CCOEFF_NORMED
        )
        _, best, _, (x, y) = cv2.minMaxLoc(scores)
        if best < self.settings.min_correlation:
            return False
        dx, dy = x - margin + _peak(scores[y, :], x), y - margin + _peak(scores[:, x], y)
        offset = np.array([[1.0, 0.0, dx], [0.0, 1.0, dy]])
        anchor.transform = _compose(anchor.transform, offset)
        return True

    def _back(self, anchor: _Anchor, image: Gray, margin: int) -> Gray:
        """The picture mapped back onto the placement frame over the region's patch
        (grown by ``margin`` on each side), blurred as the patch is."""
        assert anchor.patch is not None
        x0, y0 = anchor.patch_origin
        shift = np.array([[1.0, 0.0, x0 - margin], [0.0, 1.0, y0 - margin]])
        height, width = anchor.patch.shape
        back = cv2.warpAffine(
            image,
            _compose(anchor.transform, shift),
            (width + 2 * margin, height + 2 * margin),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=0,
        )
        return _low_pass(back)

    def _fit(self, anchor: _Anchor) -> bool:
        """Fits placement -> now on the surviving features; drops the ones that disagree."""
        s = self.settings
        if len(anchor.cur) < s.min_inliers:
            return False
        weights = np.where(anchor.inner, s.inner_weight, 1)
        ref, cur = np.repeat(anchor.ref, weights, 0), np.repeat(anchor.cur, weights, 0)
        matrix, mask = cv2.estimateAffinePartial2D(
            ref, cur, method=cv2.RANSAC, ransacReprojThreshold=s.ransac_px
        )
        if matrix is None:
            return False
        owner = np.repeat(np.arange(len(anchor.cur)), weights)
        keep = np.zeros(len(anchor.cur), bool)
        keep[owner[mask.ravel() > 0]] = True
        if keep.sum() < s.min_inliers or not _plausible(matrix):
            return False
        anchor.transform = matrix
        anchor.ref, anchor.cur, anchor.inner = (
            anchor.ref[keep],
            anchor.cur[keep],
            anchor.inner[keep],
        )
        return True

    def _update(self, anchor_id: str, anchor: _Anchor) -> AnchorUpdate:
        m = _to_normalised(anchor.transform, self._size)
        rows = (tuple(map(float, m[0])), tuple(map(float, m[1])))
        return AnchorUpdate(anchor_id, rows, anchor.state)  # type: ignore[arg-type]

    # -- features ----------------------------------------------------------------------

    def _boxes(self, anchor: _Anchor) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The region and its ring on the placement frame, in working pixels (x0 y0 x1 y1)."""
        w, h = self._size
        r = anchor.region
        cx, cy = r.centre[0] * w, r.centre[1] * h
        half_w = max(r.width * w, self.settings.min_region_pixels) / 2
        half_h = max(r.height * h, self.settings.min_region_pixels) / 2
        grow = 1 + 2 * self.settings.ring_margin
        inner = np.array([cx - half_w, cy - half_h, cx + half_w, cy + half_h])
        outer = np.array(
            [cx - half_w * grow, cy - half_h * grow, cx + half_w * grow, cy + half_h * grow]
        )
        return inner, outer

    def _replenish(self, anchor: _Anchor, image: Gray) -> None:
        """Finds new corners where the region (or its ring) has too few features left."""
        s = self.settings
        inner_box, outer_box = self._boxes(anchor)
        want_inner = s.inner_features - int(anchor.inner.sum())
        want_ring = s.ring_features - int((~anchor.inner).sum())
        if want_inner < s.inner_features // 3 and want_ring < s.ring_features // 3:
            return
        found = self._corners(anchor, outer_box, image)
        if found is None:
            return
        points = found
        ref = _transform(cv2.invertAffineTransform(anchor.transform), points)
        inside = _inside(ref, inner_box)
        take = np.concatenate(
            [
                np.flatnonzero(inside)[: max(want_inner, 0)],
                np.flatnonzero(~inside)[: max(want_ring, 0)],
            ]
        )
        anchor.cur = np.concatenate([anchor.cur, points[take]]).astype(np.float32)
        anchor.ref = np.concatenate([anchor.ref, ref[take]]).astype(np.float32)
        anchor.inner = np.concatenate([anchor.inner, inside[take]])

    def _corners(self, anchor: _Anchor, box: npt.NDArray[np.float64], image: Gray) -> Points | None:
        """Corners in the ring's box as it lies now, away from the features already
        there. Only the box's bounding rectangle is searched: corner detection costs
        per pixel searched."""
        corners = np.array(
            [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]]], np.float32
        )
        outline = _transform(anchor.transform, corners)
        height, width = image.shape
        x0, y0 = np.clip(np.floor(outline.min(0)), 0, [width, height]).astype(int)
        x1, y1 = np.clip(np.ceil(outline.max(0)), 0, [width, height]).astype(int)
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillConvexPoly(mask, (outline - [x0, y0]).astype(np.int32), 255)
        for x, y in (anchor.cur - [x0, y0]).astype(np.int32):
            cv2.circle(mask, (int(x), int(y)), 5, 0, -1)
        wanted = self.settings.inner_features + self.settings.ring_features
        found = cv2.goodFeaturesToTrack(image[y0:y1, x0:x1], wanted, 0.01, 5, mask=mask)
        if found is None:
            return None
        return (found.reshape(-1, 2) + np.array([x0, y0])).astype(np.float32)

    def _in_picture(self, anchor: _Anchor) -> bool:
        inner_box, _ = self._boxes(anchor)
        centre = np.array([[(inner_box[0] + inner_box[2]) / 2, (inner_box[1] + inner_box[3]) / 2]])
        x, y = _transform(anchor.transform, centre.astype(np.float32))[0]
        w, h = self._size
        return 0 <= x < w and 0 <= y < h

    # -- finding it again --------------------------------------------------------------

    def _describe(self, anchor: _Anchor, image: Gray) -> None:
        """ORB keypoints of the region (and its ring when the region alone has too few)
        on the placement frame: what a search matches."""
        inner_box, outer_box = self._boxes(anchor)
        x0, y0, x1, y1 = (max(0, round(v)) for v in inner_box)
        if x1 - x0 >= 8 and y1 - y0 >= 8:
            anchor.patch, anchor.patch_origin = _low_pass(image[y0:y1, x0:x1]), (x0, y0)
        for box in (inner_box, outer_box):
            keypoints, descriptors = self._orb.detectAndCompute(image, _box_mask(box, image.shape))
            if descriptors is not None and len(keypoints) >= 2 * self.settings.min_matches:
                break
        if descriptors is None:
            return
        anchor.keypoints = np.array([k.pt for k in keypoints], np.float32)
        anchor.descriptors = descriptors

    def _frame_features(self, image: Gray) -> tuple[Any, Any]:
        """The picture's ORB keypoints and descriptors, once per frame for every search."""
        if self._orb_frame != self._frames:
            self._orb_features = self._orb.detectAndCompute(image, None)
            self._orb_frame = self._frames
        return self._orb_features

    def _search(self, anchor: _Anchor, image: Gray) -> bool:
        """Matches the region's ORB descriptors against the whole picture; on enough
        agreeing matches, the anchor is back with the fitted transform."""
        if anchor.descriptors is None:
            return False
        keypoints, descriptors = self._frame_features(image)
        if descriptors is None or len(keypoints) < self.settings.min_matches:
            return False
        pairs = self._matcher.knnMatch(anchor.descriptors, descriptors, k=2)
        good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
        if len(good) < self.settings.min_matches:
            return False
        src = anchor.keypoints[[m.queryIdx for m in good]]
        dst = np.array([keypoints[m.trainIdx].pt for m in good], np.float32)
        matrix, mask = cv2.estimateAffinePartial2D(
            src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0
        )
        if matrix is None or int(mask.sum()) < self.settings.min_matches or not _plausible(matrix):
            return False
        previous, anchor.transform = anchor.transform, matrix
        if not (self._patch_in_picture(anchor) and self._aligns(anchor, image)):
            anchor.transform = previous  # matched something else that looks alike
            return False
        anchor.with_scene = 0.0  # found away from where the camera took it: it may move
        anchor.ref, anchor.cur = np.empty((0, 2), np.float32), np.empty((0, 2), np.float32)
        anchor.inner = np.empty(0, bool)
        return True

    def _catch_up(self, anchor: _Anchor, placed_on: Gray, newest: Gray) -> None:
        """Tracks a just-placed anchor's features from its own frame to the newest."""
        moved, ok = _flow(placed_on, newest, anchor.cur, self.settings.fb_error_px)
        anchor.cur, anchor.ref, anchor.inner = moved[ok], anchor.ref[ok], anchor.inner[ok]
        if not self._fit(anchor):
            anchor.state, anchor.lost_at = AnchorState.SEARCHING, self._prev_at

    def _working(self, frame: Gray) -> Gray:
        if frame.ndim != 2 or frame.dtype != np.uint8:
            raise ValueError("frames are 2-D uint8 grayscale arrays")
        height, width = frame.shape
        if width <= WORK_WIDTH:
            return frame
        size = (WORK_WIDTH, max(1, round(height * WORK_WIDTH / width)))
        return cv2.resize(frame, size, interpolation=cv2.INTER_AREA)  # type: ignore[return-value]


_ACTIVE = (AnchorState.TRACKING, AnchorState.HIDDEN)


def _flow(
    prev: Gray, image: Gray, points: Points, fb_error_px: float
) -> tuple[Points, npt.NDArray[np.bool_]]:
    """Lucas-Kanade forward, then back: a feature is kept only if it returns within a
    pixel of where it started and stays in the picture."""
    if not len(points):
        return points, np.empty(0, bool)
    start = points.reshape(-1, 1, 2)
    moved, status, _ = cv2.calcOpticalFlowPyrLK(prev, image, start, None, **_LK)  # type: ignore[call-overload]
    back, status_back, _ = cv2.calcOpticalFlowPyrLK(image, prev, moved, None, **_LK)  # type: ignore[call-overload]
    error = np.linalg.norm((back - start).reshape(-1, 2), axis=1)
    moved = moved.reshape(-1, 2)
    height, width = image.shape
    inside = (
        (moved[:, 0] >= 0) & (moved[:, 0] < width) & (moved[:, 1] >= 0) & (moved[:, 1] < height)
    )
    ok = (status.ravel() == 1) & (status_back.ravel() == 1) & (error < fb_error_px) & inside
    return moved.astype(np.float32), ok


def _camera_motion(before: Points, after: Points) -> Affine | None:
    """The picture's motion between two frames: the similarity most features agree on
    (the background, as long as most annotations are on it)."""
    if len(before) < 8:
        return None
    matrix, _ = cv2.estimateAffinePartial2D(
        before, after, method=cv2.RANSAC, ransacReprojThreshold=2.0
    )
    return matrix if matrix is not None and _plausible(matrix) else None


def _peak(scores: npt.NDArray[Any], at: int) -> float:
    """Sub-pixel offset of a correlation peak from a parabola through it and its two
    neighbours (0 at the edge)."""
    if at <= 0 or at >= len(scores) - 1:
        return 0.0
    left, centre, right = float(scores[at - 1]), float(scores[at]), float(scores[at + 1])
    curve = left - 2 * centre + right
    return 0.0 if curve >= 0 else 0.5 * (left - right) / curve


def _low_pass(patch: npt.NDArray[Any]) -> Gray:
    """A patch with its finest detail blurred away, so that motion blur and resampling
    barely change how it compares."""
    return cv2.GaussianBlur(patch, (0, 0), 2.0)  # type: ignore[return-value]


def _compose(a: Affine, b: Affine) -> Affine:
    """``a`` after ``b`` (2x3 each)."""
    return a[:, :2] @ b + np.hstack([np.zeros((2, 2)), a[:, 2:]])


def _plausible(matrix: Affine) -> bool:
    """A similarity a phone can make between two frames of one scene: not mirrored,
    scale within 1/4..4."""
    scale = math.hypot(matrix[0, 0], matrix[1, 0])
    return 0.25 <= scale <= 4.0


def _transform(matrix: Affine, points: Points) -> Points:
    return (points @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)


def _inside(points: Points, box: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    return (
        (points[:, 0] >= box[0])
        & (points[:, 0] <= box[2])
        & (points[:, 1] >= box[1])
        & (points[:, 1] <= box[3])
    )


def _box_mask(box: npt.NDArray[np.float64], shape: tuple[int, ...]) -> Gray:
    mask = np.zeros(shape[:2], np.uint8)
    x0, y0, x1, y1 = (round(v) for v in box)
    mask[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)] = 255
    return mask


def _to_normalised(matrix: Affine, size: tuple[int, int]) -> Affine:
    """Working pixels -> normalised: S^-1 M S with S = diag(width, height)."""
    width, height = size
    scale = np.diag([float(width), float(height), 1.0])
    full = np.vstack([matrix, [0.0, 0.0, 1.0]])
    return (np.linalg.inv(scale) @ full @ scale)[:2]
