"""The console's audio playout buffer: the one place received audio waits.

aiortc's own receive buffer is replaced by a pass-through (``aiortc_receiver``), so
the time between a packet's arrival and the speaker is decided here, between two
competing goals: never run dry (the bar is 0 underruns a minute) and keep the delay
short (p95 <= 150 ms one way).

- It starts playing once its cushion (at first ``JITTER_START_CUSHION_S``) is queued:
  the first second of a call comes burstier than the rest (the sender's pipeline
  starts, the loop is busy setting up), and starting on less cost an underrun at the
  start of most calls in the bench; what was not needed is trimmed after a window.
- It learns how late audio can come: its *cushion* (the reserve it keeps, starting at
  ``JITTER_START_CUSHION_S``) grows when it runs dry, by how long it was dry plus a
  margin; it outputs silence meanwhile and counts an underrun, and it then
  waits for the cushion (or the target) before playing again. Each trim window without
  an underrun the cushion relaxes slowly back towards ``JITTER_KEEP_S`` (a stall that
  happened once a minute will happen again).
- It never keeps latency nobody needed: every ``TRIM_WINDOW_S`` of output it looks at
  the lowest level it fell to, and drops what was queued above the cushion all that
  time, joined with a short crossfade. A burst past ``JITTER_MAX_S`` is cut at once.
- It follows a sender whose clock runs slow: once the level sinks under the cushion
  (less one margin) it plays ``STRETCH`` slower, making each 10 ms pull from ~9.8 ms
  of audio by interpolation, until the level is back. A phone's and a PC's sound
  clocks differ by up to ~0.1 % (1 ms a second): without this the buffer would drain
  steadily and run dry every minute or so, for the whole call; a simulated sender
  0.3 % slow ran it dry every ~15 s. (A fast sender is handled by the trim.)
- Lost audio is concealed: the playback task sees the gap in the frames' pts and asks
  for a faded copy of the last audio in its place, so a loss neither drains the buffer
  nor clicks.

No Qt here; ``pull`` runs on PortAudio's callback thread, everything else on the loop.
"""

from __future__ import annotations

import threading
from collections import deque

import av
import numpy as np

JITTER_TARGET_S = 0.030
"""Queued audio before playback starts."""
JITTER_KEEP_S = 0.020
"""The smallest cushion: kept below the lowest level of a trim window."""
JITTER_START_CUSHION_S = 0.050
"""The cushion a new buffer starts with: loop stalls of 50 ms are common on a busy
2-core machine, and learning each one costs an underrun."""
JITTER_CUSHION_MAX_S = 0.080
"""The largest cushion stalls can teach the buffer: with the sender's ~30 ms and the
device's 40 ms it still fits the 150 ms one-way bar."""
JITTER_MARGIN_S = 0.010
"""Added to what a dry spell teaches: the next stall may start at a lower level."""
CUSHION_RELAX = 0.95
"""Share of the learned cushion (above ``JITTER_KEEP_S``) kept per quiet window: it
halves in about 40 s without an underrun."""
JITTER_MIN_TRIM_S = 0.010
TRIM_WINDOW_S = 3.0
FIRST_TRIM_WINDOW_S = 1.0
"""The first window after playback (re)starts is shorter: what piled up while the call
was being set up, or arrived in a burst after a stall (up to ``JITTER_MAX_S``), goes
after 1 s instead of lasting 3-6 s."""
JITTER_MAX_S = 0.200
"""A burst past this is cut at once."""
CROSSFADE_S = 0.0025
STRETCH = 0.02
"""How much slower audio plays while the buffer is under its cushion: a 2 % (a third
of a semitone) slowdown is hard to hear on speech and outruns any real clock drift."""
CONCEAL_MAX_S = 0.100
"""A pts gap up to this is a lost packet and is concealed; a longer one is a pause
(DTX, a new stream) and is not filled."""


