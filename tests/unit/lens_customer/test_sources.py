"""The synthetic tracks behave like a camera and a microphone: paced, stamped, timed."""

from __future__ import annotations

import asyncio
import fractions
import time

import numpy as np
import pytest

from lens_customer.pattern import read_stamp
from lens_customer.playback import _PlaybackBuffer
from lens_customer.sources import (
    MediaSources,
    MicrophoneTrack,
    PacedClock,
    PatternVideoTrack,
    SourceSpec,
    ToneAudioTrack,
    open_sources,
)


async def test_pattern_track_stamps_counts_and_paces() -> None:
    track = PatternVideoTrack(320, 180, fps=20)
    started = time.monotonic()
    frames = [await track.recv() for _ in range(6)]
    elapsed = time.monotonic() - started
    assert elapsed >= 5 / 20 * 0.9
    assert [f.pts for f in frames] == [i * 4500 for i in range(6)]
    assert all(f.time_base == fractions.Fraction(1, 90000) for f in frames)
    assert (frames[0].width, frames[0].height, frames[0].format.name) == (320, 180, "yuv420p")
    stamps = [read_stamp(f.to_ndarray(format="yuv420p")) for f in frames]
    assert [s[0] for s in stamps if s] == [0, 1, 2, 3, 4, 5]
    now_ms = time.time() * 1000
    assert all(s and now_ms - 2000 < s[1] <= now_ms for s in stamps)
    assert track.frames_sent == 6
    track.stop()


async def test_clock_skips_ahead_after_a_stall_instead_of_bursting() -> None:
    clock = PacedClock(0.01)
    assert await clock.tick() == 0
    await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.1)
    skipped = await clock.tick()
    assert skipped >= 9
    before = time.monotonic()
    assert [await clock.tick() for _ in range(3)] == [skipped + 1, skipped + 2, skipped + 3]
    assert time.monotonic() - before >= 0.02


async def test_tone_track_is_20ms_s16_with_continuous_timestamps() -> None:
    track = ToneAudioTrack(freq=1000, channels=2)
    frames = [await track.recv() for _ in range(3)]
    assert [f.pts for f in frames] == [0, 960, 1920]
    assert all(f.samples == 960 and f.sample_rate == 48000 for f in frames)
    assert frames[0].format.name == "s16" and frames[0].layout.name == "stereo"
    samples = frames[1].to_ndarray().reshape(-1)
    assert 9000 < np.abs(samples).max() < 10000
    track.stop()


async def test_open_sources_builds_and_closes_tracks() -> None:
    sources = open_sources(SourceSpec(width=320, height=180, audio="tone"))
    assert isinstance(sources.video, PatternVideoTrack)
    assert isinstance(sources.audio, ToneAudioTrack)
    sources.close()
    sources.close()
    assert sources.video.readyState == "ended" and sources.audio.readyState == "ended"
    assert open_sources(SourceSpec(video="none", audio="none")) == MediaSources()
    with pytest.raises(ValueError, match="needs --file"):
        open_sources(SourceSpec(video="file"))


async def test_file_source_plays_a_clip_through_mediaplayer(tmp_path) -> None:
    from lens_customer.pattern import write_tone_wav, write_y4m

    clip = write_y4m(tmp_path / "clip.y4m", 320, 180, 10, 1)
    wav = write_tone_wav(tmp_path / "tone.wav", seconds=1)
    sources = open_sources(
        SourceSpec(video="file", file=str(clip), audio="file", audio_file=str(wav))
    )
    try:
        assert sources.video is not None and sources.audio is not None
        frame = await asyncio.wait_for(sources.video.recv(), 5)
        assert read_stamp(frame.to_ndarray(format="gray")) == (0, 0)
        audio = await asyncio.wait_for(sources.audio.recv(), 5)
        assert audio.sample_rate == 48000
    finally:
        sources.close()


@pytest.mark.audio
async def test_microphone_track_reads_20ms_blocks_from_portaudio() -> None:
    track = MicrophoneTrack()
    try:
        frames = [await asyncio.wait_for(track.recv(), 5) for _ in range(3)]
    finally:
        track.stop()
        track.stop()
    assert [f.pts for f in frames] == [0, 960, 1920]
    assert all(f.samples == 960 and f.sample_rate == 48000 for f in frames)


def test_playback_buffer_pads_underruns_and_drops_the_oldest_on_overflow() -> None:
    buffer = _PlaybackBuffer()
    buffer.push(np.arange(1, 5, dtype=np.int16))
    out = np.full(6, 99, np.int16)
    buffer.pull(out)
    assert out.tolist() == [1, 2, 3, 4, 0, 0]
    for block in range(20):
        buffer.push(np.full(960, block, np.int16))
    out = np.zeros(960, np.int16)
    buffer.pull(out)
    assert out[0] == 10  # 200 ms kept: the 10 newest 20 ms blocks
