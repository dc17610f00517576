"""What the console checks in an HD photo's file before it writes it (ui/hd_photo.py):
the file's own type and size in pixels, read from its header, against the announcement
and the bounds; a file that is not what was announced is never saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice
from PySide6.QtGui import QColor, QImage

from lens_desktop.tools.photo import Photo
from lens_desktop.ui.hd_photo import PhotoRefused, decode_photo, store_photo


def encoded(width: int, height: int, kind: str) -> bytes:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#2979ff"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    assert image.save(buffer, kind)
    return bytes(data.data())


def photo(data: bytes, width: int, height: int, mime: str = "image/png") -> Photo:
    return Photo("p1", width, height, mime, "take_photo", data)


def test_a_good_photo_is_saved_as_sent_with_its_size(qapp: Any, tmp_path: Path) -> None:
    data = encoded(640, 480, "JPEG")
    path, thumbnail, size = store_photo(photo(data, 640, 480, "image/jpeg"), tmp_path, "Lens x")
    assert path == tmp_path / "Lens x.jpg" and path.read_bytes() == data
    assert (size.width(), size.height()) == (640, 480)
    assert thumbnail.width() <= 128 and thumbnail.height() <= 72


@pytest.mark.parametrize(
    ("data", "announced", "reason"),
    [
        (encoded(9000, 8, "PNG"), (100, 8), "too_large"),  # larger than it said, and the bound
        (encoded(400, 300, "PNG"), (300, 200), "mismatch"),
        (encoded(64, 64, "JPEG"), (64, 64), "bad_picture"),  # a JPEG announced as a PNG
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, (64, 64), "mismatch"),  # a header and no picture
        (b"just some bytes", (64, 64), "bad_picture"),
    ],
)
def test_a_file_that_is_not_what_was_announced_is_refused_and_not_saved(
    qapp: Any, tmp_path: Path, data: bytes, announced: tuple[int, int], reason: str
) -> None:
    with pytest.raises(PhotoRefused) as caught:
        decode_photo(photo(data, *announced))
    assert caught.value.reason == reason
    with pytest.raises(PhotoRefused):
        store_photo(photo(data, *announced), tmp_path / "Lens", "Lens x")
    assert not (tmp_path / "Lens").exists()