class JitterBuffer:
    """Float32 mono samples between the playback task and PortAudio's callback thread."""

    def __init__(self, rate: int) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[np.ndarray] = deque()
        self._size = 0
        self._target = int(rate * JITTER_TARGET_S)
        self._keep = int(rate * JITTER_KEEP_S)
        self._cushion_max = int(rate * JITTER_CUSHION_MAX_S)
        self._margin = int(rate * JITTER_MARGIN_S)
        self._min_trim = int(rate * JITTER_MIN_TRIM_S)
        self._window = int(rate * TRIM_WINDOW_S)
        self._first_window = int(rate * FIRST_TRIM_WINDOW_S)
        self._max = int(rate * JITTER_MAX_S)
        self._fade = np.linspace(0.0, 1.0, max(2, int(rate * CROSSFADE_S)), dtype=np.float32)
        self._playing = False
        self._started = False
        self._dry = 0
        self._cushion = int(rate * JITTER_START_CUSHION_S)
        self._last = np.zeros(0, dtype=np.float32)
        self._low = self._max
        self._window_left = self._window
        self.underruns = 0
        self.trimmed_samples = 0
        self.concealed_samples = 0
        self.stretched_samples = 0
        """Output samples gained by playing slower (clock drift compensation)."""

    @property
    def buffered(self) -> int:
        return self._size

    @property
    def cushion(self) -> int:
        """Samples the buffer currently keeps in reserve against late audio."""
        return self._cushion

    def push(self, samples: np.ndarray) -> None:
        with self._lock:
            self._append(samples)

    def conceal(self, count: int) -> None:
        """Queue ``count`` samples in place of lost audio: the last chunk repeated and
        faded out, so the gap neither drains the buffer nor clicks."""
        if count <= 0:
            return
        with self._lock:
            last = self._last if len(self._last) else np.zeros(1, dtype=np.float32)
            filler = np.resize(last, count) * np.linspace(1.0, 0.0, count, dtype=np.float32)
            self._append(filler.astype(np.float32))
            self.concealed_samples += count

    def _append(self, samples: np.ndarray) -> None:
        self._chunks.append(samples)
        self._size += len(samples)
        self._last = samples
        if self._size <= self._max:
            return
        while self._size > self._resume_level() + len(samples) and len(self._chunks) > 1:
            dropped = self._chunks.popleft()
            self._size -= len(dropped)
            self.trimmed_samples += len(dropped)

    def _resume_level(self) -> int:
        return max(self._target, self._cushion)

    def pull(self, out: np.ndarray) -> bool:
        """Fill ``out`` (1-D); returns False (and writes silence) while buffering."""
        with self._lock:
            if not self._playing and not self._resume(len(out)):
                out.fill(0)
                return False
            if self._size < self._cushion - self._margin and self._stretch(out):
                self._observe(len(out))
                return True
            filled = self._take(out)
            if filled < len(out):
                out[filled:] = 0
                self.underruns += 1
                self._playing = False
                self._dry = len(out) - filled
            else:
                self._observe(len(out))
            return True

    def _resume(self, pulled: int) -> bool:
        """Whether enough is queued to (re)start; after an underrun, learn how long
        the buffer was dry and keep that much more in reserve from now on."""
        if self._size < self._resume_level():
            if self._started and self._size == 0:
                self._dry += pulled  # nothing at all came: the stall outlasted the buffer
            return False
        if self._started:
            grown = self._cushion + min(self._dry, self._cushion_max) + self._margin
            self._cushion = min(self._cushion_max, grown)
        self._started = self._playing = True
        self._dry = 0
        self._restart_window()
        self._window_left = min(self._window, self._first_window)
        return True

    def _stretch(self, out: np.ndarray) -> bool:
        """Fill ``out`` from ``STRETCH`` fewer queued samples (linear interpolation);
        False, taking nothing, when not even those are queued."""
        count = len(out)
        source = max(2, round(count / (1.0 + STRETCH)))
        if self._size < source or count < 2:
            return False
        taken = np.empty(source, dtype=np.float32)
        self._take(taken)
        np.copyto(out, np.interp(np.linspace(0, source - 1, count), np.arange(source), taken))
        self.stretched_samples += count - source
        return True

    def _restart_window(self) -> None:
        self._low = self._max
        self._window_left = self._window

    def _observe(self, pulled: int) -> None:
        """Track the lowest level of the window; at its end, relax the cushion and
        drop what was queued above it the whole window."""
        self._low = min(self._low, self._size)
        self._window_left -= pulled
        if self._window_left > 0:
            return
        self._cushion = self._keep + int((self._cushion - self._keep) * CUSHION_RELAX)
        excess = self._low - self._cushion
        if excess >= self._min_trim:
            self._drop(excess)
        self._restart_window()

    def _drop(self, count: int) -> None:
        """Remove ``count`` samples from the head, crossfading across the cut."""
        fade = len(self._fade)
        head = np.empty(min(self._size, count + fade), dtype=np.float32)
        taken = self._take(head)
        if taken < count + fade:  # not enough left to crossfade: just drop it
            self.trimmed_samples += taken
            return
        joined = head[:fade] * (1.0 - self._fade) + head[count:] * self._fade
        self._chunks.appendleft(joined)
        self._size += fade
        self.trimmed_samples += count

    def _take(self, out: np.ndarray) -> int:
        filled = 0
        while filled < len(out) and self._chunks:
            chunk = self._chunks[0]
            n = min(len(chunk), len(out) - filled)
            out[filled : filled + n] = chunk[:n]
            filled += n
            if n == len(chunk):
                self._chunks.popleft()
            else:
                self._chunks[0] = chunk[n:]
        self._size -= filled
        return filled

    def reset(self) -> None:
        """Empty, for a new stream (the learned cushion is kept: same machine)."""
        with self._lock:
            self._chunks.clear()
            self._size = 0
            self._playing = self._started = False
            self._dry = 0
            self._last = np.zeros(0, dtype=np.float32)


def missing_samples(expected_pts: int | None, frame: av.AudioFrame, rate: int) -> int:
    """Output samples to conceal before ``frame``: the gap since the previous frame
    ended, when it is a lost packet or two (not a pause, not a jump back)."""
    if expected_pts is None or frame.pts is None:
        return 0
    gap = frame.pts - expected_pts
    if frame.time_base is None or gap <= 0 or gap * frame.time_base > CONCEAL_MAX_S:
        return 0
    return round(gap * frame.time_base * rate)
