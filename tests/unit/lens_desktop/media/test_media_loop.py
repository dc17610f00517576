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


def scheduling() -> tuple[int, int]:
    """(policy without flags, nice) of the calling thread."""
    policy = os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    return policy, nice_of(threading.get_native_id())


async def scheduling_here_and_in_a_child() -> tuple[tuple[int, int], tuple[int, int]]:
    child = await asyncio.get_running_loop().run_in_executor(None, scheduling)
    return scheduling(), child


async def test_the_thread_runs_real_time_and_the_threads_it_starts_do_not(
    media: MediaLoop,
) -> None:
    if os.geteuid() == 0:  # root may always (as on this CI machine)
        assert media.priority == "realtime"
    own, child = await media.run(scheduling_here_and_in_a_child())
    if media.priority == "realtime":
        assert own[0] == os.SCHED_RR
        assert os.sched_getparam(threading.get_native_id()).sched_priority == 0  # caller
    assert child == (os.SCHED_OTHER, 0)  # decoders and executors: normal priority
    assert scheduling() == (os.SCHED_OTHER, 0)  # the caller's thread is untouched


def refuse(*args: object) -> None:  # fake: what an unprivileged user gets
    raise PermissionError(1, "Operation not permitted")


async def test_without_real_time_it_asks_for_nice_which_its_threads_inherit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    loop = MediaLoop("test-media-nice")
    loop.start()
    try:
        own, child = await loop.run(scheduling_here_and_in_a_child())
    finally:
        loop.stop()
    if os.geteuid() == 0:
        assert loop.priority == "nice"
    expected = MEDIA_NICE if loop.priority == "nice" else 0
    assert own == child == (os.SCHED_OTHER, expected)


async def test_when_everything_is_refused_the_loop_runs_at_normal_priority(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    monkeypatch.setattr(os, "setpriority", refuse)
    loop = MediaLoop("test-media-normal")
    loop.start()
    try:

        async def answer() -> int:
            return 42

        assert await loop.run(answer()) == 42
        assert await loop.run(asyncio.to_thread(scheduling)) == (os.SCHED_OTHER, 0)
    finally:
        loop.stop()
    assert loop.priority == "normal"


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
