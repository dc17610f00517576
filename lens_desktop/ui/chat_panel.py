"""The chat panel of a session tab: the conversation, an input line and canned replies.

The panel only shows and asks: the tab sends what ``send_requested`` carries through
the server client and hands back the stored message (``add_messages``) or the refusal
(``show_refusal``). Messages are user text: every character is HTML-escaped before it
reaches the QTextBrowser, and only http/https URLs become links (``message_html``), so
nothing a customer types is ever read as markup.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.net.errors import ApiError
from lens_desktop.net.models import ChatMessage
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate
from lens_desktop.ui.widgets import InlineError

CHAT_MAX = 1000
"""The server's limit on a message (characters, once trimmed)."""
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
"""Punctuation that ends a sentence rather than the URL before it."""
SENDER_COLOURS = {"technician": "#1a5fb4", "customer": "#26803a"}

DEFAULT_REPLIES = (
    QT_TRANSLATE_NOOP("ChatReplies", "Hello, I can see your camera now."),
    QT_TRANSLATE_NOOP("ChatReplies", "Please point the camera at the device."),
    QT_TRANSLATE_NOOP("ChatReplies", "Could you move the camera a little closer?"),
    QT_TRANSLATE_NOOP("ChatReplies", "Please hold the camera still for a moment."),
    QT_TRANSLATE_NOOP("ChatReplies", "Thank you, that is all I need."),
)
"""English sources of the canned replies a technician starts with (Settings edits them)."""

REFUSALS = {
    "chat_rate_limited": QT_TRANSLATE_NOOP(
        "ChatPanel", "You are sending messages too fast. Wait {seconds} s and send again."
    ),
    "chat_full": QT_TRANSLATE_NOOP(
        "ChatPanel", "This session has reached its limit of chat messages."
    ),
    "invalid_state": QT_TRANSLATE_NOOP(
        "ChatPanel", "Chat is not possible while the session is in this state."
    ),
    "invalid_request": QT_TRANSLATE_NOOP(
        "ChatPanel",
        "The server refused the message: it is empty, too long or has characters "
        "that cannot be sent.",
    ),
}


def default_replies() -> tuple[str, ...]:
    return tuple(translate("ChatReplies", text) for text in DEFAULT_REPLIES)


def linkified(text: str) -> str:
    """``text`` as HTML: escaped, line breaks kept, http/https URLs as plain links."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        end = match.start() + len(url)
        parts.append(html.escape(text[last : match.start()]))
        parts.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        last = end
    parts.append(html.escape(text[last:]))
    return "".join(parts).replace("\n", "<br>")


def message_html(message: ChatMessage) -> str:
    """One message as a paragraph: time, sender, then the text (all escaped)."""
    when = message.created_at.astimezone().strftime("%H:%M")
    colour = SENDER_COLOURS.get(message.sender, "#000000")
    return (
        f'<p style="margin: 0 0 6px 0"><span style="color: #666666">{when}</span> '
        f'<b style="color: {colour}">{html.escape(message.sender_name)}</b><br>'
        f"{linkified(message.text)}</p>"
    )


def refusal_text(exc: ApiError) -> str:
    """Why the server refused a message, for the technician, with what to do."""
    template = REFUSALS.get(exc.code)
    if template is None:
        return describe_error(exc)
    return translate("ChatPanel", template).format(seconds=exc.retry_after or 1)


class ChatPanel(QWidget):
    """Conversation, canned replies and the input line of one session."""

    send_requested = Signal(str)
    """The technician pressed Send (Enter) with this text, trimmed and not empty."""
    unread_changed = Signal(int)
    """Messages from the customer that arrived while the panel was hidden."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._messages: dict[int, ChatMessage] = {}
        self._unread = 0
        self.conversation = QTextBrowser(self)
        self.conversation.setOpenExternalLinks(True)
        self.conversation.setAccessibleName(translate("ChatPanel", "Chat messages"))
        self.replies = QComboBox(self)
        self.replies.setToolTip(
            translate("ChatPanel", "Pick a prepared reply to edit and send (Settings lists them)")
        )
        self.input = QLineEdit(self)
        self.input.setMaxLength(CHAT_MAX)
        self.input.setPlaceholderText(translate("ChatPanel", "Type a message…"))
        self.input.setAccessibleName(translate("ChatPanel", "Message"))
        self.send = QPushButton(translate("ChatPanel", "&Send"), self)
        self.send.setToolTip(translate("ChatPanel", "Send the message to the customer (Enter)"))
        self.error = InlineError(self)
        self.set_replies(default_replies())
        self._lay_out()
        self._connect_signals()

    def _lay_out(self) -> None:
        line = QHBoxLayout()
        line.addWidget(self.input, 1)
        line.addWidget(self.send)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.conversation, 1)
        layout.addWidget(self.replies)
        layout.addLayout(line)
        layout.addWidget(self.error)
        self.setMinimumWidth(260)

    def _connect_signals(self) -> None:
        self.input.returnPressed.connect(self.on_input_return_pressed)
        self.send.clicked.connect(self.on_input_return_pressed)
        self.replies.activated.connect(self.on_replies_activated)
        self.input.textEdited.connect(self.on_input_text_edited)

    # -- public ----------------------------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        return [self._messages[key] for key in sorted(self._messages)]

    @property
    def unread(self) -> int:
        return self._unread

    def set_replies(self, replies: Iterable[str]) -> None:
        self.replies.clear()
        self.replies.addItem(translate("ChatPanel", "Quick replies…"), "")
        for reply in replies:
            self.replies.addItem(reply, reply)
        self.replies.setEnabled(self.replies.count() > 1)

    def add_messages(self, messages: Iterable[ChatMessage]) -> None:
        """New messages (a history or a push); ones already shown are skipped, so the
        history and a push that overlap show each message once, in the server's order."""
        fresh = [m for m in messages if m.id not in self._messages]
        if not fresh:
            return
        for message in fresh:
            self._messages[message.id] = message
        self._render()
        if self.isHidden():
            self._set_unread(self._unread + sum(m.sender == "customer" for m in fresh))

    def message_sent(self, message: ChatMessage) -> None:
        """The server stored what the technician sent: clear the line and show it."""
        self.input.clear()
        self.error.show_error(None)
        self.send.setEnabled(True)
        self.add_messages([message])

    def show_refusal(self, exc: ApiError) -> None:
        """The server refused: the text stays in the line to send again."""
        self.send.setEnabled(True)
        self.error.show_error(refusal_text(exc))

    def mark_read(self) -> None:
        self._set_unread(0)

    # -- slots -----------------------------------------------------------------------

    def on_input_return_pressed(self) -> None:
        text = self.input.text().strip()
        if not text or not self.send.isEnabled():
            return
        self.send.setEnabled(False)  # one at a time: the line clears once stored
        self.send_requested.emit(text)

    def on_replies_activated(self, index: int) -> None:
        reply = str(self.replies.itemData(index) or "")
        self.replies.setCurrentIndex(0)
        if reply:
            self.input.setText(reply)
            self.input.setFocus()

    def on_input_text_edited(self) -> None:
        self.error.show_error(None)

    # -- helpers ---------------------------------------------------------------------

    def _render(self) -> None:
        self.conversation.setHtml("".join(message_html(m) for m in self.messages))
        self.conversation.moveCursor(QTextCursor.MoveOperation.End)
        self.conversation.ensureCursorVisible()

    def _set_unread(self, count: int) -> None:
        if count != self._unread:
            self._unread = count
            self.unread_changed.emit(count)
