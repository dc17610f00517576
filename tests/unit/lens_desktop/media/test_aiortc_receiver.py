"""The console's receive-side jitter buffers, against aiortc's own on the same packets,
and the guard on the aiortc internals they replace (fails when aiortc changes)."""

from __future__ import annotations

import inspect
from types import SimpleNamespace

import aiortc
import pytest
from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtp import RtpPacket

from lens_desktop.media import aiortc_receiver
from lens_desktop.media.aiortc_receiver import (
    AiortcInternalsChanged,
    AudioPacketBuffer,
    VideoFrameBuffer,
)


def opus(seq: int) -> RtpPacket:
    """One 20 ms Opus packet, as aiortc's receiver hands it to the buffer."""
    packet = RtpPacket(sequence_number=seq % 65536, timestamp=seq * 960 % 2**32)
    packet._data = bytes([seq % 256])  # type: ignore[attr-defined]
    return packet


def held(buffer: JitterBuffer, seqs: list[int]) -> list[int]:
    """For each packet added, how many packets the buffer holds back after it."""
    out, released = [], 0
    for added, seq in enumerate(seqs, start=1):
        _, frame = buffer.add(opus(seq))
        released += frame is not None
        out.append(added - released)
    return out


def test_audio_is_released_at_once_and_a_loss_adds_no_latency() -> None:
    packets = [s for s in range(200) if s != 50]  # one packet lost
    ours = held(AudioPacketBuffer(), packets)
    assert set(ours) == {0}  # every packet leaves as it arrives, before and after
    stock = held(JitterBuffer(capacity=16, prefetch=4), packets)
    assert stock[40] == 4  # aiortc: 80 ms before the loss...
    assert stock[-1] >= 15  # ...and 300 ms for the rest of the call after it


def test_audio_keeps_order_drops_late_and_counts_missing() -> None:
    buffer = AudioPacketBuffer()
    out = [buffer.add(opus(s))[1] for s in (1, 2, 4, 3, 5)]
    assert [f.data[0] if f else None for f in out] == [1, 2, 4, None, 5]
    assert buffer.packets_late == 1 and buffer.packets_missing == 1
    assert out[2] is not None and out[2].timestamp == 4 * 960


def test_audio_follows_wraparound_and_a_restarted_sender() -> None:
    buffer = AudioPacketBuffer()
    assert all(buffer.add(opus(s))[1] for s in (65534, 65535, 65536, 65537))
    assert buffer.add(opus(9000))[1] is not None  # far behind: the sender restarted
    assert buffer.add(opus(9001))[1] is not None and buffer.packets_late == 0


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
        assert getattr(receiver, aiortc_receiver.DECODER_ATTRIBUTE) is None  # until receive()
        assert not aiortc_receiver.prioritise_decoder(receiver)
    assert "self.__decoder_thread = threading.Thread(" in inspect.getsource(RTCRtpReceiver.receive)
    handler = inspect.getsource(RTCRtpReceiver._handle_rtp_packet)
    assert "= self.__jitter_buffer.add(packet)" in handler
    assert "packet._data = depayload(" in handler
    assert list(inspect.signature(RTCRtpReceiver._send_rtcp_pli).parameters) == [
        "self",
        "media_ssrc",
    ]


def test_install_and_keyframe_request_refuse_a_changed_receiver() -> None:
    with pytest.raises(AiortcInternalsChanged):
        aiortc_receiver.install(SimpleNamespace(), "audio")  # type: ignore[arg-type]


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
