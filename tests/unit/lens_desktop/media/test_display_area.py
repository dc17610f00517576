"""The size frames are converted to for each view (issue 15): the painted size, so a
paint copies rows; the stream's own size once zooming makes the picture larger than
both the pane and the stream (the pane then scales only the part it shows)."""

from __future__ import annotations

import pytest

from lens_desktop.media.frames import DisplayArea, display_size, picture_size

PANE = (960, 600)


@pytest.mark.parametrize(
    ("mode", "zoom", "painted", "converted"),
    [
        ("fit", 1.0, (960, 540), (960, 540)),  # letterboxed above and below
        ("fit", 0.5, (480, 270), (480, 270)),
        ("fit", 0.25, (240, 135), (240, 135)),
        ("fit", 1.25, (1200, 675), (1200, 675)),  # larger than the pane, not the stream
        ("fit", 2.0, (1920, 1080), (1280, 720)),  # larger than both: the stream's size
        ("fit", 4.0, (3840, 2160), (1280, 720)),
        ("stretch", 1.0, (960, 600), (960, 600)),  # the pane's shape, not the stream's
        ("stretch", 1.25, (1200, 750), (1280, 720)),
        ("actual", 1.0, (1280, 720), (1280, 720)),
        ("actual", 0.5, (640, 360), (640, 360)),
        ("actual", 4.0, (5120, 2880), (1280, 720)),
    ],
)
def test_each_view_converts_to_the_painted_size_within_bounds(
    mode: str, zoom: float, painted: tuple[int, int], converted: tuple[int, int]
) -> None:
    area = DisplayArea(*PANE, mode, zoom)  # type: ignore[arg-type]
    assert picture_size(1280, 720, area) == painted
    assert display_size(1280, 720, area) == converted


def test_actual_size_on_a_high_density_screen_is_a_camera_pixel_per_logical_pixel() -> None:
    area = DisplayArea(1920, 1200, "actual", 1.0, ratio=2.0)
    assert picture_size(1280, 720, area) == (2560, 1440)  # device pixels
    assert display_size(1280, 720, area) == (1280, 720)


def test_a_pane_not_laid_out_yet_gets_the_stream_size() -> None:
    assert display_size(1280, 720, DisplayArea(0, 0)) == (1280, 720)
    assert display_size(1280, 720, None) == (1280, 720)
    assert display_size(1280, 720, (960, 960)) == (960, 540)  # a plain size: fitted
