"""Issue 15 point 4 end to end: Debian's Chromium is the customer (the fake camera's
clip, whose frames carry a counter, and the fake 440 Hz tone), the console is the real
one (ConsoleApp, its PeerSession and AudioEngine, the session tab's RecordingControl).
The technician's group forces recording, so Start alone records: the phone shows the
badge, the button cannot stop it, and the file the console wrote is valid (PyAV opens
it; video and both voices; the clip's counters increase; the tone dominates the
customer's track; it lasts as long as it ran). The audit log says it was forced."""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from playwright.async_api import expect

from tests.e2e.chromium_session import started_with_chromium
from tests.e2e.conftest import CLIP_FPS, CLIP_SECONDS, MediaFiles
from tests.e2e.test_customer_web import LIVE_TEXT
from tests.e2e.test_seed_flow import settle_qt
from tests.integration.test_console_forced_recording import FORCED_NOTE, force_recording
from tests.integration.test_console_media import dominant_frequency
from tests.integration.test_console_recording import read_recording
from tests.live_server import LiveServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected", "settle_qt"]  # fixtures, for this module too

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "customer"
RECORD_SECONDS = 5.0


@pytest.mark.audio
@pytest.mark.qt_log_ignore("does not support raise")  # the offscreen platform's tooltip
async def test_a_forced_recording_of_a_chromium_customer_is_a_valid_file(
    live_server: LiveServer, settle_qt: Any, media_files: MediaFiles, tmp_path: Path
) -> None:
    tech = live_server.technician(["lens_sessions", "private_sessions", "connect_link"])
    force_recording(live_server, tech.email)
    folder = tmp_path / "recordings"
    async with started_with_chromium(live_server, tmp_path, media_files, tech, audio=True) as live:
        page, session_id = live.page, live.session_id
        tab, phone = live.tab, live.phone
        tab.recordings_folder = str(folder)  # before the customer's connection is up
        control = tab.recording
        await expect(page.get_by_role("status").first).to_have_text(LIVE_TEXT, timeout=30000)
        await wait_until(lambda: control.recording, timeout=20)  # no click
        await expect(page.locator("#recording-badge")).to_be_visible(timeout=10000)
        recorder = control.recorder
        assert recorder is not None
        await wait_until(lambda: recorder.video_frames > 0, timeout=20)
        started = time.monotonic()
        control.button.click()  # the technician tries to stop it: it goes on
        assert control.recording and control.button.isChecked()
        await asyncio.sleep(RECORD_SECONDS)
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "recording-badge-forced.png"))
        await control.stop()  # what End does first
        wall = time.monotonic() - started
        await expect(page.locator("#recording-badge")).to_be_hidden(timeout=10000)
        assert phone.errors == []
    assert recorder.error is None and recorder.dropped == 0
    [path] = recorder.files
    assert path.parent == folder
    found = read_recording(path)
    assert [s[0] for s in found["streams"]] == ["video", "audio", "audio"]
    counters = found["counters"]
    assert len(counters) >= RECORD_SECONDS * 20, len(counters)  # a few may be unreadable
    # Chromium loops the clip: the counter goes up, back to 0 at each loop (whose
    # first frame Chromium's fake camera delivers twice).
    loop = CLIP_FPS * CLIP_SECONDS
    pairs = list(itertools.pairwise(counters))
    assert all(0 < (b - a) % loop < 10 or a == b == 0 for a, b in pairs), counters
    assert sum(b < a for a, b in pairs) >= 1  # it ran across a loop of the 2 s clip
    # The file starts at the first keyframe, just before the clock here started.
    assert abs(found["duration"] - wall) < 0.5, (found["duration"], wall)
    customer = found["voices"][0]
    assert len(customer) > 48_000 * 3
    assert np.abs(customer).max() > 0.05
    assert abs(dominant_frequency(customer[24_000:], 48_000) - 440) < 20
    events = live_server.api("GET", f"/sessions/{session_id}/events", tech.token).json()
    recorded = [(e["action"], e["detail"]) for e in events["events"] if "recording" in e["action"]]
    assert recorded == [("recording_started", FORCED_NOTE), ("recording_stopped", "")]
