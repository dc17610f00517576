"""Owned asyncio tasks for widgets.

qasync's ``asyncSlot`` starts tasks nobody keeps a reference to, so they can neither be
cancelled on shutdown nor waited for in tests. A widget instead spawns its coroutines
through a ``TaskOwner``: slots stay thin and synchronous, every task is tracked, an
unexpected exception is logged (never swallowed), and ``close()`` cancels what is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

CLOSE_SECONDS = 5.0
"""How long ``close()`` waits for cancelled tasks to finish. A task stuck past that (a
blocking call in a thread cannot be cancelled) is logged and left behind, so closing a
tab or the window never hangs on it."""


class TaskOwner:
    """A set of running tasks that belong to one widget or controller."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._on_task_done)
        return task

    def _pending(self) -> list[asyncio.Task[Any]]:
        return [task for task in self._tasks if not task.done()]

    @property
    def busy(self) -> bool:
        return bool(self._pending())

    async def wait_idle(self) -> None:
        """Wait until no task is running (tests use this instead of sleeping)."""
        while pending := self._pending():
            await asyncio.wait(pending)

    async def close(self, timeout: float = CLOSE_SECONDS) -> None:
        """Cancel every task and wait until they are gone (at most ``timeout``
        seconds); safe to call twice."""
        tasks = self._pending()
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _, stuck = await asyncio.wait(tasks, timeout=timeout)
        for task in stuck:
            log.error("%s: task %s did not stop within %.0f s", self._name, task, timeout)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s: task failed", self._name, exc_info=exc)
