"""The console's media stack against real aiortc customer peers in the same process,
and its audio engine against the PulseAudio null sink."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtp import RtpPacket, is_rtcp
from PySide6.QtGui import QImage

from lens_customer.pattern import read_stamp
from lens_customer.sources import PatternVideoTrack, ToneAudioTrack
from lens_desktop.media.aiortc_receiver import (
    BUFFER_ATTRIBUTE,
    HOLE_TIMEOUT_MIN_S,
    VIDEO_HOLE_TIMEOUT_S,
    AudioPacketBuffer,
)
from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.frames import VideoFrame
from lens_desktop.media.media_loop import MediaLoop
from lens_desktop.media.peer import PeerSession
from tests.qt_fixtures import SignalRecorder, next_emission, wait_until


def qimage_array(image: QImage) -> np.ndarray:
    """(h, w, 3) RGB copy of a frame's RGB32 QImage, for reading the pattern's stamp."""
    assert image.format() == QImage.Format.Format_RGB32
    h, w, stride = image.height(), image.width(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=h * stride)
    return raw.reshape(h, stride)[:, : w * 4].reshape(h, w, 4)[:, :, 2::-1].copy()  # BGRA


def counter_of(frame: VideoFrame) -> int:
    stamp = read_stamp(qimage_array(frame.image))
    assert stamp is not None, "painted frame carries no readable pattern stamp"
    return stamp[0]


class Customer:
    """A minimal offerer, as the phone is: video send-only, optional audio, 'control'."""

    def __init__(self, video: MediaStreamTrack, audio: MediaStreamTrack | None = None) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc.addTransceiver(video, direction="sendonly")
        if audio is not None:
            self.pc.addTransceiver(audio, direction="sendrecv")
        self.channel = self.pc.createDataChannel("control")
        self.control: list[dict[str, Any]] = []
        self.channel.on("message", lambda m: self.control.append(json.loads(m)))

    async def offer(self, generation: int) -> dict[str, Any]:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return {"kind": "offer", "sdp": self.pc.localDescription.sdp, "generation": generation}

    async def accept(self, answer: dict[str, Any]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(answer["sdp"], "answer"))


class Phone:
    """A customer on a loop of its own, as a phone is: it keeps sending while the
    console's GUI thread is blocked (a customer on the test's loop would stop too)."""

    def __init__(self) -> None:
        self.loop = MediaLoop("test-phone", priorities=("normal",))
        self.customer: Customer | None = None

    async def start(self, video: MediaStreamTrack, audio: MediaStreamTrack | None = None) -> None:
        self.loop.start()

        async def make() -> Customer:
            return Customer(video, audio)

        self.customer = await self.loop.run(make())

    async def connect(self, peer: PeerSession, sent: list[dict[str, Any]]) -> None:
        assert self.customer is not None
        await peer.handle_signal(await self.loop.run(self.customer.offer(1)))
        await self.loop.run(self.customer.accept(sent[-1]))

    async def close(self) -> None:
        if self.customer is not None:
            await self.loop.run(self.customer.pc.close())
        self.loop.stop()


async def connect(peer: PeerSession, customer: Customer, generation: int, sent: list) -> None:
    await peer.handle_signal(await customer.offer(generation))
    answer = sent[-1]
    assert answer["kind"] == "answer" and answer["generation"] == generation
    await customer.accept(answer)


async def test_peer_answers_and_paints_advancing_frames_with_stats_and_control() -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    states = SignalRecorder(peer.state_changed)
    stats = SignalRecorder(peer.stats_changed)
    counters: list[int] = []
    images: list[tuple[int, int]] = []

    def on_frame(frame: VideoFrame) -> None:
        counters.append(counter_of(frame))
        images.append((frame.image.width(), frame.image.height()))

    peer.frame_ready.connect(on_frame)
    peer.set_display_area((480, 480))  # the video pane's size, before the call
    customer = Customer(PatternVideoTrack(640, 360, 30))
    try:
        await connect(peer, customer, 1, sent)
        assert "x-google-start-bitrate=2000" in sent[-1]["sdp"]
        await wait_until(lambda: len(counters) >= 20, timeout=15)
        assert counters == sorted(counters) and len(set(counters)) == len(counters)
        assert counters[-1] - counters[0] >= 19
        assert set(images) == {(480, 270)}  # converted to fit the pane, stamps readable
        peer.set_display_area(None)  # actual size
        count = len(images)
        await wait_until(lambda: len(images) >= count + 5)
        assert images[-1] == (640, 360)

        sample = await stats.wait_for(lambda s: s["resolution"] == "640x360" and s["fps"] > 0)
        assert sample["bitrate_kbps"] > 0 and sample["packet_loss_pct"] >= 0

        await wait_until(lambda: customer.channel.readyState == "open")
        customer.channel.send(json.dumps({"type": "camera", "paused": True}))
        assert await next_emission(peer.control_received) == ({"type": "camera", "paused": True},)
        assert peer.send_control({"type": "hold", "on": True})
        await wait_until(lambda: customer.control == [{"type": "hold", "on": True}])
    finally:
        await peer.close()
        await peer.close()
        await customer.pc.close()
    assert states.values == ["connected", "closed"]


async def test_new_generation_replaces_the_connection_and_old_messages_are_ignored() -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    states = SignalRecorder(peer.state_changed)
    frames: list[VideoFrame] = []
    peer.frame_ready.connect(frames.append)
    first = Customer(PatternVideoTrack(320, 240, 30))
    second = Customer(PatternVideoTrack(640, 360, 30))
    stale = Customer(PatternVideoTrack(320, 240, 30))
    try:
        await connect(peer, first, 1, sent)
        await wait_until(lambda: len(frames) >= 3, timeout=15)
        await connect(peer, second, 2, sent)
        await wait_until(lambda: frames[-1].width == 640, timeout=15)
        answers = len(sent)
        await peer.handle_signal(await stale.offer(1))  # old generation: no answer
        assert len(sent) == answers and peer.generation == 2
        count = len(frames)
        await wait_until(lambda: len(frames) >= count + 5)
        assert {f.width for f in frames[count:]} == {640}
    finally:
        await peer.close()
        await first.pc.close()
        await second.pc.close()
        await stale.pc.close()
    assert states.values == ["connected", "reconnecting", "connected", "closed"]


async def test_slow_painter_gets_the_newest_frame_and_latency_stays_bounded() -> None:
    """A consumer that blocks the loop for 120 ms per frame (a slow paint) must see
    frames dropped rather than a growing backlog."""
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    track = PatternVideoTrack(640, 360, 30)
    lags: list[int] = []

    def slow_paint(frame: VideoFrame) -> None:
        lags.append(track.frames_sent - 1 - counter_of(frame))
        time.sleep(0.12)

    peer.frame_ready.connect(slow_paint)
    phone = Phone()
    try:
        await phone.start(track)
        await phone.connect(peer, sent)
        await wait_until(lambda: len(lags) >= 30, timeout=30)
        reader = peer.reader
        assert reader is not None
        # Frames are dropped (by the reader or in the hand-over to the GUI thread)...
        assert reader.frames_dropped + peer.frames_superseded > 0
        assert len(lags) < reader.frames_received
    finally:
        await peer.close()
        await phone.close()
    # Without dropping, 30 paints of 120 ms at 30 fps would lag ~80 frames behind.
    assert max(lags[-10:]) <= 12, lags


def lose_video_packets(
    customer: Customer, every_s: float, repaired: int = 0, lose_first_copies: int | None = None
) -> list[int]:
    """Make the customer's network lose one video packet every ``every_s`` seconds, and
    the retransmission of every loss but the first ``repaired`` (so NACK repairs those
    and nothing after); or, with ``lose_first_copies``, only that many retransmissions
    of each lost packet. Returns the lost sequence numbers. Wraps the customer's DTLS
    transport, where plain RTP leaves for SRTP."""
    transport = customer.pc.getTransceivers()[0].sender.transport
    send = transport._send_rtp
    media_ssrc: list[int] = []
    lost: list[int] = []
    copies: dict[int, int] = {}
    next_loss = [time.monotonic()]

    async def lossy(data: bytes) -> None:
        if not is_rtcp(data):
            packet = RtpPacket.parse(data)
            media_ssrc[:] = media_ssrc or [packet.ssrc]  # RTX only starts after a NACK
            if packet.ssrc != media_ssrc[0]:
                original = int.from_bytes(packet.payload[:2])  # RFC 4588's OSN
                copies[original] = copies.get(original, 0) + 1
                if lose_first_copies is not None:
                    if copies[original] <= lose_first_copies:
                        return
                elif original not in lost[:repaired]:
                    return
            elif time.monotonic() >= next_loss[0]:
                next_loss[0] = time.monotonic() + every_s
                lost.append(packet.sequence_number)
                return
        await send(data)

    transport._send_rtp = lossy
    return lost


async def test_unrepaired_video_loss_freezes_the_picture_briefly_not_for_seconds() -> None:
    """aiortc alone would hold every frame behind a lost packet until 512 more arrived
    (here: over 10 s); the console skips the hole, asks for a keyframe, and shows no
    frame decoded against the lost one meanwhile (they would be smeared). A repair
    that took milliseconds tells it not to wait long for the next."""
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    stats = SignalRecorder(peer.stats_changed)
    painted: list[float] = []
    intact: list[bool] = []

    def paint(frame: VideoFrame) -> None:
        painted.append(time.monotonic())
        intact.append(read_stamp(qimage_array(frame.image)) is not None)

    peer.frame_ready.connect(paint)
    # Not 320x240: at that size aiortc's encoder itself now and then leaves a cell of
    # the stamp unrefreshed (about one frame in 150, loss or not), which reads as smeared.
    customer = Customer(PatternVideoTrack(640, 360, 30))
    initial_ms = round(1000 * VIDEO_HOLE_TIMEOUT_S)
    try:
        await connect(peer, customer, 1, sent)
        await wait_until(lambda: len(painted) >= 10, timeout=15)
        lost = lose_video_packets(customer, every_s=0.75, repaired=1)
        await stats.wait_for(lambda s: s.get("video_hole_timeout_ms", initial_ms) < initial_ms)
        start = time.monotonic()
        await wait_until(lambda: time.monotonic() - start > 6, timeout=10)
        first = next(i for i, t in enumerate(painted) if t >= start)
        window = painted[first:]
        gaps = [b - a for a, b in itertools.pairwise([start, *window])]
        # 30 fps, and each of ~8 losses freezes for the 100 ms hole timeout + a keyframe.
        assert len(window) >= 90, f"{len(window)} frames in 6 s with {len(lost)} packets lost"
        assert max(gaps) < 1.0, gaps
        assert all(intact[first:]), f"{intact[first:].count(False)} smeared frames shown"
        skipped = await stats.wait_for(lambda s: s["video_holes_skipped"] >= 6)
        assert skipped["video_hole_timeout_ms"] == round(1000 * HOLE_TIMEOUT_MIN_S)
    finally:
        await peer.close()
        await customer.pc.close()


async def test_a_lost_retransmission_is_asked_for_again_and_the_picture_does_not_freeze() -> None:
    """Every lost packet's first retransmission is lost too: the console asks again
    (aiortc alone would not, unless another packet went missing), the second one
    arrives, and no hole has to be given up. The repairs that took two requests do not
    drag the wait for the next hole out either."""
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    stats = SignalRecorder(peer.stats_changed)
    painted: list[float] = []
    peer.frame_ready.connect(lambda frame: painted.append(time.monotonic()))
    customer = Customer(PatternVideoTrack(640, 360, 30))
    try:
        await connect(peer, customer, 1, sent)
        await wait_until(lambda: len(painted) >= 10, timeout=15)
        lost = lose_video_packets(customer, every_s=0.5, lose_first_copies=1)
        start = time.monotonic()
        await wait_until(lambda: time.monotonic() - start > 8, timeout=12)
        window = [t for t in painted if t >= start]
        gaps = [b - a for a, b in itertools.pairwise([start, *window])]
        assert len(window) >= 180, f"{len(window)} frames in 8 s with {len(lost)} packets lost"
        assert max(gaps) < 0.5, gaps
        last = await stats.wait_for(lambda s: s["video_packets_asked_again"] >= 10)
        assert last["video_holes_skipped"] == 0
        assert last["video_hole_timeout_ms"] < 500, last
    finally:
        await peer.close()
        await customer.pc.close()


def sound_client_threads() -> list[int]:
    """Thread ids of libpulse's mainloop threads in this process."""
    tasks = Path("/proc/self/task").iterdir()
    return [int(t.name) for t in tasks if (t / "comm").read_text().strip() == "threaded-ml"]


