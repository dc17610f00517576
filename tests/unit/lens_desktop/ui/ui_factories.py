"""Small builders of plain session data for UI tests (no server needed)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from lens_desktop.net.models import SessionInfo
from tests.fakes import RecordingPrompter

__all__ = ["RecordingPrompter"]  # re-exported for the UI tests

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def make_session(
    session_id: str,
    *,
    name: str = "Ann",
    state: str = "connecting",
    created: float = 0.0,
    waiting_since: float | None = None,
    ended: float | None = None,
    pin: str = "483920",
    method: str = "pin",
) -> SessionInfo:
    """A session created ``created`` seconds after T0."""

    def at(offset: float | None) -> datetime | None:
        return None if offset is None else T0 + timedelta(seconds=offset)

    return SessionInfo(
        id=session_id,
        type="lens",
        name=name,
        state=state,
        method=method,
        pin=pin,
        pin_expires_at=at(created + 1200),
        link=f"http://127.0.0.1/join/{session_id}",
        created_at=T0 + timedelta(seconds=created),
        waiting_since=at(waiting_since),
        started_at=None,
        ended_at=at(ended),
    )


def with_state(session: SessionInfo, state: str, **changes: object) -> SessionInfo:
    return replace(session, state=state, **changes)  # type: ignore[arg-type]


class FakeClock:
    """A clock the test moves by hand, so waiting times are exact."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


async def signed_in_client(live_server, permissions=None):  # type: ignore[no-untyped-def]
    """A real ServerClient signed in to live_server: (client, technician, config, tech)."""
    from lens_desktop.net.client import ServerClient

    tech = live_server.technician(permissions=permissions)
    client = ServerClient(live_server.url)
    technician = await client.login(tech.email, tech.password)
    config = await client.config()
    return client, technician, config, tech


def draw_test_frame(width: int = 1280, height: int = 720, label: str = "Lens test frame"):  # type: ignore[no-untyped-def]
    """A VideoFrame with a picture drawn by QPainter (colour bars and a label)."""
    import time

    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter

    from lens_desktop.media.frames import VideoFrame

    image = QImage(width, height, QImage.Format.Format_RGB888)
    painter = QPainter(image)
    colours = ["#c0c0c0", "#c0c000", "#00c0c0", "#00c000", "#c000c0", "#c00000", "#0000c0"]
    bar = width // len(colours) + 1
    for i, colour in enumerate(colours):
        painter.fillRect(i * bar, 0, bar, height, QColor(colour))
    font = QFont()
    font.setPixelSize(height // 10)
    painter.setFont(font)
    painter.setPen(QColor("#000000"))
    painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    return VideoFrame(width, height, image, 0, time.monotonic())
