"""The session tab's HD photo (issue 15 point 3): the technician asks the customer's
phone for a full-resolution still (docs/protocol.md, "HD photo (version 1)"), a
progress bar beside the button follows it over the data channel, and it is saved like
a snapshot (same folder, same naming, never overwriting) with the phone's own bytes,
not re-encoded. The strip shows its thumbnail with its size in pixels.

Whatever the phone sends is checked before it is written: the announcement against
the bounds (``tools/photo.py``), the file's own header (its type and size in pixels, read
before it is decoded, so a picture that claims to be small but is not is refused) and
then the decoded picture. A photo that stops arriving is given up after
``stall_timeout_ms`` without a chunk; every failure is said in words under the picture
and over it, with what to do next; nothing saved before is touched.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QT_TRANSLATE_NOOP,
    QBuffer,
    QByteArray,
    QIODevice,
    QObject,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QImage, QImageReader, QKeySequence
from PySide6.QtWidgets import QProgressBar, QToolButton, QWidget

from lens_desktop.tools.photo import (
    MAX_SIDE,
    Photo,
    PhotoAssembler,
    PhotoFailed,
    PhotoProgress,
    PhotoStart,
    is_photo_message,
    request_message,
)
from lens_desktop.tools.protocol import Rejection
from lens_desktop.tools.snapshots import SnapshotError, save_snapshot, snapshot_stem
from lens_desktop.ui.annotation_canvas import AnnotationCanvas
from lens_desktop.ui.annotation_tools import with_key
from lens_desktop.ui.language import translate
from lens_desktop.ui.snapshot_strip import THUMB_SIZE, SnapshotStrip

log = logging.getLogger(__name__)

FORMATS = {"image/jpeg": "jpeg", "image/png": "png"}
"""Qt's name of each file type the phone may send."""
HD_PHOTO_KEYS = [QKeySequence("Ctrl+Shift+S")]
ANSWER_TIMEOUT_MS = 20_000
"""From the request to the phone's announcement: a phone's camera may take seconds to
take a full-resolution photo (focus, exposure)."""
STALL_TIMEOUT_MS = 10_000
"""No chunk for this long: the phone went away mid-transfer."""
FAILURE_TEXTS = {
    "paused": QT_TRANSLATE_NOOP(
        "HdPhoto", "No HD photo: the customer paused the camera. Ask them to turn it back on."
    ),
    "on_hold": QT_TRANSLATE_NOOP(
        "HdPhoto", "No HD photo: the session is on hold. Resume it and take the photo again."
    ),
    "busy": QT_TRANSLATE_NOOP(
        "HdPhoto", "No HD photo: the phone is still sending the previous one. Try again soon."
    ),
    "too_large": QT_TRANSLATE_NOOP(
        "HdPhoto",
        "The HD photo was refused: it is larger than {width}x{height} pixels or 25 MB. "
        "Take a snapshot instead.",
    ),
    "mismatch": QT_TRANSLATE_NOOP(
        "HdPhoto", "The HD photo arrived damaged and was not saved. Take it again."
    ),
    "failed": QT_TRANSLATE_NOOP(
        "HdPhoto", "The customer's phone could not take the photo. Take a snapshot instead."
    ),
    "not_connected": QT_TRANSLATE_NOOP(
        "HdPhoto", "No HD photo: the customer's phone is not connected."
    ),
    "no_answer": QT_TRANSLATE_NOOP(
        "HdPhoto", "No HD photo: the customer's phone did not answer. Take it again."
    ),
    "stalled": QT_TRANSLATE_NOOP(
        "HdPhoto",
        "The HD photo did not arrive: the customer's phone stopped sending it. Take it again.",
    ),
    "reconnected": QT_TRANSLATE_NOOP(
        "HdPhoto",
        "The HD photo did not arrive: the connection to the phone changed. Take it again.",
    ),
    "bad_picture": QT_TRANSLATE_NOOP(
        "HdPhoto", "The HD photo is not a picture the console can read and was not saved."
    ),
}
SAVE_TEXTS = {
    "folder": QT_TRANSLATE_NOOP(
        "HdPhoto",
        "The HD photo was not saved: the folder {path} cannot be created or written to "
        "({detail}). Choose another folder in Settings and take it again.",
    ),
    "full": QT_TRANSLATE_NOOP(
        "HdPhoto",
        "The HD photo was not saved: the disk is full ({path}). Free some space or choose "
        "another folder in Settings, and take it again.",
    ),
    "taken": QT_TRANSLATE_NOOP(
        "HdPhoto", "The HD photo was not saved: too many files are named like {path}."
    ),
    "write": QT_TRANSLATE_NOOP("HdPhoto", "The HD photo was not saved to {path} ({detail})."),
}


