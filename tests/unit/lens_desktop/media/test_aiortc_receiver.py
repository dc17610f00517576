"""The console's receive-side jitter buffers, against aiortc's own on the same packets,
and the guard on the aiortc internals they replace (fails when aiortc changes)."""

from __future__ import annotations

import asyncio
import fractions
import inspect
from types import SimpleNamespace

import aiortc
import av
import numpy as np
import pytest
from aiortc.codecs.opus import OpusEncoder
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from lens_desktop.media import aiortc_receiver
from lens_desktop.media.aiortc_receiver import (
    AiortcInternalsChanged,
    AudioPacketBuffer,
    VideoFrameBuffer,
)


def encode_opus(count: int) -> list[bytes]:
    """``count`` real 20 ms Opus packets of a 440 Hz tone (aiortc's own encoder)."""
    encoder = OpusEncoder()
    t = np.arange(960 * count) / 48000
    tone = (8000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)
    payloads = []
    for n in range(count):
        frame = av.AudioFrame.from_ndarray(
            tone[n * 960 : (n + 1) * 960].reshape(1, -1), format="s16", layout="mono"
        )
        frame.sample_rate, frame.pts = 48000, n * 960
        frame.time_base = fractions.Fraction(1, 48000)
        payloads += encoder.encode(frame)[0]
    return payloads


OPUS = encode_opus(50)
CODECS = {
    111: RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)
}


def opus(seq: int, data: bytes | None = None) -> RtpPacket:
    """One 20 ms Opus packet, as aiortc's receiver hands it to the buffer."""
    packet = RtpPacket(payload_type=111, sequence_number=seq % 65536, timestamp=seq * 960 % 2**32)
    packet._data = OPUS[seq % len(OPUS)] if data is None else data  # type: ignore[attr-defined]
    return packet


def playing() -> tuple[AudioPacketBuffer, list[av.AudioFrame]]:
    """The console's audio buffer and the decoded frames it has handed on."""
    frames: list[av.AudioFrame] = []
    return AudioPacketBuffer(CODECS, frames.append), frames


def held_stock(buffer: JitterBuffer, seqs: list[int]) -> list[int]:
    """For each packet added to aiortc's buffer, how many it holds back after it."""
    out, released = [], 0
    for added, seq in enumerate(seqs, start=1):
        _, frame = buffer.add(opus(seq))
        released += frame is not None
        out.append(added - released)
    return out


def test_audio_is_played_as_it_arrives_and_a_loss_adds_no_latency() -> None:
    packets = [s for s in range(200) if s != 50]  # one packet lost
    buffer, frames = playing()
    held = []
    for added, seq in enumerate(packets, start=1):
        assert buffer.add(opus(seq)) == (False, None)  # nothing for aiortc's decoder
        held.append(added - len(frames))
    assert set(held) == {0}  # every packet is decoded as it arrives, before and after
    assert all(f.samples == 960 and f.sample_rate == 48000 for f in frames)
    stock = held_stock(JitterBuffer(capacity=16, prefetch=4), packets)
    assert stock[40] == 4  # aiortc: 80 ms before the loss...
    assert stock[-1] >= 15  # ...and 300 ms for the rest of the call after it


def test_audio_keeps_order_drops_late_and_counts_missing() -> None:
    buffer, frames = playing()
    for seq in (1, 2, 4, 3, 5):
        buffer.add(opus(seq))
    # pts from the first packet on: 4 follows a gap (concealed by the engine), 3 is late
    assert [f.pts for f in frames] == [0, 960, 3 * 960, 4 * 960]
    assert buffer.packets_late == 1 and buffer.packets_missing == 1


def test_audio_follows_wraparound_and_a_restarted_sender() -> None:
    buffer, frames = playing()
    for seq in (65534, 65535, 65536, 65537):
        buffer.add(opus(seq))
    assert len(frames) == 4
    buffer.add(opus(9000))  # far behind: the sender restarted
    buffer.add(opus(9001))
    assert len(frames) == 6 and buffer.packets_late == 0


