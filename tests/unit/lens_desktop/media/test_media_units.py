"""The media stack's pure parts: SDP munging, the jitter buffer, frame conversion and
stats arithmetic."""

from __future__ import annotations

import asyncio
import datetime
import gc
import weakref

import av
import numpy as np
from aiortc import RTCPeerConnection, RTCRtpTransceiver  # noqa: F401
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.stats import RTCInboundRtpStreamStats, RTCStatsReport, RTCTransportStats
from PySide6.QtGui import QImage

from lens_customer.pattern import make_yuv420p, read_stamp
from lens_desktop.media import playout
from lens_desktop.media.frames import (
    LatestFrameReader,
    VideoFrame,
    convert,
    display_size,
    to_qimage,
)
from lens_desktop.media.peer import BITRATE_HINT, munge_answer_sdp
from lens_desktop.media.playout import JitterBuffer
from lens_desktop.media.stats import StatsSampler
from tests.qt_fixtures import wait_until

ANSWER = "\r\n".join(
    [
        "v=0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "a=rtpmap:111 opus/48000/2",
        "a=fmtp:111 minptime=10;useinbandfec=1",
        "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102",
        "a=rtpmap:96 VP8/90000",
        "a=rtpmap:97 rtx/90000",
        "a=fmtp:97 apt=96",
        "a=rtpmap:102 H264/90000",
        "a=fmtp:102 packetization-mode=1;profile-level-id=42e01f",
        "",
    ]
)


def test_munge_adds_bitrate_hints_to_video_codecs_only() -> None:
    lines = munge_answer_sdp(ANSWER).split("\r\n")
    assert f"a=fmtp:96 {BITRATE_HINT}" in lines  # VP8 had no fmtp line: one is added
    assert f"a=fmtp:102 packetization-mode=1;profile-level-id=42e01f;{BITRATE_HINT}" in lines
    assert "a=fmtp:97 apt=96" in lines  # rtx untouched
    assert "a=fmtp:111 minptime=10;useinbandfec=1" in lines  # audio untouched
    assert lines.index(f"a=fmtp:96 {BITRATE_HINT}") == lines.index("a=rtpmap:96 VP8/90000") + 1


def test_jitter_buffer_prebuffers_counts_underruns_and_trims_bursts() -> None:
    buffer = JitterBuffer(1000)  # 1000 Hz: its cushion in samples is in ms, 200 max
    cushion = buffer.cushion
    assert cushion == round(1000 * playout.JITTER_START_CUSHION_S)
    out = np.empty(20, dtype=np.float32)
    buffer.push(np.ones(cushion - 10, dtype=np.float32))
    assert not buffer.pull(out) and not out.any()  # below the cushion: silence, no underrun
    buffer.push(np.ones(20, dtype=np.float32))
    assert buffer.pull(out) and out.all()
    for _ in range(cushion // 20 + 1):
        buffer.pull(out)
    assert buffer.underruns == 1 and not out[-10:].any()  # ran dry: silence, counted
    for _ in range(30):
        buffer.push(np.full(10, 2, dtype=np.float32))
    assert buffer.buffered <= 200 and buffer.trimmed_samples > 0


def qimage_rgb(image: QImage) -> np.ndarray:
    """An RGB32 QImage's pixels as an (h, w, 3) RGB array."""
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1)
    return rows[:, : image.width() * 4].reshape(image.height(), image.width(), 4)[..., 2::-1]


def test_to_qimage_keeps_pixels_after_the_frame_is_gone() -> None:
    rgb = np.zeros((36, 50, 3), dtype=np.uint8)  # 150-byte rows: not 4-byte aligned
    rgb[:, :, 0] = 200
    rgb[10, 20] = (1, 2, 3)
    frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
    image = to_qimage(frame)
    del frame, rgb
    # the backing store's own format: painting it converts nothing
    assert image.format() == QImage.Format.Format_RGB32
    assert (image.width(), image.height()) == (50, 36)
    assert image.pixelColor(20, 10).getRgb()[:3] == (1, 2, 3)
    assert image.pixelColor(0, 0).red() == 200
    shared = QImage(image)  # shares the pixels (Qt's implicit sharing), as Qt may
    del image
    gc.collect()
    clutter = [np.full((36, 50, 4), 7, np.uint8) for _ in range(50)]  # reuse freed memory
    assert shared.pixelColor(20, 10).getRgb()[:3] == (1, 2, 3), len(clutter)


