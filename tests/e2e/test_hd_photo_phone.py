"""Issue 15 point 3 end to end through the real console and Chromium: HD photo asks the
customer's phone (Debian's Chromium, fake 1280x720 camera playing the test clip) for a
full-resolution still; the phone shows that a photo is being taken, sends it over the
data channel in chunks, and the console saves it in the snapshot folder, a valid
JPEG/PNG at no less than the camera's capture size, shows its thumbnail with its
resolution, and records ``hd_photo`` in the session's audit log.

Screenshots: artifacts/customer/hd-photo-taking.png (the phone's sign) and
artifacts/tools/console-hd-photo.png (the thumbnail with its resolution)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect
from PySide6.QtGui import QImage

from tests.e2e.chromium_session import started_with_chromium
from tests.e2e.conftest import MediaFiles
from tests.e2e.seed_helpers import wait_js
from tests.e2e.test_customer_web import LIVE_TEXT, SHOTS
from tests.e2e.test_seed_flow import audit_actions
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected"]  # an autouse fixture, for this module too

CONSOLE_SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "tools"
SIGN = "#photo-sign"
MAGIC = {".jpg": b"\xff\xd8\xff", ".png": b"\x89PNG\r\n\x1a\n"}


@pytest.fixture
def settle_qt(qapp: Any) -> Any:
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


def capture_size(clip: Path) -> tuple[int, int]:
    """The fake camera's capture size: the clip's own header (``YUV4MPEG2 W1280 H720``)."""
    with clip.open("rb") as file:
        fields = file.readline().split()
    sizes = {f[:1]: int(f[1:]) for f in fields[1:] if f[:1] in (b"W", b"H")}
    return sizes[b"W"], sizes[b"H"]


async def test_an_hd_photo_arrives_at_no_less_than_the_cameras_capture_size(
    live_server: LiveServer, settle_qt: Any, media_files: MediaFiles, tmp_path: Path
) -> None:
    tech = live_server.technician()
    async with started_with_chromium(live_server, tmp_path, media_files, tech) as live:
        window, page, session_id = live.window, live.page, live.session_id
        tab, phone, console = live.tab, live.phone, live.console
        folder = tmp_path / "Pictures" / "Lens"
        tab.snapshot_folder = lambda: str(folder)
        await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
        await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=30)
        photo = tab.hd_photo
        assert photo.action.isEnabled()
        await expect(page.locator(SIGN)).to_be_hidden()

        finished: list[str] = []
        photo.finished.connect(finished.append)
        photo.action.trigger()
        assert photo.progress.isVisible() and not photo.action.isEnabled()
        # The customer sees that a photo is being taken, then that it was sent.
        sign = page.locator(SIGN)
        await expect(sign).to_be_visible(timeout=10000)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "hd-photo-taking.png"))
        await wait_until(lambda: bool(finished), timeout=30)
        assert finished == [""], finished
        await expect(sign).to_contain_text("Photo sent to your technician")
        debug = await page.evaluate("window.lensDebug.hdPhoto")
        assert debug["signsShown"] == 1 and debug["results"] == []
        (sent,) = debug["sent"]

        (path,) = tab.snapshots.paths()
        assert path.parent == folder and path.suffix in MAGIC
        assert path.read_bytes().startswith(MAGIC[path.suffix])
        assert path.stat().st_size == sent["size"]  # the phone's own bytes
        image = QImage(str(path))
        assert not image.isNull()
        width, height = capture_size(media_files.clip)
        assert image.width() >= width and image.height() >= height, (image.size(), sent)
        assert (image.width(), image.height()) == (sent["width"], sent["height"])
        caption = tab.snapshots.list.item(0).text()
        assert caption.endswith(f"{image.width()}\N{MULTIPLICATION SIGN}{image.height()}")
        assert not photo.progress.isVisible() and photo.action.isEnabled()
        await wait_until(lambda: "hd_photo" in audit_actions(live_server, tech.token, session_id))
        await expect(sign).to_be_hidden(timeout=5000)
        CONSOLE_SHOTS.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(CONSOLE_SHOTS / "console-hd-photo.png"))
        print(f"HD photo: {sent}")  # how the phone took it, in the test's output

        # Malformed requests are ignored by the phone: no answer, no photo, no sign.
        for bad in (
            {"type": "photo_request", "v": 2, "id": "x1"},
            {"type": "photo_request", "v": 1, "id": "bad id!"},
            {"type": "photo_request", "v": 1, "id": "x2", "extra": True},
        ):
            assert tab.peer.send_control(bad)
        await wait_js(page, "window.lensDebug.hdPhoto.ignored === 3")
        debug = await page.evaluate("window.lensDebug.hdPhoto")
        assert len(debug["sent"]) == 1 and debug["results"] == [] and not debug["signShown"]
        # The customer paused the camera: the phone refuses, the console says so.
        await page.locator("#ctl-camera").click()
        await wait_js(page, "window.lensDebug.cameraPaused")
        finished.clear()
        photo.action.trigger()
        await wait_until(lambda: bool(finished), timeout=15)
        assert finished == [
            "No HD photo: the customer paused the camera. Ask them to turn it back on."
        ]
        assert tab.snapshots.message.text() == finished[0]
        assert len(tab.snapshots.paths()) == 1 and photo.action.isEnabled()

        assert await console.quit() == 0
        assert phone.errors == []
