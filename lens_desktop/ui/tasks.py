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

    async def close(self) -> None:
        """Cancel every task and wait until they are gone; safe to call twice."""
        tasks = self._pending()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    def _on_task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("%s: task failed", self._name, exc_info=exc)
