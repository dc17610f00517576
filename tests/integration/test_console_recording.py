"""Recording a session (issue 15 point 4): a real PeerSession receives a real aiortc
customer (the stamped pattern and a tone), records to Matroska, and the file is read
back with PyAV: it opens, has the video and both voices, the pattern's counters
advance, the customer's tone is in its track, and it lasts as long as it ran."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from lens_customer.pattern import read_stamp
from lens_customer.sources import PatternVideoTrack, ToneAudioTrack
from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.peer import PeerSession
from lens_desktop.media.recorder import Recorder, RecordingError
from tests.integration.test_console_media import Customer, Phone, connect, dominant_frequency
from tests.qt_fixtures import wait_until


def read_recording(path: Path) -> dict[str, Any]:
    """What a player finds in the file: streams, video counters, customer audio."""
    with av.open(str(path)) as container:
        streams = [(s.type, s.codec_context.name, s.metadata.get("title")) for s in container.streams]
        duration = container.duration / 1_000_000 if container.duration else 0.0
    counters: list[int] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            stamp = read_stamp(frame.to_ndarray(format="rgb24"))
            if stamp is not None:
                counters.append(stamp[0])
    voices: list[np.ndarray] = []
    for index in range(2):
        with av.open(str(path)) as container:
            samples = [
                f.to_ndarray().reshape(-1).astype(np.float32)
                for f in container.decode(audio=index)
            ]
        voices.append(np.concatenate(samples) if samples else np.zeros(0))
    spans: list[float] = []
    with av.open(str(path)) as container:
        times: dict[int, list[float]] = {}
        for packet in container.demux():
            if packet.pts is not None and packet.time_base is not None:
                times.setdefault(packet.stream.index, []).append(float(packet.pts * packet.time_base))
        spans = [max(t) - min(t) for _, t in sorted(times.items())]
    return {
        "streams": streams,
        "duration": duration,
        "counters": counters,
        "voices": voices,
        "spans": spans,
    }


@pytest.mark.audio
async def test_a_recording_has_the_video_as_received_both_voices_and_the_right_length(
    tmp_path: Path,
) -> None:
    sent: list[dict[str, Any]] = []
    engine = AudioEngine()
    peer = PeerSession("s1", [], sent.append, audio=engine)
    phone = Phone()  # on a loop of its own, as a phone is
    frames: list[Any] = []
    peer.frame_ready.connect(frames.append)
    try:
        await phone.start(PatternVideoTrack(640, 360, 30), ToneAudioTrack(freq=1000.0))
        await phone.connect(peer, sent)
        await wait_until(lambda: len(frames) >= 10, timeout=15)
        # The sound server may take a moment to deliver the first microphone blocks.
        mic = peer._conn.mic if peer._conn is not None else None
        await wait_until(lambda: mic is not None and mic._pts > 48_000 // 2, timeout=10)
        recorder = Recorder(tmp_path / "recordings", "Boiler: room 2/3", "sess-1")
        started = time.monotonic()
        peer.set_recorder(recorder)
        await asyncio.sleep(4)
        peer.set_recorder(None)
        recorder.stop()
        wall = time.monotonic() - started
    finally:
        await peer.close()
        await engine.close()
        await phone.close()
    assert recorder.error is None and recorder.dropped == 0
    [path] = recorder.files
    assert path.parent == tmp_path / "recordings"
    assert path.name.endswith("_Boiler_room_2_3_sess-1.mkv")
    found = read_recording(path)
    assert found["streams"] == [
        ("video", "vp8", "Customer camera"),
        ("audio", "opus", "Customer"),
        ("audio", "opus", "Technician"),
    ]
    counters = found["counters"]
    assert len(counters) >= 60, counters  # ~4 s at 30 fps, written as received
    assert counters == sorted(counters) and len(set(counters)) == len(counters)
    assert abs(found["duration"] - wall) < 0.5, (found["duration"], wall)
    # Both voices span the recording (a source that stalled leaves a gap, not a shift).
    assert all(span > wall - 1.0 for span in found["spans"]), (found["spans"], wall)
    customer_voice = found["voices"][0]
    assert len(customer_voice) > 48_000 * 2
    loud = customer_voice[24_000:]
    assert np.abs(loud).max() > 0.1  # the tone is 0.3 of full scale (decoded as float)
    assert abs(dominant_frequency(loud, 48_000) - 1000) < 30
    assert len(found["voices"][1]) > 48_000 * 2  # the microphone, as sent


async def test_a_new_connection_continues_in_a_second_part_and_a_closed_peer_ends_cleanly(
    tmp_path: Path,
) -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    first = Customer(PatternVideoTrack(320, 240, 30))
    second = Customer(PatternVideoTrack(320, 240, 30))
    recorder = Recorder(tmp_path, "Call", "sess-2")
    try:
        await connect(peer, first, 1, sent)
        peer.set_recorder(recorder)
        await wait_until(lambda: recorder.video_frames >= 30, timeout=15)
        await connect(peer, second, 2, sent)  # the phone reconnected
        await wait_until(lambda: len(recorder.files) == 2 and recorder.video_frames >= 70, 15)
        await first.pc.close()
        await second.pc.close()  # the phone dies
        recorder.end_segment()  # what the tab does when the peer is gone
        await wait_until(lambda: recorder.files[1].stat().st_size > 0, timeout=5)
    finally:
        await peer.close()
        recorder.stop()
    assert [p.name for p in recorder.files] == [
        recorder.files[0].name,
        recorder.files[0].stem + "_part2.mkv",
    ]
    for path in recorder.files:
        counters = read_recording(path)["counters"]
        assert len(counters) >= 20 and counters == sorted(counters)


def test_a_folder_that_cannot_be_made_says_so_and_nothing_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(RecordingError) as refused:
        Recorder(blocker / "sub", "Call", "sess-3")
    assert str(blocker / "sub") in str(refused.value)
    assert "Not a directory" in str(refused.value)
    assert blocker.read_text() == "not a folder"


def test_an_existing_file_is_never_overwritten(tmp_path: Path) -> None:
    from datetime import datetime

    moment = datetime(2026, 12, 4, 3, 30, 0)
    one = Recorder(tmp_path, "Call", "s", now=lambda: moment)
    two = Recorder(tmp_path, "Call", "s", now=lambda: moment)
    one.stop()
    two.stop()
    assert one.files[0] != two.files[0]
    assert two.files[0].name == "2026-12-04_03-30-00_Call_s-2.mkv"
