"""Recording a session (issue 15 point 4): a real PeerSession receives a real aiortc
customer (the stamped pattern and a tone), records to Matroska, and the file is read
back with PyAV: it opens, has the video and both voices, the pattern's counters
advance, the customer's tone is in its track, and it lasts as long as it ran."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PySide6.QtGui import QKeySequence

from lens_customer.pattern import PatternPainter, read_stamp
from lens_customer.sources import PatternVideoTrack, ToneAudioTrack
from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.peer import PeerSession
from lens_desktop.media.recorder import Recorder, RecordingError
from lens_desktop.net.client import ServerClient
from lens_desktop.net.models import SessionInfo, Technician
from lens_desktop.ui.services import ConsoleServices
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_freeze import services as freeze_services
from tests.integration.test_console_media import Customer, Phone, connect, dominant_frequency
from tests.live_server import LiveServer
from tests.qt_fixtures import wait_until


def read_recording(path: Path) -> dict[str, Any]:
    """What a player finds in the file: streams, video counters, customer audio."""
    with av.open(str(path)) as container:
        streams = [
            (s.type, s.codec_context.name, s.metadata.get("title")) for s in container.streams
        ]
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
                f.to_ndarray().reshape(-1).astype(np.float32) for f in container.decode(audio=index)
            ]
        voices.append(np.concatenate(samples) if samples else np.zeros(0))
    spans: list[float] = []
    with av.open(str(path)) as container:
        times: dict[int, list[float]] = {}
        for packet in container.demux():
            if packet.pts is not None and packet.time_base is not None:
                times.setdefault(packet.stream.index, []).append(
                    float(packet.pts * packet.time_base)
                )
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


def tab_services(
    sent: list[dict[str, Any]], client: ServerClient, permissions: frozenset[str]
) -> ConsoleServices:
    built = freeze_services(sent, client)
    built.technician = Technician(1, "t@example.com", "Tess", permissions)
    return built


def recording_messages(customer: Customer) -> list[bool]:
    return [m["on"] for m in customer.control if m.get("type") == "recording"]


async def test_the_record_button_records_tells_the_phone_and_the_audit_log_and_survives_a_bad_folder(
    qtbot: Any, artifacts_dir: Path, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician()
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann: kitchen", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    tab = SessionTab(info, tab_services(sent, client, frozenset({"record_sessions"})))
    qtbot.addWidget(tab)
    tab.resize(1000, 560)
    tab.show()
    control = tab.recording
    customer = Customer(PatternVideoTrack(640, 360, 30), ToneAudioTrack(freq=1000.0))
    second: Customer | None = None
    shots = artifacts_dir / "console"
    shots.mkdir(parents=True, exist_ok=True)
    blocker = tmp_path / "file.txt"
    blocker.write_text("a file, not a folder")
    try:
        assert control.button.isEnabled() and control.button.shortcut() == QKeySequence("Ctrl+R")
        assert "Ctrl+R" in control.button.toolTip()
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: tab.video.pane.frames_painted >= 10, timeout=20)

        # A folder that cannot be made: a clear message, nothing recorded, video goes on.
        tab.recordings_folder = str(blocker / "sub")
        control.button.click()
        assert not control.button.isChecked() and not control.recording
        assert control.message.isVisible()
        assert "Recording could not start" in control.message.text()
        assert str(blocker / "sub") in control.message.text()
        assert blocker.read_text() == "a file, not a folder"
        painted = tab.video.pane.frames_painted
        await wait_until(lambda: tab.video.pane.frames_painted > painted + 5, timeout=5)

        folder = tmp_path / "Lens recordings"
        tab.recordings_folder = str(folder)
        control.button.click()
        assert control.button.isChecked() and control.recording
        assert not control.message.isVisible()
        await wait_until(lambda: recording_messages(customer) == [True], timeout=5)
        await asyncio.sleep(2.6)
        assert control.sign.isVisible() and control.sign.text() == "● REC 00:02"
        assert tab.grab().save(str(shots / "recording.png"))

        # The phone reconnects: a second part, and the phone is told again.
        second = Customer(PatternVideoTrack(640, 360, 30), ToneAudioTrack(freq=1000.0))
        answers = len(sent)
        await tab.peer.handle_signal(await second.offer(2))
        await wait_until(lambda: len(sent) > answers, timeout=10)
        await second.accept(sent[-1])
        await wait_until(lambda: recording_messages(second) == [True], timeout=10)
        recorder = control.recorder
        assert recorder is not None
        await wait_until(lambda: len(recorder.files) == 2 and recorder.video_frames > 120, 15)

        # The customer leaves (bye): the recording stops by itself, files valid.
        await tab.peer.handle_signal({"kind": "bye"})
        await wait_until(lambda: not control.recording and not control.button.isChecked(), 10)
        await tab.tasks.wait_idle()
        assert not control.sign.isVisible() and not control.message.isVisible()
        assert recorder.error is None
        first_part, second_part = recorder.files
        assert second_part.name == first_part.stem + "_part2.mkv"
        assert first_part.parent == folder and "_Ann_kitchen_" in first_part.name
        for path in recorder.files:
            found = read_recording(path)
            assert [s[0] for s in found["streams"]] == ["video", "audio", "audio"]
            assert len(found["counters"]) >= 20 and found["counters"] == sorted(found["counters"])
        assert read_recording(first_part)["duration"] > 2.5
    finally:
        await tab.shutdown()
        await customer.pc.close()
        if second is not None:
            await second.pc.close()
        client.close()
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    actions = [e["action"] for e in events["events"] if "recording" in e["action"]]
    assert actions == ["recording_started", "recording_stopped"]


async def test_without_the_permission_the_button_is_off_and_says_why(
    qtbot: Any, live_server: LiveServer
) -> None:
    tech = live_server.technician()
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo("s-none", "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    tab = SessionTab(info, tab_services([], client, frozenset({"lens_sessions"})))
    qtbot.addWidget(tab)
    try:
        button = tab.recording.button
        assert not button.isEnabled() and button.isVisibleTo(tab)
        assert "does not allow recording" in button.toolTip()
        assert "record_sessions" in button.toolTip()
    finally:
        await tab.shutdown()
        client.close()


async def test_quitting_the_console_while_recording_leaves_a_valid_file(
    qtbot: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    tech = live_server.technician()
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    tab = SessionTab(info, tab_services(sent, client, frozenset({"record_sessions"})))
    qtbot.addWidget(tab)
    tab.resize(800, 500)
    tab.show()
    customer = Customer(PatternVideoTrack(320, 240, 30))
    try:
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=20)
        tab.recordings_folder = str(tmp_path)
        tab.recording.button.click()
        recorder = tab.recording.recorder
        assert recorder is not None
        await wait_until(lambda: recorder.video_frames >= 30, timeout=10)
        await tab.shutdown()  # the console quits
        assert not recorder.running and recorder.error is None
        assert len(read_recording(recorder.files[0])["counters"]) >= 30
    finally:
        await tab.shutdown()
        await customer.pc.close()
        client.close()
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    assert [e["action"] for e in events["events"]][-2:] == [
        "recording_started",
        "recording_stopped",
    ]


def test_a_full_disk_stops_the_recording_with_the_reason_and_keeps_a_valid_file(
    tmp_path: Path,
) -> None:
    """The file may grow no further (RLIMIT_FSIZE stands in for a full disk: the write
    fails with EFBIG as it would with ENOSPC): the recorder stops by itself, says why,
    and what it wrote before opens and decodes."""
    import fractions
    import resource
    import signal

    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = 640, 360, "yuv420p"
    encoder.time_base = fractions.Fraction(1, 30)
    encoder.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    painter = PatternPainter(640, 360)
    packets = []
    for index in range(90):
        frame = av.VideoFrame.from_ndarray(painter.paint(index, 0, index / 30), format="yuv420p")
        frame.pts = index
        packets += [bytes(p) for p in encoder.encode(frame)]
    recorder = Recorder(tmp_path, "Call", "full")
    limit = 40_000  # about 1.5 s of this clip
    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    try:
        for index, data in enumerate(packets * 2):  # 6 s at 30 fps, as a phone sends
            recorder.video(1, data, index * 3000, "video/VP8")
            time.sleep(1 / 30)
            if not recorder.running:
                break
        deadline = time.monotonic() + 10
        while recorder.running and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
        signal.signal(signal.SIGXFSZ, old_handler)
    recorder.stop()
    assert recorder.error is not None and "File too large" in recorder.error, recorder.error
    [path] = recorder.files
    assert 0 < path.stat().st_size <= limit
    counters = read_recording(path)["counters"]
    assert len(counters) >= 10 and counters == sorted(counters)


async def test_a_recording_that_fails_midway_says_why_and_the_session_goes_on(
    qtbot: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    """The writer fails while recording (here: a frame of a codec it cannot record; a
    full disk takes the same road, see the test above): the tab says why and where the
    part is, the button is off again, the picture goes on, the audit log is told."""
    tech = live_server.technician()
    created, _ = live_server.join_waiting(tech.token)
    live_server.start_session(tech.token, created["id"])
    client = ServerClient(live_server.url, tech.token)
    now = datetime.now(UTC)
    info = SessionInfo(created["id"], "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip
    sent: list[dict[str, Any]] = []
    tab = SessionTab(info, tab_services(sent, client, frozenset({"record_sessions"})))
    qtbot.addWidget(tab)
    tab.resize(800, 500)
    tab.show()
    customer = Customer(PatternVideoTrack(320, 240, 30))
    control = tab.recording
    try:
        await tab.peer.handle_signal(await customer.offer(1))
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.accept(sent[-1])
        await wait_until(lambda: tab.video.pane.frames_painted >= 5, timeout=20)
        tab.recordings_folder = str(tmp_path)
        control.button.click()
        recorder = control.recorder
        assert recorder is not None
        await wait_until(lambda: recorder.video_frames >= 20, timeout=10)
        recorder.video(tab.peer.generation, b"\x00\x00\x00\x01\x67", 0, "video/H264")
        await wait_until(lambda: control.message.isVisible(), timeout=5)
        assert control.message.text() == (
            "Recording stopped: video codec video/h264 cannot be recorded. What was "
            f"recorded until then is saved in {recorder.files[0]}."
        )
        assert not control.button.isChecked() and not control.sign.isVisible()
        assert len(read_recording(recorder.files[0])["counters"]) >= 20
        painted = tab.video.pane.frames_painted
        await wait_until(lambda: tab.video.pane.frames_painted > painted + 5, timeout=5)
        assert recording_messages(customer) == [True, False]
        await tab.tasks.wait_idle()
    finally:
        await tab.shutdown()
        await customer.pc.close()
        client.close()
    events = live_server.api("GET", f"/sessions/{created['id']}/events", tech.token).json()
    assert [e["action"] for e in events["events"]][-2:] == [
        "recording_started",
        "recording_stopped",
    ]
