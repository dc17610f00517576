"""The headless customer against a real server and a real aiortc technician.

The technician side here is deliberately small: it speaks /ws/technician with the
websockets package and answers offers with an aiortc peer, then reads the stamped
pattern back from the decoded frames and checks the tone is not silence.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from websockets.asyncio.client import ClientConnection, connect

from lens_customer import CustomerOptions, HeadlessCustomer, SourceSpec
from lens_customer.api import CustomerError
from lens_customer.pattern import read_stamp
from tests.live_server import LiveServer
from tests.technician_peer import ToneTrack

SMALL = SourceSpec(width=320, height=180, fps=15)


class Technician:
    """The console's side of signaling and media, just enough to check what arrives."""

    def __init__(self, server: LiveServer, token: str) -> None:
        self.server = server
        self.token = token
        self.sessions: dict[str, dict[str, Any]] = {}
        self.stamps: list[tuple[int, int, float]] = []
        self.audio_peak = 0
        self.audio_frames = 0
        self.generations: list[int] = []
        self.changed = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._pc: RTCPeerConnection | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def connect(self) -> None:
        url = self.server.url.replace("http://", "ws://") + "/ws/technician"
        self._ws = await connect(url)
        await self._ws.send(json.dumps({"type": "auth", "token": self.token}))
        assert json.loads(await self._ws.recv())["type"] == "ready"
        self._tasks.append(asyncio.create_task(self._read()))

    async def _read(self) -> None:
        assert self._ws is not None
        async for raw in self._ws:
            message = json.loads(raw)
            if message["type"] == "snapshot":
                self.sessions.update({s["id"]: s for s in message["sessions"]})
            elif message["type"] == "session":
                self.sessions[message["session"]["id"]] = message["session"]
            elif message["type"] == "signal" and message["data"]["kind"] == "offer":
                await self._answer(message["session_id"], message["data"])
            self._notify()

    def _notify(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def wait_for(self, predicate: Any, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                await self.changed.wait()

    async def wait_state(self, session_id: str, state: str) -> None:
        await self.wait_for(lambda: self.sessions.get(session_id, {}).get("state") == state)

    async def _answer(self, session_id: str, offer: dict[str, Any]) -> None:
        if self._pc is not None:
            await self._pc.close()
        self._pc = pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.on("track", self._on_track)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
        pc.addTrack(ToneTrack())
        await pc.setLocalDescription(await pc.createAnswer())
        self.generations.append(offer["generation"])
        data = {"kind": "answer", "sdp": pc.localDescription.sdp, "generation": offer["generation"]}
        assert self._ws is not None
        await self._ws.send(json.dumps({"type": "signal", "session_id": session_id, "data": data}))

    def _on_track(self, track: MediaStreamTrack) -> None:
        reader = self._read_video if track.kind == "video" else self._read_audio
        self._tasks.append(asyncio.create_task(reader(track)))

    async def _read_video(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.VideoFrame)
                stamp = read_stamp(frame.to_ndarray(format="yuv420p"))
                if stamp is not None:
                    self.stamps.append((*stamp, time.time() * 1000))
                    self._notify()

    async def _read_audio(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError):
            while True:
                frame = await track.recv()
                assert isinstance(frame, av.AudioFrame)
                samples = frame.to_ndarray().astype(np.int32)
                self.audio_peak = max(self.audio_peak, int(np.abs(samples).max()))
                self.audio_frames += 1
                self._notify()

    async def drop_peer(self) -> None:
        """Closes the peer connection as a crashed or restarted console would."""
        assert self._pc is not None
        await self._pc.close()

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._pc is not None:
            await self._pc.close()
        if self._ws is not None:
            await self._ws.close()


@pytest.fixture
async def technician(live_server: LiveServer) -> AsyncIterator[Technician]:
    tech = live_server.technician()
    console = Technician(live_server, tech.token)
    await console.connect()
    yield console
    await console.close()


def _server_state(server: LiveServer, token: str, session_id: str) -> str:
    return str(server.api("GET", f"/sessions/{session_id}", token).json()["state"])


async def test_pin_customer_streams_pattern_and_tone_until_technician_ends(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(
        server=live_server.url,
        pin=created["pin"],
        sources=SMALL,
        audio_out=False,
        stats_interval=0,
    )
    lines: list[str] = []
    customer = HeadlessCustomer(options, report=lines.append)
    try:
        await customer.join()
        await technician.wait_state(created["id"], "waiting")
        assert _server_state(live_server, technician.token, created["id"]) == "waiting"

        live_server.start_session(technician.token, created["id"])
        await customer.wait_active()
        await technician.wait_for(lambda: len(technician.stamps) >= 15)
        await technician.wait_for(lambda: technician.audio_frames >= 25)

        counters = [counter for counter, _, _ in technician.stamps]
        assert counters == sorted(counters) and len(set(counters)) == len(counters)
        assert counters[-1] - counters[0] >= 14
        delays = [arrived - stamp for _, stamp, arrived in technician.stamps]
        assert all(0 <= delay < 2000 for delay in delays), delays
        assert technician.audio_peak > 3000
        await customer.wait_for(lambda: customer.sink.frames_received >= 25)
        assert customer.sink.peak > 3000
        assert not customer.sink.playing
        assert customer.frames_sent >= counters[-1] + 1
        assert technician.generations == [1]

        ended = live_server.api("POST", f"/sessions/{created['id']}/end", technician.token)
        assert ended.status_code == 200, ended.text
        assert await asyncio.wait_for(customer.run(), 10) == 0
        assert customer.state == "closed_by_technician"
        assert "The technician ended the session." in lines
    finally:
        await customer.close()


async def test_customer_reconnects_with_next_generation_after_socket_drop(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(
        server=live_server.url,
        pin=created["pin"],
        sources=SMALL,
        audio_out=False,
        stats_interval=0,
    )
    customer = HeadlessCustomer(options, report=lambda _line: None)
    try:
        await customer.join()
        live_server.start_session(technician.token, created["id"])
        await technician.wait_for(lambda: len(technician.stamps) >= 3)
        assert customer.socket is not None
        await customer.socket.drop()
        await technician.wait_for(lambda: technician.generations == [1, 2])
        seen = len(technician.stamps)
        await technician.wait_for(lambda: len(technician.stamps) >= seen + 3)
        assert customer.generation == 2
        assert _server_state(live_server, technician.token, created["id"]) == "active"
    finally:
        await customer.close()


@pytest.mark.audio
async def test_customer_plays_the_technicians_voice_through_the_sound_system(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(
        server=live_server.url, pin=created["pin"], sources=SMALL, stats_interval=0
    )
    customer = HeadlessCustomer(options, report=lambda _line: None)
    try:
        await customer.join()
        live_server.start_session(technician.token, created["id"])
        await customer.wait_for(lambda: customer.sink.frames_received >= 25)
        assert customer.sink.playing
        assert customer.sink.peak > 3000
    finally:
        await customer.close()
    assert not customer.sink.playing


async def test_customer_offers_a_new_generation_when_the_console_drops_its_peer(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(
        server=live_server.url,
        pin=created["pin"],
        sources=SMALL,
        audio_out=False,
        stats_interval=0,
    )
    lines: list[str] = []
    customer = HeadlessCustomer(options, report=lines.append)
    try:
        await customer.join()
        live_server.start_session(technician.token, created["id"])
        await technician.wait_for(lambda: len(technician.stamps) >= 3)
        await technician.drop_peer()
        await technician.wait_for(lambda: technician.generations == [1, 2])
        seen = len(technician.stamps)
        await technician.wait_for(lambda: len(technician.stamps) >= seen + 3)
        assert "connection 1 lost; reconnecting" in lines
        assert customer.socket is not None and customer.socket.reconnects == 0
    finally:
        await customer.close()


async def test_declining_the_licence_closes_the_session(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(
        server=live_server.url, pin=created["pin"], decline=True, stats_interval=0
    )
    lines: list[str] = []
    customer = HeadlessCustomer(options, report=lines.append)
    try:
        session = await customer.join()
    finally:
        await customer.close()
    assert session["state"] == "closed_by_customer"
    assert customer.sources is None and customer.socket is None
    assert "You declined the licence agreement; the session is closed." in lines
    await technician.wait_state(created["id"], "closed_by_customer")


async def test_the_headless_customer_chats_both_ways(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token)["session"]
    options = CustomerOptions(server=live_server.url, pin=created["pin"], stats_interval=0)
    customer = HeadlessCustomer(options, report=lambda _line: None)
    try:
        await customer.join()
        await customer.wait_for(
            lambda: customer.socket is not None and customer.socket.ready.is_set()
        )
        sent = await customer.send_chat("  ready when you are  ")
        assert (sent["sender"], sent["text"]) == ("customer", "ready when you are")
        answer = await asyncio.to_thread(
            live_server.api,
            "POST",
            f"/sessions/{created['id']}/chat",
            technician.token,
            json={"text": "Starting now"},
        )
        assert answer.status_code == 201, answer.text
        await customer.wait_for(lambda: len(customer.chat) == 2)
        assert [(m["sender"], m["text"]) for m in customer.chat] == [
            ("customer", "ready when you are"),
            ("technician", "Starting now"),
        ]
        assert customer.api is not None
        assert [m["text"] for m in await customer.api.chat()] == [
            "ready when you are",
            "Starting now",
        ]
        with pytest.raises(CustomerError) as refused:
            await customer.send_chat("\x00")
        assert refused.value.code == "invalid_request"
    finally:
        await customer.close()


def _command() -> list[str]:
    script = shutil.which("lens-customer", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "lens_customer.cli"]


async def _read_lines(stream: asyncio.StreamReader, into: list[str], seen: asyncio.Event) -> None:
    while line := await stream.readline():
        into.append(line.decode().rstrip())
        seen.set()


async def test_command_joins_by_link_and_leaves_on_sigint(
    live_server: LiveServer, technician: Technician
) -> None:
    created = live_server.create_session(technician.token, method="link")["session"]
    arguments = ["--link", created["link"], "--size", "320x180", "--fps", "10"]
    process = await asyncio.create_subprocess_exec(
        *_command(),
        *arguments,
        "--no-audio-out",
        "--stats-interval",
        "0.5",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None and process.stderr is not None
    out: list[str] = []
    printed = asyncio.Event()
    reader = asyncio.create_task(_read_lines(process.stdout, out, printed))
    try:
        await technician.wait_state(created["id"], "waiting")
        live_server.start_session(technician.token, created["id"])
        await technician.wait_for(lambda: len(technician.stamps) >= 3, timeout=20)
        async with asyncio.timeout(10):
            while not any("active gen 1 connected" in line for line in out):
                printed.clear()
                await printed.wait()
        process.send_signal(signal.SIGINT)
        async with asyncio.timeout(15):
            err = (await process.stderr.read()).decode()
            await reader
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert "You left the session." in out
    await technician.wait_state(created["id"], "closed_by_customer")
    assert _server_state(live_server, technician.token, created["id"]) == "closed_by_customer"


async def test_command_with_bad_pin_exits_2_with_one_readable_line(
    live_server: LiveServer,
) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [*_command(), "--server", live_server.url, "--pin", "000000"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lens-customer: "), result.stderr


async def test_command_reports_unreachable_server(tmp_path: Path) -> None:
    result = await asyncio.to_thread(
        subprocess.run,
        [*_command(), "--server", "http://127.0.0.1:9", "--pin", "123456"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Cannot reach the Lens server" in result.stderr
    assert "Traceback" not in result.stderr
