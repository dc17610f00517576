"""A test pattern that carries its own frame counter and capture time in its pixels.

The receiving side (console, tests, benchmarks) reads the stamp back from decoded
frames to count lost frames and measure glass-to-glass latency, so the stamp has to
survive lossy VP8/H.264 coding and scaling.  It is written as a band of large
black/white cells along the top of the frame: 3 rows of 40 cells whose size is a
fortieth of the frame width (32 px at 1280x720, 16 px at 640x360).  Because the layout
is proportional to the width, a receiver that gets a downscaled frame still finds it.

Cells, row-major: an 8-bit start marker, a 32-bit counter, a 48-bit wall-clock stamp in
milliseconds, a CRC-16 over counter and stamp, then padding.  The reader takes its
black/white threshold from the marker, so brightness shifts from the codec don't matter,
and rejects anything whose CRC doesn't match (a frame that is not a pattern frame).

Below the band the pattern moves (a drifting diagonal gradient and a bouncing textured
box), so the encoder has real work, as with a camera.
"""

from __future__ import annotations

import binascii
import functools
import math
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]

COLUMNS = 40
ROWS = 3
MARKER = (1, 0, 1, 1, 0, 0, 1, 0)
COUNTER_BITS = 32
STAMP_BITS = 48
CRC_BITS = 16
_PAYLOAD_BITS = COUNTER_BITS + STAMP_BITS
_USED_CELLS = len(MARKER) + _PAYLOAD_BITS + CRC_BITS
_MIN_CONTRAST = 48.0

# Limited-range BT.601 levels: what a camera pipeline and the codecs expect.
Y_BLACK, Y_WHITE = 16, 235


def _bits(value: int, count: int) -> list[int]:
    """Most significant bit first."""
    return [(value >> shift) & 1 for shift in range(count - 1, -1, -1)]