def test_pyside_keeps_a_wrapped_buffer_while_any_image_shares_it() -> None:
    """What to_qimage relies on instead of copying every frame."""

    class Pixels(bytearray):
        pass

    pixels = Pixels(b"\x10\x20\x30\xff" * 16)
    alive = weakref.ref(pixels)
    image = QImage(memoryview(pixels), 4, 4, 16, QImage.Format.Format_RGB32)
    shared = QImage(image)
    del pixels, image
    gc.collect()
    assert alive() is not None and shared.pixelColor(0, 0).getRgb()[:3] == (0x30, 0x20, 0x10)
    del shared
    gc.collect()
    assert alive() is None  # released with the last image: no leak per frame


def test_frames_are_converted_to_the_size_they_are_shown_at() -> None:
    assert display_size(1280, 720, (960, 960)) == (960, 540)  # fitted, aspect kept
    assert display_size(1280, 720, (2000, 300)) == (533, 300)
    assert display_size(640, 360, (1600, 900)) == (1600, 900)  # up, too: no GUI scaling
    assert display_size(1280, 720, None) == (1280, 720)  # actual size
    assert display_size(1280, 720, (0, 0)) == (1280, 720)  # a pane not laid out yet
    decoded = av.VideoFrame.from_ndarray(make_yuv420p(1234, 5678, 640, 360, 0.3), "yuv420p")
    frame = convert(decoded, 1.0, display_size(640, 360, (480, 480)))
    assert (frame.width, frame.height) == (640, 360)  # the stream's size, for the stats
    assert (frame.image.width(), frame.image.height()) == (480, 270)
    assert read_stamp(qimage_rgb(frame.image)) == (1234, 5678)  # still the same picture


class BurstTrack(MediaStreamTrack):
    """Yields ``count`` frames back to back, then ends: a decoder that got ahead."""

    kind = "video"

    def __init__(self, count: int) -> None:
        super().__init__()
        self._left = count
        self._pts = 0

    async def recv(self) -> av.VideoFrame:
        if self._left == 0:
            raise MediaStreamError
        self._left -= 1
        self._pts += 1
        frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), np.uint8), format="rgb24")
        frame.pts = self._pts
        return frame


async def test_reader_converts_only_the_newest_of_a_burst() -> None:
    delivered: list[VideoFrame] = []
    reader = LatestFrameReader(BurstTrack(50), delivered.append)
    reader.start()
    await wait_until(lambda: reader.done)
    await reader.close()
    await reader.close()
    assert reader.frames_received == 50
    assert delivered[-1].pts == 50  # the newest frame always gets through
    assert reader.frames_converted == len(delivered) < 50
    assert reader.frames_dropped == 50 - len(delivered)
    assert [f.pts for f in delivered] == sorted({f.pts for f in delivered})
    await asyncio.sleep(0)


def report(bytes_received: int, received: int, lost: int) -> RTCStatsReport:
    now = datetime.datetime.now(datetime.UTC)
    stats = RTCStatsReport()
    stats.add(
        RTCTransportStats(now, "transport", "t", 0, 0, 0, bytes_received, "controlled", "connected")
    )
    stats.add(
        RTCInboundRtpStreamStats(now, "inbound-rtp", "in", 1, "video", "t", received, lost, 0)
    )
    return stats


def test_stats_sampler_turns_counters_into_rates() -> None:
    sampler = StatsSampler()
    first = sampler.sample(report(0, 0, 0), (1280, 720), 0, 0, 0)
    assert first["resolution"] == "1280x720" and first["fps"] == 0.0
    assert first["rtt_ms"] is None
    sampler._previous.at -= 1.0  # type: ignore[union-attr]  # pretend a second passed
    second = sampler.sample(report(250_000, 99, 1), (1280, 720), 30, 29, 1)
    assert 1900 < second["bitrate_kbps"] <= 2000
    assert 29 < second["fps"] <= 30 and second["frames_dropped"] == 1
    assert 0.9 < second["packet_loss_pct"] <= 1.0
