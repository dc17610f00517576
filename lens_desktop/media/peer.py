"""The console's WebRTC peer for one active session: it ANSWERS the customer's offer.

The customer offers (docs/decisions/0002-customer-offers.md) and starts a new peer
connection with the next ``generation`` after a network change; this class drops the
old RTCPeerConnection and answers the newest one. Messages of older generations are
ignored.

Received video goes through :class:`LatestFrameReader` (newest frame only) and comes
out as ``frame_ready``; received audio goes to the :class:`AudioEngine`, and the
engine's microphone is sent back. The ``control`` data channel carries in-session
control messages both ways.

Each receiver gets the console's jitter buffer as its track arrives (``aiortc_receiver``:
no double audio buffering, no latency ratchet or multi-second freeze after a loss), and
a :class:`KeyframeWatchdog` asks for a keyframe when the picture stops.

Threads: the public API (``handle_signal``, ``send_control``, ``close``, the signals)
belongs to the GUI thread; everything aiortc does runs on the media thread
(:mod:`lens_desktop.media.media_loop`), so a busy GUI thread neither clicks the audio
nor stalls the video. Results come back through the GUI loop's
``call_soon_threadsafe`` and are emitted there, in order. Decoded frames go through a
one-slot mailbox: however late the GUI thread gets to them, it paints the newest one
and no backlog of frames builds up in its event queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any

import av
from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.exceptions import InvalidStateError
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.sdp import candidate_from_sdp
from PySide6.QtCore import QObject, Signal

from lens_desktop.media import aiortc_receiver
from lens_desktop.media import recorder as recorder_module
from lens_desktop.media.audio import AudioEngine
from lens_desktop.media.frames import Area, LatestFrameReader, VideoFrame
from lens_desktop.media.keyframes import KeyframeWatchdog
from lens_desktop.media.media_loop import CallerLoop, MediaLoop, shared_media_loop
from lens_desktop.media.recorder import Recorder
from lens_desktop.media.stats import StatsSampler
from lens_desktop.tools.protocol import Rejection, decode_control

log = logging.getLogger(__name__)

STATS_INTERVAL = 1.0
BITRATE_HINT = "x-google-start-bitrate=2000;x-google-min-bitrate=600;x-google-max-bitrate=4000"
"""Chromium's sender starts at ~300 kbps and ramps slowly, so a phone would need 10+ s
to reach 720p. These fmtp hints (read by libwebrtc from the remote description, i.e.
our answer) make it start at 2 Mbps and never fall below 600 kbps on a good link,
which gets 1280x720 within a couple of seconds. Other browsers ignore them."""
VIDEO_CODECS = ("VP8", "VP9", "H264", "AV1")
ICE_TO_STATE = {
    "new": "connecting",
    "connecting": "connecting",
    "connected": "connected",
    "disconnected": "reconnecting",
    "failed": "failed",
}


def munge_answer_sdp(sdp: str) -> str:
    """Add the bitrate hints to every video codec's fmtp line in ``sdp``."""
    lines = sdp.split("\r\n")
    payloads: list[str] = []
    in_video = False
    for line in lines:
        if line.startswith("m="):
            in_video = line.startswith("m=video")
        match = re.match(r"a=rtpmap:(\d+) ([\w-]+)/", line)
        if in_video and match and match.group(2).upper() in VIDEO_CODECS:
            payloads.append(match.group(1))
    out: list[str] = []
    for line in lines:
        out.append(line)
        match = re.match(r"a=(rtpmap|fmtp):(\d+)[ /]", line)
        if not match or match.group(2) not in payloads:
            continue
        if match.group(1) == "fmtp":
            out[-1] = f"{line};{BITRATE_HINT}"
        elif not any(f"a=fmtp:{match.group(2)} " in x for x in lines):
            out.append(f"a=fmtp:{match.group(2)} {BITRATE_HINT}")
    return "\r\n".join(out)