def dominant_frequency(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.audio
async def test_audio_engine_plays_a_tone_and_hears_it_on_the_null_sink_monitor() -> None:
    status = AudioEngine.probe()
    assert status.available, status.reason
    assert status.outputs and status.inputs
    engine = AudioEngine()
    tone = ToneAudioTrack(freq=1000.0, channels=2)
    heard: list[np.ndarray] = []
    try:
        mic = engine.microphone_track()
        player = engine.play_track(tone)

        async def record() -> None:
            while True:
                frame = await mic.recv()
                assert frame.sample_rate == 48000 and frame.samples == 960
                heard.append(frame.to_ndarray().reshape(-1).astype(np.float32))

        recorder = asyncio.ensure_future(record())

        def tone_heard() -> bool:
            # The first stream after idle may come through nearly empty: look at the
            # newest 200 ms only, once there is something loud enough.
            if len(heard) < 10:
                return False
            window = np.concatenate(heard[-10:])
            return bool(
                np.abs(window).max() > 1000 and abs(dominant_frequency(window, 48000) - 1000) < 30
            )

        await wait_until(tone_heard, timeout=10)
        assert engine.frames_played > 0 and not player.done()
        # libpulse's thread behind ALSA's pulse plugin runs real-time too (root may).
        pulse = sound_client_threads()
        assert pulse, "no libpulse client thread: is PortAudio not going through pulse?"
        if os.geteuid() == 0:
            assert engine.realtime_threads["sound client"]
            assert all(os.sched_getscheduler(tid) == os.SCHED_FIFO for tid in pulse)
        engine.volume = 0.0
        await wait_until(lambda: np.abs(np.concatenate(heard[-5:])).max() < 100, timeout=5)
        recorder.cancel()
    finally:
        await engine.close()
        await engine.close()
        tone.stop()


@pytest.mark.audio
async def test_microphone_mute_sends_silence_with_timing_kept() -> None:
    engine = AudioEngine()
    tone = ToneAudioTrack(freq=700.0)
    try:
        mic = engine.microphone_track()
        engine.play_track(tone)
        engine.mic_muted = True
        frames = [await mic.recv() for _ in range(10)]
        assert all(not f.to_ndarray().any() for f in frames)
        assert [f.pts for f in frames] == [i * 960 + frames[0].pts for i in range(10)]
    finally:
        await engine.close()
        tone.stop()


@pytest.mark.audio
async def test_peer_plays_customer_audio_and_sends_the_microphone_back() -> None:
    sent: list[dict[str, Any]] = []
    engine = AudioEngine()
    peer = PeerSession("s1", [], sent.append, audio=engine)
    stats = SignalRecorder(peer.stats_changed)
    customer = Customer(PatternVideoTrack(320, 240, 30), ToneAudioTrack(freq=1000.0))
    console_audio: list[MediaStreamTrack] = []
    customer.pc.on("track", lambda t: console_audio.append(t) if t.kind == "audio" else None)
    try:
        await connect(peer, customer, 1, sent)
        assert "a=sendrecv" in sent[-1]["sdp"]  # the console's microphone goes back
        await wait_until(lambda: engine.frames_played >= 25, timeout=15)
        # The customer's voice is decoded as its packets arrive, on the media thread:
        # nothing waits in aiortc's decoder queue or in the track's queue behind it.
        receiver = next(r for r in peer._conn.pc.getReceivers() if r.track.kind == "audio")
        assert isinstance(getattr(receiver, BUFFER_ATTRIBUTE), AudioPacketBuffer)
        assert receiver._RTCRtpReceiver__decoder_queue.empty()
        assert receiver.track._queue.empty()
        # What the statistics line gets: the speaker's delay and the gaps one hears.
        sample = await stats.wait_for(lambda s: s.get("audio_delay_ms", 0) > 0)
        assert sample["audio_delay_ms"] < 300
        assert sample["audio_underruns"] >= sample["audio_device_underflows"] >= 0
        await wait_until(lambda: bool(console_audio))
        frame = await asyncio.wait_for(console_audio[0].recv(), 5)
        assert frame.sample_rate == 48000
    finally:
        await peer.close()
        await engine.close()
        await customer.pc.close()


@pytest.mark.audio
async def test_a_busy_gui_thread_neither_stops_the_audio_nor_queues_up_video() -> None:
    """Media runs on its own thread: while the GUI thread is blocked (a long layout, a
    slow paint), the customer's audio keeps reaching the speaker's buffer and video
    keeps decoding; once free, the GUI gets the newest frame, on its own thread. The
    customer runs on a loop of its own, as a phone would."""
    sent: list[dict[str, Any]] = []
    engine = AudioEngine()
    peer = PeerSession("s1", [], sent.append, audio=engine)
    # 640x360: at 320x240 aiortc's own encoder now and then leaves a stamp cell
    # unrefreshed (about one frame in 150), and this test reads one frame's stamp.
    track = PatternVideoTrack(640, 360, 30)
    phone = Phone()
    frames: list[VideoFrame] = []
    threads: set[threading.Thread] = set()

    def on_frame(frame: VideoFrame) -> None:
        frames.append(frame)
        threads.add(threading.current_thread())

    peer.frame_ready.connect(on_frame)
    try:
        await phone.start(track, ToneAudioTrack(freq=1000.0))
        await phone.connect(peer, sent)
        await wait_until(lambda: engine.frames_played >= 25 and len(frames) >= 10, timeout=15)
        reader = peer.reader
        assert reader is not None
        played, decoded, shown = engine.frames_played, reader.frames_received, len(frames)
        time.sleep(0.6)  # noqa: ASYNC251  (deliberate: the GUI thread is busy, no events)
        assert engine.frames_played - played >= 20, "audio stopped with the GUI thread"
        assert reader.frames_received - decoded >= 10, "video stopped with the GUI thread"
        assert len(frames) == shown
        await wait_until(lambda: len(frames) > shown)
        assert track.frames_sent - 1 - counter_of(frames[shown]) <= 6  # the newest, no backlog
        assert threads == {threading.main_thread()}
    finally:
        await peer.close()
        await engine.close()
        await phone.close()


async def test_trickled_candidates_of_the_current_generation_are_applied() -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    customer = Customer(PatternVideoTrack(320, 240, 30))
    try:
        offer = await customer.offer(1)
        await peer.handle_signal(offer)
        line = next(x for x in offer["sdp"].split("\r\n") if x.startswith("a=candidate:"))
        candidate = {"candidate": line[2:], "sdpMid": "0", "sdpMLineIndex": 0}
        await peer.handle_signal({"kind": "candidate", "candidate": candidate, "generation": 1})
        await peer.handle_signal({"kind": "candidate", "candidate": candidate, "generation": 7})
        await peer.handle_signal({"kind": "candidate", "candidate": None, "generation": 1})
        await customer.accept(sent[-1])
        await wait_until(lambda: peer.state == "connected", timeout=15)
        await peer.handle_signal({"kind": "bye"})
        assert peer.state == "closed"
    finally:
        await peer.close()
        await customer.pc.close()
