"""How well annotations stay on their objects: generated camera clips with known motion.

Each scenario films a richly textured flat scene (noise at several scales, shapes, text)
with a virtual camera whose pose per frame is known: pan, rotation, zoom, hand shake,
a bar passing in front, motion blur, an object moving on its own over the background,
a pan that takes the annotations out of the picture and back. Five annotations sit on
known points of the scene (one on the moving object where there is one); the tracker
(``lens_desktop.tools.tracker``) sees grayscale frames, as the console would give it,
and its answer is compared with where each point really is. It prints a table:

    python bench/tracking.py [--seconds 10] [--only 720p] [--scenario pan ...]

Figures, per scenario and resolution, over all five annotations:
- error p50/p95/max: distance in the frame's pixels between where the annotation is
  drawn and where its point is, over frames where both show;
- on object: share of frames, where the point is in view, in which the annotation shows
  within ``ON_OBJECT_PX`` (scaled to the frame's width from 1280) of it;
- false shows: frames where it shows although its point is out of view or covered;
- re-acquire: after the point comes back into view (uncovered, back in the picture),
  time until the annotation shows on it again (worst annotation; 0 = never lost);
- ms/frame and cores: the tracker's own CPU time (thread time of ``Tracker.track``,
  OpenCV single-threaded), per frame and per second of 30 fps video.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from lens_desktop.tools.tracker import AnchorUpdate, Region, Tracker

FPS = 30
RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080)}
ON_OBJECT_PX = 12.0
"""At 1280 wide; scaled with the frame's width."""
REGION = 0.08
"""An annotation's region: this share of the frame's width and height."""
ANNOTATION_POINTS = [(0.5, 0.5), (0.3, 0.3), (0.7, 0.3), (0.3, 0.7), (0.7, 0.7)]
"""Where the annotations are placed on the first frame (normalised)."""


# -- the scene -------------------------------------------------------------------------