def _number(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    return value


def _crc(counter: int, stamp_ms: int) -> int:
    payload = counter.to_bytes(4, "big") + stamp_ms.to_bytes(6, "big")
    return binascii.crc_hqx(payload, 0xFFFF)


def encode_cells(counter: int, stamp_ms: int) -> list[int]:
    """The cell values (1 = white) for one frame, row-major, ROWS * COLUMNS long."""
    counter &= (1 << COUNTER_BITS) - 1
    stamp_ms &= (1 << STAMP_BITS) - 1
    cells = list(MARKER) + _bits(counter, COUNTER_BITS) + _bits(stamp_ms, STAMP_BITS)
    cells += _bits(_crc(counter, stamp_ms), CRC_BITS)
    padding = ROWS * COLUMNS - len(cells)
    return cells + [index % 2 for index in range(padding)]


def decode_cells(cells: list[int]) -> tuple[int, int] | None:
    """Inverse of encode_cells; None when the marker or the CRC does not match."""
    if tuple(cells[: len(MARKER)]) != MARKER:
        return None
    start = len(MARKER)
    counter = _number(cells[start : start + COUNTER_BITS])
    start += COUNTER_BITS
    stamp_ms = _number(cells[start : start + STAMP_BITS])
    start += STAMP_BITS
    if _number(cells[start : start + CRC_BITS]) != _crc(counter, stamp_ms):
        return None
    return counter, stamp_ms


def _cell_box(index: int, width: int) -> tuple[int, int, int, int]:
    """Pixel box (y0, y1, x0, x1) of a cell in a frame of the given width."""
    size = width / COLUMNS
    row, column = divmod(index, COLUMNS)
    return (
        round(row * size),
        round((row + 1) * size),
        round(column * size),
        round((column + 1) * size),
    )


def band_height(width: int) -> int:
    """Rows of pixels the code band takes at the top of a frame this wide."""
    return _cell_box(ROWS * COLUMNS - 1, width)[1]


class PatternPainter:
    """Paints pattern frames of one size as yuv420p, reusing what does not move.

    Building the gradient once and taking a strided view of it per frame keeps a
    720p frame to a couple of milliseconds, so a 30 fps track stays real-time.
    """

    def __init__(self, width: int, height: int) -> None:
        if width % 2 or height % 2 or width < COLUMNS * 4 or height < band_height(width) * 2:
            raise ValueError(f"unsupported pattern size {width}x{height}")
        self.width = width
        self.height = height
        self._period = 256
        phase = np.arange(width + height + 2 * self._period) * (2 * math.pi / self._period)
        self._wave = (80 + 60 * np.sin(phase)).astype(np.uint8)
        self._texture = self._make_texture(max(16, height // 5))

    @staticmethod
    def _make_texture(size: int) -> Image:
        yy, xx = np.mgrid[0:size, 0:size]
        checker = ((yy // 8 + xx // 8) % 2).astype(np.uint8)
        return (120 + 100 * checker).astype(np.uint8)

    def paint(self, counter: int, stamp_ms: int, t: float) -> Image:
        """One frame as a (height * 3 / 2, width) yuv420p array, the layout PyAV uses."""
        frame = np.empty((self.height * 3 // 2, self.width), dtype=np.uint8)
        luma = frame[: self.height]
        self._paint_background(luma, t)
        box = self._paint_box(luma, t)
        self._paint_chroma(frame, box, t)
        self._paint_band(frame, counter, stamp_ms)
        return frame

    def _paint_background(self, luma: Image, t: float) -> None:
        offset = int(t * 90) % self._period
        view = np.lib.stride_tricks.as_strided(
            self._wave[offset:], shape=luma.shape, strides=(1, 1), writeable=False
        )
        luma[:] = view

    def _paint_box(self, luma: Image, t: float) -> tuple[int, int]:
        size = self._texture.shape[0]
        top = band_height(self.width)
        span_x = self.width - size
        span_y = self.height - size - top
        x = int(span_x * (0.5 + 0.5 * math.sin(t * 1.3))) & ~1
        y = (top + int(span_y * (0.5 + 0.5 * math.sin(t * 0.9 + 1.0)))) & ~1
        luma[y : y + size, x : x + size] = self._texture
        return y, x

    def _paint_chroma(self, frame: Image, box: tuple[int, int], t: float) -> None:
        h, w = self.height, self.width
        quarter = h // 4
        u_plane = frame[h : h + quarter].reshape(h // 2, w // 2)
        v_plane = frame[h + quarter :].reshape(h // 2, w // 2)
        u_plane[:] = 128 + int(30 * math.sin(t * 0.5))
        v_plane[:] = 128 + int(30 * math.cos(t * 0.5))
        size = self._texture.shape[0] // 2
        y, x = box[0] // 2, box[1] // 2
        u_plane[y : y + size, x : x + size] = 90
        v_plane[y : y + size, x : x + size] = 200
        band = (band_height(w) + 1) // 2
        u_plane[:band] = 128
        v_plane[:band] = 128

    def _paint_band(self, frame: Image, counter: int, stamp_ms: int) -> None:
        for index, cell in enumerate(encode_cells(counter, stamp_ms)):
            y0, y1, x0, x1 = _cell_box(index, self.width)
            frame[y0:y1, x0:x1] = Y_WHITE if cell else Y_BLACK


def yuv420p_to_rgb(frame: Image, width: int, height: int) -> Image:
    """Limited-range BT.601 yuv420p -> RGB, for the RGB flavour of the pattern."""
    luma = frame[:height].astype(np.float32) - 16.0
    quarter = height // 4
    u = frame[height : height + quarter].reshape(height // 2, width // 2).astype(np.float32)
    v = frame[height + quarter :].reshape(height // 2, width // 2).astype(np.float32)
    u = np.repeat(np.repeat(u - 128.0, 2, axis=0), 2, axis=1)
    v = np.repeat(np.repeat(v - 128.0, 2, axis=0), 2, axis=1)
    r = 1.164 * luma + 1.596 * v
    g = 1.164 * luma - 0.392 * u - 0.813 * v
    b = 1.164 * luma + 2.017 * u
    return np.clip(np.stack([r, g, b], axis=-1), 0, 255).astype(np.uint8)


def make_yuv420p(counter: int, stamp_ms: int, width: int, height: int, t: float) -> Image:
    """One pattern frame as yuv420p (see PatternPainter for repeated frames)."""
    return PatternPainter(width, height).paint(counter, stamp_ms, t)


def make_frame(counter: int, stamp_ms: int, width: int, height: int, t: float) -> Image:
    """One pattern frame as an (height, width, 3) RGB array."""
    return yuv420p_to_rgb(make_yuv420p(counter, stamp_ms, width, height, t), width, height)


def read_stamp(image: npt.NDArray[np.generic]) -> tuple[int, int] | None:
    """(counter, stamp_ms) from a decoded frame, or None if it carries no valid stamp.

    Accepts an (h, w, 3) RGB array, an (h, w) luma plane, or PyAV's (h * 3 / 2, w)
    yuv420p array: only the top band of luma matters.
    """
    if image.ndim not in (2, 3) or image.shape[1] < COLUMNS * 4:
        return None
    width = image.shape[1]
    if image.shape[0] < band_height(width):
        return None
    levels = _cell_levels(image, width)
    marker = np.array(MARKER, dtype=bool)
    ones, zeros = levels[: len(MARKER)][marker], levels[: len(MARKER)][~marker]
    if ones.min() - zeros.max() < _MIN_CONTRAST:
        return None
    threshold = (ones.mean() + zeros.mean()) / 2
    return decode_cells([int(level > threshold) for level in levels])


@functools.lru_cache(maxsize=16)
def _sample_points(width: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """A 4x4 grid of pixels inside each used cell's middle half (the edges of a cell
    are where the codec blurs): (rows, columns), each shaped (cells, 16)."""
    rows, columns = [], []
    for index in range(_USED_CELLS):
        y0, y1, x0, x1 = _cell_box(index, width)
        ys = np.linspace(y0 + (y1 - y0) / 4, y1 - (y1 - y0) / 4 - 1, 4).round().astype(np.intp)
        xs = np.linspace(x0 + (x1 - x0) / 4, x1 - (x1 - x0) / 4 - 1, 4).round().astype(np.intp)
        grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
        rows.append(grid_y.ravel())
        columns.append(grid_x.ravel())
    return np.array(rows), np.array(columns)


def _cell_levels(image: npt.NDArray[np.generic], width: int) -> npt.NDArray[np.float64]:
    """Mean luma of every cell, from 16 sampled pixels each: a few microseconds per
    frame, so a receiver can read every frame at 30 fps without noticing."""
    rows, columns = _sample_points(width)
    samples = image[rows, columns].astype(np.float64)
    if samples.ndim == 3:
        samples = samples[..., :3] @ np.array([0.299, 0.587, 0.114])
    return np.asarray(samples.mean(axis=1), dtype=np.float64)


def write_y4m(path: str | Path, width: int, height: int, fps: int, seconds: float) -> Path:
    """A C420 y4m clip of the pattern, for Chromium's fake camera.

    Chromium loops the file and stamps frames itself, so the stamp written here is
    the frame's offset in the clip (ms); the counter is what receivers rely on.
    """
    path = Path(path)
    painter = PatternPainter(width, height)
    frames = max(1, round(fps * seconds))
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420\n".encode("ascii"))
        for counter in range(frames):
            t = counter / fps
            out.write(b"FRAME\n")
            out.write(painter.paint(counter, round(t * 1000), t).tobytes())
    return path


def tone_samples(
    freq: float, seconds: float, rate: int = 48000, marks: bool = False
) -> npt.NDArray[np.int16]:
    """A sine tone as mono s16; with marks, a 30 ms louder beep at twice the pitch
    starts every whole second, so a listener can line up time on both ends."""
    t = np.arange(round(seconds * rate)) / rate
    signal = 0.3 * np.sin(2 * math.pi * freq * t)
    if marks:
        in_mark = (t % 1.0) < 0.030
        signal = np.where(in_mark, 0.8 * np.sin(2 * math.pi * 2 * freq * t), signal)
    return (signal * 32767).astype(np.int16)


def write_tone_wav(
    path: str | Path,
    freq: float = 440.0,
    seconds: float = 10.0,
    rate: int = 48000,
    marks: bool = False,
) -> Path:
    """A mono 16-bit WAV tone, for Chromium's fake microphone or the file source."""
    path = Path(path)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(tone_samples(freq, seconds, rate, marks).tobytes())
    return path
