"""When the console asks the customer's encoder for a keyframe."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from lens_desktop.media.keyframes import KeyframeWatchdog
from tests.qt_fixtures import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


class Picture:
    """The reader's and the connection's side, set by the test."""

    def __init__(self) -> None:
        self.last_frame: float | None = None
        self.connected = False
        self.requests = 0

    async def request(self) -> int:
        self.requests += 1
        return 1


def watchdog(picture: Picture, clock: Clock) -> KeyframeWatchdog:
    return KeyframeWatchdog(
        picture.request, lambda: picture.last_frame, lambda: picture.connected, 0.4, clock
    )


def test_asks_once_the_picture_stopped_and_then_at_most_every_interval() -> None:
    clock, picture = Clock(), Picture()
    dog = watchdog(picture, clock)
    assert not dog.due()  # not connected: nobody to ask
    picture.connected = True
    for _ in range(10):  # frames every 33 ms: all is well
        picture.last_frame = clock.now
        clock.now += 0.033
        assert not dog.due()
    clock.now += 0.35
    assert not dog.due()  # 383 ms without a frame: still within the allowance
    clock.now += 0.05
    assert dog.due() and dog.requests == 1
    clock.now += 0.2
    assert not dog.due()  # asked 200 ms ago
    clock.now += 0.2
    assert dog.due() and dog.requests == 2
    picture.last_frame = clock.now
    clock.now += 0.1
    assert not dog.due()  # the picture is back


def test_counts_from_the_connection_coming_up_when_no_frame_came_yet() -> None:
    clock, picture = Clock(), Picture()
    dog = watchdog(picture, clock)
    clock.now += 10
    picture.connected = True
    assert not dog.due()
    clock.now += 0.41
    assert dog.due()
    picture.connected = False  # reconnecting: the new connection starts afresh
    assert not dog.due()
    picture.connected = True
    clock.now += 0.1
    assert not dog.due()


async def test_run_sends_the_request() -> None:
    picture = Picture()
    picture.connected = True
    dog = KeyframeWatchdog(picture.request, lambda: None, lambda: True, after=0.05)
    task = asyncio.ensure_future(dog.run(interval=0.01))
    try:
        await wait_until(lambda: picture.requests >= 2, timeout=5)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert dog.requests >= picture.requests


async def test_a_failing_request_ends_the_watch_with_an_error_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken() -> int:
        raise RuntimeError("aiortc changed")

    dog = KeyframeWatchdog(broken, lambda: None, lambda: True, after=0.01)
    with caplog.at_level(logging.ERROR):
        await asyncio.wait_for(dog.run(interval=0.01), 5)  # returns instead of raising
    assert dog.requests == 1
    assert "no longer trying" in caplog.text
    caplog.clear()  # the error was expected here
