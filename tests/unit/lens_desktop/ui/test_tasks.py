"""A widget's tasks: closing cancels them and never waits for ever on one that will
not stop (lens_desktop/ui/tasks.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from lens_desktop.ui.tasks import TaskOwner


async def test_close_cancels_running_tasks() -> None:
    owner = TaskOwner("tab")
    task = owner.spawn(asyncio.sleep(30))
    await asyncio.sleep(0)
    await owner.close()
    assert task.cancelled() and not owner.busy
    await owner.close()  # twice is fine


@pytest.mark.allow_error_logs
async def test_a_task_that_will_not_stop_is_logged_and_left_behind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    owner = TaskOwner("tab")

    async def stubborn() -> None:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:  # swallows the first cancel, stops at the next
            await asyncio.sleep(30)

    task = owner.spawn(stubborn())
    await asyncio.sleep(0)
    started = time.monotonic()
    await owner.close(timeout=0.2)
    assert time.monotonic() - started < 2
    assert not task.done()
    assert any("did not stop within" in r.getMessage() for r in caplog.records)
    task.cancel()
    await asyncio.wait({task}, timeout=2)
    assert task.cancelled()
