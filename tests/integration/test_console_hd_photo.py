"""Issue 15, point 3 on the console: a real SessionTab and a real aiortc customer on the
data channel that plays the phone's part of "HD photo" (docs/protocol.md). The HD photo
button has a key and a tooltip, asks the phone, shows the progress of the chunks as they
arrive, and the photo's thumbnail appears in the snapshot strip with its size in
pixels; the file is the phone's own JPEG. Bad input: malformed or unknown messages
change nothing; an oversized photo is refused in words; a photo that stops arriving
times out in words; a folder that cannot be written and a full disk are said in words
and the photos saved before stay. Screenshots: artifacts/console/hd-photo-progress.png
and hd-photo-saved.png."""

from __future__ import annotations

import base64
import contextlib
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtTest import QTest

from lens_customer.pattern import make_frame
from lens_customer.sources import PatternVideoTrack
from lens_desktop.net.client import ServerClient
from lens_desktop.tools.photo import CHUNK_BYTES
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_camera import session
from tests.integration.test_console_freeze import services
from tests.integration.test_console_media import Customer
from tests.qt_fixtures import wait_until

WIDTH, HEIGHT = 1920, 1080
"""Larger than the 640x360 stream: what a phone's camera takes beside what it streams."""
TIMES = "\N{MULTIPLICATION SIGN}"


def jpeg(width: int = WIDTH, height: int = HEIGHT) -> bytes:
    rgb = make_frame(7, 0, width, height, 0.3)
    ok, encoded = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return bytes(encoded)


