"""One WebRTC peer connection of the customer: one `generation` of the call.

The customer is the offerer (docs/decisions/0002-customer-offers.md).  aiortc has no
ICE restart, so recovering from a failed connection means a new CustomerPeer with the
next generation; the tracks outlive the peers and are attached to each new one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiortc import (
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from av.frame import Frame
from av.packet import Packet

from lens_customer.playback import AudioSink
from lens_customer.sources import MediaSources

log = logging.getLogger(__name__)

CAMERA_CAPS: dict[str, Any] = {
    "type": "camera_caps",
    "v": 1,
    "facing": ["environment"],
    "current": "environment",
    "torch": False,
    "torch_on": False,
    "zoom": None,
    "focus_point": False,
}
"""What the headless customer's camera can do: nothing the technician may change."""
CAMERA_REQUEST_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")

SendSignal = Callable[[dict[str, Any]], Awaitable[None]]


def ice_servers_from_config(entries: list[dict[str, Any]]) -> list[RTCIceServer]:
    """The server's ice_servers (WebRTC's RTCIceServer dicts) as aiortc objects.

    An empty list stays empty: aiortc's own default is a public STUN server, which
    an offline or locked-down network cannot reach and would only slow ICE down.
    """
    servers = []
    for entry in entries:
        urls = entry.get("urls") or entry.get("url")
        if not urls:
            continue
        servers.append(
            RTCIceServer(
                urls=urls, username=entry.get("username"), credential=entry.get("credential")
            )
        )
    return servers


@dataclass(frozen=True)
class PeerStats:
    """One sample of what the peer is sending, for the live status line."""

    connection_state: str
    video_bytes_sent: int
    video_packets_sent: int
    audio_bytes_sent: int
    round_trip_ms: float | None
    at: float


class _Fanout:
    """One source read by every peer connection that borrows it at once (the owner's
    and a second technician's): each reader gets the newest frame it has not had yet;
    the source is read only when a reader asks, so one reader reads as before."""

    def __init__(self, source: MediaStreamTrack) -> None:
        self.source = source
        self.count = 0
        self.frame: Frame | Packet | None = None
        self._reading: asyncio.Future[None] | None = None

    async def next(self, seen: int) -> tuple[int, Frame | Packet]:
        """(its number, the newest frame after number ``seen``); MediaStreamError when
        the source has ended."""
        if self.count <= seen or self.frame is None:
            if self._reading is None:
                self._reading = asyncio.ensure_future(self._read())
            # shielded: a reader closed meanwhile does not cancel the others' read
            await asyncio.shield(self._reading)
        assert self.frame is not None
        return self.count, self.frame

    async def _read(self) -> None:
        try:
            self.frame = await self.source.recv()
            self.count += 1
        finally:
            self._reading = None


_fanouts: weakref.WeakKeyDictionary[MediaStreamTrack, _Fanout] = weakref.WeakKeyDictionary()


class BorrowedTrack(MediaStreamTrack):
    """Lends a source track to one peer connection.

    aiortc's RTCRtpSender stops its track when the connection closes; a source shared
    by successive generations, and by the owner's and a second technician's connections
    at once, must outlive each of them, so every peer gets a thin wrapper whose stop()
    ends only the wrapper, reading the source through its one fan-out.
    """

    def __init__(self, source: MediaStreamTrack) -> None:
        super().__init__()
        self.kind = source.kind
        self.source = source
        self._fanout = _fanouts.setdefault(source, _Fanout(source))
        self._seen = self._fanout.count

    async def recv(self) -> Frame | Packet:
        if self.readyState != "live":
            raise MediaStreamError
        self._seen, frame = await self._fanout.next(self._seen)
        return frame


