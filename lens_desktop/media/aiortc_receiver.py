"""The one place the console reaches into aiortc's receiver: its jitter buffers and PLI.

aiortc 1.16 gives an ``RTCRtpReceiver`` a fixed jitter buffer and no public knob to
change it (``__init__``: ``JitterBuffer(capacity=16, prefetch=4)`` for audio,
``JitterBuffer(capacity=512, is_video=True)`` for video). Three behaviours of those
buffers cost the console its audio bars and its recovery from loss
(docs/performance.md, docs/decisions/0006-aiortc-receive-buffers.md):

- audio is buffered twice: aiortc holds 4 Opus packets (80 ms) before releasing any,
  then :class:`lens_desktop.media.playout.JitterBuffer` buffers again by time;
- after a lost audio packet aiortc releases nothing until 16 packets (320 ms) have
  piled up behind it, and from then on only one frame per arriving packet, so that
  backlog never drains: latency ratchets up ~300 ms for the rest of the call;
- a video packet that NACK did not repair blocks every frame behind it until 512
  packets (2-3 s at 2 Mbit/s) have arrived, and only then is a keyframe requested.

Audio also takes a shorter road: :class:`AudioPacketBuffer` decodes each packet the
moment it arrives, on the loop that received it, and hands the frame straight to the
playout buffer. aiortc's road (a queue to its decoder thread, back to the loop with
``run_coroutine_threadsafe``, through the track's queue to a playback task) is four
hand-overs of the GIL and three loop turns; on a busy machine it made frames up to
20 ms later than their packets (docs/performance.md), and the playout buffer has to keep
that much more in reserve.

:func:`install` replaces the buffer of ONE receiver, right after its track arrived
(before any packet), with :class:`AudioPacketBuffer` or :class:`VideoFrameBuffer`;
:func:`request_keyframe` sends the receiver's picture-loss indication, and
:func:`nack_sender` its NACK. All three check the aiortc internals they rely on and
raise :class:`AiortcInternalsChanged` if those are gone (pyproject pins aiortc to the
versions this was checked against, and
tests/unit/lens_desktop/media/test_aiortc_receiver.py fails on a version that differs).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping
from statistics import median_high
from typing import Any

import av
from aiortc.codecs import get_decoder
from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver, TimestampMapper
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add

log = logging.getLogger(__name__)

BUFFER_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"
"""Name-mangled ``RTCRtpReceiver.__jitter_buffer``; ``_handle_rtp_packet`` calls its
``add(packet) -> (pli_flag, frame or None)`` once per RTP packet."""
CODECS_ATTRIBUTE = "_RTCRtpReceiver__codecs"
"""Name-mangled ``RTCRtpReceiver.__codecs``: payload type -> codec, filled in place by
``receive()``."""
MAX_MISORDER = 100
"""A packet this many sequence numbers behind the newest is late; further back, the
sender restarted its numbering (aiortc's own threshold)."""
VIDEO_CAPACITY = 512
KEYFRAME_WAIT_MAX_S = 2.0
"""After a skipped hole, how long VP8 frames are held back for a keyframe before the
broken ones are shown after all (a sender that never answers a PLI)."""
VIDEO_HOLE_TIMEOUT_S = 0.25
"""How long a missing video packet may block the frames behind it before any repair was
seen: NACK repairs a loss within about one round trip, so after this the packet is given
up and a keyframe asked for instead."""
HOLE_TIMEOUT_MIN_S = 0.1
"""The shortest the hole timeout gets on a fast network: below this, a media loop held
up for a moment would give up retransmissions already waiting in the socket."""
HOLE_TIMEOUT_MAX_S = 1.0
"""The longest: on a slower link a keyframe (one more round trip) is quicker than that."""
REPAIR_MARGIN = 2.5
REPAIR_SLACK_S = 0.04
"""Once repairs were seen, the timeout is ``REPAIR_MARGIN`` x the median recent repair
+ ``REPAIR_SLACK_S``, within the bounds above: room for the first request and one
more. The median, not the slowest: aiortc asks again for every missing packet
whenever a new one goes missing, so a packet whose retransmission was lost too may be
repaired by a later request, much later than a round trip (one 5 % loss run drove a
"slowest repair" timeout to 977 ms)."""
ASK_AGAIN_MARGIN = 1.2
ASK_AGAIN_SLACK_S = 0.01
"""A packet still missing ``ASK_AGAIN_MARGIN`` x the median first-request repair +
``ASK_AGAIN_SLACK_S`` after it was last asked for is asked for again (its
retransmission was lost too). aiortc asks only when another packet goes missing; a
sender ignores a request repeated within a round trip (libwebrtc does), hence more
than one repair time. Only repairs of packets asked for once count here: one that took
a second request measures this interval plus a round trip, and following those would
lengthen the interval at every loss (an integration test drove the timeout to 794 ms
that way when every first retransmission was lost)."""
ASK_AGAIN_FIRST_S = 0.1
"""How soon to ask again before any repair was seen."""
REPAIR_SAMPLES = 32
"""How many of the latest repairs the timeout follows."""
GAP_MEMORY_S = 2.0
"""How long a missing packet is remembered, so that a repair arriving after its hole was
given up still counts (and lengthens the timeout)."""


class AiortcInternalsChanged(RuntimeError):
    """aiortc no longer has the receiver internals this module was written against."""


class AudioPacketBuffer(JitterBuffer):
    """Audio packets in sequence order, each decoded and played as soon as it arrives.

    One RTP packet carries one whole Opus frame, so there is nothing to reassemble;
    the time-based buffering happens once, in the audio engine. Each packet is decoded
    here, on the receiving loop, and its frames go to ``on_frame`` (no ``on_frame``:
    they are dropped undecoded, as when the console has no audio); aiortc gets nothing
    back, so its decoder thread and the track's queue stay empty. A missing packet is
    given up as soon as a later one arrives (the engine conceals the gap), and a packet
    that arrives after that is dropped as late: a single audio flow is rarely
    reordered, and waiting for it would delay everything behind it.
    """

    def __init__(
        self,
        codecs: Mapping[int, RTCRtpCodecParameters] | None = None,
        on_frame: Callable[[av.AudioFrame], object] | None = None,
    ) -> None:
        super().__init__(capacity=16)
        self._codecs = codecs if codecs is not None else {}
        self._on_frame = on_frame
        self._decoder: Any = None
        self._codec_name = ""
        self._timestamps = TimestampMapper()
        self._next: int | None = None
        self.packets_missing = 0
        """Sequence numbers never seen (lost, or late and dropped)."""
        self.packets_late = 0
        self.decode_errors = 0

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._next is not None:
            behind = uint16_add(self._next, -seq)
            if 0 < behind <= MAX_MISORDER:
                self.packets_late += 1
                return False, None
            ahead = uint16_add(seq, -self._next)
            if ahead < MAX_MISORDER:
                self.packets_missing += ahead
        self._next = uint16_add(seq, 1)
        if self._on_frame is not None:
            self._play(packet)
        return False, None

    def _play(self, packet: RtpPacket) -> None:
        """Decode ``packet`` with its payload type's codec and hand on its frames."""
        codec = self._codecs.get(packet.payload_type)
        if codec is None:
            return  # aiortc drops unknown payload types before they get here
        if codec.name != self._codec_name:
            self._decoder, self._codec_name = get_decoder(codec), codec.name
        data: bytes = getattr(packet, "_data", b"")  # set by aiortc's depayload step
        if not data:
            return  # padding only: an empty packet would end the decoder's stream
        encoded = JitterFrame(data=data, timestamp=self._timestamps.map(packet.timestamp))
        try:
            frames = self._decoder.decode(encoded)
        except av.FFmpegError as exc:  # one bad packet: conceal it, keep the decoder
            self.decode_errors += 1
            log.warning("could not decode a %s audio packet: %s", codec.name, exc)
            return
        assert self._on_frame is not None
        for frame in frames:
            self._on_frame(frame)


class VideoFrameBuffer(JitterBuffer):
    """aiortc's video buffer, except that an unrepaired hole does not block for long.

    While a packet is missing, aiortc's buffer releases nothing behind it. Here, once
    the first packet behind the hole has waited :attr:`hole_timeout` seconds, the hole
    and the partial frame(s) around it are dropped, the frames behind are released, and
    a keyframe is requested (the decoder's references are broken until one arrives).

    The timeout follows how long repairs usually take: from the packet that showed a
    gap (aiortc sends its NACK then) to the missing packet's arrival, the round trip and
    the sender's reaction included. Until a repair was seen it is ``hole_timeout``; on
    loopback repairs take milliseconds and it falls to ``HOLE_TIMEOUT_MIN_S``, on a
    200 ms link it rises above the round trip, where a fixed 250 ms gave up every
    retransmission before it could arrive.

    A packet whose retransmission did not come in about a repair time is asked for
    again (``nack(ssrc, sequence_numbers)``, given by :func:`install`), until its hole
    times out: with 5 % loss one retransmission in twenty is lost too, and aiortc asks
    again only when another packet goes missing.

    For VP8 (``codecs`` tells the payload type's codec) the frames behind a skipped
    hole are held back until that keyframe: decoded against a missing reference they
    are smeared and blocky (one 1 % loss run painted 267 such frames, 9 s of them),
    and a frozen clear picture is what a technician can still read. Meanwhile the
    console's keyframe watchdog sees no frame and asks again every 0.4 s; after
    ``KEYFRAME_WAIT_MAX_S`` without one, frames are released anyway.
    """

    def __init__(
        self,
        hole_timeout: float = VIDEO_HOLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        codecs: Mapping[int, RTCRtpCodecParameters] | None = None,
        nack: Callable[[int, list[int]], object] | None = None,
    ) -> None:
        super().__init__(capacity=VIDEO_CAPACITY, is_video=True)
        self.hole_timeout = hole_timeout
        """Seconds a hole may block the frames behind it, as of the latest repair."""
        self._ask_again_after = ASK_AGAIN_FIRST_S
        self._nack = nack
        self._clock = clock
        self._codecs = codecs if codecs is not None else {}
        self._arrived = [0.0] * VIDEO_CAPACITY
        self._newest: int | None = None
        self._gaps: OrderedDict[int, float] = OrderedDict()
        """Missing sequence numbers -> when a later packet showed them missing."""
        self._asked: dict[int, float] = {}
        """Missing sequence numbers still waited for -> when last asked for."""
        self._asked_more: set[int] = set()
        """Missing sequence numbers asked for more than once (by this buffer, or by
        aiortc, which asks for all of them whenever another goes missing)."""
        self._first_repairs: deque[float] = deque(maxlen=REPAIR_SAMPLES)
        self._repairs: deque[float] = deque(maxlen=REPAIR_SAMPLES)
        self._last_release = clock()
        self._broken_since: float | None = None
        """When a skipped hole broke the decoder's references (None: intact)."""
        self.holes_skipped = 0
        self.frames_held = 0
        """Frames not released because they came after a skipped hole, before a keyframe."""
        self.asked_again = 0
        """Missing packets asked for again by this buffer (aiortc's own requests aside)."""
        self.on_encoded: Callable[[JitterFrame, str], object] | None = None
        """``on_encoded(frame, mime_type)`` with every reassembled frame released to
        the decoder, on the receiving loop (the session recorder: must not block)."""

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        now = self._clock()
        pli, frame = super().add(packet)
        self._note_arrival(packet, now)
        if frame is None and now - self._last_release >= self.hole_timeout:
            while frame is None and self._skip_old_hole(now):
                pli = True
                self.holes_skipped += 1
                if self._broken_since is None and self._is_vp8(packet):
                    self._broken_since = now
                frame = self._remove_frame(packet.sequence_number)
        if self._asked and self._nack is not None:
            self._ask_again(packet.ssrc, now)
        if frame is not None and self._broken_since is not None:
            if is_vp8_keyframe(frame) or now - self._broken_since > KEYFRAME_WAIT_MAX_S:
                self._broken_since = None
            else:
                self.frames_held += 1
                frame = None
        if frame is not None:
            self._last_release = now
            on_encoded = self.on_encoded
            if on_encoded is not None:
                codec = self._codecs.get(packet.payload_type)
                try:
                    on_encoded(frame, codec.mimeType if codec is not None else "")
                except Exception:  # the recorder's fault must never stop the video
                    log.exception("the encoded-frame tap failed")
        return pli, frame

    def _is_vp8(self, packet: RtpPacket) -> bool:
        codec = self._codecs.get(packet.payload_type)
        return codec is not None and codec.mimeType.lower() == "video/vp8"

    def _note_arrival(self, packet: RtpPacket, now: float) -> None:
        seq = packet.sequence_number
        noticed = self._gaps.pop(seq, None)
        if noticed is not None:
            self._asked.pop(seq, None)
            first = seq not in self._asked_more
            self._asked_more.discard(seq)
            self._note_repair(now - noticed, first)
        if self._packets[seq % VIDEO_CAPACITY] is not packet:
            return  # dropped as late or as a duplicate
        self._arrived[seq % VIDEO_CAPACITY] = now
        newest = self._newest
        if newest is None or not self._holds(newest) or uint16_add(seq, -newest) < 0x8000:
            if newest is not None and 1 < uint16_add(seq, -newest) < VIDEO_CAPACITY:
                self._note_gap(newest, seq, now)
            self._newest = seq

    def _note_gap(self, newest: int, seq: int, now: float) -> None:
        """Remember the packets between ``newest`` and ``seq`` as missing since ``now``
        (aiortc asks for them now, and again for all those still waited for)."""
        self._asked_more.update(self._asked)
        for missing in range(1, uint16_add(seq, -newest)):
            seq_missing = uint16_add(newest, missing)
            self._gaps[seq_missing] = self._asked[seq_missing] = now
        while self._gaps and next(iter(self._gaps.values())) < now - GAP_MEMORY_S:
            forgotten = self._gaps.popitem(last=False)[0]
            self._asked.pop(forgotten, None)
            self._asked_more.discard(forgotten)

    def _note_repair(self, took: float, first_request: bool) -> None:
        """A missing packet arrived ``took`` s after its gap showed; ``first_request``:
        it was asked for only once."""
        self._repairs.append(took)
        timeout = REPAIR_MARGIN * median_high(self._repairs) + REPAIR_SLACK_S
        self.hole_timeout = min(max(timeout, HOLE_TIMEOUT_MIN_S), HOLE_TIMEOUT_MAX_S)
        if first_request:
            self._first_repairs.append(took)
            self._ask_again_after = (
                ASK_AGAIN_MARGIN * median_high(self._first_repairs) + ASK_AGAIN_SLACK_S
            )

    def _ask_again(self, ssrc: int, now: float) -> None:
        """Request the packets not repaired within a repair time of the last request
        (forgetting those whose hole was skipped meanwhile)."""
        due = []
        for seq in [s for s, asked in self._asked.items() if now - asked >= self._ask_again_after]:
            if self._holds(seq) and self._packets[seq % VIDEO_CAPACITY] is None:
                self._asked[seq] = now
                due.append(seq)
            else:
                del self._asked[seq]
        if not due:
            return
        self._asked_more.update(due)
        self.asked_again += len(due)
        assert self._nack is not None
        self._nack(ssrc, sorted(due))

    def _holds(self, seq: int) -> bool:
        """Whether ``seq`` lies in the buffer's current window."""
        return self._origin is not None and uint16_add(seq, -self._origin) < VIDEO_CAPACITY

    def _skip_old_hole(self, now: float) -> bool:
        """Drop up to and including the frame broken by the first hole, if the packet
        after the hole has waited long enough; False when there is nothing to skip."""
        if self._origin is None or self._newest is None or not self._holds(self._newest):
            return False
        span = uint16_add(self._newest, -self._origin) + 1
        hole = next((i for i in range(span) if self._slot(i) is None), None)
        if hole is None:
            return False
        after = next((i for i in range(hole, span) if self._slot(i) is not None), None)
        if after is None:
            return False
        if now - self._arrived[(self._origin + after) % VIDEO_CAPACITY] < self.hole_timeout:
            return False
        broken = self._slot(after)
        assert broken is not None
        drop = after
        while drop < span and self._timestamp(drop) == broken.timestamp:
            drop += 1  # the frame right after the hole may have lost its first packets
        self.remove(drop)
        return True

    def _timestamp(self, offset: int) -> int | None:
        packet = self._slot(offset)
        return None if packet is None else packet.timestamp

    def _slot(self, offset: int) -> RtpPacket | None:
        assert self._origin is not None
        return self._packets[(self._origin + offset) % VIDEO_CAPACITY]


def is_vp8_keyframe(frame: JitterFrame) -> bool:
    """Whether a reassembled VP8 frame is a keyframe: bit 0 of its frame tag is 0
    (RFC 6386, section 9.1; aiortc's depayload has already removed the RTP descriptor)."""
    return bool(frame.data) and frame.data[0] & 0x01 == 0


def install(
    receiver: RTCRtpReceiver,
    kind: str,
    on_audio: Callable[[av.AudioFrame], object] | None = None,
) -> JitterBuffer:
    """Give ``receiver`` the console's buffer for ``kind``; call it from the track
    event, before any packet arrived. Decoded audio goes to ``on_audio``, on the loop
    that receives the packets (none: audio is dropped). Returns the new buffer (its
    counters are stats)."""
    current = getattr(receiver, BUFFER_ATTRIBUTE, None)
    if not isinstance(current, JitterBuffer) or not callable(getattr(current, "add", None)):
        raise AiortcInternalsChanged(
            f"aiortc's RTCRtpReceiver has no {BUFFER_ATTRIBUTE} JitterBuffer any more"
        )
    codecs = getattr(receiver, CODECS_ATTRIBUTE, None)
    if not isinstance(codecs, dict):
        raise AiortcInternalsChanged(f"aiortc's RTCRtpReceiver has no {CODECS_ATTRIBUTE}")
    buffer: JitterBuffer
    if kind == "audio":
        buffer = AudioPacketBuffer(codecs, on_audio)
    else:
        buffer = VideoFrameBuffer(codecs=codecs, nack=nack_sender(receiver))
    setattr(receiver, BUFFER_ATTRIBUTE, buffer)
    return buffer


def nack_sender(receiver: RTCRtpReceiver) -> Callable[[int, list[int]], None]:
    """``nack(ssrc, sequence_numbers)``: sends the receiver's RTCP NACK from a task on
    the running loop (the buffer asks from inside aiortc's packet handler)."""
    send: Any = getattr(receiver, "_send_rtcp_nack", None)
    if send is None:
        raise AiortcInternalsChanged("aiortc's RTCRtpReceiver has no _send_rtcp_nack any more")
    pending: set[asyncio.Task[None]] = set()

    def nack(ssrc: int, lost: list[int]) -> None:
        task = asyncio.get_running_loop().create_task(send(ssrc, lost))
        pending.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(pending.discard)

    return nack


async def request_keyframe(receiver: RTCRtpReceiver) -> int:
    """Send a picture-loss indication for every SSRC the receiver hears; how many."""
    send: Any = getattr(receiver, "_send_rtcp_pli", None)
    if send is None:
        raise AiortcInternalsChanged("aiortc's RTCRtpReceiver has no _send_rtcp_pli any more")
    sources = receiver.getSynchronizationSources()
    for source in sources:
        await send(source.source)
    return len(sources)
