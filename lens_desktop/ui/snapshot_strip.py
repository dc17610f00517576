"""Snapshots in a session tab (issue 15 point 2): the picture on screen saved as a PNG
at the stream's own size, with or without the drawings, and a strip of this session's
snapshots to open, copy or show in their folder.

The frame is rendered at its full size from the decoded frame (not from the pane's
scaled copy) and the annotations are painted on it through the same drawing code as
on screen (``annotation_layer.paint_annotation``), mapped to the whole frame; rendering,
PNG encoding and writing run in a worker thread (QImage and QPainter on a QImage are
thread-safe; no widget is touched there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize, Qt, QTime, QUrl
from PySide6.QtGui import (
    QAction,
    QDesktopServices,
    QGuiApplication,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.media.frames import PAINT_FORMAT, VideoFrame, to_qimage
from lens_desktop.tools.annotations import Annotation
from lens_desktop.tools.snapshots import SnapshotError, save_snapshot
from lens_desktop.ui.annotation_layer import paint_annotation
from lens_desktop.ui.language import translate
from lens_desktop.ui.widgets import ERROR_STYLE

THUMB_SIZE = QSize(128, 72)
PATH_ROLE = Qt.ItemDataRole.UserRole


def render_snapshot(frame: VideoFrame, annotations: Sequence[Annotation]) -> QImage:
    """``frame`` at the stream's own size (``frame.width`` x ``frame.height``) with
    ``annotations`` painted over the whole of it. Any thread."""
    size = QSize(frame.width, frame.height)
    if frame.source is not None:
        image = to_qimage(frame.source).copy()  # own pixels: the decoded frame stays as is
    elif frame.image.size() == size:
        image = frame.image.convertToFormat(PAINT_FORMAT)
    else:
        image = frame.image.scaled(
            size, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
        ).convertToFormat(PAINT_FORMAT)
    image.setDevicePixelRatio(1.0)
    if annotations:
        painter = QPainter(image)
        rect = QRectF(0, 0, frame.width, frame.height)
        for item in annotations:
            paint_annotation(painter, item, rect)
        painter.end()
    return image


def encode_png(image: QImage) -> bytes | None:
    """The PNG file's bytes; None if Qt could not encode it (out of memory)."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    saved = image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data()) if saved else None


