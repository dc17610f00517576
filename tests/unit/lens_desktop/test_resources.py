"""resource_path finds the repository's resources/ from source and sys._MEIPASS when
frozen; the icons and the chime are real, usable files."""

from __future__ import annotations

import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from lens_desktop import resources

REPO = Path(__file__).resolve().parents[3]


def test_from_source_resources_are_the_repository_folder() -> None:
    assert resources.resources_root() == REPO / "resources"
    assert resources.resource_path("icons", "lens.svg") == REPO / "resources/icons/lens.svg"
    assert resources.new_session_sound_path().is_file()


def test_frozen_resources_come_from_the_bundle(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("sounds", "x.wav") == tmp_path / "resources/sounds/x.wav"
    assert resources.translations_dir() == tmp_path / "resources/translations"


def test_app_icon_has_every_rendered_size(qapp: QApplication) -> None:
    icon = resources.app_icon()
    sizes = {size.width() for size in icon.availableSizes()}
    assert set(resources.APP_ICON_SIZES) <= sizes
    for size in (16, 48, 512):
        assert icon.pixmap(size, size).width() == size


def test_icon_is_drawn_not_blank(qapp: QApplication) -> None:
    """The 16 px icon keeps its shape: a transparent corner, an opaque coloured middle."""
    image = resources.app_icon().pixmap(16, 16).toImage()
    assert image.pixelColor(0, 0).alpha() == 0
    middle = image.pixelColor(8, 8)
    assert middle.alpha() == 255
    ring = image.pixelColor(3, 8)
    assert ring.blue() > ring.red()  # the cyan-blue glass ring


def test_tray_icon_is_one_colour_with_transparency(qapp: QApplication) -> None:
    image = resources.tray_icon().pixmap(32, 32).toImage()
    image = image.convertToFormat(QImage.Format.Format_ARGB32)
    opaque = {
        (c.red(), c.green(), c.blue())
        for x in range(32)
        for y in range(32)
        if (c := image.pixelColor(x, y)).alpha() == 255
    }
    assert opaque == {(0x00, 0x96, 0xC7)}
    assert image.pixelColor(0, 0).alpha() == 0


def test_new_session_chime_is_short_and_starts_and_ends_silent() -> None:
    with wave.open(str(resources.new_session_sound_path()), "rb") as chime:
        assert (chime.getframerate(), chime.getsampwidth(), chime.getnchannels()) == (48_000, 2, 1)
        samples = np.frombuffer(chime.readframes(chime.getnframes()), dtype="<i2")
    assert 0.3 < samples.size / 48_000 < 1.0
    assert abs(int(samples[0])) < 100 and samples[-1] == 0  # faded: no click
    assert 8_000 < np.abs(samples).max() < 32_767  # audible, not clipped


def test_windows_icon_holds_every_size() -> None:
    """The .ico the Windows build embeds: checked by its directory, no Pillow needed."""
    data = (REPO / "resources/icons/lens.ico").read_bytes()
    count = int.from_bytes(data[4:6], "little")
    sizes = {data[6 + 16 * i] or 256 for i in range(count)}
    assert sizes == {16, 24, 32, 48, 64, 128, 256}
