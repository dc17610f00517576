"""Issue 15 point 2 end to end on the console: a real aiortc customer streams a 1280x720
pattern, the tab shows it fitted (converted smaller), and Snapshot saves the decoded
frame at 1280x720 with the drawing at its frame point; the server's audit log records
each snapshot (real uvicorn + SQLite, real PeerSession)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtGui import QImage

from lens_customer.pattern import read_stamp
from lens_customer.sources import PatternVideoTrack
from lens_desktop.net.client import ServerClient
from lens_desktop.net.models import SessionInfo
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_freeze import services
from tests.integration.test_console_media import Customer
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until


async def test_a_snapshot_of_the_live_stream_is_at_its_size_and_reaches_the_audit_log(
    qtbot: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician()
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann: ACME/Plant 2", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    tab = SessionTab(info, services(sent, client))
    tab.snapshot_folder = lambda: str(tmp_path / "Lens")
    qtbot.addWidget(tab)
    tab.resize(900, 560)
    tab.show()
    pane = tab.video.pane
    customer = Customer(PatternVideoTrack(1280, 720, 30))
    try:
        assert not tab.snapshot_action.isEnabled()
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: pane.frames_painted >= 5, timeout=20)
        assert tab.snapshot_action.isEnabled()
        shown = pane.frame
        assert shown is not None and shown.image.width() < 1280  # fitted in the pane
        tab.annotations.add("rectangle", [(0.25, 0.25), (0.75, 0.75)], colour="#2979ff")
        tab.freeze.click()  # the exact frame on screen, to compare the stamp
        frozen = pane.frame
        assert frozen is not None and frozen.source is not None
        stamp = read_stamp(frozen.source.to_ndarray(format="gray"))
        tab.snapshot_action.trigger()
        await tab.tasks.wait_idle()
        (path,) = tab.snapshots.paths()
        assert path.parent == tmp_path / "Lens"
        assert path.name.endswith(f" Ann ACME Plant 2 {created['id']}.png")
        image = QImage(str(path))
        assert (image.width(), image.height()) == (1280, 720)
        assert image.pixelColor(320, 360).name() == "#2979ff"  # the rectangle's left side
        grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
        rows = np.frombuffer(bytes(grey.constBits()), np.uint8).reshape(720, -1)
        assert read_stamp(rows[:, :1280]) == stamp  # the very frame on screen

        tab.freeze.click()  # unfreeze, keeping the drawing: live again
        assert tab.keep_question is not None
        next(b for b in tab.keep_question.buttons() if b.text() == "&Keep").click()
        assert not pane.frozen
        tab.snapshot_with_drawings.setChecked(False)
        tab.snapshot_action.trigger()
        await tab.tasks.wait_idle()
        assert len(tab.snapshots.paths()) == 2
        events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
        actions = [e["action"] for e in events["events"]]
        assert actions.count("snapshot") == 2
        assert actions[actions.index("started") + 1 :][:4] == [
            "annotations_used",
            "freeze",
            "snapshot",
            "unfreeze",
        ]
    finally:
        await tab.shutdown()
        await customer.pc.close()
        client.close()
