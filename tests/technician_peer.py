"""A scriptable technician for tests: a real aiortc peer on the real /ws/technician.

It does what the console does for media, and nothing more: it answers the customer's
newest offer (dropping the peer connection of any older generation), receives video
and audio, sends a tone as the technician's voice, and records data-channel messages
and session changes. Tests await conditions on it instead of sleeping:

    peer = await TechnicianPeer.connect(server.url, tech.token, session_id)
    await peer.wait_for(lambda: peer.frames_received > 10)
    counter = peer.newest_counter()
    await peer.close()
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import json
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from av import AudioFrame, VideoFrame
from websockets.asyncio.client import ClientConnection, connect

from lens_customer.pattern import read_stamp

Message = dict[str, Any]

_AUDIO_RATE = 48000
_AUDIO_PTIME = 0.02


class ToneTrack(MediaStreamTrack):
    """The technician's "voice": a 660 Hz tone in real time, 20 ms per frame."""

    kind = "audio"

    def __init__(self, freq: float = 660.0) -> None:
        super().__init__()
        self._freq = freq
        self._pts = 0
        self._start: float | None = None

    async def recv(self) -> AudioFrame:
        samples = int(_AUDIO_RATE * _AUDIO_PTIME)
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / _AUDIO_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        t = (self._pts + np.arange(samples)) / _AUDIO_RATE
        pcm = (0.3 * 32767 * np.sin(2 * math.pi * self._freq * t)).astype(np.int16)
        frame = AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = _AUDIO_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, _AUDIO_RATE)
        self._pts += samples
        return frame


