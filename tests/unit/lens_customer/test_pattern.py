"""The stamped test pattern survives what happens to a camera frame on its way."""

from __future__ import annotations

import fractions
import wave
from pathlib import Path

import av
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lens_customer.pattern import (
    PatternPainter,
    band_height,
    decode_cells,
    encode_cells,
    make_frame,
    make_yuv420p,
    read_stamp,
    write_tone_wav,
    write_y4m,
)

STAMP = 1_763_900_000_123  # a 2025 wall-clock time in ms: needs more than 32 bits


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**48 - 1))
def test_cells_round_trip(counter: int, stamp_ms: int) -> None:
    assert decode_cells(encode_cells(counter, stamp_ms)) == (counter, stamp_ms)


def test_a_flipped_cell_is_rejected_not_misread() -> None:
    cells = encode_cells(41, STAMP)
    for index in range(8, 104):
        damaged = list(cells)
        damaged[index] ^= 1
        assert decode_cells(damaged) is None, index


@pytest.mark.parametrize("size", [(320, 180), (640, 360), (1280, 720), (720, 1280)])
def test_rgb_luma_and_yuv_frames_read_back(size: tuple[int, int]) -> None:
    width, height = size
    yuv = make_yuv420p(7, STAMP, width, height, 1.5)
    assert yuv.shape == (height * 3 // 2, width)
    rgb = make_frame(7, STAMP, width, height, 1.5)
    assert rgb.shape == (height, width, 3) and rgb.dtype == np.uint8
    assert read_stamp(rgb) == (7, STAMP)
    assert read_stamp(yuv) == (7, STAMP)
    assert read_stamp(yuv[:height]) == (7, STAMP)


def test_frames_without_a_pattern_read_as_none() -> None:
    assert read_stamp(np.zeros((360, 640, 3), np.uint8)) is None
    assert read_stamp(np.full((360, 640), 128, np.uint8)) is None
    noise = np.random.default_rng(1).integers(0, 256, (360, 640), dtype=np.uint8)
    assert read_stamp(noise) is None


def test_the_content_below_the_band_moves() -> None:
    painter = PatternPainter(640, 360)
    first = painter.paint(0, STAMP, 0.0)[band_height(640) : 360]
    later = painter.paint(1, STAMP, 0.5)[band_height(640) : 360]
    assert np.mean(first != later) > 0.5


def test_a_brightness_and_contrast_shift_is_tolerated() -> None:
    luma = make_yuv420p(99, STAMP, 640, 360, 0.0)[:360].astype(np.float32)
    washed_out = (luma * 0.6 + 60).astype(np.uint8)
    assert read_stamp(washed_out) == (99, STAMP)


def test_a_downscaled_frame_still_reads() -> None:
    frame = av.VideoFrame.from_ndarray(make_yuv420p(5, STAMP, 1280, 720, 0.2), format="yuv420p")
    small = frame.reformat(width=640, height=360)
    assert read_stamp(small.to_ndarray(format="gray")) == (5, STAMP)


def _round_trip(
    codec: str, width: int, height: int, frames: int, bit_rate: int
) -> list[tuple[int, int] | None]:
    encoder = av.CodecContext.create(codec, "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.bit_rate = bit_rate
    encoder.time_base = fractions.Fraction(1, 30)
    if codec == "libvpx":
        encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    else:
        encoder.options = {"preset": "ultrafast", "tune": "zerolatency"}
    decoder = av.CodecContext.create("vp8" if codec == "libvpx" else "h264", "r")
    painter = PatternPainter(width, height)
    stamps = []
    for counter in range(frames):
        image = painter.paint(counter, STAMP + counter * 33, counter / 30)
        frame = av.VideoFrame.from_ndarray(image, format="yuv420p")
        frame.pts = counter
        for packet in encoder.encode(frame):
            for decoded in decoder.decode(packet):
                stamps.append(read_stamp(decoded.to_ndarray(format="rgb24")))
    return stamps


@pytest.mark.parametrize("size", [(640, 360), (1280, 720)])
def test_stamps_survive_a_real_vp8_encode_and_decode(size: tuple[int, int]) -> None:
    # aiortc's VP8 encoder starts at 500 kbit/s; go well below that to leave margin.
    stamps = _round_trip("libvpx", *size, frames=20, bit_rate=200_000)
    assert stamps == [(counter, STAMP + counter * 33) for counter in range(20)]


def test_stamps_survive_a_real_h264_encode_and_decode() -> None:
    stamps = _round_trip("libx264", 1280, 720, frames=20, bit_rate=200_000)
    assert stamps == [(counter, STAMP + counter * 33) for counter in range(20)]


def test_y4m_clip_is_c420_and_frames_carry_counters(tmp_path: Path) -> None:
    path = write_y4m(tmp_path / "clip.y4m", 320, 180, 10, 0.5)
    raw = path.read_bytes()
    header, _, body = raw.partition(b"\n")
    assert header == b"YUV4MPEG2 W320 H180 F10:1 Ip A1:1 C420"
    frame_size = 320 * 180 * 3 // 2
    frames = body.split(b"FRAME\n")[1:]
    assert [len(f) for f in frames] == [frame_size] * 5
    counters = []
    for data in frames:
        stamp = read_stamp(np.frombuffer(data, np.uint8).reshape(270, 320))
        assert stamp is not None
        counters.append(stamp[0])
    assert counters == [0, 1, 2, 3, 4]
    with av.open(str(path)) as container:
        decoded = [read_stamp(f.to_ndarray(format="gray")) for f in container.decode(video=0)]
    assert [s[0] for s in decoded if s] == [0, 1, 2, 3, 4]


def test_tone_wav_is_a_loud_48k_mono_tone_with_marks(tmp_path: Path) -> None:
    path = write_tone_wav(tmp_path / "tone.wav", freq=440, seconds=2, marks=True)
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 48000)
        samples = np.frombuffer(wav.readframes(wav.getnframes()), np.int16)
    assert len(samples) == 96000
    mark, tone = samples[:1000], samples[5000:6000]
    assert np.abs(mark).max() > 20000 > np.abs(tone).max() > 8000
    spectrum = np.abs(np.fft.rfft(samples[4800:48000]))
    assert abs(np.argmax(spectrum) * 48000 / (48000 - 4800) - 440) < 2


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**48 - 1), st.floats(0, 1000))
def test_any_stamp_reads_back_from_a_720p_frame(counter: int, stamp_ms: int, t: float) -> None:
    assert read_stamp(make_yuv420p(counter, stamp_ms, 1280, 720, t)) == (counter, stamp_ms)