class CustomerPeer:
    """Creates the offer, applies the answer and remote candidates, reports failure."""

    def __init__(
        self,
        generation: int,
        ice_servers: list[dict[str, Any]],
        sources: MediaSources,
        sink: AudioSink,
        send_signal: SendSignal,
        on_failed: Callable[[CustomerPeer], None],
    ) -> None:
        self.generation = generation
        self.control_messages: list[dict[str, Any]] = []
        self._send_signal = send_signal
        self._on_failed = on_failed
        self._sink = sink
        self._closed = False
        configuration = RTCConfiguration(iceServers=ice_servers_from_config(ice_servers))
        self.pc = RTCPeerConnection(configuration)
        self._attach(sources)
        self.control: RTCDataChannel = self.pc.createDataChannel("control")
        self.control.on("message", self.on_control_message)
        self.control.on("open", self.on_control_open)
        self.pc.on("track", self.on_pc_track)
        self.pc.on("connectionstatechange", self.on_pc_connectionstatechange)

    def _attach(self, sources: MediaSources) -> None:
        """Video send-only and audio send-receive, as docs/protocol.md asks."""
        if sources.video is not None:
            self.pc.addTransceiver(BorrowedTrack(sources.video), direction="sendonly")
        if sources.audio is not None:
            self.pc.addTransceiver(BorrowedTrack(sources.audio), direction="sendrecv")
        else:
            self.pc.addTransceiver("audio", direction="recvonly")

    @property
    def connection_state(self) -> str:
        return str(self.pc.connectionState)

    async def offer(self) -> None:
        """Gathers candidates (aiortc puts them all in the SDP) and sends the offer."""
        await self.pc.setLocalDescription(await self.pc.createOffer())
        description = self.pc.localDescription
        await self._send_signal(
            {"kind": "offer", "sdp": description.sdp, "generation": self.generation}
        )

    async def on_signal(self, data: dict[str, Any]) -> None:
        """Applies an answer or a remote candidate of this generation."""
        kind = data.get("kind")
        if kind == "answer" and self.pc.signalingState == "have-local-offer":
            await self.pc.setRemoteDescription(
                RTCSessionDescription(sdp=str(data["sdp"]), type="answer")
            )
        elif kind == "candidate":
            await self._add_candidate(data.get("candidate") or {})

    async def _add_candidate(self, entry: dict[str, Any]) -> None:
        line = str(entry.get("candidate") or "")
        if not line:
            return  # end-of-candidates marker from a browser
        candidate = candidate_from_sdp(line.removeprefix("candidate:"))
        candidate.sdpMid = entry.get("sdpMid")
        candidate.sdpMLineIndex = entry.get("sdpMLineIndex")
        await self.pc.addIceCandidate(candidate)

    def on_pc_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio":
            self._sink.consume(track)

    def on_pc_connectionstatechange(self) -> None:
        state = self.pc.connectionState
        log.info("peer generation %d: %s", self.generation, state)
        # "closed" without our close(): the other side shut its end (DTLS close_notify),
        # for instance a console that restarted; like "failed", only a new offer helps.
        if state in ("failed", "closed") and not self._closed:
            self._on_failed(self)

    def on_control_open(self) -> None:
        """Tells the console what the camera can do (docs/protocol.md, "Camera
        requests"): one camera, no flashlight, no zoom, no focus point."""
        self.send_control(CAMERA_CAPS)

    def _answer_camera_request(self, message: dict[str, Any]) -> None:
        """Every well-formed camera request is one this camera cannot do."""
        request_id = message.get("id")
        if message.get("v") != 1 or not isinstance(request_id, str):
            return
        if not CAMERA_REQUEST_ID.fullmatch(request_id):
            return
        self.send_control(
            {
                "type": "camera_result",
                "v": 1,
                "id": request_id,
                "ok": False,
                "reason": "not_supported",
            }
        )
        self.send_control(CAMERA_CAPS)

    def on_control_message(self, raw: Any) -> None:
        """Data-channel messages from the technician (hold, annotations, ...), kept for the
        caller and logged; the headless customer has no screen to show them on."""
        try:
            message = json.loads(raw)
        except (TypeError, ValueError):
            return
        if isinstance(message, dict):
            self.control_messages.append(message)
            log.info("technician says: %s", message)
            if message.get("type") == "camera_request":
                self._answer_camera_request(message)

    def send_control(self, message: dict[str, Any]) -> bool:
        """Sends on the control channel if it is open."""
        if self.control.readyState != "open":
            return False
        self.control.send(json.dumps(message))
        return True

    async def stats(self) -> PeerStats:
        report = await self.pc.getStats()
        sent = {"video": [0, 0], "audio": [0, 0]}
        rtt: float | None = None
        for item in report.values():
            if item.type == "outbound-rtp" and item.kind in sent:
                sent[item.kind][0] += item.bytesSent
                sent[item.kind][1] += item.packetsSent
            elif item.type == "remote-inbound-rtp" and item.kind == "video":
                rtt = item.roundTripTime * 1000.0
        return PeerStats(
            self.connection_state,
            sent["video"][0],
            sent["video"][1],
            sent["audio"][0],
            rtt,
            time.monotonic(),
        )

    async def close(self) -> None:
        """Closes the connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.pc.remove_all_listeners()
        await self.pc.close()
