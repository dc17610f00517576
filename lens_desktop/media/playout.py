"""The console's audio playout buffer: the one place received audio waits.

aiortc's own receive buffer is replaced by a pass-through (``aiortc_receiver``), so
the time between a packet's arrival and the speaker is decided here, between two
competing goals: never run dry (the bar is 0 underruns a minute) and keep the delay
short (p95 <= 150 ms one way).

- It starts playing once its cushion (at first ``JITTER_START_CUSHION_S``) is queued:
  the first second of a call comes burstier than the rest (the sender's pipeline
  starts, the loop is busy setting up), and starting on less cost an underrun at the
  start of most calls in the bench; what was not needed is trimmed after a window.
- It sees how late audio comes before it runs dry: :class:`ArrivalLateness` measures
  each frame's arrival against the earliest arrival of the last seconds (arrival time
  minus media time), and the cushion never sinks below the largest lateness of the
  last ``LATENESS_WINDOW_S`` plus a margin. On a busy 2-core machine audio arrives
  50-90 ms apart a few times a minute; a cushion that only grew after running dry had
  relaxed back by the time the next late burst came, and about half of the bench's
  60 s calls heard one underrun.
- It also learns from running dry (a late device callback is not a late arrival): the
  *cushion* (the reserve it keeps, starting at ``JITTER_START_CUSHION_S``) grows by how
  long it was dry plus a margin; it outputs silence meanwhile and counts an underrun,
  and it then waits for the cushion (or the target) before playing again. Each trim
  window without an underrun that learned part relaxes slowly back towards
  ``JITTER_KEEP_S``.
- It never keeps latency nobody needed: every ``TRIM_WINDOW_S`` of output it looks at
  the lowest level it fell to, and drops what was queued above the cushion all that
  time, joined with a short crossfade. After a burst (``BURST_S`` over the cushion)
  the window is ``FIRST_TRIM_WINDOW_S``; a burst past ``JITTER_MAX_S`` is cut at once.
- It follows a sender whose clock runs slow: once the level sinks under the cushion
  (less one margin) it plays ``STRETCH`` slower, making each 10 ms pull from ~9.8 ms
  of audio by interpolation, until the level is back. A phone's and a PC's sound
  clocks differ by up to ~0.1 % (1 ms a second): without this the buffer would drain
  steadily and run dry every minute or so, for the whole call; a simulated sender
  0.3 % slow ran it dry every ~15 s. (A fast sender is handled by the trim.)
- Lost audio is concealed: the playback task sees the gap in the frames' pts and asks
  for a faded copy of the last audio in its place, so a loss neither drains the buffer
  nor clicks.

No Qt here; everything runs on the loop that receives the audio (``pull`` is the
engine's device feed, see ``audio.AudioEngine``).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

import av
import numpy as np

JITTER_TARGET_S = 0.030
"""Queued audio before playback starts."""
JITTER_KEEP_S = 0.075
"""The smallest cushion, which a learned one relaxes back to (decision 0013): a packet
up to ~50 ms late (a phone on Wi-Fi sends a few a minute) fits in it, with the pull
under way and the level's dip before the next packet. At 20 ms, a call that had been
on time for a while relaxed to 40-70 ms, and the first packet 50 ms late ran it dry.
It adds one-way delay only while the call is on time; on a bursty path the cushion
sits above it anyway."""
JITTER_START_CUSHION_S = JITTER_KEEP_S
"""The cushion a new buffer starts with: loop stalls of 50 ms are common on a busy
2-core machine, and learning each one costs an underrun."""
JITTER_CUSHION_MAX_S = 0.100
"""The largest cushion stalls can teach the buffer: with the sender's ~30 ms and part
of one of PulseAudio's gulps on top (the cushion is the least the device holds) it
still fits the 150 ms one-way bar. It was 80 ms while the device kept 40 ms of its own
(decision 0010); on the bench, a sender starved by a loaded machine sends bursts 70-120
ms late a few times a minute, and 80 ms covered only those up to 55 ms."""
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
BURST_S = 0.040
"""A level this far above the cushion while playing is a burst (late audio arriving
all at once after a stall): the trim window restarts, ``FIRST_TRIM_WINDOW_S`` long, so
the excess goes within a second, not after up to 3 s. In the bench, bursts that took a
3 s window to go held one-way delay ~50 ms high for 3-4 beeps, enough to move p95."""
LATENESS_WINDOW_S = 60.0
"""How long a late arrival holds the cushion up: late bursts recur every 10-40 s on a
busy machine, so the cushion has to outlast the gap between them."""
LATENESS_MARGIN_S = 0.025
"""Kept above the peak lateness: a frame L late drains L plus the 10 ms pull under way,
from a level that may sit one ``JITTER_MARGIN_S`` under the cushion (the stretch starts
there, not at the cushion, where an on-time sender's level dips by a pull)."""
LATENESS_BASE_WINDOW_S = 2.0
"""Lateness is measured against the earliest arrival of this long: longer than a late
burst (100-200 ms), short enough that a sender's clock drifting 0.1 % adds only 2 ms,
and that a lasting change of the path's delay stops counting as lateness after 2 s."""
LATENESS_SETTLE_S = 2.0
"""Lateness in a stream's first seconds is not kept: a call's start is burstier than
the rest (the sender's pipeline starts, both ends set up; 50-120 ms late in the bench)
and would hold the reserve at its maximum for the first minute. The start cushion
covers those seconds."""
LATENESS_RESET_S = 1.0
"""A frame this much later than the base is a new timeline (the stream restarted, its
timestamps jumped back), not a late frame: the measurement starts over."""
CROSSFADE_S = 0.0025
STRETCH = 0.02
"""How much slower audio plays while the buffer is under its cushion: a 2 % (a third
of a semitone) slowdown is hard to hear on speech and outruns any real clock drift."""
CONCEAL_MAX_S = 0.100
"""A pts gap up to this is a lost packet and is concealed; a longer one is a pause
(DTX, a new stream) and is not filled."""


class ArrivalLateness:
    """How late frames arrive, against the earliest arrival of the recent past.

    A frame's *relative delay* is its arrival time minus its media time; the least of
    the last ``LATENESS_BASE_WINDOW_S`` is the path's own delay, and a frame's lateness
    is how much more it took. :meth:`arrived` returns the largest lateness of the last
    ``LATENESS_WINDOW_S`` (not counting a stream's first ``LATENESS_SETTLE_S``): the
    cushion that would have ridden out every late burst of the last minute. Both
    windows are kept as per-second extremes (at most 61 entries).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._base: deque[tuple[int, float]] = deque()
        """(second, least relative delay of that second)."""
        self._peaks: deque[tuple[int, float]] = deque()
        """(second, largest lateness of that second)."""
        self._since: float | None = None
        """When the current timeline's first frame came."""

    def arrived(self, media_time: float) -> float:
        """Note a frame of ``media_time`` seconds arriving now; the peak lateness (s)."""
        now = self._clock()
        second = int(now)
        relative = now - media_time
        _keep_extreme(self._base, second, relative, min)
        _forget_before(self._base, second - LATENESS_BASE_WINDOW_S)
        late = relative - min(value for _, value in self._base)
        if late > LATENESS_RESET_S:
            self._base.clear()
            self._base.append((second, relative))
            self._since = None
        if self._since is None:
            self._since = now
        if now - self._since < LATENESS_SETTLE_S:
            late = 0.0
        _keep_extreme(self._peaks, second, late, max)
        _forget_before(self._peaks, second - LATENESS_WINDOW_S)
        return self.peak

    @property
    def peak(self) -> float:
        return max((value for _, value in self._peaks), default=0.0)


def _keep_extreme(
    buckets: deque[tuple[int, float]], second: int, value: float, pick: Callable[..., float]
) -> None:
    if buckets and buckets[-1][0] == second:
        buckets[-1] = (second, pick(buckets[-1][1], value))
    else:
        buckets.append((second, value))


def _forget_before(buckets: deque[tuple[int, float]], second: float) -> None:
    while len(buckets) > 1 and buckets[0][0] < second:
        buckets.popleft()


class JitterBuffer:
    """Float32 mono samples between the decoded stream and the device feed."""

    def __init__(self, rate: int) -> None:
        self._lock = threading.Lock()
        self._chunks: deque[np.ndarray] = deque()
        self._size = 0
        self._target = int(rate * JITTER_TARGET_S)
        self._keep = int(rate * JITTER_KEEP_S)
        self._cushion_max = int(rate * JITTER_CUSHION_MAX_S)
        self._margin = int(rate * JITTER_MARGIN_S)
        self._late_margin = int(rate * LATENESS_MARGIN_S)
        self._min_trim = int(rate * JITTER_MIN_TRIM_S)
        self._window = int(rate * TRIM_WINDOW_S)
        self._first_window = int(rate * FIRST_TRIM_WINDOW_S)
        self._max = int(rate * JITTER_MAX_S)
        self._fade = np.linspace(0.0, 1.0, max(2, int(rate * CROSSFADE_S)), dtype=np.float32)
        self._playing = False
        self._started = False
        self._dry = 0
        self._cushion = int(rate * JITTER_START_CUSHION_S)
        """Learned from running dry; relaxes towards ``JITTER_KEEP_S``."""
        self._lateness = 0
        """Peak arrival lateness of the last minute (:meth:`expect_lateness`)."""
        self._rate = rate
        self._ahead = 0
        self._last = np.zeros(0, dtype=np.float32)
        self._low = self._max
        self._window_left = self._window
        self._burst = int(rate * BURST_S)
        self._short_window = False
        self.underruns = 0
        self.trimmed_samples = 0
        self.concealed_samples = 0
        self.stretched_samples = 0
        """Output samples gained by playing slower (clock drift compensation)."""

    @property
    def buffered(self) -> int:
        return self._size

    @property
    def _level(self) -> int:
        return self._size + self._ahead

    @property
    def cushion(self) -> int:
        """Samples the buffer currently keeps in reserve against late audio: what
        running dry taught it, or the peak lateness of arrivals plus a margin."""
        covered = (
            min(self._cushion_max, self._lateness + self._late_margin) if self._lateness else 0
        )
        return max(self._cushion, covered)

    def expect_lateness(self, seconds: float) -> None:
        """Keep enough in reserve for audio arriving ``seconds`` late (capped at
        ``JITTER_CUSHION_MAX_S``); called with :meth:`ArrivalLateness.arrived`."""
        with self._lock:
            self._lateness = max(0, int(self._rate * seconds))

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
        if self._playing and not self._short_window and self._level > self.cushion + self._burst:
            self._restart_window()  # the lowest level from here on: after the burst
            self._window_left = self._first_window
            self._short_window = True
        if self._size <= self._max:
            return
        while self._size > self._resume_level() + len(samples) and len(self._chunks) > 1:
            dropped = self._chunks.popleft()
            self._size -= len(dropped)
            self.trimmed_samples += len(dropped)

    def _resume_level(self) -> int:
        return max(self._target, self.cushion)

    @property
    def ahead(self) -> int:
        """Samples the device held after this buffer at the last pull."""
        return self._ahead

    def pull(self, out: np.ndarray, ahead: int = 0) -> bool:
        """Fill ``out`` (1-D); returns False (and writes silence) while buffering.

        ``ahead``: samples already written to the device and not yet played. They are
        part of the reserve: the level held against the cushion is this buffer's plus
        the device's, so the reserve can sit in the device, which plays on while the
        process is held up (see ``audio.AudioEngine``)."""
        with self._lock:
            self._ahead = max(0, ahead)
            if not self._playing and not self._resume(len(out)):
                out.fill(0)
                return False
            if self._level < self.cushion - self._margin and self._stretch(out):
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
        if self._level < self._resume_level():
            if self._started and self._size == 0:
                self._dry += pulled  # nothing at all came: the stall outlasted the buffer
            return False
        if self._started:
            grown = self.cushion + min(self._dry, self._cushion_max) + self._margin
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
        self._short_window = False

    def _observe(self, pulled: int) -> None:
        """Track the lowest level of the window; at its end, relax the cushion and
        drop what was queued above it the whole window."""
        self._low = min(self._low, self._level)
        self._window_left -= pulled
        if self._window_left > 0:
            return
        self._cushion = self._keep + int((self._cushion - self._keep) * CUSHION_RELAX)
        excess = min(self._low - self.cushion, self._size - len(self._fade))
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
            self._dry = self._ahead = 0
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