def announcement(photo_id: str, data: bytes, **changes: Any) -> dict[str, Any]:
    message = {
        "type": "photo",
        "v": 1,
        "id": photo_id,
        "width": WIDTH,
        "height": HEIGHT,
        "mime": "image/jpeg",
        "size": len(data),
        "chunks": -(-len(data) // CHUNK_BYTES),
        "source": "take_photo",
    }
    return {**message, **changes}


def chunks(photo_id: str, data: bytes) -> list[dict[str, Any]]:
    return [
        {
            "type": "photo_chunk",
            "v": 1,
            "id": photo_id,
            "index": index,
            "data": base64.b64encode(data[start : start + CHUNK_BYTES]).decode("ascii"),
        }
        for index, start in enumerate(range(0, len(data), CHUNK_BYTES))
    ]


class ScriptedPhone:
    """The phone's side of the channel: records each photo_request; the test says what
    the phone sends back."""

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.requests: list[str] = []
        customer.channel.on("message", self.on_message)

    def on_message(self, text: str) -> None:
        message = json.loads(text)
        if message.get("type") == "photo_request":
            self.requests.append(message["id"])

    def send(self, *messages: dict[str, Any] | str) -> None:
        for message in messages:
            text = message if isinstance(message, str) else json.dumps(message)
            self.customer.channel.send(text)

    async def asked(self, count: int) -> str:
        await wait_until(lambda: len(self.requests) >= count, timeout=10)
        return self.requests[count - 1]


async def live_tab(qtbot: Any, folder: Path) -> tuple[SessionTab, ScriptedPhone]:
    sent: list[dict[str, Any]] = []
    tab = SessionTab(session(), services(sent, ServerClient("http://127.0.0.1:9")))
    tab.snapshot_folder = lambda: str(folder)
    qtbot.addWidget(tab)
    tab.resize(1100, 680)
    tab.show()
    phone = ScriptedPhone(Customer(PatternVideoTrack(640, 360, 30)))
    await tab.peer.handle_signal(await phone.customer.offer(1))
    await wait_until(lambda: bool(sent), timeout=10)
    await phone.customer.accept(sent[-1])
    await wait_until(lambda: tab.video.pane.frames_painted >= 3, timeout=20)
    return tab, phone


async def close(tab: SessionTab, phone: ScriptedPhone) -> None:
    await tab.shutdown()
    await phone.customer.pc.close()


def finished(tab: SessionTab) -> list[str]:
    said: list[str] = []
    tab.hd_photo.finished.connect(said.append)
    return said


# Offscreen, the window cannot be raised for the key press.
@pytest.mark.qt_log_ignore("does not support raise")
async def test_the_button_asks_shows_progress_and_the_thumbnail_has_the_resolution(
    qtbot: Any, tmp_path: Path, artifacts_dir: Path
) -> None:
    tab, phone = await live_tab(qtbot, tmp_path / "Lens")
    control = tab.hd_photo
    try:
        assert control.button.text() == "HD photo" and control.button.isVisible()
        assert control.action.shortcut() == QKeySequence("Ctrl+Shift+S")
        assert control.action.toolTip().startswith("Ask the customer's phone for a full-resolution")
        assert "Ctrl+Shift+S" in control.action.toolTip()
        assert control.action.isEnabled() and not control.progress.isVisible()
        said = finished(tab)
        tab.activateWindow()
        tab.video.pane.setFocus()
        QTest.keyClick(
            tab.video.pane,
            Qt.Key.Key_S,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
        photo_id = await phone.asked(1)
        assert control.progress.isVisible() and not control.action.isEnabled()
        assert control.progress.text() == "Taking…"

        data = jpeg()
        parts = chunks(photo_id, data)
        assert len(parts) > 4
        half = len(parts) // 2
        phone.send(announcement(photo_id, data), *parts[:half])
        expected = round(1000 * half * CHUNK_BYTES / len(data))
        await wait_until(lambda: control.progress.value() == expected, timeout=10)
        assert control.progress.text() == f"Photo {expected // 10}%"
        assert f"1920{TIMES}1080" in control.progress.toolTip()
        shots = artifacts_dir / "console"
        shots.mkdir(exist_ok=True)
        assert tab.grab().save(str(shots / "hd-photo-progress.png"))

        phone.send(*parts[half:])
        await wait_until(lambda: bool(said), timeout=10)
        assert said == [""]
        (path,) = tab.snapshots.paths()
        assert path.suffix == ".jpg" and path.read_bytes() == data  # not re-encoded
        image = QImage(str(path))
        assert (image.width(), image.height()) == (WIDTH, HEIGHT)
        item = tab.snapshots.list.item(0)
        assert item.text().endswith(f"\n1920{TIMES}1080")
        assert not item.icon().isNull()
        assert not control.progress.isVisible() and control.action.isEnabled()
        assert tab.snapshots.isVisible()
        assert tab.grab().save(str(shots / "hd-photo-saved.png"))
    finally:
        await close(tab, phone)


async def test_malformed_messages_change_nothing_and_an_oversized_photo_is_refused(
    qtbot: Any, tmp_path: Path
) -> None:
    tab, phone = await live_tab(qtbot, tmp_path / "Lens")
    control = tab.hd_photo
    try:
        said = finished(tab)
        control.action.trigger()
        photo_id = await phone.asked(1)
        data = jpeg()
        parts = chunks(photo_id, data)
        phone.send(announcement(photo_id, data), parts[0])
        await wait_until(lambda: control.progress.value() > 0, timeout=10)
        value = control.progress.value()
        hostile: list[dict[str, Any] | str] = [
            "not json",
            {"type": "photo_chunk", "v": 1, "id": photo_id, "index": 1, "data": "!!!"},
            {"type": "photo_chunk", "v": 1, "id": photo_id, "index": 5, "data": "AAAA"},
            {"type": "photo_chunk", "v": 1, "id": "other", "index": 1, "data": "AAAA"},
            {"type": "photo_chunk", "v": 2, "id": photo_id, "index": 1, "data": "AAAA"},
            {**parts[1], "extra": True},
            {"type": "photo_chunk", "v": 1, "id": photo_id, "index": 10**9, "data": "AAAA"},
            {"type": "photo_unknown", "v": 1, "id": photo_id},
            {"type": "photo_result", "v": 1, "id": photo_id, "ok": True},
            {"type": "photo_result", "v": 1, "id": photo_id, "ok": False, "reason": "whatever"},
            announcement(photo_id, data),  # announced twice
        ]
        phone.send(*hostile)
        phone.send(parts[1])  # the good one after them still counts
        await wait_until(lambda: control.progress.value() > value, timeout=10)
        assert control.busy and not said
        phone.send(*parts[2:])
        await wait_until(lambda: bool(said), timeout=10)
        assert said == [""] and len(tab.snapshots.paths()) == 1

        # Oversized: announced beyond 8000x8000, or beyond 25 MB: refused in words.
        for count, changes in ((2, {"width": 9000}), (3, {"size": 30 * 1024 * 1024})):
            said.clear()
            control.action.trigger()
            photo_id = await phone.asked(count)
            if "size" in changes:
                changes["chunks"] = -(-changes["size"] // CHUNK_BYTES)
            phone.send(announcement(photo_id, data, **changes))
            await wait_until(lambda: bool(said), timeout=10)
            assert said[0].startswith("The HD photo was refused: it is larger than 8000x8000")
            assert tab.snapshots.message.text() == said[0]
            assert not control.busy and control.action.isEnabled()
            phone.send(*chunks(photo_id, data))  # what follows is ignored
        # Received beyond its announcement: a picture larger than it said it is.
        said.clear()
        control.action.trigger()
        photo_id = await phone.asked(4)
        phone.send(
            announcement(photo_id, data, width=320, height=180),
            *chunks(photo_id, data),
        )
        await wait_until(lambda: bool(said), timeout=10)
        assert said == ["The HD photo arrived damaged and was not saved. Take it again."]
        assert len(tab.snapshots.paths()) == 1
    finally:
        await close(tab, phone)


async def test_a_photo_that_stops_arriving_times_out_in_words(qtbot: Any, tmp_path: Path) -> None:
    tab, phone = await live_tab(qtbot, tmp_path / "Lens")
    control = tab.hd_photo
    control.stall_timeout_ms = 1500
    control.answer_timeout_ms = 1500
    try:
        said = finished(tab)
        control.action.trigger()
        await phone.asked(1)  # and never answers
        await wait_until(lambda: bool(said), timeout=10)
        assert said == ["No HD photo: the customer's phone did not answer. Take it again."]
        said.clear()
        control.action.trigger()
        photo_id = await phone.asked(2)
        data = jpeg()
        phone.send(announcement(photo_id, data), *chunks(photo_id, data)[:3])
        await wait_until(lambda: control.progress.value() > 0, timeout=10)
        await phone.customer.pc.close()  # the phone goes away mid-transfer
        await wait_until(lambda: bool(said), timeout=10)
        assert said == [
            "The HD photo did not arrive: the customer's phone stopped sending it. Take it again."
        ]
        assert tab.snapshots.message.text() == said[0]
        assert not control.progress.isVisible()
        assert tab.snapshots.paths() == [] and not (tmp_path / "Lens").exists()
    finally:
        await close(tab, phone)


@contextlib.contextmanager
def tiny_disk(mount: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` (tmpfs; the tests run as root, as CI does)."""
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


async def take(tab: SessionTab, phone: ScriptedPhone, count: int, data: bytes) -> str:
    said = finished(tab)
    tab.hd_photo.action.trigger()
    photo_id = await phone.asked(count)
    phone.send(announcement(photo_id, data), *chunks(photo_id, data))
    await wait_until(lambda: bool(said), timeout=10)
    return said[0]


async def test_an_unwritable_folder_and_a_full_disk_are_said_and_nothing_saved_is_lost(
    qtbot: Any, tmp_path: Path
) -> None:
    data = jpeg()
    with tiny_disk(tmp_path / "disk", f"{len(data) + len(data) // 2}") as disk:
        folder = disk / "Lens"
        tab, phone = await live_tab(qtbot, folder)
        try:
            assert await take(tab, phone, 1, data) == ""
            (first,) = tab.snapshots.paths()
            # The second does not fit on the disk.
            said = await take(tab, phone, 2, data)
            assert said.startswith("The HD photo was not saved: the disk is full (")
            assert said.endswith(
                "Free some space or choose another folder in Settings, and take it again."
            )
            assert tab.snapshots.message.text() == said
            assert sorted(p.name for p in folder.iterdir()) == [first.name]
            assert first.read_bytes() == data
            # A folder that cannot be made (under a file): said, and nothing lost.
            blocker = tmp_path / "file.txt"
            blocker.write_text("not a folder")
            tab.snapshot_folder = lambda: str(blocker / "Lens")
            said = await take(tab, phone, 3, data)
            assert said.startswith(
                f"The HD photo was not saved: the folder {blocker / 'Lens'} cannot be created"
            )
            assert "Choose another folder in Settings" in said
            assert tab.snapshots.paths() == [first] and first.read_bytes() == data
            assert tab.hd_photo.action.isEnabled()
        finally:
            await close(tab, phone)