class TechnicianPeer:
    """One technician's socket plus the peer connection of the newest generation."""

    def __init__(self, ws: ClientConnection, session_id: str) -> None:
        self.session_id = session_id
        self.generation = 0
        self.pc: RTCPeerConnection | None = None
        self.frames_received = 0
        self.frames_by_generation: dict[int, int] = {}
        self.newest_frame: VideoFrame | None = None
        self.audio_samples_received = 0
        self.audio_peak = 0
        self.audio_tail = np.zeros(0, dtype=np.float32)
        """The newest second of the customer's audio, mono, -1..1 at 48 kHz (for FFTs)."""
        self.voice_freq = 660.0
        """The pitch of the tone sent as this technician's voice (set before the offer)."""
        self.control_messages: list[Message] = []
        self.channel: Any = None
        self.on_channel_open: Callable[[], None] | None = None
        """Called when a generation's ``control`` channel opens (the console replays
        its annotations there)."""
        self.sessions: list[Message] = []
        self.errors: list[Message] = []
        self.offers_received = 0
        self._ws = ws
        self._tasks: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._closed = False

    # --- life cycle ----------------------------------------------------------------

    @classmethod
    async def connect(cls, url: str, token: str, session_id: str) -> TechnicianPeer:
        """Opens /ws/technician, authenticates, and starts answering offers."""
        ws_url = url.replace("http://", "ws://").replace("https://", "wss://") + "/ws/technician"
        ws = await connect(ws_url)
        await ws.send(json.dumps({"type": "auth", "token": token}))
        ready = json.loads(await asyncio.wait_for(ws.recv(), 5))
        if ready.get("type") != "ready":
            await ws.close()
            raise RuntimeError(f"technician socket refused: {ready}")
        peer = cls(ws, session_id)
        peer._spawn(peer._read_socket())
        return peer

    async def close(self) -> None:
        """Closes the peer connection and the socket; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.pc is not None:
            await self.pc.close()
        await self._ws.close()

    async def drop_media(self) -> None:
        """Closes the peer connection without a word on the socket, as when the media
        path dies (UDP blocked, NAT rebinding) while signaling still works."""
        if self.pc is not None:
            await self.pc.close()
        self._notify()

    # --- what tests wait on --------------------------------------------------------

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 10.0) -> None:
        """Returns once condition() holds; re-checked on every frame, message or state."""
        async with asyncio.timeout(timeout):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    async def wait_for_frames(self, count: int, timeout: float = 10.0) -> None:
        """Returns once `count` video frames have arrived in all (any generation)."""
        await self.wait_for(lambda: self.frames_received >= count, timeout)

    def newest_counter(self) -> int | None:
        """The frame counter stamped in the newest video frame, if it carries one."""
        if self.newest_frame is None:
            return None
        stamp = read_stamp(self.newest_frame.to_ndarray(format="gray"))
        return None if stamp is None else stamp[0]

    def session_state(self) -> str | None:
        """The newest state the server pushed for our session."""
        return self.sessions[-1]["state"] if self.sessions else None

    @property
    def connection_state(self) -> str:
        return self.pc.connectionState if self.pc is not None else "new"

    def send_control(self, message: Message) -> bool:
        """Sends on the current generation's ``control`` channel, as the console's
        PeerSession.send_control does; False when it is not open."""
        return self.send_raw(json.dumps(message))

    def send_raw(self, text: str) -> bool:
        """Any text on the channel, hostile frames included."""
        if self.channel is None or self.channel.readyState != "open":
            return False
        self.channel.send(text)
        return True

    # --- signaling -------------------------------------------------------------------

    async def _read_socket(self) -> None:
        async for text in self._ws:
            message = json.loads(text)
            await self._on_message(message)
            self._notify()

    async def _on_message(self, message: Message) -> None:
        kind = message.get("type")
        if kind == "snapshot":
            self.sessions += [s for s in message["sessions"] if s["id"] == self.session_id]
        elif kind == "session" and message["session"]["id"] == self.session_id:
            self.sessions.append(message["session"])
        elif kind == "error":
            self.errors.append(message)
        elif kind == "signal" and message.get("session_id") == self.session_id:
            await self._on_signal(message["data"])

    async def _on_signal(self, data: Message) -> None:
        generation = int(data.get("generation", 0))
        if data.get("kind") == "offer" and generation > self.generation:
            await self._answer(data["sdp"], generation)
        elif data.get("kind") == "candidate" and generation == self.generation:
            await self._add_candidate(data.get("candidate") or {})

    async def _answer(self, sdp: str, generation: int) -> None:
        if self.pc is not None:
            await self.pc.close()
        self.generation = generation
        self.offers_received += 1
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.pc = pc
        self._watch(pc, generation)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        pc.addTrack(ToneTrack(self.voice_freq))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = {"kind": "answer", "sdp": pc.localDescription.sdp, "generation": generation}
        await self._send_signal(answer)

    async def _add_candidate(self, entry: Message) -> None:
        line = str(entry.get("candidate") or "")
        if self.pc is None or not line:
            return
        candidate = candidate_from_sdp(line.split(":", 1)[1])
        candidate.sdpMid = entry.get("sdpMid")
        candidate.sdpMLineIndex = entry.get("sdpMLineIndex")
        await self.pc.addIceCandidate(candidate)

    async def _send_signal(self, data: Message) -> None:
        message = {"type": "signal", "session_id": self.session_id, "data": data}
        await self._ws.send(json.dumps(message))

    # --- media ---------------------------------------------------------------------

    def _watch(self, pc: RTCPeerConnection, generation: int) -> None:
        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                self._spawn(self._consume_video(track, generation))
            else:
                self._spawn(self._consume_audio(track))

        @pc.on("datachannel")
        def on_datachannel(channel: Any) -> None:
            if pc is self.pc:
                self.channel = channel

            @channel.on("message")
            def on_message(text: str) -> None:
                self.control_messages.append(json.loads(text))
                self._notify()

            if pc is self.pc and self.on_channel_open is not None:
                self.on_channel_open()
            self._notify()

        @pc.on("connectionstatechange")
        def on_state() -> None:
            self._notify()

    async def _consume_video(self, track: MediaStreamTrack, generation: int) -> None:
        """Keeps only the newest decoded frame: aiortc queues frames without bound."""
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, VideoFrame)
                self.newest_frame = frame
                self.frames_received += 1
                count = self.frames_by_generation.get(generation, 0) + 1
                self.frames_by_generation[generation] = count
                self._notify()

    async def _consume_audio(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, AudioFrame)
                samples = frame.to_ndarray()
                self.audio_samples_received += samples.shape[-1]
                self.audio_peak = max(self.audio_peak, int(np.abs(samples).max()))
                self._keep_tail(frame, samples)
                self._notify()

    def _keep_tail(self, frame: AudioFrame, samples: np.ndarray) -> None:
        if frame.format.is_planar:
            mono = samples.mean(axis=0) / 32768.0
        else:
            mono = samples.reshape(-1, len(frame.layout.channels)).mean(axis=1) / 32768.0
        self.audio_tail = np.concatenate((self.audio_tail, mono.astype(np.float32)))[
            -frame.sample_rate :
        ]

    def _notify(self) -> None:
        self._changed.set()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