def take_snapshot(
    frame: VideoFrame, annotations: Sequence[Annotation], folder: Path, stem: str
) -> tuple[Path, QImage]:
    """Worker thread: render, encode and save; the path and a thumbnail. Raises
    SnapshotError."""
    image = render_snapshot(frame, annotations)
    png = encode_png(image)
    if png is None:
        raise SnapshotError("write", folder / f"{stem}.png", "the picture could not be encoded")
    path = save_snapshot(folder, stem, png)
    thumbnail = image.scaled(
        THUMB_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    return path, thumbnail


def snapshot_message(error: SnapshotError) -> str:
    """What the tab says when a snapshot was not saved, and what to do next."""
    if error.reason == "folder":
        text = translate(
            "Snapshots",
            "The snapshot was not saved: the folder {path} cannot be created or written "
            "to ({detail}). Choose another folder in Settings.",
        )
    elif error.reason == "full":
        text = translate(
            "Snapshots",
            "The snapshot was not saved: the disk is full ({path}). Free some space or "
            "choose another folder in Settings.",
        )
    elif error.reason == "taken":
        text = translate(
            "Snapshots",
            "The snapshot was not saved: too many snapshots are named like {path}.",
        )
    else:
        text = translate("Snapshots", "The snapshot was not saved to {path} ({detail}).")
    return text.format(path=error.path, detail=error.detail)


class SnapshotStrip(QWidget):
    """This session's snapshots, newest first, and the last error, if any. Hidden until
    there is one or the other. Enter opens the selected snapshot, Ctrl+C copies it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_url: Callable[[QUrl], bool] = QDesktopServices.openUrl
        """Hands a file or folder to the desktop (replaced in tests: no file manager)."""
        self.message = QLabel(self)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()
        self.list = QListWidget(self)
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setFlow(QListView.Flow.LeftToRight)
        self.list.setWrapping(False)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setIconSize(THUMB_SIZE)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # Room for two lines under a thumbnail: the time and an HD photo's size.
        self.list.setFixedHeight(THUMB_SIZE.height() + 2 * self.fontMetrics().height() + 22)
        self.list.setAccessibleName(translate("Snapshots", "Snapshots of this session"))
        self.list.hide()
        self.open_action = self._action(
            translate("Snapshots", "&Open"),
            translate("Snapshots", "Open the snapshot (Enter)"),
            self.on_open_action_triggered,
        )
        self.copy_action = self._action(
            translate("Snapshots", "&Copy"),
            translate("Snapshots", "Copy the snapshot as a picture (Ctrl+C)"),
            self.on_copy_action_triggered,
        )
        self.copy_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.list.addAction(self.copy_action)
        self.folder_action = self._action(
            translate("Snapshots", "Show in &folder"),
            translate("Snapshots", "Open the folder the snapshot is in"),
            self.on_folder_action_triggered,
        )
        self._lay_out()
        self.list.itemActivated.connect(self.on_list_item_activated)
        self.list.currentItemChanged.connect(self.on_list_current_item_changed)
        self.on_list_current_item_changed()

    def _action(self, text: str, tip: str, slot: Callable[[], None]) -> QAction:
        action = QAction(text, self)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _lay_out(self) -> None:
        buttons = QVBoxLayout()
        self.buttons: list[QToolButton] = []
        for action in (self.open_action, self.copy_action, self.folder_action):
            button = QToolButton(self)
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.hide()
            buttons.addWidget(button)
            self.buttons.append(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.message)
        layout.addLayout(row)
        self.hide()

    # -- public ----------------------------------------------------------------------

    def paths(self) -> list[Path]:
        """The snapshots shown, newest first."""
        return [Path(self.list.item(i).data(PATH_ROLE)) for i in range(self.list.count())]

    def add(self, path: Path, thumbnail: QImage, detail: str = "") -> None:
        """A new snapshot, first in the strip and selected; an old error goes away.
        ``detail`` (an HD photo's size in pixels) is shown under the time."""
        when = QTime.currentTime().toString("HH:mm:ss")
        text = f"{when}\n{detail}" if detail else when
        item = QListWidgetItem(QIcon(QPixmap.fromImage(thumbnail)), text)
        item.setData(PATH_ROLE, str(path))
        item.setToolTip(str(path))
        self.list.insertItem(0, item)
        self.list.setCurrentItem(item)
        self.list.show()
        for button in self.buttons:
            button.show()
        self.show_error("")

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        self.setVisible(bool(text) or self.list.count() > 0)

    # -- slots -----------------------------------------------------------------------

    def _current(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(PATH_ROLE)) if item is not None else None

    def on_list_current_item_changed(self) -> None:
        for action in (self.open_action, self.copy_action, self.folder_action):
            action.setEnabled(self.list.currentItem() is not None)

    def on_list_item_activated(self) -> None:
        self.on_open_action_triggered()

    def on_open_action_triggered(self) -> None:
        path = self._current()
        if path is not None:
            self.open_url(QUrl.fromLocalFile(str(path)))

    def on_folder_action_triggered(self) -> None:
        path = self._current()
        if path is not None:
            self.open_url(QUrl.fromLocalFile(str(path.parent)))

    def on_copy_action_triggered(self) -> None:
        path = self._current()
        if path is None:
            return
        image = QImage(str(path))
        if image.isNull():
            self.show_error(
                translate("Snapshots", "The snapshot {path} is no longer there.").format(path=path)
            )
            return
        QGuiApplication.clipboard().setImage(image)