class PhotoRefused(Exception):
    """What arrived is not the picture announced (``reason``: a FAILURE_TEXTS key)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


def failure_text(reason: str) -> str:
    text = translate("HdPhoto", FAILURE_TEXTS.get(reason, FAILURE_TEXTS["failed"]))
    return text.format(width=MAX_SIDE, height=MAX_SIDE)


def save_error_text(error: SnapshotError) -> str:
    text = translate("HdPhoto", SAVE_TEXTS.get(error.reason, SAVE_TEXTS["write"]))
    return text.format(path=error.path, detail=error.detail)


def resolution_text(width: int, height: int) -> str:
    return f"{width}\N{MULTIPLICATION SIGN}{height}"


def decode_photo(photo: Photo) -> QImage:
    """The photo's picture, upright (EXIF), after its header was checked against the
    announcement and the bounds. Any thread; raises PhotoRefused."""
    data = QByteArray(photo.data)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    kind = bytes(reader.format().data()).decode("ascii", "replace")
    if kind != FORMATS[photo.mime]:
        raise PhotoRefused("bad_picture", f"a {kind or 'unknown'} file announced as {photo.mime}")
    size = reader.size()
    if size.width() > MAX_SIDE or size.height() > MAX_SIDE:
        raise PhotoRefused("too_large", f"the file is {size.width()}x{size.height()}")
    if {size.width(), size.height()} != {photo.width, photo.height}:  # EXIF may turn it
        raise PhotoRefused(
            "mismatch",
            f"the file is {size.width()}x{size.height()}, {photo.width}x{photo.height} announced",
        )
    reader.setAutoTransform(True)
    image = reader.read()
    buffer.close()
    if image.isNull():
        raise PhotoRefused("bad_picture", reader.errorString())
    return image


def store_photo(photo: Photo, folder: Path, stem: str) -> tuple[Path, QImage, QSize]:
    """Worker thread: check, save the phone's bytes as they are; the path, a thumbnail
    and the picture's size. Raises PhotoRefused or SnapshotError."""
    image = decode_photo(photo)
    path = save_snapshot(folder, stem, photo.data, photo.suffix)
    thumbnail = image.scaled(
        THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return path, thumbnail, image.size()


class HdPhotoControl(QObject):
    """The HD photo button, its progress bar, and the photo on its way."""

    saved = Signal(str)
    """An HD photo was written (its path)."""
    finished = Signal(str)
    """The photo asked for is saved ("") or will not come (the text the technician read)."""

    def __init__(
        self,
        send: Callable[[dict[str, Any]], bool],
        canvas: AnnotationCanvas,
        strip: SnapshotStrip,
        where: Callable[[], tuple[str, str, str]],
        report: Callable[[str], None],
        spawn: Callable[[Coroutine[Any, Any, None]], Any],
        parent: QWidget,
    ) -> None:
        """``where()``: the folder, the session's name and its id, asked at each photo."""
        super().__init__(parent)
        self._send, self._canvas, self._strip = send, canvas, strip
        self._where, self._report, self._spawn = where, report, spawn
        self._ids = itertools.count(1)
        self._assembler = PhotoAssembler()
        self._available = False
        self.stall_timeout_ms = STALL_TIMEOUT_MS
        self.answer_timeout_ms = ANSWER_TIMEOUT_MS
        self.action = QAction(translate("HdPhoto", "HD photo"), parent)
        self.action.setShortcuts(HD_PHOTO_KEYS)
        self.action.setToolTip(
            with_key(
                translate(
                    "HdPhoto",
                    "Ask the customer's phone for a full-resolution photo and save it in "
                    "the snapshot folder",
                ),
                HD_PHOTO_KEYS,
            )
        )
        self.button = QToolButton(parent)
        self.button.setDefaultAction(self.action)
        self.progress = QProgressBar(parent)
        self.progress.setFixedWidth(110)
        self.progress.setAccessibleName(translate("HdPhoto", "HD photo on its way"))
        self.progress.hide()
        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self.on_deadline_timeout)
        self.action.triggered.connect(self.on_action_triggered)
        self._apply()

    @property
    def busy(self) -> bool:
        """A photo was asked for and is not saved or given up yet."""
        return self._assembler.expected is not None

    def set_available(self, available: bool) -> None:
        """There is a picture from the phone (so a phone to ask)."""
        self._available = available
        self._apply()

    # -- asking ----------------------------------------------------------------------

    def on_action_triggered(self) -> None:
        if self.busy:
            return
        photo_id = f"p{next(self._ids)}"
        if not self._send(request_message(photo_id)):
            self._say(failure_text("not_connected"))
            return
        self._assembler.expect(photo_id)
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)  # a busy bar would say no words: "Taking…" until announced
        self.progress.setFormat(translate("HdPhoto", "Taking…"))
        self.progress.setToolTip(translate("HdPhoto", "The customer's phone is taking the photo"))
        self.progress.show()
        self._deadline.start(self.answer_timeout_ms)
        self._apply()

    # -- from the phone --------------------------------------------------------------

    def on_control(self, message: dict[str, Any]) -> None:
        """A control message from the phone; only the photo's are ours."""
        if not is_photo_message(message):
            return
        event = self._assembler.feed(message)
        if isinstance(event, Rejection):
            log.warning("ignoring photo message: %s", event.reason)
        elif isinstance(event, PhotoStart):
            self.progress.setFormat(translate("HdPhoto", "Photo %p%"))
            self.progress.setToolTip(
                translate("HdPhoto", "Receiving a {size} photo from the customer's phone").format(
                    size=resolution_text(event.width, event.height)
                )
            )
            self._deadline.start(self.stall_timeout_ms)
        elif isinstance(event, PhotoProgress):
            self.progress.setValue(round(1000 * event.received / event.size))
            self._deadline.start(self.stall_timeout_ms)
        elif isinstance(event, PhotoFailed):
            log.warning("HD photo %s not taken: %s %s", event.id, event.reason, event.detail)
            self._fail(event.reason)
        else:
            self.progress.setValue(1000)
            self._deadline.stop()
            self._spawn(self._save(event))

    def on_channel_opened(self, generation: int) -> None:
        """A new connection: a photo on its way over the old one will not finish."""
        del generation
        if self.busy:
            self._fail("reconnected")

    def on_deadline_timeout(self) -> None:
        if self.busy:
            self._fail("stalled" if self._assembler.start is not None else "no_answer")

    # -- saving ----------------------------------------------------------------------

    async def _save(self, photo: Photo) -> None:
        folder, name, session_id = self._where()
        stem = snapshot_stem(datetime.now(), name, session_id)
        loop = asyncio.get_running_loop()
        try:
            path, thumbnail, size = await loop.run_in_executor(
                None, store_photo, photo, Path(folder), stem
            )
        except PhotoRefused as exc:
            log.warning("HD photo refused: %s", exc)
            self._fail(exc.reason)
            return
        except SnapshotError as exc:
            log.warning("HD photo not saved: %s", exc)
            self._fail_with(save_error_text(exc))
            return
        resolution = resolution_text(size.width(), size.height())
        self._strip.add(path, thumbnail, resolution)
        self._canvas.show_notice(
            translate("HdPhoto", "HD photo saved: {size}, {name}").format(
                size=resolution, name=path.name
            )
        )
        log.info("HD photo %s saved (%s, %s): %s", photo.id, resolution, photo.source, path)
        self._done()
        self.saved.emit(str(path))
        self.finished.emit("")
        self._report("hd_photo")

    # -- helpers ---------------------------------------------------------------------

    def _fail(self, reason: str) -> None:
        self._fail_with(failure_text(reason))

    def _fail_with(self, text: str) -> None:
        self._done()
        self._say(text)
        self.finished.emit(text)

    def _done(self) -> None:
        self._assembler.reset()
        self._deadline.stop()
        self.progress.hide()
        self._apply()

    def _say(self, text: str) -> None:
        """Under the picture (the strip's line) and over it (seen full screen too)."""
        self._strip.show_error(text)
        self._canvas.show_notice(text)

    def _apply(self) -> None:
        self.action.setEnabled(self._available and not self.busy)
