"""Fans session changes and signaling out to the open WebSockets.

Service code runs in worker threads; the sockets live on the event loop. ``publish``
and ``relay_*`` may be called from any thread: they hand the message to the loop with
``call_soon_threadsafe`` and each socket's own queue keeps its messages in order.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

log = logging.getLogger(__name__)

Message = dict[str, Any]


class Outbox:
    """One socket's outgoing queue; a slow socket cannot hold up the others."""

    LIMIT = 1000

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self.overflowed = False

    def put(self, message: Message) -> None:
        if self.queue.qsize() >= self.LIMIT:
            # A client that stopped reading gets disconnected, then resynchronises
            # from a fresh snapshot when it comes back.
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(message)

    def close(self) -> None:
        self.queue.put_nowait(None)


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._technicians: dict[int, set[Outbox]] = defaultdict(set)
        self._customers: dict[str, Outbox] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # registration happens on the loop, from the socket handlers
    def add_technician(self, technician_id: int, outbox: Outbox) -> None:
        self._technicians[technician_id].add(outbox)

    def remove_technician(self, technician_id: int, outbox: Outbox) -> None:
        self._technicians[technician_id].discard(outbox)
        if not self._technicians[technician_id]:
            del self._technicians[technician_id]

    def add_customer(self, session_id: str, outbox: Outbox) -> None:
        previous = self._customers.get(session_id)
        if previous is not None:
            previous.close()  # the same customer reconnected; the old socket goes
        self._customers[session_id] = outbox

    def remove_customer(self, session_id: str, outbox: Outbox) -> bool:
        """Returns whether this was the customer's current socket."""
        if self._customers.get(session_id) is outbox:
            del self._customers[session_id]
            return True
        return False

    def replace_customer(self, session_id: str) -> None:
        """The customer came back on another page (a re-join by link): the current page
        is told so and its socket is closed. Callable from any thread."""
        self._call(self._replace_customer, session_id)

    def _replace_customer(self, session_id: str) -> None:
        outbox = self._customers.get(session_id)
        if outbox is not None:
            outbox.put({"type": "replaced"})
            outbox.close()

    def customer_connected(self, session_id: str) -> bool:
        return session_id in self._customers

    # delivery, callable from any thread
    def to_technician(self, technician_id: int, message: Message) -> None:
        self._call(self._deliver_technician, technician_id, message)

    def to_customer(self, session_id: str, message: Message) -> None:
        self._call(self._deliver_customer, session_id, message)

    def _call(self, func: Any, *args: Any) -> None:
        if self._loop is None or self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            func(*args)
        else:
            self._loop.call_soon_threadsafe(func, *args)

    def _deliver_technician(self, technician_id: int, message: Message) -> None:
        for outbox in list(self._technicians.get(technician_id, ())):
            outbox.put(message)

    def _deliver_customer(self, session_id: str, message: Message) -> None:
        outbox = self._customers.get(session_id)
        if outbox is not None:
            outbox.put(message)

    def close(self) -> None:
        for outboxes in self._technicians.values():
            for outbox in outboxes:
                outbox.close()
        for outbox in self._customers.values():
            outbox.close()
