"""The one place the console reaches into aiortc's receiver: its jitter buffers and PLI.

aiortc 1.16 gives an ``RTCRtpReceiver`` a fixed jitter buffer and no public knob to
change it (``__init__``: ``JitterBuffer(capacity=16, prefetch=4)`` for audio,
``JitterBuffer(capacity=512, is_video=True)`` for video). Three behaviours of those
buffers cost the console its audio bars and its recovery from loss
(docs/performance.md, docs/decisions/0006-aiortc-receive-buffers.md):

- audio is buffered twice: aiortc holds 4 Opus packets (80 ms) before releasing any,
  then :class:`lens_desktop.media.audio.JitterBuffer` buffers again by time;
- after a lost audio packet aiortc releases nothing until 16 packets (320 ms) have
  piled up behind it, and from then on only one frame per arriving packet, so that
  backlog never drains: latency ratchets up ~300 ms for the rest of the call;
- a video packet that NACK did not repair blocks every frame behind it until 512
  packets (2-3 s at 2 Mbit/s) have arrived, and only then is a keyframe requested.

:func:`install` replaces the buffer of ONE receiver, right after its track arrived
(before any packet), with :class:`AudioPacketBuffer` or :class:`VideoFrameBuffer`;
:func:`request_keyframe` sends the receiver's picture-loss indication. Both check the
aiortc internals they rely on and raise :class:`AiortcInternalsChanged` if those are
gone (pyproject pins aiortc to the versions this was checked against, and
tests/unit/lens_desktop/media/test_aiortc_receiver.py fails on a version that differs).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aiortc.jitterbuffer import JitterBuffer, JitterFrame
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket
from aiortc.utils import uint16_add

from lens_desktop.media.media_loop import MEDIA_RT_PRIORITY, set_realtime

BUFFER_ATTRIBUTE = "_RTCRtpReceiver__jitter_buffer"
"""Name-mangled ``RTCRtpReceiver.__jitter_buffer``; ``_handle_rtp_packet`` calls its
``add(packet) -> (pli_flag, frame or None)`` once per RTP packet."""
DECODER_ATTRIBUTE = "_RTCRtpReceiver__decoder_thread"
"""Name-mangled ``RTCRtpReceiver.__decoder_thread``, started by ``receive()``."""
MAX_MISORDER = 100
"""A packet this many sequence numbers behind the newest is late; further back, the
sender restarted its numbering (aiortc's own threshold)."""
VIDEO_CAPACITY = 512
VIDEO_HOLE_TIMEOUT_S = 0.25
"""How long a missing video packet may block the frames behind it: NACK repairs a loss
within about one round trip, so after this the packet is given up and a keyframe asked
for instead."""


class AiortcInternalsChanged(RuntimeError):
    """aiortc no longer has the receiver internals this module was written against."""


class AudioPacketBuffer(JitterBuffer):
    """Opus packets in sequence order, each released as soon as it arrives.

    One RTP packet carries one whole Opus frame, so there is nothing to reassemble;
    the time-based buffering happens once, in the audio engine. A missing packet is
    given up as soon as a later one arrives (the engine conceals the gap), and a packet
    that arrives after that is dropped as late: a single audio flow is rarely
    reordered, and waiting for it would delay everything behind it.
    """

    def __init__(self, on_first_packet: Callable[[], object] | None = None) -> None:
        super().__init__(capacity=16)
        self._on_first_packet = on_first_packet
        self._next: int | None = None
        self.packets_missing = 0
        """Sequence numbers never seen (lost, or late and dropped)."""
        self.packets_late = 0

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        seq = packet.sequence_number
        if self._on_first_packet is not None:
            callback, self._on_first_packet = self._on_first_packet, None
            callback()
        if self._next is not None:
            behind = uint16_add(self._next, -seq)
            if 0 < behind <= MAX_MISORDER:
                self.packets_late += 1
                return False, None
            ahead = uint16_add(seq, -self._next)
            if ahead < MAX_MISORDER:
                self.packets_missing += ahead
        self._next = uint16_add(seq, 1)
        data: bytes = getattr(packet, "_data", b"")  # set by aiortc's depayload step
        return False, JitterFrame(data=data, timestamp=packet.timestamp)


class VideoFrameBuffer(JitterBuffer):
    """aiortc's video buffer, except that an unrepaired hole does not block for long.

    While a packet is missing, aiortc's buffer releases nothing behind it. Here, once
    the first packet behind the hole has waited ``hole_timeout`` seconds, the hole and
    the partial frame(s) around it are dropped, the frames behind are released, and a
    keyframe is requested (the decoder's references are broken until one arrives).
    """

    def __init__(
        self,
        hole_timeout: float = VIDEO_HOLE_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(capacity=VIDEO_CAPACITY, is_video=True)
        self._hole_timeout = hole_timeout
        self._clock = clock
        self._arrived = [0.0] * VIDEO_CAPACITY
        self._newest: int | None = None
        self._last_release = clock()
        self.holes_skipped = 0

    def add(self, packet: RtpPacket) -> tuple[bool, JitterFrame | None]:
        now = self._clock()
        pli, frame = super().add(packet)
        self._note_arrival(packet, now)
        if frame is None and now - self._last_release >= self._hole_timeout:
            while frame is None and self._skip_old_hole(now):
                pli = True
                self.holes_skipped += 1
                frame = self._remove_frame(packet.sequence_number)
        if frame is not None:
            self._last_release = now
        return pli, frame

    def _note_arrival(self, packet: RtpPacket, now: float) -> None:
        seq = packet.sequence_number
        if self._packets[seq % VIDEO_CAPACITY] is not packet:
            return  # dropped as late or as a duplicate
        self._arrived[seq % VIDEO_CAPACITY] = now
        newest = self._newest
        if newest is None or not self._holds(newest) or uint16_add(seq, -newest) < 0x8000:
            self._newest = seq

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
        if now - self._arrived[(self._origin + after) % VIDEO_CAPACITY] < self._hole_timeout:
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


def install(receiver: RTCRtpReceiver, kind: str) -> JitterBuffer:
    """Give ``receiver`` the console's buffer for ``kind``; call it from the track
    event, before any packet arrived. Returns the new buffer (its counters are stats)."""
    current = getattr(receiver, BUFFER_ATTRIBUTE, None)
    if not isinstance(current, JitterBuffer) or not callable(getattr(current, "add", None)):
        raise AiortcInternalsChanged(
            f"aiortc's RTCRtpReceiver has no {BUFFER_ATTRIBUTE} JitterBuffer any more"
        )
    buffer: JitterBuffer
    if kind == "audio":
        buffer = AudioPacketBuffer(on_first_packet=lambda: prioritise_decoder(receiver))
    else:
        buffer = VideoFrameBuffer()
    setattr(receiver, BUFFER_ATTRIBUTE, buffer)
    return buffer


def prioritise_decoder(receiver: RTCRtpReceiver) -> bool:
    """Run the receiver's decoder thread at the media thread's real-time priority.

    For audio only (Opus costs ~1 s of CPU a minute): every decoded frame passes
    through this thread on its way to the speaker, and at normal priority it waited
    2-3 s a minute for a core on a busy machine, which reached the playout buffer as
    gaps of up to 100 ms. Called on the first packet, when ``receive()`` has started
    the thread. False when there is no such thread or the OS refuses."""
    thread = getattr(receiver, DECODER_ATTRIBUTE, None)
    tid = getattr(thread, "native_id", None)
    return tid is not None and set_realtime(tid, MEDIA_RT_PRIORITY, round_robin=True)


async def request_keyframe(receiver: RTCRtpReceiver) -> int:
    """Send a picture-loss indication for every SSRC the receiver hears; how many."""
    send: Any = getattr(receiver, "_send_rtcp_pli", None)
    if send is None:
        raise AiortcInternalsChanged("aiortc's RTCRtpReceiver has no _send_rtcp_pli any more")
    sources = receiver.getSynchronizationSources()
    for source in sources:
        await send(source.source)
    return len(sources)
