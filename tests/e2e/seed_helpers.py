"""Helpers for the seed-flow end-to-end test (test_seed_flow.py): the real console on
a qasync loop, read through its widgets; the PulseAudio null sink, listened to and
played into; and a tone detector inside the customer's page.

Everything here observes or drives the real parts; nothing stands in for them.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import numpy as np
import sounddevice
from keyring.backends import fail
from playwright.async_api import Page
from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton

from lens_customer.pattern import read_stamp
from lens_desktop.app import ConsoleApp, make_audio
from lens_desktop.media.audio import AudioEngine, AudioStatus
from lens_desktop.media.peer import PeerSession
from lens_desktop.net.client import ServerClient
from lens_desktop.net.credentials import CredentialStore
from lens_desktop.net.events import EventSocket
from lens_desktop.ui.main_window import MainWindow
from lens_desktop.ui.session_model import SessionTableModel
from lens_desktop.ui.settings_dialog import ConsoleSettings
from lens_desktop.ui.video_pane import VideoPane, fit_rect
from tests.fakes import RecordingPrompter
from tests.live_server import LiveServer, Tech
from tests.qt_fixtures import wait_until

RATE = 48_000
NO_AUDIO = AudioStatus(False, "Audio unavailable: this variant tests the mail paths only.")


# -- the console -----------------------------------------------------------------------


@dataclass
class Console:
    """A running ConsoleApp, its `run()` task and what it asked."""

    app: ConsoleApp
    run: asyncio.Future[int]
    prompter: RecordingPrompter
    engines: list[AudioEngine]
    """What the product's audio factory built (the test reads its counters)."""

    @property
    def window(self) -> MainWindow:
        assert self.app.window is not None, "the console window is not open"
        return self.app.window

    async def quit(self) -> int:
        """Close the window as the technician would; the app must finish with 0."""
        self.window.close()
        return await asyncio.wait_for(self.run, 15)

    async def cancel(self) -> None:
        if not self.run.done():
            self.run.cancel()
        await asyncio.gather(self.run, return_exceptions=True)


@asynccontextmanager
async def running_console(server: LiveServer, folder: Path, audio: bool) -> AsyncIterator[Console]:
    """The product's wiring (as app.build_console) except keyring and settings file:
    with `audio`, the real AudioEngine on the default PulseAudio device (the null sink).
    Stopped on the way out if the test did not quit it."""
    status = AudioEngine.probe() if audio else NO_AUDIO
    if audio:
        assert status.available, status.reason
    engines: list[AudioEngine] = []
    build_audio = make_audio(status)

    def audio_factory(settings: ConsoleSettings) -> AudioEngine | None:
        engine = build_audio(settings) if audio else None
        if engine is not None:
            engines.append(engine)
        return engine

    prompter = RecordingPrompter()
    app = ConsoleApp(
        settings=QSettings(str(folder / "console.ini"), QSettings.Format.IniFormat),
        credentials=CredentialStore(service="lens-seed-e2e", backend=fail.Keyring()),
        client_factory=ServerClient,
        events_factory=EventSocket,
        peer_factory=PeerSession,
        audio_status=status,
        audio_factory=audio_factory,
        prompter=prompter,
        server_url=server.url,
    )
    console = Console(app, asyncio.ensure_future(app.run()), prompter, engines)
    try:
        yield console
    finally:
        await console.cancel()


async def sign_in(console: Console, server: LiveServer, tech: Tech) -> MainWindow:
    """Fill in and submit the sign-in dialog; wait for the connected main window."""
    await wait_until(lambda: console.app.sign_in_dialog is not None, timeout=10)
    dialog = console.app.sign_in_dialog
    assert dialog is not None
    assert dialog.server_url.text() == server.url
    dialog.email.setText(tech.email)
    dialog.password.setText(tech.password)
    dialog.sign_in_button.click()
    await wait_until(lambda: console.app.window is not None, timeout=10)
    window = console.window
    connected = f"Connected to {server.url}"
    await wait_until(lambda: window.connection_label.text() == connected, timeout=10)
    return window


