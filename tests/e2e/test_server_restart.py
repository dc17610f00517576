"""Issue 16 A and fault 15: the server is killed in the middle of an active session and
started again on the same port and SQLite file. Media is peer to peer, so the picture
must keep painting throughout; the console and the phone must be back in step within
5 s of the server listening again, and the audit log must be intact.

Everything is real: ``lens-server`` in a subprocess (SIGKILL, then a new process), the
console (ConsoleApp offscreen, its EventSocket and PeerSession), and Debian's Chromium
as the customer with a fake camera playing a counted clip. Each run appends its
timings to artifacts/reliability/server-restart.jsonl (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from lens_customer.pattern import write_tone_wav, write_y4m
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.video_pane import VideoPane
from tests.e2e.conftest import MediaFiles, Phone
from tests.e2e.seed_helpers import (
    assert_counting_up,
    painted_counters,
    running_console,
    sign_in,
    status_text,
    toolbar_click,
    wait_for_state,
    wait_js,
)
from tests.e2e.test_seed_flow import (
    CLIP_FPS,
    CLIP_FRAMES,
    audit_actions,
    chromium_phone,
    heading,
    start_session,
    walk_to_waiting,
)
from tests.live_server import running
from tests.process_server import ProcessServer
from tests.qt_fixtures import qt_garbage_collected, wait_until

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytestmark = [pytest.mark.browser]
__all__ = ["qt_garbage_collected"]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
RESYNC_BAR_S = 5.0
LIVE_TEXT = "Your technician can now see and hear you."
BEFORE_KILL = ["created", "joined", "accepted licence", "started"]


@pytest.fixture(scope="module")
def restart_media(tmp_path_factory: pytest.TempPathFactory) -> MediaFiles:
    folder = tmp_path_factory.mktemp("restart-media")
    clip = write_y4m(folder / "pattern-360p.y4m", 640, 360, CLIP_FPS, CLIP_FRAMES / CLIP_FPS)
    tone = write_tone_wav(folder / "tone-660.wav", freq=660.0, seconds=5.0)
    return MediaFiles(clip, tone)


@pytest.fixture
def process_server(tmp_path: Path) -> Iterator[ProcessServer]:
    with running(ProcessServer(tmp_path / "server")) as server:
        yield server


async def start_live_session(window: Any, server: Any, tech: Any, page: Any) -> tuple[dict, Any]:
    """Invites by link, walks the phone to waiting, presses Start and waits until the
    pane has painted ten frames: (the session, its tab)."""
    session = server.create_session(tech.token, "Ann", method="link")["session"]
    await page.goto(session["link"])
    await walk_to_waiting(page)
    await wait_for_state(window, session["id"], "waiting", timeout=10)
    tab = await start_session(window, session["id"])
    pane = tab.video.pane
    await wait_until(lambda: pane.frames_painted >= 10, timeout=20)
    return session, tab


@pytest.fixture
def settle_qt(qapp: Any) -> Any:
    qapp.setQuitOnLastWindowClosed(False)
    return qapp


@dataclass
class Timeline:
    """What the console and the phone showed, sampled every 50 ms around the restart."""

    paints: list[tuple[float, int]] = field(default_factory=list)
    overlays: set[str] = field(default_factory=set)
    phone_statuses: set[str] = field(default_factory=set)

    def longest_paint_gap(self) -> float:
        """The longest time the painted-frame count stood still."""
        gap, since = 0.0, self.paints[0][0] if self.paints else 0.0
        for (_, before), (at, count) in zip(self.paints, self.paints[1:], strict=False):
            if count != before:
                gap, since = max(gap, at - since), at
        return max(gap, self.paints[-1][0] - since) if self.paints else 0.0


@dataclass
class RestartRun:
    down_s: float
    """SIGKILL -> the new process answers HTTP."""
    console_back_s: float
    """Server answering -> console connected, list resynced, banner gone."""
    phone_back_s: float
    """Server answering -> the phone says it is live again."""
    longest_paint_gap_s: float
    frames_painted_while_down: int
    generation_kept: bool
    phone_said_reconnecting: bool
    never_said_no_picture: bool


async def sample(window: MainWindow, pane: VideoPane, page: Page, into: Timeline) -> None:
    status = page.get_by_role("status")
    while True:
        into.paints.append((time.monotonic(), pane.frames_painted))
        into.overlays.add(pane.overlay)
        into.phone_statuses.add(await status.inner_text())
        await asyncio.sleep(0.05)


@pytest.fixture
async def sampler() -> AsyncIterator[list[asyncio.Task[None]]]:
    tasks: list[asyncio.Task[None]] = []
    yield tasks
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def test_killing_the_server_mid_session_keeps_the_picture_and_resyncs_within_5_s(
    process_server: ProcessServer,
    settle_qt: Any,
    restart_media: MediaFiles,
    tmp_path: Path,
    sampler: list[asyncio.Task[None]],
) -> None:
    server = process_server
    tech = server.technician()
    async with (
        running_console(server, tmp_path, audio=False) as console,
        chromium_phone(restart_media) as phone,
    ):
        window = await sign_in(console, server, tech)
        page = phone.page
        session, tab = await start_live_session(window, server, tech, page)
        pane = tab.video.pane
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=10000)
        generation = await page.evaluate("lensDebug.generation")
        window.select_session(session["id"])

        run = await kill_and_restart(server, window, pane, phone, sampler)
        run.generation_kept = await page.evaluate("lensDebug.generation") == generation
        record(run)

        assert run.frames_painted_while_down > 0, "the picture stopped while the server was down"
        assert run.console_back_s <= RESYNC_BAR_S and run.phone_back_s <= RESYNC_BAR_S, run
        assert run.never_said_no_picture, run  # the pane's stall sign never had to show
        assert run.generation_kept, run  # no needless renegotiation (decision 0014)
        assert_counting_up(await painted_counters(pane, 5), CLIP_FRAMES)
        assert pane.overlay == ""
        assert status_text(window, session["id"]) == "Active"
        assert window.hold_action.isEnabled() and window.end_action.isEnabled()  # 16 C
        assert audit_actions(server, tech.token, session["id"]) == BEFORE_KILL
        shots = ARTIFACTS / "restart"
        shots.mkdir(parents=True, exist_ok=True)
        assert window.grab().save(str(shots / "console-after-restart.png"))
        await page.screenshot(path=str(shots / "phone-after-restart.png"))

        toolbar_click(window, window.end_action)
        await expect(heading(page)).to_have_text("Session ended")
        await wait_until(lambda: window.session_tab_widgets == {}, timeout=10)
        assert audit_actions(server, tech.token, session["id"]) == [*BEFORE_KILL, "ended"]
        assert await console.quit() == 0
        assert console.prompter.notices == [] and console.prompter.questions == []
        assert [e for e in phone.errors if not refused_while_down(e)] == []


def refused_while_down(error: str) -> bool:
    """Chromium logs each refused dial of the page's socket while no server listens."""
    return "/ws/customer' failed" in error and "ERR_CONNECTION_REFUSED" in error


