"""The video area of a session tab (the drawing tools beside the picture), which F11
takes full screen and F11 or Esc brings back.

Full screen moves the stage itself out of the tab into a window of its own and back
into the same place of the same layout afterwards: the tools, their keys and the
drawings go along, and the rest of the console stays as it was. Esc peels one layer at
a time, as it does in the drawing tools: the label being typed, the stroke being drawn,
the tool in hand, then full screen (docs/decisions/0030).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QBoxLayout, QWidget
from typing_extensions import override


class VideoStage(QWidget):
    """Holds the tools and the picture; ``set_full_screen`` takes it full screen."""

    full_screen_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._home: tuple[QWidget, QBoxLayout, int, int] | None = None
        """While full screen: the parent, layout, index and stretch to return to."""
        self.setAutoFillBackground(True)

    @property
    def full_screen(self) -> bool:
        return self._home is not None

    def set_full_screen(self, on: bool) -> None:
        if on == self.full_screen:
            return
        if on:
            self._enter()
        else:
            self._leave()
        self.full_screen_changed.emit(on)

    def _enter(self) -> None:
        parent = self.parentWidget()
        layout = parent.layout() if parent is not None else None
        if parent is None or not isinstance(layout, QBoxLayout):
            return
        index = layout.indexOf(self)
        self._home = (parent, layout, index, layout.stretch(index))
        focus = self.focusWidget()
        self.setParent(None)
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setWindowTitle(parent.window().windowTitle())
        self.showFullScreen()
        self.activateWindow()
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    def _leave(self) -> None:
        home, self._home = self._home, None
        if home is None:
            return
        parent, layout, index, stretch = home
        focus = self.focusWidget()
        self.showNormal()
        self.hide()
        self.setParent(parent)
        self.setWindowFlag(Qt.WindowType.Window, False)
        layout.insertWidget(index, self, stretch)
        self.show()
        parent.window().activateWindow()
        if focus is not None:
            focus.setFocus(Qt.FocusReason.OtherFocusReason)

    @override
    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc that nothing inside took (no label, stroke or tool): leave full screen."""
        if event.key() == Qt.Key.Key_Escape and self.full_screen:
            self.set_full_screen(False)
            event.accept()
            return
        super().keyPressEvent(event)

    @override
    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the full-screen window (Alt+F4) brings the picture back to its tab."""
        if self.full_screen:
            event.ignore()
            self.set_full_screen(False)
            return
        super().closeEvent(event)
