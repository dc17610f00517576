"""The new-session chime: heard on the PulseAudio null sink through PortAudio, and the
system beep (never an exception) where PortAudio, the device or the file is missing."""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import sounddevice  # noqa: F401  (PortAudio is initialised before any timing, as in the console)

from lens_desktop.media.audio import AudioUnavailable
from lens_desktop.media.chime import Chime, load_wav
from lens_desktop.resources import new_session_sound_path
from tests.qt_fixtures import wait_until

RATE = 48_000
CHIME_NOTES = (783.99, 1318.51)
"""G5 and E6, as resources/sounds/make_chime.py writes them."""


class Beeps:
    """The fallback the console hands in (QApplication.beep), counted."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


class NullSinkRecorder:
    """parec on the null sink's monitor (mono s16 at 48 kHz), read by a thread: what
    any program played into the default PulseAudio sink meanwhile."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [
                *("parec", "-d", "null.monitor", "--raw", "--format=s16le"),
                *(f"--rate={RATE}", "--channels=1", "--latency-msec=20"),
            ],
            stdout=subprocess.PIPE,
        )
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._process.stdout is not None
        while chunk := self._process.stdout.read1(4096):
            self._chunks.append(chunk)

    @property
    def frames(self) -> int:
        return sum(len(c) for c in self._chunks) // 2

    def wait_for(self, frames: int, timeout: float = 5.0) -> None:
        """Block until the recording holds ``frames`` samples (the monitor streams
        continuously, silence included, once parec is connected)."""
        deadline = time.monotonic() + timeout
        while self.frames < frames:
            assert time.monotonic() < deadline, f"parec recorded {self.frames} of {frames}"
            self._reader.join(0.01)

    def stop(self) -> np.ndarray:
        self._process.terminate()
        self._process.wait(timeout=5)
        self._reader.join(timeout=5)
        assert self._process.stdout is not None
        self._process.stdout.close()
        raw = b"".join(self._chunks)
        return np.frombuffer(raw[: len(raw) // 2 * 2], dtype="<i2")


@contextmanager
def null_sink_recording(seconds_after: float) -> Iterator[list[np.ndarray]]:
    """Records from parec's connection until ``seconds_after`` past the block's start;
    the samples are in the yielded list afterwards."""
    recorder = NullSinkRecorder()
    samples: list[np.ndarray] = []
    try:
        recorder.wait_for(1)  # connected: the sound cannot start before the recording
        start = recorder.frames
        yield samples
        recorder.wait_for(start + int(seconds_after * RATE))
    finally:
        samples.append(recorder.stop())


def note_strength(samples: np.ndarray, frequency: float) -> float:
    """How far ``frequency`` stands out of the recording's spectrum (x the median)."""
    spectrum = np.abs(np.fft.rfft(samples.astype(np.float64)))
    freqs = np.fft.rfftfreq(len(samples), 1 / RATE)
    band = spectrum[np.abs(freqs - frequency) < 5]
    return float(band.max() / np.median(spectrum))


def test_the_chime_file_loads_as_48_khz_mono() -> None:
    sound = load_wav(new_session_sound_path())
    assert (sound.rate, sound.channels) == (RATE, 1)
    assert 0.5 < sound.seconds < 1.0
    assert np.abs(sound.samples).max() > 10_000


@pytest.mark.audio
def test_the_chime_is_heard_on_the_null_sink_and_play_returns_at_once() -> None:
    beeps = Beeps()
    chime = Chime(new_session_sound_path(), fallback=beeps)
    try:
        with null_sink_recording(seconds_after=1.2) as recording:
            started = time.monotonic()
            chime.play()
            returned_after = time.monotonic() - started
            assert chime.wait(timeout=5)
    finally:
        chime.close()
    heard = recording[0]
    assert returned_after < 0.4  # the 0.75 s sound plays on in PortAudio's thread
    assert (chime.played, beeps.count) == (1, 0)
    assert len(heard) > RATE // 2 and np.abs(heard).max() > 8_000
    for note in CHIME_NOTES:
        assert note_strength(heard, note) > 50, note  # both notes, whatever else plays


@pytest.mark.audio
async def test_a_chime_on_the_loop_releases_its_stream_when_done() -> None:
    chime = Chime(new_session_sound_path(), fallback=Beeps())
    try:
        chime.play()
        chime.play()  # a second customer right after the first: both play
        await wait_until(lambda: chime.played == 2, timeout=5)
        await wait_until(lambda: chime.open_streams == 0, timeout=2)
    finally:
        chime.close()
        chime.close()


@pytest.mark.audio
def test_an_unknown_output_device_falls_back_to_the_default_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    beeps = Beeps()
    chime = Chime(new_session_sound_path(), fallback=beeps, output_device=lambda: "No Such Box")
    try:
        with null_sink_recording(seconds_after=1.2) as recording:
            chime.play()
            assert chime.wait(timeout=5)
    finally:
        chime.close()
    assert (chime.played, beeps.count) == (1, 0)
    assert note_strength(recording[0], CHIME_NOTES[0]) > 50
    assert any("No Such Box" in r.getMessage() for r in caplog.records)
    assert all(r.levelno == logging.INFO for r in caplog.records if r.name.endswith("chime"))


def test_without_portaudio_it_beeps_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    def no_portaudio() -> None:
        raise AudioUnavailable("Audio unavailable: PortAudio library not found")

    beeps = Beeps()
    chime = Chime(new_session_sound_path(), fallback=beeps, load=no_portaudio)
    chime.play()
    chime.play()
    assert (beeps.count, chime.played) == (2, 0)
    logged = [r for r in caplog.records if r.name == "lens_desktop.media.chime"]
    assert len(logged) == 1 and logged[0].levelno == logging.INFO
    assert "PortAudio library not found" in logged[0].getMessage()


def test_a_missing_sound_file_beeps_instead(tmp_path: Path) -> None:
    beeps = Beeps()
    chime = Chime(tmp_path / "gone.wav", fallback=beeps)
    chime.play()
    assert beeps.count == 1


def test_after_close_it_stays_silent() -> None:
    beeps = Beeps()
    chime = Chime(new_session_sound_path(), fallback=beeps)
    chime.close()
    chime.play()
    assert (beeps.count, chime.played) == (0, 0)
