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


if __name__ == "__main__":
    main()
