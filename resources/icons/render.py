"""Renders the Lens icons from their SVG sources into the PNGs and the Windows .ico the
console and its installers use.

Run it after changing an SVG:  .venv/bin/python resources/icons/render.py
It needs PySide6 (QtSvg, in PySide6-Essentials) and Pillow, which is only a tool for
this script (``pip install pillow``), not a dependency of the console. The macOS .icns
is made from these PNGs by scripts/build-bundle with Apple's iconutil (macOS only).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
APP_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
TRAY_SIZES = (16, 22, 24, 32, 48, 64)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)


def render(svg: Path, size: int, out: Path) -> None:
    """Draw ``svg`` into a transparent size x size PNG, antialiased."""
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    if not image.save(str(out)):
        raise SystemExit(f"cannot write {out}")


def write_ico(out: Path) -> None:
    """A multi-size .ico whose every size is its own render, not a downscale."""
    images = [Image.open(HERE / f"lens-{size}.png") for size in ICO_SIZES]
    largest = images[-1]
    largest.save(out, format="ICO", sizes=[(s, s) for s in ICO_SIZES], append_images=images[:-1])


def main() -> int:
    app = QGuiApplication(sys.argv[:1])
    for size in APP_SIZES:
        render(HERE / "lens.svg", size, HERE / f"lens-{size}.png")
    for size in TRAY_SIZES:
        render(HERE / "lens-tray.svg", size, HERE / f"lens-tray-{size}.png")
    write_ico(HERE / "lens.ico")
    del app
    print(f"rendered {len(APP_SIZES)} app and {len(TRAY_SIZES)} tray PNGs and lens.ico")
    return 0


if __name__ == "__main__":
    sys.exit(main())