def textured_scene(width: int, height: int, seed: int = 1) -> np.ndarray:
    """A grayscale scene rich in corners at every scale: noise blobs, shapes, text."""
    rng = np.random.default_rng(seed)
    scene = np.zeros((height, width), np.float32)
    for cell, weight in ((64, 0.45), (16, 0.35), (4, 0.2)):
        small = rng.random((height // cell + 2, width // cell + 2)).astype(np.float32)
        scene += weight * cv2.resize(small, (width + 2 * cell, height + 2 * cell))[:height, :width]
    image = (scene * 255).astype(np.uint8)
    unit = max(4, width // 200)
    for _ in range(width * height // (unit * unit * 60)):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        shade = int(rng.integers(0, 256))
        size = int(rng.integers(unit, unit * 6))
        if rng.random() < 0.5:
            cv2.rectangle(image, (x, y), (x + size, y + size // 2), shade, -1)
        else:
            cv2.circle(image, (x, y), size // 2, shade, -1)
    for _ in range(width * height // (unit * unit * 400)):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        text = "".join(chr(int(c)) for c in rng.integers(65, 91, 5))
        cv2.putText(
            image,
            text,
            (x, y),
            cv2.FONT_HERSHEY_SIMPLEX,
            unit / 8,
            int(rng.integers(0, 256)),
            max(1, unit // 4),
        )
    return image


def similarity(scale: float, angle: float, tx: float, ty: float) -> np.ndarray:
    c, s = scale * math.cos(angle), scale * math.sin(angle)
    return np.array([[c, -s, tx], [s, c, ty]])


def compose(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a after b, both 2x3."""
    return (np.vstack([a, [0, 0, 1]]) @ np.vstack([b, [0, 0, 1]]))[:2]


def apply(m: np.ndarray, x: float, y: float) -> tuple[float, float]:
    return m[0, 0] * x + m[0, 1] * y + m[0, 2], m[1, 0] * x + m[1, 1] * y + m[1, 2]


# -- camera motion ---------------------------------------------------------------------


@dataclass(frozen=True)
class Pose:
    """The camera at one moment, relative to the first frame: it looks at the scene
    point (pan_x, pan_y) frame widths/heights away from the start, turned by ``angle``
    (radians), magnified by ``zoom``."""

    pan_x: float = 0.0
    pan_y: float = 0.0
    angle: float = 0.0
    zoom: float = 1.0


def shake(t: float, seed: int = 7) -> Pose:
    """Hand shake: a few sines between 2 and 9 Hz, about +-0.6 % of the frame, +-0.6 deg."""
    rng = np.random.default_rng(seed)
    freqs, phases = rng.uniform(2, 9, (3, 3)), rng.uniform(0, 2 * math.pi, (3, 3))
    wave = [
        sum(math.sin(2 * math.pi * f * t + p) for f, p in zip(fr, ph, strict=True)) / 3
        for fr, ph in zip(freqs, phases, strict=True)
    ]
    return Pose(0.006 * wave[0], 0.006 * wave[1], math.radians(0.6) * wave[2])


def combine(*poses: Pose) -> Pose:
    return Pose(
        sum(p.pan_x for p in poses),
        sum(p.pan_y for p in poses),
        sum(p.angle for p in poses),
        math.prod(p.zoom for p in poses),
    )


def pan(t: float) -> Pose:
    return Pose(0.18 * math.sin(2 * math.pi * t / 8), 0.1 * math.sin(2 * math.pi * t / 11))


def rotation(t: float) -> Pose:
    return Pose(angle=math.radians(30) * math.sin(2 * math.pi * t / 9))


def zoom(t: float) -> Pose:
    return Pose(zoom=math.exp(math.log(1.6) * math.sin(2 * math.pi * t / 10)))


def away_and_back(t: float) -> Pose:
    """Pans a frame width and a quarter to the side and back, every 8 s: each
    annotation leaves the picture for 1.5 to 3 s, then returns."""
    phase = (t % 8) / 8
    return Pose(pan_x=1.25 * (0.5 - 0.5 * math.cos(2 * math.pi * phase)) ** 2)


@dataclass(frozen=True)
class Scenario:
    name: str
    motion: Callable[[float], Pose]
    blur: bool = False
    occluder: bool = False
    moving_object: bool = False


SCENARIOS = [
    Scenario("pan", pan),
    Scenario("rotation", rotation),
    Scenario("zoom", zoom),
    Scenario("shake", shake),
    Scenario("pan+zoom+shake", lambda t: combine(pan(t), zoom(t), shake(t))),
    Scenario("occlusion", lambda t: combine(pan(t), shake(t)), occluder=True),
    Scenario("motion blur", lambda t: combine(pan(t), shake(t)), blur=True),
    Scenario("moving object", lambda t: combine(pan(t), shake(t)), moving_object=True),
    Scenario("away and back", away_and_back),
]


# -- rendering -------------------------------------------------------------------------


@dataclass
class Clip:
    """Renders the frames of one scenario and says where each annotation truly is."""

    scenario: Scenario
    width: int
    height: int
    scene: np.ndarray = field(init=False)
    patch: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.margin = (int(1.5 * self.width), self.height)
        self.scene = textured_scene(
            self.width + 2 * self.margin[0], self.height + 2 * self.margin[1]
        )
        side = int(self.width * 0.16)
        self.patch = 255 - textured_scene(side, side, seed=5)

    def camera(self, t: float) -> np.ndarray:
        """Scene pixels -> frame pixels at time ``t``."""
        pose = self.scenario.motion(t)
        cx = self.margin[0] + self.width / 2 + pose.pan_x * self.width
        cy = self.margin[1] + self.height / 2 + pose.pan_y * self.height
        turn = similarity(pose.zoom, pose.angle, 0, 0)
        look = np.array([[1, 0, -cx], [0, 1, -cy]], float)
        return compose(
            np.array([[1, 0, self.width / 2], [0, 1, self.height / 2]], float), compose(turn, look)
        )

    def object_pose(self, t: float) -> np.ndarray:
        """Patch pixels -> scene pixels: the object drifts round a loop and turns."""
        side = self.patch.shape[1]
        cx = self.margin[0] + self.width * (0.5 + 0.22 * math.sin(2 * math.pi * t / 6))
        cy = self.margin[1] + self.height * (0.5 + 0.2 * math.sin(2 * math.pi * t / 4.5))
        turn = similarity(1.0, math.radians(20) * math.sin(2 * math.pi * t / 7), 0, 0)
        return compose(
            np.array([[1, 0, cx], [0, 1, cy]], float),
            compose(turn, np.array([[1, 0, -side / 2], [0, 1, -side / 2]], float)),
        )

    def frame(self, t: float) -> np.ndarray:
        camera = self.camera(t)
        size = (self.width, self.height)
        image = cv2.warpAffine(
            self.scene, camera, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
        )
        if self.scenario.moving_object:
            cv2.warpAffine(
                self.patch,
                compose(camera, self.object_pose(t)),
                size,
                image,
                cv2.INTER_LINEAR,
                cv2.BORDER_TRANSPARENT,
            )
        if self.scenario.blur:
            image = cv2.filter2D(image, -1, self._blur_kernel(t))
        if self.scenario.occluder:
            x0, x1 = self.occluder_span(t)
            image[:, max(0, int(x0)) : max(0, int(x1))] = 90
        return image

    def occluder_span(self, t: float) -> tuple[float, float]:
        """A plain bar a quarter of the frame wide crossing the picture every 5 s."""
        bar = self.width / 4
        x0 = ((t % 5) / 5) * (self.width + 3 * bar) - 2 * bar
        return x0, x0 + bar

    def _blur_kernel(self, t: float) -> np.ndarray:
        """A line as long as the frame's motion over one 1/30 s exposure (at least 9 px
        at 720p), along that motion."""
        after = (self.width / 2, self.height / 2)
        centre = apply(cv2.invertAffineTransform(self.camera(t)), *after)
        before = apply(self.camera(t - 1 / FPS), *centre)
        dx, dy = after[0] - before[0], after[1] - before[1]
        length = max(int(math.hypot(dx, dy)), int(9 * self.width / 1280))
        angle = math.atan2(dy, dx) if math.hypot(dx, dy) > 0.5 else 0.0
        kernel = np.zeros((length | 1, length | 1), np.float32)
        mid = length // 2
        end = (int(mid + mid * math.cos(angle)), int(mid + mid * math.sin(angle)))
        start = (int(mid - mid * math.cos(angle)), int(mid - mid * math.sin(angle)))
        cv2.line(kernel, start, end, 1.0, 1)
        return kernel / kernel.sum()

    def scene_point(self, x: float, y: float) -> tuple[float, float]:
        """The scene point seen at normalised (x, y) of the first frame."""
        inverse = cv2.invertAffineTransform(self.camera(0.0))
        return apply(inverse, x * self.width, y * self.height)

    def truth(self, index: int, x: float, y: float, t: float) -> tuple[float, float]:
        """Where the annotation placed at (x, y) on frame 0 truly is at ``t`` (frame px)."""
        if self.scenario.moving_object and index == 0:
            on_patch = apply(
                cv2.invertAffineTransform(compose(self.camera(0.0), self.object_pose(0.0))),
                x * self.width,
                y * self.height,
            )
            return apply(compose(self.camera(t), self.object_pose(t)), *on_patch)
        return apply(self.camera(t), *self.scene_point(x, y))

    def in_view(self, point: tuple[float, float], t: float) -> bool:
        x, y = point
        if not (0 <= x < self.width and 0 <= y < self.height):
            return False
        if self.scenario.occluder:
            x0, x1 = self.occluder_span(t)
            return not (x0 <= x < x1)
        return True

    def under_object(self, point: tuple[float, float], t: float) -> bool:
        """Whether the moving object covers this frame point at ``t``."""
        if not self.scenario.moving_object:
            return False
        u, v = apply(
            cv2.invertAffineTransform(compose(self.camera(t), self.object_pose(t))), *point
        )
        side = self.patch.shape[1]
        return 0 <= u < side and 0 <= v < side


# -- running ---------------------------------------------------------------------------


@dataclass
class Figures:
    errors: list[float] = field(default_factory=list)
    on_object: int = 0
    in_view: int = 0
    false_shows: int = 0
    reacquire: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)


@dataclass
class _Watch:
    """Per annotation: when its point last came back into view, not yet re-found."""

    back_at: float | None = None
    was_in_view: bool = True


def frames(clip: Clip, seconds: float) -> Iterator[tuple[float, np.ndarray]]:
    for i in range(int(seconds * FPS)):
        t = i / FPS
        yield t, clip.frame(t)


def region_at(x: float, y: float) -> Region:
    """An annotation's region centred on normalised (x, y)."""
    return Region(x - REGION / 2, y - REGION / 2, REGION, REGION)


def run(scenario: Scenario, resolution: str, seconds: float) -> Figures:
    width, height = RESOLUTIONS[resolution]
    clip = Clip(scenario, width, height)
    tracker, figures = Tracker(), Figures()
    watches = [_Watch() for _ in ANNOTATION_POINTS]
    bound = ON_OBJECT_PX * width / 1280
    for i, (x, y) in enumerate(ANNOTATION_POINTS):
        tracker.add(str(i), region_at(x, y))  # placed on the first frame
    for t, image in frames(clip, seconds):
        start = time.thread_time()
        result = tracker.track(image, t)
        figures.cpu.append(time.thread_time() - start)
        for i, (x, y) in enumerate(ANNOTATION_POINTS):
            truth = clip.truth(i, x, y, t)
            seen = clip.in_view(truth, t) and (i == 0 or not clip.under_object(truth, t))
            update = result.anchors[str(i)]
            score(figures, watches[i], clip, update, truth, seen, (x, y), t, bound)
    return figures


def score(
    figures: Figures,
    watch: _Watch,
    clip: Clip,
    update: AnchorUpdate,
    truth: tuple[float, float],
    seen: bool,
    placed: tuple[float, float],
    t: float,
    bound: float,
) -> None:
    """Adds one annotation's frame to the figures (``seen``: its point is in view)."""
    drawn_x, drawn_y = update.apply(*placed)
    error = math.hypot(drawn_x * clip.width - truth[0], drawn_y * clip.height - truth[1])
    if seen:
        figures.in_view += 1
        if not watch.was_in_view:
            watch.back_at = t
    watch.was_in_view = seen
    if update.visible and seen:
        figures.errors.append(error)
    if update.visible and not seen:
        figures.false_shows += 1
    good = update.visible and seen and error <= bound
    figures.on_object += good
    if good and watch.back_at is not None:
        figures.reacquire.append(t - watch.back_at)
        watch.back_at = None


def percentile(values: list[float], share: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def row(scenario: Scenario, resolution: str, seconds: float, figures: Figures) -> str:
    e = figures.errors
    cpu_ms = statistics.fmean(figures.cpu) * 1000
    reacquire = f"{max(figures.reacquire):.2f} s" if figures.reacquire else "-"
    return (
        f"| {scenario.name} | {resolution} | {seconds:.0f} s | {percentile(e, 0.5):.1f} | {percentile(e, 0.95):.1f} "
        f"| {max(e, default=math.nan):.1f} | {100 * figures.on_object / max(1, figures.in_view):.1f} % "
        f"| {figures.false_shows} | {reacquire} | {cpu_ms:.2f} | {cpu_ms * FPS / 1000:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--only", choices=sorted(RESOLUTIONS), action="append")
    parser.add_argument("--scenario", choices=[s.name for s in SCENARIOS], action="append")
    args = parser.parse_args()
    cv2.setNumThreads(1)
    print(
        f"# {platform.node()} {platform.processor() or platform.machine()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(
        f"# cv2 {cv2.__version__}, {len(ANNOTATION_POINTS)} annotations, load {' '.join(f'{v:.2f}' for v in __import__('os').getloadavg())}"
    )
    print(
        "| scenario | res | clip | err p50 px | err p95 px | err max px | on object | false shows | re-acquire | ms/frame | cores |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for scenario in SCENARIOS:
        if args.scenario and scenario.name not in args.scenario:
            continue
        for resolution in RESOLUTIONS:
            if args.only and resolution not in args.only:
                continue
            print(
                row(scenario, resolution, args.seconds, run(scenario, resolution, args.seconds)),
                flush=True,
            )


if __name__ == "__main__":
    main()
