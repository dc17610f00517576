"""Asks the customer's encoder for a keyframe when the picture has stopped.

A video decoder whose reference frames are broken (a lost packet that neither NACK
nor the jitter buffer could repair, a keyframe lost on the way) decodes nothing useful
until the next keyframe, and a phone sends one only every few seconds unless asked.
:class:`KeyframeWatchdog` asks (RTCP PLI) when no frame was decoded for
``KEYFRAME_AFTER_S`` while the connection is up, and again at most that often while the
picture stays frozen. The request itself is injected (see ``aiortc_receiver``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

KEYFRAME_AFTER_S = 0.4
CHECK_INTERVAL_S = 0.1


class KeyframeWatchdog:
    """Sends ``request()`` when ``last_frame()`` (monotonic seconds, None before the
    first frame) is older than ``after`` while ``connected()``."""

    def __init__(
        self,
        request: Callable[[], Awaitable[object]],
        last_frame: Callable[[], float | None],
        connected: Callable[[], bool],
        after: float = KEYFRAME_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._request = request
        self._last_frame = last_frame
        self._connected = connected
        self._after = after
        self._clock = clock
        self._connected_since: float | None = None
        self._last_request = float("-inf")
        self.requests = 0

    def due(self) -> bool:
        """Whether a keyframe should be asked for now (and note that it was)."""
        now = self._clock()
        if not self._connected():
            self._connected_since = None
            return False
        if self._connected_since is None:
            self._connected_since = now
        quiet_since = max(self._last_frame() or float("-inf"), self._connected_since)
        if now - quiet_since < self._after or now - self._last_request < self._after:
            return False
        self._last_request = now
        self.requests += 1
        return True

    async def run(self, interval: float = CHECK_INTERVAL_S) -> None:
        """Check every ``interval`` until cancelled; a request that fails ends the
        watch (logged) rather than the connection."""
        while True:
            await asyncio.sleep(interval)
            if not self.due():
                continue
            log.debug("no video frame for %.1f s: asking for a keyframe", self._after)
            try:
                await self._request()
            except Exception:
                log.exception("cannot ask the customer for a keyframe; no longer trying")
                return
