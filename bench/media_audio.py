"""Timing beeps as they pass the PulseAudio null sink, for bench/media.py.

The console (and the Chromium receiver) play the customer's voice to the default sink,
which on this machine is the null sink; its monitor source is what a loudspeaker would
emit. `parec` records the monitor in 10 ms chunks; a beep's time is the arrival time
of its chunk, minus the samples after the onset in that chunk. parec's own 10 ms
buffering makes this up to ~10 ms late, i.e. latency reads slightly high.

The same sink also carries the customer page's playback of the technician's voice
(which is the console's microphone = this monitor), so each beep comes back as an
echo a few hundred ms later; onsets within 500 ms of the previous one are ignored.

The machine's PulseAudio is shared with other engineers' tests, which play tones and
chimes to the default sink; :class:`PrivateSink` gives the bench a null sink of its
own (``PULSE_SINK``/``PULSE_SOURCE`` for every process it starts), so their sounds
are not taken for beeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import time

import numpy as np

RATE = 48_000
CHUNK = 480
ECHO_GUARD_MS = 500.0


class BeepDetector:
    """Finds onsets of the louder beeps in a stream of float samples."""

    def __init__(self) -> None:
        self.envelope = 0.0
        self.last_ms = 0.0
        self.onsets: list[float] = []

    def feed(self, samples: np.ndarray, arrived_ms: float) -> None:
        peak = float(np.abs(samples).max()) if len(samples) else 0.0
        threshold = max(1.8 * self.envelope, 0.05)
        if self.envelope and peak > threshold and arrived_ms - self.last_ms > ECHO_GUARD_MS:
            index = int(np.argmax(np.abs(samples) > threshold))
            onset = arrived_ms - (len(samples) - index) / RATE * 1000
            self.onsets.append(onset)
            self.last_ms = arrived_ms
        self.envelope = peak if not self.envelope else 0.95 * self.envelope + 0.05 * peak


class PrivateSink:
    """A null sink for this bench run only (pactl load-module / unload-module)."""

    def __init__(self) -> None:
        self.name = f"lens_bench_{os.getpid()}"
        self._module: str | None = None

    def __enter__(self) -> PrivateSink:
        self._module = subprocess.run(
            ["pactl", "load-module", "module-null-sink", f"sink_name={self.name}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._module:
            subprocess.run(["pactl", "unload-module", self._module], check=False)

    @property
    def monitor(self) -> str:
        return f"{self.name}.monitor"

    def env(self) -> dict[str, str]:
        """Environment for a process that should play to / record from this sink."""
        return {**os.environ, "PULSE_SINK": self.name, "PULSE_SOURCE": self.monitor}


class SinkMonitor:
    """Records the null sink's monitor with parec while a run lasts."""

    def __init__(self, source: str = "null.monitor") -> None:
        self.source = source
        self.detector = BeepDetector()
        self._proc: asyncio.subprocess.Process | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._proc = await asyncio.create_subprocess_exec(
            "parec",
            "-d",
            self.source,
            "--format=s16le",
            f"--rate={RATE}",
            "--channels=1",
            "--latency-msec=10",
            "--raw",
            stdout=asyncio.subprocess.PIPE,
        )
        self._task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            data = await self._proc.stdout.readexactly(CHUNK * 2)
            arrived = time.time() * 1000
            samples = np.frombuffer(data, dtype=np.int16).astype(np.float32) / 32768
            self.detector.feed(samples, arrived)

    async def stop(self) -> list[float]:
        """Ends the recording; returns the beep onsets (ms, Python's clock)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.IncompleteReadError):
                await self._task
        if self._proc is not None:
            self._proc.terminate()
            await self._proc.wait()
        return self.detector.onsets