def status_text(window: MainWindow, session_id: str) -> str:
    """What the session list displays in the Status column for a session."""
    row = window.model.row_of(session_id)
    assert row is not None, "the session is not in the console's list"
    return str(window.model.index(row, SessionTableModel.STATUS).data())


async def wait_for_state(window: MainWindow, session_id: str, state: str, timeout: float) -> None:
    def reached() -> bool:
        session = window.model.session_by_id(session_id)
        return session is not None and session.state == state

    await wait_until(reached, timeout=timeout)


def toolbar_click(window: MainWindow, action: Any) -> None:
    """Press the toolbar button of an action, as the technician does."""
    button = window.toolbar.widgetForAction(action)
    assert isinstance(button, QAbstractButton) and button.isEnabled(), action.text()
    button.click()


# -- video -----------------------------------------------------------------------------


def qimage_array(image: QImage) -> np.ndarray:
    """(h, w, 3) RGB view of an RGB888 QImage; rows are bytesPerLine apart (padded)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    return raw.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).copy()


def counter_in(image: QImage) -> int:
    stamp = read_stamp(qimage_array(image))
    assert stamp is not None, "the image carries no readable pattern stamp"
    return stamp[0]


def painted_counter(pane: VideoPane) -> int:
    """The counter of the frame the pane painted last."""
    frame = pane.last_painted_frame
    assert frame is not None, "nothing painted yet"
    return counter_in(frame.image)


def on_screen_counter(pane: VideoPane) -> int:
    """The counter as it is on screen: grab the widget, cut out the picture (it is
    letterboxed in Fit mode) and read the stamp from those pixels."""
    frame = pane.last_painted_frame
    assert frame is not None, "nothing painted yet"
    target = fit_rect(frame.image.size(), pane.size())
    return counter_in(pane.grab(target).toImage())


async def painted_counters(pane: VideoPane, count: int, timeout: float = 20) -> list[int]:
    """Counters of `count` successively painted frames, a few paints apart."""
    counters: list[int] = []
    for _ in range(count):
        wanted = pane.frames_painted + 3

        def painted_more(wanted: int = wanted) -> bool:
            return pane.frames_painted >= wanted

        await wait_until(painted_more, timeout=timeout)
        counters.append(painted_counter(pane))
    return counters


def assert_counting_up(counters: list[int], loop_length: int | None = None) -> None:
    """Each sample is later than the one before (modulo the clip's length if it loops)."""
    if loop_length is None:
        assert all(b > a for a, b in itertools.pairwise(counters)), counters
        return
    steps = [(b - a) % loop_length for a, b in itertools.pairwise(counters)]
    assert all(0 < step < loop_length // 2 for step in steps), counters


# -- the invitation --------------------------------------------------------------------

LINK = re.compile(r"https?://[^\s<>\"']+/join/[A-Za-z0-9_\-]+")


def plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the email has no plain-text part"
    return str(part.get_content())


def find_link(text: str) -> str:
    links = set(LINK.findall(text))
    assert len(links) == 1, f"expected one invitation link in: {text!r}"
    return links.pop()


# -- sound on the PulseAudio null sink -------------------------------------------------


def tone_level(samples: np.ndarray, freq: float, rate: int = RATE) -> tuple[float, float]:
    """(dominant frequency, its share of the spectrum's energy) of a block of samples."""
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples)))) ** 2
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    near = np.abs(freqs - freq) <= 15
    share = float(spectrum[near].sum() / max(spectrum.sum(), 1e-12))
    return float(freqs[int(np.argmax(spectrum))]), share


class SinkListener:
    """Records what plays on the null sink (its monitor, the default input)."""

    def __init__(self, seconds: float = 2.0) -> None:
        self._lock = threading.Lock()
        self._buffer = np.zeros(round(seconds * RATE), dtype=np.float32)
        self.samples_heard = 0
        self._stream = sounddevice.RawInputStream(
            samplerate=RATE, channels=1, dtype="float32", callback=self._on_input
        )

    def _on_input(self, indata: Any, frames: int, time_: Any, status: Any) -> None:
        # Raw stream: sounddevice's numpy wrapper trips a NumPy deprecation (an error here).
        del frames, time_, status
        block = np.frombuffer(indata, dtype=np.float32)
        with self._lock:
            self._buffer = np.concatenate((self._buffer[len(block) :], block))
            self.samples_heard += len(block)

    def start(self) -> None:
        self._stream.start()

    def close(self) -> None:
        self._stream.close()

    def newest(self, seconds: float) -> np.ndarray:
        with self._lock:
            return self._buffer[-round(seconds * RATE) :].copy()

    def hears(self, freq: float) -> bool:
        """The newest half second is loud and dominated by `freq` (the first stream
        after idle may deliver silence for a while, so this is polled)."""
        window = self.newest(0.5)
        if np.abs(window).max() < 0.02:
            return False
        dominant, share = tone_level(window, freq)
        return abs(dominant - freq) <= 10 and share > 0.3