def ice_configuration(ice_servers: list[dict[str, Any]]) -> RTCConfiguration:
    """Server config -> RTCConfiguration; an empty list means no STUN (aiortc's default
    would contact a public STUN server)."""
    servers = [
        RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
        for s in ice_servers
    ]
    return RTCConfiguration(iceServers=servers)


class _Connection:
    """Everything that belongs to one negotiation generation; closed as a unit."""

    def __init__(self, generation: int, pc: RTCPeerConnection) -> None:
        self.generation = generation
        self.pc = pc
        self.reader: LatestFrameReader | None = None
        self.channel: RTCDataChannel | None = None
        self.mic: MediaStreamTrack | None = None
        self.stats_task: asyncio.Task[None] | None = None
        self.keyframes: KeyframeWatchdog | None = None
        self.keyframe_task: asyncio.Task[None] | None = None
        self.video_buffer: aiortc_receiver.VideoFrameBuffer | None = None
        self.video_receiver: RTCRtpReceiver | None = None
        self.tasks: set[asyncio.Task[int]] = set()

    async def close(self) -> None:
        for task in (self.stats_task, self.keyframe_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self.reader is not None:
            await self.reader.close()
        if self.mic is not None:
            self.mic.stop()
        await self.pc.close()


class PeerSession(QObject):
    """Answers the customer's offers for one session and exposes media as signals."""

    frame_ready = Signal(object)
    state_changed = Signal(str)
    stats_changed = Signal(dict)
    control_received = Signal(dict)
    channel_opened = Signal(int)
    """The ``control`` channel of this generation is open (the value): whatever the
    phone must know again after a reload or a new connection is sent now."""

    def __init__(
        self,
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: Callable[[dict[str, Any]], None],
        audio: AudioEngine | None = None,
        parent: QObject | None = None,
        media: MediaLoop | CallerLoop | None = None,
    ) -> None:
        super().__init__(parent)
        self.session_id = session_id
        self._ice_servers = ice_servers
        self._send_signal = send_signal
        self._audio = audio
        self._media: MediaLoop | CallerLoop = media or shared_media_loop()
        self._gui_loop = asyncio.get_event_loop()
        self._conn: _Connection | None = None
        self._generation = 0
        self._lock = asyncio.Lock()  # used on the media loop only
        self._state = "connecting"  # as the GUI thread last heard it
        self._media_state = "connecting"  # as the media thread set it
        self._was_connected = False
        self._closed = False
        self._mailbox_lock = threading.Lock()
        self._mailbox: VideoFrame | None = None
        self._mailbox_posted = False
        self.frames_superseded = 0
        """Frames replaced in the mailbox before the GUI thread took them."""
        self._display_area: Area = None
        self._frame_tap: Callable[[av.VideoFrame, float], None] | None = None
        self._recorder: Recorder | None = None

    @property
    def state(self) -> str:
        return self._state

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def reader(self) -> LatestFrameReader | None:
        """The current generation's frame reader (its counters feed stats and tests)."""
        return self._conn.reader if self._conn is not None else None

    def set_display_area(self, area: Area) -> None:
        """GUI thread: where and how the picture is shown (None: at the stream's own
        size). Frames are converted for it (``display_size``), so painting them is
        mostly a plain copy of rows."""
        self._display_area = area
        if self._conn is not None and self._conn.reader is not None:
            self._conn.reader.display_area = area

    def set_frame_tap(self, tap: Callable[[av.VideoFrame, float], None] | None) -> None:
        """GUI thread: ``tap(decoded_frame, received_at)`` is called on the MEDIA thread
        with every decoded frame (None: no longer). It must return at once, never block
        (the annotation tracker's one-slot mailbox); set it only while it is needed."""
        self._frame_tap = tap

    def _on_decoded(self, conn: _Connection, frame: av.VideoFrame, received_at: float) -> None:
        """Media thread: hand a decoded frame to the tap, if any (one attribute read)."""
        tap = self._frame_tap
        if tap is not None and conn is self._conn:
            try:
                tap(frame, received_at)
            except Exception:  # the tap's fault must never stop the video
                log.exception("the frame tap failed")

    # -- recording (issue 15) ------------------------------------------------------------

    def set_recorder(self, recorder: Recorder | None) -> None:
        """GUI thread: hand the received video (as encoded), the customer's decoded
        voice and the microphone's frames to ``recorder`` (None: no longer), and ask
        for a keyframe so that the recording starts with a picture at once."""
        self._recorder = recorder
        if self._audio is not None:
            self._audio.mic_tap = None if recorder is None else self._record_microphone
        if recorder is not None:
            self._media.call_soon(self._request_keyframe)

    def _request_keyframe(self) -> None:
        conn = self._conn
        if conn is not None and conn.video_receiver is not None:
            receiver = conn.video_receiver
            task = asyncio.ensure_future(aiortc_receiver.request_keyframe(receiver))
            conn.tasks.add(task)
            task.add_done_callback(conn.tasks.discard)

    def _record_microphone(self, frame: av.AudioFrame) -> None:
        recorder = self._recorder
        if recorder is not None:
            recorder.audio(self._generation, recorder_module.TECHNICIAN, frame)

    def _record_video(self, conn: _Connection, frame: JitterFrame, mime_type: str) -> None:
        recorder = self._recorder
        if recorder is not None and conn is self._conn:
            recorder.video(conn.generation, frame.data, frame.timestamp, mime_type)

    def _customer_audio(
        self, conn: _Connection, play: Callable[[av.AudioFrame], None] | None
    ) -> Callable[[av.AudioFrame], None]:
        """The speaker's callable, also handing each frame to the recorder if any."""

        def on_audio(frame: av.AudioFrame) -> None:
            if play is not None:
                play(frame)
            recorder = self._recorder
            if recorder is not None and conn is self._conn:
                recorder.audio(conn.generation, recorder_module.CUSTOMER, frame)

        return on_audio

    # -- crossing between the threads ------------------------------------------------

    def _post(self, callback: Callable[..., None], *args: Any) -> None:
        """Media thread -> GUI thread: call ``callback(*args)`` there, in order."""
        with contextlib.suppress(RuntimeError):  # the GUI loop is closed: nobody listens
            self._gui_loop.call_soon_threadsafe(callback, *args)

    def _set_state(self, state: str) -> None:
        if state != self._media_state:
            self._media_state = state
            self._post(self._publish_state, state)

    def _publish_state(self, state: str) -> None:
        self._state = state
        self.state_changed.emit(state)

    def _on_frame(self, conn: _Connection, frame: VideoFrame) -> None:
        """Media thread: put the newest frame in the mailbox; wake the GUI once."""
        if conn is not self._conn:
            return
        with self._mailbox_lock:
            if self._mailbox is not None:
                self.frames_superseded += 1
            self._mailbox = frame
            wake, self._mailbox_posted = not self._mailbox_posted, True
        if wake:
            self._post(self._deliver_frame)

    def _deliver_frame(self) -> None:
        with self._mailbox_lock:
            frame, self._mailbox = self._mailbox, None
            self._mailbox_posted = False
        if frame is not None and not self._closed:
            self.frame_ready.emit(frame)

    # -- signaling --------------------------------------------------------------------

    async def handle_signal(self, data: dict[str, Any]) -> None:
        """Process one signaling message from the customer, strictly in arrival order."""
        if not self._closed:
            await self._media.run(self._handle_signal(data))

    async def _handle_signal(self, data: dict[str, Any]) -> None:
        async with self._lock:
            if self._closed:
                return
            kind = data.get("kind")
            try:
                await self._dispatch(kind, data)
            except (ValueError, KeyError, TypeError, InvalidStateError) as exc:
                log.warning("signal %r could not be applied: %r", kind, exc)
                if kind == "offer":
                    self._set_state("failed")

    async def _dispatch(self, kind: Any, data: dict[str, Any]) -> None:
        if kind == "offer":
            await self._on_offer(data)
        elif kind == "candidate":
            await self._on_candidate(data)
        elif kind == "bye":
            await self._drop_connection()
            self._set_state("closed")
        else:
            log.debug("ignoring signal %r", kind)

    async def _on_offer(self, data: dict[str, Any]) -> None:
        generation = int(data.get("generation", 1))
        if generation <= self._generation:
            log.info("ignoring offer of old generation %d", generation)
            return
        await self._drop_connection()
        self._generation = generation
        self._set_state("reconnecting" if self._was_connected else "connecting")
        self._conn = self._new_connection(generation)
        await self._answer(self._conn, data["sdp"])

    def _new_connection(self, generation: int) -> _Connection:
        pc = RTCPeerConnection(ice_configuration(self._ice_servers))
        conn = _Connection(generation, pc)
        pc.on("track", lambda track: self._on_track(conn, track))
        pc.on("datachannel", lambda channel: self._on_datachannel(conn, channel))
        pc.on("connectionstatechange", lambda: self._on_connection_state(conn))
        return conn

    async def _answer(self, conn: _Connection, offer_sdp: str) -> None:
        await conn.pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
        self._add_microphone(conn)
        await conn.pc.setLocalDescription(await conn.pc.createAnswer())
        # aiortc keeps its own (unmunged) local description; only the copy sent to the
        # customer carries the bitrate hints, which are for the customer's encoder.
        sdp = munge_answer_sdp(conn.pc.localDescription.sdp)
        answer = {"kind": "answer", "sdp": sdp, "generation": conn.generation}
        self._post(self._send_signal, answer)

    def _add_microphone(self, conn: _Connection) -> None:
        if self._audio is None:
            return
        try:
            conn.mic = self._audio.microphone_track()
            conn.pc.addTrack(conn.mic)
        except Exception:  # a broken microphone must not cost the video
            log.exception("microphone unavailable; answering without it")

    async def _on_candidate(self, data: dict[str, Any]) -> None:
        conn = self._conn
        if conn is None or int(data.get("generation", 1)) != conn.generation:
            return
        raw = data.get("candidate") or {}
        text = str(raw.get("candidate") or "")
        if not text:
            return  # end-of-candidates
        candidate = candidate_from_sdp(text.removeprefix("candidate:"))
        candidate.sdpMid = raw.get("sdpMid")
        candidate.sdpMLineIndex = raw.get("sdpMLineIndex")
        await conn.pc.addIceCandidate(candidate)

    # -- peer connection events -------------------------------------------------------

    def _on_track(self, conn: _Connection, track: MediaStreamTrack) -> None:
        receiver = next(
            (t.receiver for t in conn.pc.getTransceivers() if t.receiver.track is track), None
        )
        play = self._audio.start_playout() if track.kind == "audio" and self._audio else None
        if track.kind == "audio":
            play = self._customer_audio(conn, play)
        buffer = self._install_buffer(receiver, track.kind, play)
        if track.kind == "video":
            conn.reader = LatestFrameReader(
                track,
                lambda f: self._on_frame(conn, f),
                lambda f, at: self._on_decoded(conn, f, at),
            )
            conn.reader.display_area = self._display_area
            conn.reader.start()
            if isinstance(buffer, aiortc_receiver.VideoFrameBuffer):
                conn.video_buffer = buffer
                buffer.on_encoded = lambda f, mime: self._record_video(conn, f, mime)
            conn.video_receiver = receiver
            if receiver is not None:
                self._watch_keyframes(conn, conn.reader, receiver)
        elif buffer is None and self._audio is not None:
            self._audio.play_track(track)  # aiortc's own road: its decoder thread, the track
            # (not recorded: the recorder's tap is in the console's buffer)

    @staticmethod
    def _install_buffer(
        receiver: RTCRtpReceiver | None, kind: str, play: Callable[[Any], None] | None
    ) -> object:
        """The console's jitter buffer for this receiver, which hands decoded audio to
        ``play``; None, keeping aiortc's own, if that fails (worse latency and recovery,
        but media still flows)."""
        if receiver is None:
            log.error("no receiver for the %s track; keeping aiortc's jitter buffer", kind)
            return None
        try:
            return aiortc_receiver.install(receiver, kind, play)
        except aiortc_receiver.AiortcInternalsChanged:
            log.exception("keeping aiortc's own %s jitter buffer", kind)
            return None

    def _watch_keyframes(
        self, conn: _Connection, reader: LatestFrameReader, receiver: RTCRtpReceiver
    ) -> None:
        async def request() -> int:
            return await aiortc_receiver.request_keyframe(receiver)

        conn.keyframes = KeyframeWatchdog(
            request,
            lambda: reader.last_frame_at,
            lambda: conn.pc.connectionState == "connected",
        )
        conn.keyframe_task = asyncio.ensure_future(conn.keyframes.run())

    def _on_datachannel(self, conn: _Connection, channel: RTCDataChannel) -> None:
        if channel.label != "control":
            return
        conn.channel = channel
        channel.on("message", self._on_control_message)
        if channel.readyState == "open":  # aiortc announces a remote channel once open
            self._post(self._announce_channel, conn)

    def _announce_channel(self, conn: _Connection) -> None:
        if conn is self._conn and not self._closed:
            self.channel_opened.emit(conn.generation)

    def _on_control_message(self, message: str | bytes) -> None:
        data = decode_control(message)  # bounded: size, nesting, NaN (a hostile phone)
        if isinstance(data, Rejection):
            log.warning("ignoring control message: %s", data.reason)
            return
        self._post(self.control_received.emit, data)

    def _on_connection_state(self, conn: _Connection) -> None:
        if conn is not self._conn:
            return
        state = ICE_TO_STATE.get(conn.pc.connectionState)
        if state is None:
            return
        if state == "connecting" and self._was_connected:
            state = "reconnecting"
        if state == "connected":
            self._was_connected = True
            if conn.stats_task is None:
                conn.stats_task = asyncio.ensure_future(self._report_stats(conn))
        self._set_state(state)

    async def _report_stats(self, conn: _Connection) -> None:
        sampler = StatsSampler()
        while True:
            reader = conn.reader
            report = await conn.pc.getStats()
            if self._media_state == "connected" and reader is not None:
                stats = sampler.sample(
                    report,
                    reader.last_size,
                    reader.frames_received,
                    reader.frames_converted,
                    reader.frames_dropped + self.frames_superseded,
                )
                stats.update(self._recovery_stats(conn))
                self._post(self.stats_changed.emit, stats)
            await asyncio.sleep(STATS_INTERVAL)

    def _recovery_stats(self, conn: _Connection) -> dict[str, Any]:
        """Audio counters and how often the video had to be rescued, for the line."""
        stats: dict[str, Any] = self._audio.stats() if self._audio is not None else {}
        buffer, keyframes = conn.video_buffer, conn.keyframes
        stats["video_holes_skipped"] = buffer.holes_skipped if buffer is not None else 0
        if buffer is not None:
            stats["video_hole_timeout_ms"] = round(1000 * buffer.hole_timeout)
            stats["video_packets_asked_again"] = buffer.asked_again
        stats["keyframe_requests"] = keyframes.requests if keyframes is not None else 0
        return stats

    # -- control and shutdown ---------------------------------------------------------

    def send_control(self, message: dict[str, Any]) -> bool:
        """Send a control message to the customer; False when the channel is not open."""
        conn = self._conn
        channel = conn.channel if conn is not None else None
        if channel is None or channel.readyState != "open":
            log.info("control channel not open; dropping %s", message.get("type"))
            return False
        self._media.call_soon(self._send_on_channel, conn, json.dumps(message))
        return True

    def _send_on_channel(self, conn: _Connection, text: str) -> None:
        channel = conn.channel
        if conn is self._conn and channel is not None and channel.readyState == "open":
            channel.send(text)

    async def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def close(self) -> None:
        """Close the peer connection and stop its tasks; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        await self._media.run(self._close())

    async def _close(self) -> None:
        async with self._lock:
            await self._drop_connection()
        self._set_state("closed")
