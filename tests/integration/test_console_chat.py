"""Issue 15 point 1 on the console: the session tab's chat panel against a real server.
The history loads when the tab opens (the Chat button counts what is unread), the
customer's messages arrive over the real technician socket, links are plain links and
markup stays text, a canned reply is picked, edited and sent, and a flood gets the
server's refusal in words. Screenshot: artifacts/console/chat-panel.png."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence

from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.net.models import ServerConfig, SessionInfo
from lens_desktop.ui.services import ConsoleServices, SendSignal
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_picture_stall import NO_AUDIO
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until


def services(client: ServerClient, events: EventSocket, me: Any) -> ConsoleServices:
    def peer_factory(
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: SendSignal,
        audio: AudioEngine | None,
    ) -> PeerSession:
        return PeerSession(session_id, ice_servers, send_signal, audio)

    return ConsoleServices(
        client.base_url,
        me,
        ServerConfig([], 600, 600, 120),
        client,
        events,
        CredentialStore(service="lens-chat-it", backend=fail.Keyring()),
        None,
        NO_AUDIO,
        peer_factory,
    )


def customer_says(live_server: LiveServer, token: str, text: str) -> None:
    answer = live_server.api("POST", "/customer/chat", token, json={"text": text})
    assert answer.status_code == 201, answer.text


async def test_the_chat_panel_shows_sends_and_explains_refusals(
    qtbot: Any, artifacts_dir: Path, live_server: LiveServer
) -> None:
    tech = live_server.technician()
    created, customer = live_server.join_waiting(tech.token, name="Ann de Vries")
    customer_says(live_server, customer, "Hello, I am ready when you are.")
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    events = EventSocket()
    events.start(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann de Vries", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    tab = SessionTab(info, services(client, events, await client.me()))
    qtbot.addWidget(tab)
    tab.resize(1100, 620)
    tab.show()
    panel = tab.chat
    try:
        await wait_until(lambda: events.state == "connected", timeout=10)
        # The history: what the customer wrote while waiting, counted as unread.
        await wait_until(lambda: len(panel.messages) == 1, timeout=10)
        assert panel.isHidden() and tab.chat_toggle.text() == "Chat (1 new)"
        assert tab.chat_toggle.shortcut() == QKeySequence("Ctrl+T")
        tab.chat_toggle.click()
        assert panel.isVisible() and tab.chat_toggle.text() == "Chat"
        assert "Hello, I am ready when you are." in panel.conversation.toPlainText()

        # Pushed over the socket: markup is text, only http(s) URLs are links.
        customer_says(
            live_server,
            customer,
            "The label says <b>X-200</b> & the manual is at https://example.com/x200?p=1&q=2. "
            "Not a link: javascript:alert(1)",
        )
        await wait_until(lambda: len(panel.messages) == 2, timeout=5)
        shown = panel.conversation.toPlainText()
        assert "The label says <b>X-200</b> & the manual is at" in shown
        assert "Not a link: javascript:alert(1)" in shown
        document = panel.conversation.document().toHtml()
        assert 'href="https://example.com/x200?p=1&amp;q=2"' in document
        assert document.count("href=") == 1
        assert "Ann de Vries" in shown and panel.unread == 0  # open: nothing unread

        # A canned reply, edited, sent with Enter; the line clears once stored.
        replies = [panel.replies.itemText(i) for i in range(panel.replies.count())]
        assert "Please point the camera at the device." in replies
        panel.replies.activated.emit(replies.index("Please point the camera at the device."))
        panel.input.setText(panel.input.text() + " The black one, please.")
        qtbot.keyClick(panel.input, Qt.Key.Key_Return)
        # The push may come in before the POST's answer, which clears the line.
        await wait_until(lambda: len(panel.messages) == 3 and not panel.input.text(), timeout=5)
        sent = panel.messages[-1]
        assert (sent.sender, sent.sender_name) == ("technician", tech.display_name)
        assert sent.text == "Please point the camera at the device. The black one, please."
        phone = live_server.api("GET", "/customer/chat", customer).json()["messages"]
        assert phone[-1]["text"] == sent.text

        # Too fast: the server's refusal in words, and the text stays to send again.
        refused = ""
        for n in range(8):
            panel.input.setText(f"Message {n}")
            qtbot.keyClick(panel.input, Qt.Key.Key_Return)
            await wait_until(lambda: panel.send.isEnabled(), timeout=5)
            if panel.error.isVisible():
                refused = panel.error.text()
                break
        assert refused == "You are sending messages too fast. Wait 1 s and send again."
        assert panel.input.text() == f"Message {n}"
        shot = artifacts_dir / "console"
        shot.mkdir(parents=True, exist_ok=True)
        assert tab.grab().save(str(shot / "chat-panel.png"))
        # Typing again clears the error.
        qtbot.keyClick(panel.input, Qt.Key.Key_Exclam)
        assert not panel.error.isVisible()
    finally:
        await tab.shutdown()
        await events.close()
        client.close()
