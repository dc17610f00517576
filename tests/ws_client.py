"""The server's WebSockets as a test client sees them: sign in, then wait for the next
message of a kind, or for a pushed session view in a given state."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from tests.live_server import LiveServer


def ws_url(server: LiveServer, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def connect(server: LiveServer, path: str, token: str, **kwargs: Any) -> ClientConnection:
    ws = await websockets.connect(ws_url(server, path), **kwargs)
    await ws.send(json.dumps({"type": "auth", "token": token}))
    assert json.loads(await ws.recv()) == {"type": "ready"}
    return ws


async def next_of(ws: ClientConnection, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of this type (others are skipped)."""
    async with asyncio.timeout(timeout):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] == kind:
                return dict(message)


async def state_of(ws: ClientConnection, state: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next pushed session view in ``state`` (intermediate pushes are skipped)."""
    async with asyncio.timeout(timeout):
        while (message := await next_of(ws, "session"))["session"]["state"] != state:
            pass
    return dict(message["session"])


async def in_thread(func: Any, *args: Any, **kwargs: Any) -> Any:
    """A blocking call (the test server's httpx client) off the test's loop."""
    return await asyncio.to_thread(func, *args, **kwargs)
