"""Fans session changes and signaling out to the open WebSockets.

Service code runs in worker threads; the sockets live on the event loop. ``to_*`` and
``signal_to_*`` may be called from any thread: they hand the message to the loop with
``call_soon_threadsafe`` and each socket's own queue keeps its messages in order.

Signaling for a party whose socket is away (a reconnect, a server restart: the two
sides come back a moment apart) is held per session and handed over when that party's
socket is back (``SignalHold``), so an offer sent in that gap is not lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from typing import Any

log = logging.getLogger(__name__)

Message = dict[str, Any]

HOLD_LIMIT = 200
"""Signals held per session and direction: an offer plus its trickled candidates."""
HOLD_SECONDS = 60.0
"""Held signals older than this are dropped: the sender has long moved on."""


def _generation(message: Message) -> int:
    data = message.get("data")
    value = data.get("generation", 0) if isinstance(data, dict) else 0
    return value if isinstance(value, int) else 0


class SignalHold:
    """Undelivered signaling for one absent party of one session, oldest first.

    Only the newest negotiation generation is worth keeping: a message of a newer
    generation drops every older one (the peers ignore old generations anyway), and
    the hold is bounded in count and age so a party that never comes back costs little.
    """

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._held: list[tuple[float, Message]] = []

    def add(self, message: Message) -> None:
        generation = _generation(message)
        self._held = [(at, held) for at, held in self._fresh() if _generation(held) >= generation]
        if len(self._held) >= HOLD_LIMIT:
            log.warning("signal hold full; dropping a %s", message.get("data", {}).get("kind"))
            return
        self._held.append((self._clock(), message))

    def take(self) -> list[Message]:
        """Everything still worth delivering, in order; the hold is empty afterwards."""
        messages = [message for _at, message in self._fresh()]
        self._held = []
        return messages

    def _fresh(self) -> list[tuple[float, Message]]:
        cutoff = self._clock() - HOLD_SECONDS
        return [(at, message) for at, message in self._held if at >= cutoff]

    def __len__(self) -> int:
        return len(self._fresh())


class Outbox:
    """One socket's outgoing queue; a slow socket cannot hold up the others."""

    LIMIT = 1000

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message | None] = asyncio.Queue()
        self.overflowed = False
        # When each queued message's session change was committed (perf_counter), or
        # None for anything else: in queue order, for lens_push_latency_seconds.
        self._pushed_at: deque[float | None] = deque()

    def put(self, message: Message, pushed_at: float | None = None) -> None:
        if self.queue.qsize() >= self.LIMIT:
            # A client that stopped reading gets disconnected, then resynchronises
            # from a fresh snapshot when it comes back.
            self.overflowed = True
            self._enqueue(None, None)
            return
        self._enqueue(message, pushed_at)

    def close(self) -> None:
        self._enqueue(None, None)

    def _enqueue(self, message: Message | None, pushed_at: float | None) -> None:
        self._pushed_at.append(pushed_at)
        self.queue.put_nowait(message)

    async def get(self) -> tuple[Message | None, float | None]:
        """The next message (None: close the socket) and, for a session change, when
        it was committed."""
        message = await self.queue.get()
        return message, self._pushed_at.popleft()


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._technicians: dict[int, set[Outbox]] = defaultdict(set)
        self._customers: dict[str, Outbox] = {}
        self._held_for_technician: dict[int, dict[str, SignalHold]] = defaultdict(dict)
        self._held_for_customer: dict[str, SignalHold] = {}

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    # registration happens on the loop, from the socket handlers
    def add_technician(self, technician_id: int, outbox: Outbox) -> None:
        """Registers the socket and hands it the signaling held while it was away
        (queued behind whatever the handler sends first, i.e. the snapshot)."""
        self._technicians[technician_id].add(outbox)
        for hold in self._held_for_technician.pop(technician_id, {}).values():
            for message in hold.take():
                outbox.put(message)

    def remove_technician(self, technician_id: int, outbox: Outbox) -> None:
        self._technicians[technician_id].discard(outbox)
        if not self._technicians[technician_id]:
            del self._technicians[technician_id]

    def add_customer(self, session_id: str, outbox: Outbox) -> None:
        previous = self._customers.get(session_id)
        if previous is not None:
            previous.close()  # the same customer reconnected; the old socket goes
        self._customers[session_id] = outbox
        hold = self._held_for_customer.pop(session_id, None)
        for message in hold.take() if hold is not None else ():
            outbox.put(message)

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
        """A session change, committed just now (the push latency starts here)."""
        self._call(self._deliver_technician, technician_id, message, time.perf_counter())

    def to_customer(self, session_id: str, message: Message) -> None:
        self._call(self._deliver_customer, session_id, message, time.perf_counter())

    def note_to_technician(self, technician_id: int, message: Message) -> None:
        """Anything but a session change (a chat message) for every console of the
        technician: delivered now, in order with the rest, never held."""
        self._call(self._deliver_technician, technician_id, message)

    def note_to_customer(self, session_id: str, message: Message) -> None:
        """Likewise for the customer's page; a page that is away reads the history."""
        self._call(self._deliver_customer, session_id, message)

    def signal_to_technician(self, technician_id: int, session_id: str, message: Message) -> None:
        """Signaling for the console: delivered now, or held until its socket is back."""
        self._call(self._signal_technician, technician_id, session_id, message)

    def signal_to_customer(self, session_id: str, message: Message) -> None:
        """Signaling for the customer: delivered now, or held until its socket is back."""
        self._call(self._signal_customer, session_id, message)

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

    def _deliver_technician(
        self, technician_id: int, message: Message, pushed_at: float | None = None
    ) -> None:
        for outbox in list(self._technicians.get(technician_id, ())):
            outbox.put(message, pushed_at)

    def _deliver_customer(
        self, session_id: str, message: Message, pushed_at: float | None = None
    ) -> None:
        outbox = self._customers.get(session_id)
        if outbox is not None:
            outbox.put(message, pushed_at)

    def _signal_technician(self, technician_id: int, session_id: str, message: Message) -> None:
        if self._technicians.get(technician_id):
            self._deliver_technician(technician_id, message)
            return
        holds = self._held_for_technician[technician_id]
        holds.setdefault(session_id, SignalHold()).add(message)

    def _signal_customer(self, session_id: str, message: Message) -> None:
        if session_id in self._customers:
            self._deliver_customer(session_id, message)
            return
        self._held_for_customer.setdefault(session_id, SignalHold()).add(message)

    def close(self) -> None:
        for outboxes in self._technicians.values():
            for outbox in outboxes:
                outbox.close()
        for outbox in self._customers.values():
            outbox.close()