class SinkTone:
    """Plays a steady sine tone into the null sink (what the console's mic records)."""

    def __init__(self, freq: float, amplitude: float = 0.3) -> None:
        self._step = 2 * math.pi * freq / RATE
        self._amplitude = amplitude
        self._phase = 0
        self._stream = sounddevice.RawOutputStream(
            samplerate=RATE, channels=1, dtype="float32", callback=self._on_output
        )

    def _on_output(self, outdata: Any, frames: int, time_: Any, status: Any) -> None:
        del time_, status
        n = np.arange(self._phase, self._phase + frames)
        self._phase += frames
        tone = (self._amplitude * np.sin(self._step * n)).astype(np.float32)
        np.frombuffer(outdata, dtype=np.float32)[:] = tone

    def start(self) -> None:
        self._stream.start()

    def close(self) -> None:
        self._stream.close()


# -- sound inside the customer's page --------------------------------------------------

INSTALL_PAGE_ANALYSER = """() => {
  const stream = document.getElementById('remote-audio').srcObject;
  if (!stream) return false;
  const context = new AudioContext({ sampleRate: 48000 });
  const analyser = context.createAnalyser();
  analyser.fftSize = 16384;
  analyser.smoothingTimeConstant = 0;
  context.createMediaStreamSource(stream).connect(analyser);
  context.resume();
  window.seedProbe = { context, analyser };
  return true;
}"""

PAGE_TONE_LEVEL = """(freq) => {
  const { context, analyser } = window.seedProbe;
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  const width = context.sampleRate / analyser.fftSize;
  let peak = -Infinity;
  for (let i = Math.floor((freq - 15) / width); i <= Math.ceil((freq + 15) / width); i++) {
    peak = Math.max(peak, bins[i]);
  }
  const sorted = Array.from(bins.slice(1, Math.floor(4000 / width))).sort((a, b) => a - b);
  return { state: context.state, peak, median: sorted[Math.floor(sorted.length / 2)] };
}"""


async def install_page_analyser(page: Page) -> None:
    """An AnalyserNode on the stream the page plays from the technician."""
    assert await page.evaluate(INSTALL_PAGE_ANALYSER), "the page plays no remote audio"


async def page_tone(page: Page, freq: float) -> dict[str, Any]:
    """Level (dB) at `freq` and the median level below 4 kHz of what the page receives."""
    return dict(await page.evaluate(PAGE_TONE_LEVEL, freq))


async def wait_page_hears(
    page: Page, freq: float, above: float = -50.0, timeout: float = 15
) -> dict[str, Any]:
    """Until the received audio has a clear peak at `freq`: louder than `above` dB and
    30 dB over the median level (the codec leaves a little noise around any tone, so
    a caller checking that a tone *arrived* passes the level measured before it)."""
    deadline = time.monotonic() + timeout
    while True:
        level = await page_tone(page, freq)
        if level["peak"] > max(above, -50.0) and level["peak"] - level["median"] > 30:
            return level
        assert time.monotonic() < deadline, f"no {freq} Hz in the page's audio: {level}"
        await asyncio.sleep(0.1)


async def wait_js(page: Page, expression: str, timeout: float = 10.0) -> Any:
    """Poll a JS expression until truthy (the page's CSP forbids wait_for_function)."""
    deadline = time.monotonic() + timeout
    while not (value := await page.evaluate(expression)):
        assert time.monotonic() < deadline, f"timed out waiting for: {expression}"
        await asyncio.sleep(0.05)
    return value
