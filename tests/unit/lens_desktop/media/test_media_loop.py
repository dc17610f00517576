"""The media thread: coroutines run there and hand back results, errors and
cancellation; it runs at raised priority where allowed, and so do its threads."""

from __future__ import annotations

import asyncio
import os
import threading

import pytest

from lens_desktop.media.media_loop import MEDIA_NICE, MediaLoop, shared_media_loop


def nice_of(native_id: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, native_id)


@pytest.fixture
def media() -> MediaLoop:
    loop = MediaLoop("test-media")
    loop.start()
    yield loop
    loop.stop()


async def test_run_executes_on_the_media_thread_and_returns_the_result(media: MediaLoop) -> None:
    async def where() -> tuple[str, bool]:
        await asyncio.sleep(0)
        return threading.current_thread().name, media.in_thread()

    assert await media.run(where()) == ("test-media", True)
    assert not media.in_thread()


async def test_errors_and_cancellation_cross_the_thread(media: MediaLoop) -> None:
    async def fail() -> None:
        raise ValueError("bad offer")

    with pytest.raises(ValueError, match="bad offer"):
        await media.run(fail())

    started, cancelled = threading.Event(), threading.Event()

    async def forever() -> None:
        started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    task = asyncio.ensure_future(media.run(forever()))
    await asyncio.to_thread(started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(cancelled.wait, 5)


async def test_priority_is_raised_for_the_thread_and_inherited_by_its_threads(
    media: MediaLoop,
) -> None:
    async def nices() -> tuple[int, int]:
        own = nice_of(threading.get_native_id())
        child = await asyncio.get_running_loop().run_in_executor(
            None, lambda: nice_of(threading.get_native_id())
        )
        return own, child

    if os.geteuid() == 0:  # root may always raise it (as on this CI machine)
        assert media.priority_raised
    expected = MEDIA_NICE if media.priority_raised else 0
    assert await media.run(nices()) == (expected, expected)
    assert nice_of(threading.get_native_id()) == 0  # the caller's thread is untouched


async def test_a_refused_priority_leaves_the_thread_running_normally(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(which: int, who: int, value: int) -> None:  # fake: an unprivileged user
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "setpriority", refuse)
    loop = MediaLoop("test-media-normal")
    loop.start()
    try:

        async def answer() -> int:
            return 42

        assert await loop.run(answer()) == 42
    finally:
        loop.stop()
    assert not loop.priority_raised


async def test_stop_cancels_what_is_left_and_ends_the_thread() -> None:
    loop = MediaLoop("test-media-stop")
    loop.start()
    cancelled = threading.Event()

    async def pending() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    loop.call_soon(lambda: asyncio.ensure_future(pending()))
    await asyncio.sleep(0.05)
    await asyncio.to_thread(loop.stop)
    assert cancelled.is_set() and not loop.running
    loop.call_soon(print)  # after stop: ignored, no error


def test_the_shared_loop_is_started_once() -> None:
    first = shared_media_loop()
    assert first.running and shared_media_loop() is first
