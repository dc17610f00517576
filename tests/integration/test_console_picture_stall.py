"""Issue 16 A: a picture that stopped must never look live. A real aiortc customer
sends the stamped pattern to the console's real PeerSession inside a SessionTab; the
sender then stops sending (its peer connection stays up, as when a customer's new
offer is lost), and the pane must say so within ~1.5 s, then clear when frames
resume. Screenshots go to artifacts/console/."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
from keyring.backends import fail
from PySide6.QtGui import QImage

from lens_customer.sources import PatternVideoTrack
from lens_desktop.media.audio import AudioEngine, AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.net.models import ServerConfig, SessionInfo, Technician
from lens_desktop.ui.services import ConsoleServices, SendSignal
from lens_desktop.ui.session_tab import STALL_AFTER_S, SessionTab
from tests.integration.test_console_media import Customer
from tests.qt_fixtures import wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

NO_AUDIO = AudioStatus(False, "Audio unavailable: no sound device on this test machine.")


def mean_level(image: QImage) -> float:
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    h, stride = grey.height(), grey.bytesPerLine()
    rows = np.frombuffer(grey.constBits(), dtype=np.uint8, count=h * stride).reshape(h, stride)
    return float(rows[:, : grey.width()].mean())


class StoppableTrack(PatternVideoTrack):
    """The real pattern source, whose sender can be stopped and started again (as a
    customer's camera path that stops while its peer connection lives on)."""

    def __init__(self) -> None:
        super().__init__(640, 360, 30)
        self.sending = True

    async def recv(self) -> av.VideoFrame:
        while not self.sending:
            await asyncio.sleep(0.02)
        return await super().recv()


def active_session() -> SessionInfo:
    now = datetime.now(UTC)
    return SessionInfo("s1", "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)


def services(sent: list[dict[str, Any]]) -> ConsoleServices:
    def peer_factory(
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: SendSignal,
        audio: AudioEngine | None,
    ) -> PeerSession:
        del send_signal  # the test plays the server: it hands the answer over itself
        return PeerSession(session_id, ice_servers, sent.append, audio)

    return ConsoleServices(
        "http://127.0.0.1:9",
        Technician(1, "t@example.com", "Tess", frozenset()),
        ServerConfig([], 600, 600, 120),
        ServerClient("http://127.0.0.1:9"),
        EventSocket(),
        CredentialStore(service="lens-stall-it", backend=fail.Keyring()),
        None,
        NO_AUDIO,
        peer_factory,
    )


async def test_a_picture_that_stops_says_so_and_clears_when_frames_resume(
    qtbot: Any, artifacts_dir: Path
) -> None:
    sent: list[dict[str, Any]] = []
    tab = SessionTab(active_session(), services(sent))
    qtbot.addWidget(tab)
    tab.resize(800, 520)
    tab.show()
    pane = tab.video.pane
    track = StoppableTrack()
    customer = Customer(track)
    shots = artifacts_dir / "console"
    shots.mkdir(parents=True, exist_ok=True)
    try:
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: pane.frames_painted >= 10, timeout=20)
        assert pane.overlay == ""

        track.sending = False
        stopped = asyncio.get_running_loop().time()
        await wait_until(lambda: pane.overlay.startswith("No picture"), timeout=5)
        noticed = asyncio.get_running_loop().time() - stopped
        assert STALL_AFTER_S <= noticed <= STALL_AFTER_S + 0.6, noticed
        assert tab.peer.state == "connected"  # the peer alone would not have told
        await wait_until(lambda: "for 2 s" in pane.overlay, timeout=5)
        assert pane.overlay == "No picture from the customer for 2 s. Waiting for it to resume…"
        assert tab.grab().save(str(shots / "picture_stalled.png"))
        frame = pane.last_painted_frame
        assert frame is not None
        # The still frame is shaded: the screen is much darker than the frame itself.
        assert mean_level(pane.grab().toImage()) < 0.6 * mean_level(frame.image)

        # The customer says the camera is back on: the picture gets a fresh moment to
        # come back before the pane says again how long it has been missing.
        await wait_until(lambda: customer.channel.readyState == "open")
        customer.channel.send(json.dumps({"type": "camera", "paused": False}))
        await wait_until(lambda: pane.overlay == "", timeout=5)
        await wait_until(lambda: pane.overlay.startswith("No picture"), timeout=5)
        assert int(pane.overlay.split(" for ")[1].split(" s.")[0]) >= 3

        painted = pane.frames_painted
        track.sending = True
        await wait_until(lambda: pane.frames_painted >= painted + 3, timeout=10)
        await wait_until(lambda: pane.overlay == "", timeout=2)
        assert tab.grab().save(str(shots / "picture_resumed.png"))
    finally:
        await tab.shutdown()
        await customer.pc.close()
