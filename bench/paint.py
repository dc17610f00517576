"""What one video frame costs to get on screen, per display size: a table.

For a 1280x720 decoded frame and a few pane sizes, it times
- the converter thread's work: swscale (``av.VideoFrame.reformat``) to the paint format,
  at the stream's size (as before the pane told the reader its size) or straight to
  the size it is shown at (what the console does);
- the GUI thread's work: ``VideoPane.paintEvent`` drawing that image into the pane,
  offscreen, which PySide runs holding the GIL (so it also holds up the media thread).

    QT_QPA_PLATFORM=offscreen python bench/paint.py [--frames 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import av
from PySide6.QtWidgets import QApplication

from lens_customer.pattern import make_yuv420p
from lens_desktop.media.frames import convert, display_size
from lens_desktop.ui.video_pane import VideoPane

SOURCE = (1280, 720)
WARM_UP = 30
PANES = [(1280, 720), (960, 540), (1600, 900), (800, 600), (640, 360)]
VIEW_PANE = (960, 600)
VIEWS = [("fit", 1.0), ("stretch", 1.0), ("actual", 1.0), ("fit", 1.5), ("fit", 2.0), ("fit", 4.0)]
"""Issue 15's views: the same frame zoomed and panned (the third table)."""


def decoded_frames(count: int) -> list[av.VideoFrame]:
    width, height = SOURCE
    frames = []
    for i in range(count):
        planes = make_yuv420p(i, i * 33, width, height, i / 30)
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frames.append(frame)
    return frames


def ms(samples: list[float]) -> str:
    return f"{1000 * statistics.median(samples):.2f} / {1000 * max(samples):.2f}"


def time_frames(pane: VideoPane, frames: list[av.VideoFrame], count: int) -> tuple:  # type: ignore[type-arg]
    area = pane.display_area()
    convert_s, paint_s = [], []
    for i in range(-WARM_UP, count):
        source = frames[i % len(frames)]
        started = time.perf_counter()
        shown = convert(source, time.monotonic(), display_size(source.width, source.height, area))
        convert_s.append(time.perf_counter() - started)
        pane.show_frame(shown)
        started = time.perf_counter()
        pane.repaint()
        paint_s.append(time.perf_counter() - started)
    image = shown.image.size()
    return f"{image.width()}x{image.height()}", convert_s[WARM_UP:], paint_s[WARM_UP:]


def view_rows(app: QApplication, frames: list[av.VideoFrame], count: int) -> list[tuple]:  # type: ignore[type-arg]
    rows = []
    for mode, zoom in VIEWS:
        pane = VideoPane()
        pane.resize(*VIEW_PANE)
        pane.show()
        pane.show_frame(convert(frames[0], time.monotonic()))
        pane.set_mode(mode)  # type: ignore[arg-type]
        pane.set_zoom(zoom)
        pane.pan_by(-100, -60)  # off-centre, where it pans at all
        app.processEvents()
        rows.append((f"{mode} {round(zoom * 100)} %", *time_frames(pane, frames, count)))
        pane.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    frames = decoded_frames(min(args.frames, 60))
    rows = []
    for pane_size in PANES:
        pane = VideoPane()
        pane.resize(*pane_size)
        pane.show()
        app.processEvents()
        for where, area in (("stream size", None), ("pane size", pane.display_area())):
            convert_s, paint_s = [], []
            for i in range(-WARM_UP, args.frames):  # warm-up: allocator, caches, Qt
                source = frames[i % len(frames)]
                started = time.perf_counter()
                size = display_size(source.width, source.height, area)
                shown = convert(source, time.monotonic(), size)
                convert_s.append(time.perf_counter() - started)
                pane.show_frame(shown)
                started = time.perf_counter()
                pane.repaint()
                paint_s.append(time.perf_counter() - started)
            image = shown.image.size()
            size_text = f"{image.width()}x{image.height()}"
            rows.append((pane_size, where, size_text, convert_s[WARM_UP:], paint_s[WARM_UP:]))
        pane.close()
    print(f"source {SOURCE[0]}x{SOURCE[1]}, {args.frames} frames per row; ms median / max")
    print()
    print("| pane | converted at | image | convert (converter thread) | paint (GUI thread) |")
    print("|---|---|---|---|---|")
    for (w, h), where, image, convert_s, paint_s in rows:
        print(f"| {w}x{h} | {where} | {image} | {ms(convert_s)} | {ms(paint_s)} |")
    print()
    print(f"views in a {VIEW_PANE[0]}x{VIEW_PANE[1]} pane (issue 15, docs/decisions/0030)")
    print()
    print("| view | image | convert (converter thread) | paint (GUI thread) |")
    print("|---|---|---|---|")
    for view, image, convert_s, paint_s in view_rows(app, frames, args.frames):
        print(f"| {view} | {image} | {ms(convert_s)} | {ms(paint_s)} |")


if __name__ == "__main__":
    main()