def test_a_bad_audio_packet_is_skipped_and_the_stream_plays_on() -> None:
    buffer, frames = playing()
    buffer.add(opus(1))
    buffer.add(opus(2, data=b"\xff\xff\xff"))  # not Opus
    buffer.add(opus(3, data=b""))  # no payload (padding only): nothing to decode
    buffer.add(opus(4))
    assert buffer.decode_errors == 1
    assert [f.pts for f in frames] == [0, 3 * 960]


def test_without_a_speaker_audio_is_dropped_undecoded() -> None:
    buffer = AudioPacketBuffer(CODECS)
    assert all(buffer.add(opus(s)) == (False, None) for s in range(10))
    assert buffer._decoder is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def vp8(seq: int, frame: int) -> RtpPacket:
    packet = RtpPacket(sequence_number=seq, timestamp=frame * 3000)
    packet._data = b"\x00" * 10  # type: ignore[attr-defined]
    return packet


def video_stream(frames: int, per_frame: int = 3) -> list[RtpPacket]:
    return [vp8(f * per_frame + i, f) for f in range(frames) for i in range(per_frame)]


def feed(buffer: JitterBuffer, packets: list[RtpPacket], clock: Clock) -> list[tuple[bool, int]]:
    """(pli, frame timestamp // 3000) for every frame the buffer releases; 33 ms apart."""
    out = []
    for i, packet in enumerate(packets):
        if i % 3 == 0:
            clock.now += 0.033
        pli, frame = buffer.add(packet)
        if frame is not None or pli:
            out.append((pli, frame.timestamp // 3000 if frame else -1))
    return out


def test_video_without_loss_is_released_frame_by_frame_like_aiortc() -> None:
    clock = Clock()
    ours = feed(VideoFrameBuffer(clock=clock), video_stream(20), clock)
    stock = feed(JitterBuffer(capacity=512, is_video=True), video_stream(20), clock)
    assert ours == stock == [(False, f) for f in range(19)]


@pytest.mark.parametrize(
    ("lost", "last_before"),
    [
        ({31}, 9),  # the middle of frame 10: frame 10 is dropped
        ({29, 30}, 8),  # the end of frame 9 and the start of frame 10: both dropped
    ],
)
def test_an_unrepaired_video_hole_is_skipped_with_a_keyframe_request(
    lost: set[int], last_before: int
) -> None:
    clock = Clock()
    packets = [p for p in video_stream(60) if p.sequence_number not in lost]
    released = feed(VideoFrameBuffer(clock=clock), packets, clock)
    skip = next(i for i, (pli, _) in enumerate(released) if pli)
    frames = [f for _, f in released]
    assert frames[:skip] == list(range(last_before + 1))
    assert frames[skip:] == list(range(11, 59))
    # aiortc's own buffer: nothing after the hole until 512 packets have piled up.
    stock = feed(JitterBuffer(capacity=512, is_video=True), packets, Clock())
    assert [f for _, f in stock] == list(range(last_before + 1))


VP8 = {96: RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)}


def vp8_stream(frames: int, keyframes: set[int], per_frame: int = 3) -> list[RtpPacket]:
    """VP8 frames whose frame tag says key (bit 0 clear) for ``keyframes``, else inter."""
    packets = []
    for f in range(frames):
        for i in range(per_frame):
            packet = vp8(f * per_frame + i, f)
            packet.payload_type = 96
            packet._data = (b"\x00" if f in keyframes else b"\x01") + b"\x00" * 9  # type: ignore[attr-defined]
            packets.append(packet)
    return packets


def test_after_a_skipped_hole_vp8_frames_wait_for_the_keyframe() -> None:
    clock = Clock()
    buffer = VideoFrameBuffer(clock=clock, codecs=VP8)
    packets = [p for p in vp8_stream(60, keyframes={0, 30}) if p.sequence_number != 31]
    frames = [f for _, f in feed(buffer, packets, clock) if f >= 0]
    # Frames 11-29 reference the lost frame 10: not shown, smeared; the picture stays on
    # frame 9 until the keyframe the skip asked for (frame 30) arrives.
    assert frames == [*range(10), *range(30, 59)]
    assert buffer.frames_held == 19 and buffer.holes_skipped == 1


def test_a_sender_that_sends_no_keyframe_is_shown_again_after_a_while() -> None:
    clock = Clock()
    buffer = VideoFrameBuffer(clock=clock, codecs=VP8)
    packets = [p for p in vp8_stream(150, keyframes={0}) if p.sequence_number != 31]
    frames = [f for _, f in feed(buffer, packets, clock) if f >= 0]
    resumed = frames[10]
    assert frames[:10] == list(range(10)) and frames[10:] == list(range(resumed, 149))
    # 33 ms a frame: held back for KEYFRAME_WAIT_MAX_S after the skip (at ~frame 18)
    assert (
        0.9 * aiortc_receiver.KEYFRAME_WAIT_MAX_S
        <= (resumed - 18) * 0.033
        <= 1.2 * aiortc_receiver.KEYFRAME_WAIT_MAX_S
    )


def test_the_hole_blocks_for_the_timeout_only() -> None:
    clock = Clock()
    buffer = VideoFrameBuffer(hole_timeout=0.25, clock=clock)
    packets = [p for p in video_stream(60) if p.sequence_number != 31]
    stalled_at = None
    for i, packet in enumerate(packets):
        if i % 3 == 0:
            clock.now += 0.033
        pli, _ = buffer.add(packet)
        if packet.sequence_number == 32:
            stalled_at = clock.now
        if pli:
            assert stalled_at is not None
            assert 0.25 <= clock.now - stalled_at <= 0.25 + 0.034
            assert buffer.holes_skipped == 1
            return
    raise AssertionError("the hole was never skipped")


def arrivals(
    buffer: VideoFrameBuffer, packets: list[RtpPacket], clock: Clock
) -> tuple[dict[int, float], list[float], list[int]]:
    """Feeds one packet every 11 ms (3 a frame at 30 fps): when each sequence number
    arrived, when a keyframe was asked for, and the frames released."""
    arrived: dict[int, float] = {}
    plis: list[float] = []
    frames: list[int] = []
    for packet in packets:
        clock.now += 0.011
        pli, frame = buffer.add(packet)
        arrived[packet.sequence_number] = clock.now
        if pli:
            plis.append(clock.now)
        if frame is not None:
            frames.append(frame.timestamp // 3000)
    return arrived, plis, frames


def delayed(packets: list[RtpPacket], seq: int, by: int | None) -> list[RtpPacket]:
    """``packets`` with ``seq`` arriving ``by`` packets late (a NACK repair), or never."""
    late = next(p for p in packets if p.sequence_number == seq)
    rest = [p for p in packets if p is not late]
    if by is not None:
        rest.insert([p.sequence_number for p in rest].index(seq + by) + 1, late)
    return rest


def test_the_hole_timeout_falls_when_repairs_come_fast() -> None:
    """Repairs within ~20 ms (a LAN): a hole NACK cannot fill is given up after
    HOLE_TIMEOUT_MIN_S, not after the 250 ms a slow network might need."""
    clock = Clock()
    buffer = VideoFrameBuffer(clock=clock)
    packets = delayed(delayed(video_stream(90), 31, by=2), 151, by=None)
    arrived, plis, frames = arrivals(buffer, packets, clock)
    assert buffer.hole_timeout == aiortc_receiver.HOLE_TIMEOUT_MIN_S
    assert len(plis) == 1 and buffer.holes_skipped == 1
    blocked = plis[0] - arrived[152]
    shortest = aiortc_receiver.HOLE_TIMEOUT_MIN_S
    assert shortest <= blocked <= shortest + 0.012
    assert 10 in frames and 50 not in frames  # 31 repaired (frame 10), 151 given up


def test_the_hole_timeout_rises_when_repairs_come_slowly() -> None:
    """Repairs take 300 ms (a 200 ms link, the sender's reaction): the first one comes
    after the initial 250 ms gave its hole up, and counts all the same; the next is
    waited for instead of costing a keyframe."""
    clock = Clock()
    buffer = VideoFrameBuffer(clock=clock)
    packets = delayed(delayed(video_stream(150), 31, by=27), 301, by=27)
    _, plis, frames = arrivals(buffer, packets, clock)
    assert len(plis) == 1 and buffer.holes_skipped == 1  # the first hole only
    margin, slack = aiortc_receiver.REPAIR_MARGIN, aiortc_receiver.REPAIR_SLACK_S
    assert buffer.hole_timeout == pytest.approx(margin * 0.297 + slack, abs=0.012)
    assert 100 in frames  # frame 100 (seq 300-302) waited for its repair


def test_a_repair_that_took_a_second_request_does_not_lengthen_the_timeout() -> None:
    """aiortc asks again for all missing packets whenever another goes missing, so a
    lost retransmission may still be repaired, long after a round trip; that one slow
    repair among fast ones is not what the network takes."""
    clock = Clock()
    buffer = VideoFrameBuffer(clock=clock)
    packets = video_stream(150)
    for seq, by in ((31, 2), (91, 2), (151, 45), (211, 2), (271, 2), (331, None)):
        packets = delayed(packets, seq, by)
    arrived, plis, _ = arrivals(buffer, packets, clock)
    assert buffer.hole_timeout == aiortc_receiver.HOLE_TIMEOUT_MIN_S
    assert len(plis) == 2  # 151 (given up, its repair came 0.5 s late) and 331
    assert plis[1] - arrived[332] <= aiortc_receiver.HOLE_TIMEOUT_MIN_S + 0.012


def test_a_packet_still_missing_after_a_repair_time_is_asked_for_again() -> None:
    """Repairs take ~22 ms here; a packet whose retransmission was lost too is asked for
    again every 1.2 repair times + 10 ms (aiortc asked once), until its hole is given up."""
    clock = Clock()
    asked: list[tuple[float, int, list[int]]] = []
    buffer = VideoFrameBuffer(
        clock=clock, nack=lambda ssrc, lost: asked.append((clock.now, ssrc, lost))
    )
    packets = delayed(delayed(video_stream(90), 31, by=2), 151, by=None)
    for packet in packets:
        packet.ssrc = 4321
    arrived, plis, _ = arrivals(buffer, packets, clock)
    again = [t - arrived[152] for t, _, lost in asked if lost == [151]]
    assert [ssrc for _, ssrc, _ in asked] == [4321] * len(asked)
    # 1.2 x 22 ms + 10 ms = 36.4 ms, on the 11 ms packet grid: at 44 and 88 ms
    assert again == pytest.approx([0.044, 0.088], abs=0.001)
    assert plis == [pytest.approx(arrived[152] + 0.11, abs=0.001)]  # then given up
    assert buffer.asked_again == 2


def test_a_packet_repaired_by_the_second_request_is_waited_for() -> None:
    clock = Clock()
    asked: list[list[int]] = []
    buffer = VideoFrameBuffer(clock=clock, nack=lambda ssrc, lost: asked.append(lost))
    # 151's first retransmission is lost; the second request's arrives 60 ms after the gap
    packets = delayed(delayed(video_stream(90), 31, by=2), 151, by=6)
    _, plis, frames = arrivals(buffer, packets, clock)
    assert asked == [[151]] and not plis and buffer.holes_skipped == 0
    assert frames == list(range(89))


def test_before_any_repair_a_missing_packet_is_asked_for_again_after_100_ms() -> None:
    clock = Clock()
    asked: list[float] = []
    buffer = VideoFrameBuffer(clock=clock, nack=lambda ssrc, lost: asked.append(clock.now))
    arrived, plis, _ = arrivals(buffer, delayed(video_stream(60), 31, by=None), clock)
    waits = [t - arrived[32] for t in asked]
    assert waits == pytest.approx([0.11, 0.22], abs=0.001)  # then the 250 ms timeout
    assert len(plis) == 1


def test_a_repaired_video_hole_is_waited_for() -> None:
    clock = Clock()
    packets = video_stream(30)
    late = packets.pop(31)
    packets.insert(40, late)  # NACK repaired it ~3 frames later, inside the timeout
    buffer = VideoFrameBuffer(clock=clock)
    released = feed(buffer, packets, clock)
    assert [f for _, f in released] == list(range(29))
    assert not any(pli for pli, _ in released) and buffer.holes_skipped == 0


def test_aiortc_receiver_internals_are_as_this_module_expects() -> None:
    """Fails on an aiortc whose receiver changed: re-check aiortc_receiver, then the pin
    in pyproject.toml (docs/decisions/0006-aiortc-receive-buffers.md)."""
    assert aiortc.__version__.startswith("1.16."), aiortc.__version__
    transport = SimpleNamespace(state="new")
    for kind, capacity, prefetch in (("audio", 16, 4), ("video", 512, 0)):
        receiver = RTCRtpReceiver(kind, transport)  # type: ignore[arg-type]
        stock = getattr(receiver, aiortc_receiver.BUFFER_ATTRIBUTE)
        assert type(stock) is JitterBuffer
        assert (stock.capacity, stock._prefetch) == (capacity, prefetch)
        installed = aiortc_receiver.install(receiver, kind)
        assert getattr(receiver, aiortc_receiver.BUFFER_ATTRIBUTE) is installed
        assert isinstance(installed, AudioPacketBuffer if kind == "audio" else VideoFrameBuffer)
        assert getattr(receiver, aiortc_receiver.CODECS_ATTRIBUTE) == {}  # until receive()
    assert "self.__codecs[codec.payloadType] = codec" in inspect.getsource(RTCRtpReceiver.receive)
    handler = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "= self.__jitter_buffer.add(packet)" in handler
    assert "packet._data = depayload(" in handler
    assert list(inspect.signature(RTCRtpReceiver._send_rtcp_pli).parameters) == [
        "self",
        "media_ssrc",
    ]
    assert list(inspect.signature(RTCRtpReceiver._send_rtcp_nack).parameters) == [
        "self",
        "media_ssrc",
        "lost",
    ]


def test_install_and_keyframe_request_refuse_a_changed_receiver() -> None:
    with pytest.raises(AiortcInternalsChanged):
        aiortc_receiver.install(SimpleNamespace(), "audio")  # type: ignore[arg-type]
    for kind in ("audio", "video"):
        stock = JitterBuffer(capacity=16, prefetch=4)
        no_codecs = SimpleNamespace(**{aiortc_receiver.BUFFER_ATTRIBUTE: stock})
        with pytest.raises(AiortcInternalsChanged):
            aiortc_receiver.install(no_codecs, kind)  # type: ignore[arg-type]
        assert getattr(no_codecs, aiortc_receiver.BUFFER_ATTRIBUTE) is stock  # as it was


async def test_nack_is_sent_by_the_receiver_on_the_running_loop() -> None:
    sent: list[tuple[int, list[int]]] = []

    class Receiver:
        async def _send_rtcp_nack(self, media_ssrc: int, lost: list[int]) -> None:
            sent.append((media_ssrc, lost))

    nack = aiortc_receiver.nack_sender(Receiver())  # type: ignore[arg-type]
    nack(1234, [7, 9])
    await asyncio.sleep(0)
    assert sent == [(1234, [7, 9])]
    with pytest.raises(AiortcInternalsChanged):
        aiortc_receiver.nack_sender(SimpleNamespace())  # type: ignore[arg-type]


async def test_keyframe_request_goes_to_every_ssrc_heard() -> None:
    sent: list[int] = []

    class Receiver:
        def getSynchronizationSources(self) -> list[SimpleNamespace]:
            return [SimpleNamespace(source=1234), SimpleNamespace(source=5678)]

        async def _send_rtcp_pli(self, media_ssrc: int) -> None:
            sent.append(media_ssrc)

    assert await aiortc_receiver.request_keyframe(Receiver()) == 2  # type: ignore[arg-type]
    assert sent == [1234, 5678]
    with pytest.raises(AiortcInternalsChanged):
        await aiortc_receiver.request_keyframe(SimpleNamespace())  # type: ignore[arg-type]
