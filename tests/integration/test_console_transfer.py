"""Transfer in the console against a real server: the dialog searches colleagues (online
first, online/offline and busy shown), is driven from the keyboard, refuses without a
choice, and hands the session over; the session tab's button then cancels it. The
list's Status and the Incoming bar word a transfer. Screenshot:
artifacts/console/transfer-dialog.png."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from lens_desktop.net.client import ServerClient
from lens_desktop.net.events import EventSocket
from lens_desktop.net.models import SessionInfo, TransferInfo
from lens_desktop.ui.session_model import SessionTableModel
from lens_desktop.ui.transfer_dialog import (
    IncomingTransferBar,
    TransferDialog,
    TransferValues,
    validate_transfer,
)
from tests.live_server import LiveServer
from tests.qt_fixtures import next_emission, wait_until


def _session(state: str = "active", transfer: TransferInfo | None = None) -> SessionInfo:
    now = datetime.now(UTC)
    return SessionInfo("s1", "lens", "Ann", state, "pin", "123456", None, None, now, None, now, None, technician_id=7, transfer=transfer)  # fmt: skip


def test_validation_needs_a_colleague_and_a_short_comment() -> None:
    assert validate_transfer(TransferValues(None, "")) == "Choose the colleague to transfer to."
    assert validate_transfer(TransferValues(3, "x" * 501)) is not None
    assert validate_transfer(TransferValues(3, "")) is None


def test_the_list_and_the_bar_word_a_transfer(qtbot: Any) -> None:
    transfer = TransferInfo(7, "Bea Sender", 9, "Cas Receiver", "Needs a second look")
    model = SessionTableModel()
    model.technician_id = 9
    model.set_sessions([_session("transferring", transfer)])
    status = model.index(0, SessionTableModel.STATUS)
    assert status.data() == "Incoming from Bea Sender"
    assert status.data(Qt.ItemDataRole.ToolTipRole) == "Needs a second look"
    model.technician_id = 7
    assert status.data() == "Transferring to Cas Receiver"

    bar = IncomingTransferBar()
    qtbot.addWidget(bar)
    bar.show_incoming([_session("transferring", transfer)])
    assert bar.isVisible() and bar.session_id == "s1"
    assert "Incoming transfer from Bea Sender: the session with Ann." in bar.text.text()
    assert "Comment: Needs a second look" in bar.text.text()
    with qtbot.waitSignal(bar.accept_requested) as accepted:
        bar.accept_button.click()
    assert accepted.args == ["s1"]
    bar.show_incoming([])
    assert not bar.isVisible()


async def test_the_dialog_searches_and_transfers_from_the_keyboard(
    qtbot: Any, qapp: Any, artifacts_dir: Path, live_server: LiveServer
) -> None:
    qapp.setQuitOnLastWindowClosed(False)  # the dialog is the only window; it closes
    sender = live_server.technician()
    online = live_server.technician(email="olga.online@example.com")
    busy = live_server.technician(email="bert.busy@example.com")
    live_server.technician(email="otto.offline@example.com")
    session, _ = live_server.join_waiting(sender.token, "Ann de Vries")
    live_server.start_session(sender.token, session["id"])
    other, _ = live_server.join_waiting(busy.token, "Busy one")
    live_server.start_session(busy.token, other["id"])
    client = ServerClient(live_server.url, sender.token)
    events = EventSocket()
    events.start(live_server.url, online.token)  # Olga's console is open
    await wait_until(lambda: events.state == "connected", timeout=10)
    info = SessionInfo.from_json(session | {"state": "active"})
    dialog = TransferDialog(client, info, None)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        await wait_until(lambda: dialog.targets.count() == 3, timeout=10)
        texts = [dialog.targets.item(i).text() for i in range(3)]
        assert texts[0] == f"{online.display_name} <olga.online@example.com> — online"
        assert f"{busy.display_name} <bert.busy@example.com> — offline, busy" in texts
        # Transfer without a choice: the inline error says what is missing.
        dialog.on_send_clicked()
        assert dialog.error.isVisible()
        assert dialog.error.text() == "Choose the colleague to transfer to."

        # Keyboard: type to search, move into the list, pick, write the comment.
        dialog.search.setFocus()
        qtbot.keyClicks(dialog.search, "OTTO")
        await wait_until(lambda: dialog.targets.count() == 1, timeout=10)
        assert dialog.targets.item(0).text().endswith("<otto.offline@example.com> — offline")
        qtbot.keyClick(dialog.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
        qtbot.keyClick(dialog.search, Qt.Key.Key_Delete)
        await wait_until(lambda: dialog.targets.count() == 3, timeout=10)
        qtbot.keyClick(dialog.search, Qt.Key.Key_Tab)
        assert dialog.targets.hasFocus()
        qtbot.keyClick(dialog.targets, Qt.Key.Key_Space)  # the first: Olga, online
        qtbot.keyClick(dialog.targets, Qt.Key.Key_Tab)
        assert dialog.comment.hasFocus()
        qtbot.keyClicks(dialog.comment, "Camera keeps dropping; please take over.")
        assert dialog.values.comment == "Camera keeps dropping; please take over."
        assert dialog.validate() and not dialog.error.isVisible()
        shots = artifacts_dir / "console"
        shots.mkdir(parents=True, exist_ok=True)
        assert dialog.grab().save(str(shots / "transfer-dialog.png"))

        emitted = asyncio.ensure_future(next_emission(dialog.sent, timeout=10))
        qtbot.keyClick(dialog.comment, Qt.Key.Key_Tab)
        assert dialog.send_button.hasFocus()
        qtbot.keyClick(dialog.send_button, Qt.Key.Key_Space)
        (changed,) = await emitted
        assert dialog.result() == TransferDialog.DialogCode.Accepted
        assert changed.state == "transferring" and changed.transfer is not None
        assert changed.transfer.to_name == online.display_name
        assert changed.transfer.comment == "Camera keeps dropping; please take over."
    finally:
        await dialog.close_tasks()
        await events.close()
        client.close()
        qapp.setQuitOnLastWindowClosed(True)
