"""The chat panel's text handling and the canned replies in Settings (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

from lens_desktop.media.audio import AudioStatus
from lens_desktop.net.models import ChatMessage
from lens_desktop.ui.chat_panel import ChatPanel, default_replies, linkified, message_html
from lens_desktop.ui.settings_dialog import (
    CHAT_REPLIES_KEY,
    SettingsDialog,
    load_chat_replies,
    load_settings,
)

DEVICES = AudioStatus(True, "", inputs=[], outputs=[])


def chat(id_: int, text: str, sender: str = "customer", name: str = "Ann") -> ChatMessage:
    return ChatMessage(id_, "s1", sender, name, text, datetime(2026, 12, 4, 3, 0, tzinfo=UTC))


def test_only_http_and_https_become_links_and_everything_else_is_escaped() -> None:
    text = "See <b>x</b> & https://example.com/a?b=1&c=2. Or javascript:alert(1) ftp://x"
    assert linkified(text) == (
        "See &lt;b&gt;x&lt;/b&gt; &amp; "
        '<a href="https://example.com/a?b=1&amp;c=2">https://example.com/a?b=1&amp;c=2</a>. '
        "Or javascript:alert(1) ftp://x"
    )
    assert linkified('(http://a.example/"onclick="x)') == (
        '(<a href="http://a.example/">http://a.example/</a>&quot;onclick=&quot;x)'
    )
    assert linkified("two\nlines") == "two<br>lines"


def test_a_sender_name_is_text_too() -> None:
    html = message_html(chat(1, "hi", name="<img src=x>"))
    assert "<img" not in html and "&lt;img src=x&gt;" in html


def test_the_panel_shows_each_message_once_in_order_and_counts_unread(qtbot) -> None:
    panel = ChatPanel()
    qtbot.addWidget(panel)
    panel.hide()
    panel.add_messages([chat(2, "second"), chat(1, "first", "technician", "Tess")])
    panel.add_messages([chat(2, "second")])  # a push the history already had
    assert [m.text for m in panel.messages] == ["first", "second"]
    assert panel.conversation.toPlainText().splitlines()[1::2] == ["first", "second"]
    assert panel.unread == 1  # only the customer's
    panel.mark_read()
    assert panel.unread == 0


def test_a_canned_reply_is_put_in_the_line_to_edit(qtbot) -> None:
    panel = ChatPanel()
    qtbot.addWidget(panel)
    panel.set_replies(["Please wait.", "Thanks!"])
    assert panel.replies.itemText(0) == "Quick replies…"
    panel.replies.activated.emit(2)
    assert panel.input.text() == "Thanks!" and panel.replies.currentIndex() == 0
    with qtbot.waitSignal(panel.send_requested) as sent:
        panel.input.setText("  Thanks! Bye  ")
        panel.send.click()
    assert sent.args == ["Thanks! Bye"]
    assert not panel.send.isEnabled()  # until the server answered


def test_settings_keep_the_replies_one_per_line(qtbot, settings) -> None:
    assert load_chat_replies(settings) == default_replies()
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    assert dialog.chat_replies.toPlainText().splitlines() == list(default_replies())
    dialog.chat_replies.setPlainText("  One moment please \n\nI will call you back\n")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert load_settings(settings).chat_replies == ("One moment please", "I will call you back")
    again = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(again)
    again.chat_replies_default.click()
    assert again.values.chat_replies == default_replies()


def test_an_overlong_reply_is_refused_inline_and_nothing_is_stored(qtbot, settings) -> None:
    dialog = SettingsDialog(settings, DEVICES)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.chat_replies.setPlainText("fine\n" + "x" * 1001)
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert dialog.isVisible()
    assert dialog.chat_replies_error.text() == (
        "Reply 2 is too long (1001 characters; at most 1000)."
    )
    assert settings.value(CHAT_REPLIES_KEY) is None


def test_a_damaged_stored_list_falls_back_to_the_defaults(settings) -> None:
    settings.setValue(CHAT_REPLIES_KEY, "{not json")
    assert load_chat_replies(settings) == default_replies()
    settings.setValue(CHAT_REPLIES_KEY, '[1, "x"]')
    assert load_chat_replies(settings) == default_replies()
