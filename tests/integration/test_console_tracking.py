"""Annotations stick to the picture in the running console: a phone (an aiortc peer on a
loop of its own) sends a textured scene panning sideways as VP8 to a SessionTab; its
PeerSession decodes it on the media thread, the tracking link's tap hands the decoded
frames to the tracker, and the annotation drawn on the painted picture moves with the
scene, in the model and on the phone. The frames are saved under artifacts/ with the
annotation where the model shows it."""

from __future__ import annotations

import asyncio
import fractions
from pathlib import Path
from typing import Any

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen

from bench.tracking import Clip, Pose, Scenario
from lens_customer.sources import PacedClock
from lens_desktop.media.frames import VideoFrame
from lens_desktop.tools.annotations import Annotation
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_media import Phone
from tests.integration.test_console_picture_stall import active_session, services
from tests.qt_fixtures import wait_until

FPS = 30
PAN_PER_S = 0.08
"""The camera turns right by this share of the picture's width a second: the scene,
and what is drawn on it, moves left."""


ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def save_with(frame: VideoFrame, item: Annotation, name: str) -> None:
    """The frame as painted, with the rectangle where the model shows it, for a look."""
    image = frame.image.copy()
    (x0, y0), (x1, y1) = item.placed_points()
    w, h = image.width(), image.height()
    painter = QPainter(image)
    painter.setPen(QPen(QColor(item.colour), 3))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(QRectF(QPointF(x0 * w, y0 * h), QPointF(x1 * w, y1 * h)))
    painter.end()
    ARTIFACTS.mkdir(exist_ok=True)
    image.convertToFormat(QImage.Format.Format_RGB32).save(str(ARTIFACTS / name))


class PanningScene(MediaStreamTrack):
    """A textured scene (bench/tracking.py's) panning steadily, 640x360 at 30 fps."""

    kind = "video"

    def __init__(self) -> None:
        super().__init__()
        self.clip = Clip(Scenario("steady pan", lambda t: Pose(pan_x=PAN_PER_S * t)), 640, 360)
        self._clock = PacedClock(1.0 / FPS)
        self._time_base = fractions.Fraction(1, 90000)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        index = await self._clock.tick()
        t = index / FPS
        gray = await asyncio.to_thread(self.clip.frame, t)
        frame = av.VideoFrame.from_ndarray(gray, format="gray").reformat(format="yuv420p")
        frame.pts = round(t * 90000)
        frame.time_base = self._time_base
        return frame


async def test_an_annotation_moves_with_the_panning_picture_on_console_and_phone(
    qtbot: Any,
) -> None:
    sent: list[dict[str, Any]] = []
    tab = SessionTab(active_session(), services(sent))
    qtbot.addWidget(tab)
    tab.resize(800, 520)
    tab.show()
    pane, model, tracking = tab.video.pane, tab.annotations, tab.tracking_link
    phone = Phone()
    try:
        await phone.start(PanningScene())
        await phone.connect(tab.peer, sent)
        customer = phone.customer
        assert customer is not None
        await wait_until(lambda: pane.frames_painted >= 30, timeout=20)
        await wait_until(lambda: customer.channel.readyState == "open")
        assert tracking.worker is None and not tracking.tapped  # nothing anchored yet

        drawn_on = pane.last_painted_frame
        assert drawn_on is not None
        item = model.add("rectangle", [(0.6, 0.4), (0.7, 0.55)])
        save_with(drawn_on, item, "tracking_drawn.png")
        assert tracking.tapped and model.get(item.id).anchor is not None  # type: ignore[union-attr]
        start = asyncio.get_running_loop().time()
        await asyncio.sleep(3.0)
        seconds = asyncio.get_running_loop().time() - start

        drawn = model.get(item.id)
        assert drawn is not None and drawn.visible and drawn.transform is not None
        a, b, c, d, e, f = drawn.transform
        # about PAN_PER_S x 3 s to the left (less what the last frames have not yet
        # reached), not up or down, neither turned nor scaled
        assert -PAN_PER_S * (seconds + 0.2) < c < -PAN_PER_S * (seconds - 0.6), drawn.transform
        assert abs(f) < 0.02 and abs(a - 1) < 0.03 and abs(e - 1) < 0.03
        assert abs(b) < 0.03 and abs(d) < 0.03
        assert tracking.results > 30
        assert pane.last_painted_frame is not None
        save_with(pane.last_painted_frame, drawn, "tracking_3s_later.png")

        def transforms() -> list[list[float]]:
            return [
                m["annotation"]["transform"]
                for m in customer.control
                if m.get("op") == "set" and "transform" in m["annotation"]
            ]

        # the phone was sent the same moves, at most ~30 a second
        await wait_until(lambda: bool(transforms()) and transforms()[-1][2] == round(c, 6))
        assert 20 <= len(transforms()) <= 31 * (seconds + 0.5)
        assert tracking.places == len(transforms())

        model.undo()
        assert not tracking.tapped and tracking.worker is None
    finally:
        await tab.shutdown()
        await phone.close()
