"""Issue 14, point 3 on the console: the Freeze button holds the picture being shown,
sends exactly that frame (at the stream's size) to a real aiortc customer, shows a
"Frozen" badge instead of the stall overlay, counts new frames without showing them,
and on unfreeze asks whether to keep the drawings. Each freeze, unfreeze and the first
drawing reach the session's audit log on a real server. Screenshot:
artifacts/console/freeze.png."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from keyring.backends import fail
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QKeySequence

from lens_customer.pattern import read_stamp
from lens_customer.sources import PatternVideoTrack
from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.net.models import ServerConfig, SessionInfo, Technician
from lens_desktop.tools.freeze import Still, StillAssembler
from lens_desktop.ui.services import ConsoleServices, SendSignal
from lens_desktop.ui.session_tab import STALL_AFTER_S, SessionTab
from lens_desktop.ui.video_pane import FROZEN_BADGE
from tests.integration.test_console_media import Customer
from tests.integration.test_console_picture_stall import NO_AUDIO
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until


def services(sent: list[dict[str, Any]], client: ServerClient) -> ConsoleServices:
    def peer_factory(
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: SendSignal,
        audio: AudioEngine | None,
    ) -> PeerSession:
        del send_signal  # the test plays the server: it hands the answer over itself
        return PeerSession(session_id, ice_servers, sent.append, audio)

    return ConsoleServices(
        client.base_url,
        Technician(1, "t@example.com", "Tess", frozenset()),
        ServerConfig([], 600, 600, 120),
        client,
        EventSocket(),
        CredentialStore(service="lens-freeze-it", backend=fail.Keyring()),
        None,
        NO_AUDIO,
        peer_factory,
    )


def stills(customer: Customer) -> list[Still]:
    """What the customer put together from the freeze messages, strictly."""
    assembler, found = StillAssembler(), []
    for message in customer.control:
        result = (
            assembler.feed(message)
            if message.get("type", "").startswith(("freeze", "unf"))
            else None
        )
        if isinstance(result, Still):
            found.append(result)
    return found


def stamp_of_jpeg(jpeg: bytes) -> int | None:
    grey = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    stamp = read_stamp(grey)
    return None if stamp is None else stamp[0]


def types(customer: Customer) -> list[str]:
    return [
        str(m.get("type")) + ("/" + str(m["op"]) if "op" in m else "") for m in customer.control
    ]


async def test_freeze_holds_and_sends_the_shown_frame_and_unfreeze_asks_about_drawings(
    qtbot: Any, artifacts_dir: Path, live_server: LiveServer
) -> None:
    tech = live_server.technician()
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    tab = SessionTab(info, services(sent, client))
    qtbot.addWidget(tab)
    tab.resize(900, 560)
    tab.show()
    pane = tab.video.pane
    customer = Customer(PatternVideoTrack(640, 360, 30))
    first: Customer | None = None
    shots = artifacts_dir / "console"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        assert not tab.freeze.isEnabled()  # nothing to freeze before the first frame
        assert tab.freeze.shortcut() == QKeySequence(Qt.Key.Key_F)
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: pane.frames_painted >= 10, timeout=20)
        assert tab.freeze.isEnabled()
        rect = tab.annotations.add("rectangle", [(0.1, 0.1), (0.5, 0.5)])

        tab.freeze.click()
        shown = pane.frame
        assert shown is not None and pane.frozen and shown.source is not None
        stamp = read_stamp(shown.source.to_ndarray(format="gray"))
        assert stamp is not None
        await wait_until(lambda: len(stills(customer)) == 1, timeout=10)
        still = stills(customer)[0]
        assert (still.width, still.height) == (640, 360)
        assert stamp_of_jpeg(still.jpeg) == stamp[0]  # exactly the frame on screen
        # The pane now holds the still at the stream's own size, clear, with the badge.
        await wait_until(lambda: pane.frame is not shown, timeout=5)
        assert pane.frame is not None and pane.frame.image.size().toTuple() == (640, 360)
        painted = pane.frames_painted
        arrived = pane.frames_while_frozen
        await asyncio.sleep(STALL_AFTER_S + 0.5)
        assert pane.frames_while_frozen > arrived + 10  # frames keep coming ...
        assert pane.frames_painted == painted  # ... and are not shown
        assert pane.overlay == ""  # no "no picture" while frozen
        image = pane.grab().toImage()
        assert image.save(str(shots / "freeze.png"))
        tab.grab().save(str(shots / "freeze-tab.png"))
        badge = image.pixelColor(16, 18)
        assert abs(badge.blue() - FROZEN_BADGE.blue()) < 30 and badge.red() < 40
        # Not dimmed: the frozen picture's middle is as bright as the still's.
        # (Sampled off the drawn rectangle, which the pane paints over the still.)
        box = pane.picture_rect()
        spot = box.topLeft() + QPointF(0.75 * box.width(), 0.75 * box.height())
        middle = image.pixelColor(spot.toPoint())
        source = pane.frame.image.pixelColor(480, 270)
        assert abs(middle.lightness() - source.lightness()) < 25

        # The customer reloads while frozen: the new connection gets the drawings, then
        # the still again.
        answers = len(sent)
        first, customer = customer, Customer(PatternVideoTrack(640, 360, 30))
        await tab.peer.handle_signal(await customer.offer(2))
        await wait_until(lambda: len(sent) > answers, timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: len(stills(customer)) == 1, timeout=15)
        assert stills(customer)[0] == still
        assert types(customer)[:3] == ["annot/clear", "annot/set", "freeze"]
        assert pane.frozen and pane.frame is not None
        assert pane.frame.image.size().toTuple() == (640, 360)

        # Unfreeze, keeping the drawings.
        tab.freeze.click()
        assert tab.keep_question is not None and tab.keep_question.isVisible()
        assert pane.frozen  # until answered
        buttons = {b.text(): b for b in tab.keep_question.buttons()}
        assert set(buttons) == {"&Keep", "&Clear"}
        assert tab.keep_question.defaultButton() is buttons["&Keep"]
        buttons["&Keep"].click()
        await wait_until(lambda: not pane.frozen, timeout=5)
        await wait_until(lambda: types(customer)[-1] == "unfreeze", timeout=5)
        # Kept (the tracker may have tagged it with an anchor meanwhile).
        assert [(a.id, a.points) for a in tab.annotations.annotations()] == [(rect.id, rect.points)]
        assert "annot/clear" not in types(customer)[-3:]
        await wait_until(lambda: pane.frames_painted > painted + 5, timeout=5)

        # Freeze again, and unfreeze clearing them: the phone hears the clear too.
        tab.freeze.click()
        await wait_until(lambda: len(stills(customer)) == 2, timeout=10)
        tab.freeze.click()
        assert tab.keep_question is not None
        next(b for b in tab.keep_question.buttons() if b.text() == "&Clear").click()
        await wait_until(lambda: types(customer)[-2:] == ["annot/clear", "unfreeze"], timeout=5)
        assert len(tab.annotations) == 0 and not tab.freeze.isChecked()

        # Without drawings there is nothing to ask.
        tab.freeze.click()
        tab.freeze.click()
        assert tab.keep_question is None and not pane.frozen
        await tab.tasks.wait_idle()
        events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
        actions = [e["action"] for e in events["events"]]
        assert actions[actions.index("started") + 1 :] == [
            "annotations_used",
            "freeze",
            "unfreeze",
            "freeze",
            "unfreeze",
            "freeze",
            "unfreeze",
        ]
    finally:
        await tab.shutdown()
        await customer.pc.close()
        if first is not None:
            await first.pc.close()
        client.close()