async def kill_and_restart(
    server: ProcessServer,
    window: MainWindow,
    pane: VideoPane,
    phone: Phone,
    sampler: list[asyncio.Task[None]],
) -> RestartRun:
    timeline = Timeline()
    sampler.append(asyncio.ensure_future(sample(window, pane, phone.page, timeline)))
    loop = asyncio.get_running_loop()
    killed = time.monotonic()
    server.kill()
    await wait_until(lambda: window.offline_banner.isVisible(), timeout=10)
    painted_at_kill = pane.frames_painted
    await loop.run_in_executor(None, server.start)
    listening = server.started_at
    assert listening is not None
    frames_while_down = pane.frames_painted - painted_at_kill

    connected = f"Connected to {server.url}"

    def console_back() -> bool:
        return window.connection_label.text() == connected and not window.offline_banner.isVisible()

    await wait_until(console_back, timeout=15, interval=0.02)
    console_at = time.monotonic()
    status = phone.page.get_by_role("status")
    await expect(status).to_have_text(LIVE_TEXT, timeout=15000)
    phone_at = time.monotonic()
    await asyncio.sleep(0)  # one more sample after both are back
    sampler.pop().cancel()
    return RestartRun(
        down_s=round(listening - killed, 2),
        console_back_s=round(console_at - listening, 2),
        phone_back_s=round(max(0.0, phone_at - listening), 2),
        longest_paint_gap_s=round(timeline.longest_paint_gap(), 3),
        frames_painted_while_down=frames_while_down,
        generation_kept=False,
        phone_said_reconnecting="Reconnecting…" in timeline.phone_statuses,
        never_said_no_picture=timeline.overlays == {""},
    )


def record(run: RestartRun) -> None:
    record_line("kill-and-restart", asdict(run))


def record_line(scenario: str, figures: dict[str, Any]) -> None:
    folder = ARTIFACTS / "reliability"
    folder.mkdir(parents=True, exist_ok=True)
    load = round(os.getloadavg()[0], 1)
    line = {"at": time.strftime("%Y-%m-%dT%H:%M:%S"), "scenario": scenario, "load": load, **figures}
    with (folder / "server-restart.jsonl").open("a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


async def test_an_offer_made_while_the_console_is_still_away_is_not_lost(
    process_server: ProcessServer, settle_qt: Any, restart_media: MediaFiles, tmp_path: Path
) -> None:
    """Issue 16 A as reported: after the restart the phone is back first and makes a new
    connection (here: its network went away meanwhile, so it must); the console's socket
    comes back only afterwards. The offer made in that gap used to be lost: the phone
    said "Reconnecting…" and the console kept a still picture. Now the server holds it
    for the console, which answers as soon as it is back."""
    server = process_server
    tech = server.technician()
    async with (
        running_console(server, tmp_path, audio=False) as console,
        chromium_phone(restart_media) as phone,
    ):
        window = await sign_in(console, server, tech)
        events = window._services.events  # the console's own socket, held back below
        token = window._services.client.token
        assert token is not None
        page = phone.page
        session, tab = await start_live_session(window, server, tech, page)
        pane = tab.video.pane
        generation = await page.evaluate("lensDebug.generation")

        loop = asyncio.get_running_loop()
        server.kill()
        await phone.context.set_offline(True)
        await expect(page.get_by_role("status")).to_have_text("Reconnecting…")
        await events.close()  # the console stays away until the phone has re-offered
        await loop.run_in_executor(None, server.start)
        await phone.context.set_offline(False)
        await wait_js(page, f"lensDebug.generation > {generation}", timeout=15)
        # The new offer went out (to the server, which holds it) and is unanswered.
        await wait_js(page, "lensDebug.timing.offerSentAt > 0", timeout=10)
        assert await page.evaluate("lensDebug.connectionState") == "new"
        assert window.offline_banner.isVisible()

        events.start(server.url, token)
        back = time.monotonic()
        await wait_until(lambda: tab.peer.generation > generation, timeout=10)
        await expect(page.get_by_role("status")).to_have_text(LIVE_TEXT, timeout=10000)
        painted = pane.frames_painted
        await wait_until(lambda: pane.frames_painted >= painted + 10, timeout=10)
        live_after = time.monotonic() - back
        assert live_after <= RESYNC_BAR_S, live_after
        assert_counting_up(await painted_counters(pane, 5), CLIP_FRAMES)
        await wait_until(lambda: pane.overlay == "", timeout=5)
        assert not window.offline_banner.isVisible()
        assert status_text(window, session["id"]) == "Active"
        assert audit_actions(server, tech.token, session["id"]) == BEFORE_KILL
        record_line("offer-while-console-away", {"live_after_console_back_s": round(live_after, 2)})
        assert await console.quit() == 0
