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
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lens_server.relay import RedisRelay

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


def _lane(message: Message) -> str:
    """Which of the phone's peer connections a signal belongs to: the owner's (``""``)
    or the second technician's (``"guest"``); each counts its own generations."""
    data = message.get("data")
    value = data.get("peer", "") if isinstance(data, dict) else ""
    return value if isinstance(value, str) else ""


class SignalHold:
    """Undelivered signaling for one absent party of one session, oldest first.

    Only the newest negotiation generation is worth keeping: a message of a newer
    generation drops every older one of its peer connection (the peers ignore old
    generations anyway; the owner's and a guest's connections count apart), and
    the hold is bounded in count and age so a party that never comes back costs little.
    """

    def __init__(self, clock: Any = time.monotonic) -> None:
        self._clock = clock
        self._held: list[tuple[float, Message]] = []

    @classmethod
    def of(cls, held: Iterable[tuple[float, Message]]) -> SignalHold:
        """A hold refilled with what another process held (wall-clock times)."""
        hold = cls(clock=time.time)
        for at, message in held:
            hold._add(message, at)
        return hold

    def add(self, message: Message) -> None:
        self._add(message, self._clock())

    def _add(self, message: Message, at: float) -> None:
        generation, lane = _generation(message), _lane(message)
        self._held = [
            (at, held)
            for at, held in self._fresh()
            if _lane(held) != lane or _generation(held) >= generation
        ]
        if len(self._held) >= HOLD_LIMIT:
            log.warning("signal hold full; dropping a %s", message.get("data", {}).get("kind"))
            return
        self._held.append((at, message))

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
        self.token = uuid.uuid4().hex  # names this socket to the other server processes
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
    """This process's sockets, and the deliveries to them. With a ``RedisRelay``
    (several server processes), deliveries go through Redis and every process hands
    them to the sockets it has; without one, straight to this process's sockets."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._technicians: dict[int, set[Outbox]] = defaultdict(set)
        self._customers: dict[str, Outbox] = {}
        self._held_for_technician: dict[int, dict[str, SignalHold]] = defaultdict(dict)
        self._held_for_customer: dict[str, SignalHold] = {}
        self.relay: RedisRelay | None = None
        self.on_resync: Callable[[list[str]], None] | None = None
        """Called (on the loop) with this process's customers' session ids after a
        Redis outage, to push each its session's current view."""

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
        if self.relay is not None:
            self.relay.technician_here(technician_id, outbox)

    def remove_technician(self, technician_id: int, outbox: Outbox) -> None:
        self._technicians[technician_id].discard(outbox)
        if not self._technicians[technician_id]:
            del self._technicians[technician_id]
        if self.relay is not None:
            self.relay.technician_gone(technician_id, outbox)

    def add_customer(self, session_id: str, outbox: Outbox) -> None:
        previous = self._customers.get(session_id)
        if previous is not None:
            previous.close()  # the same customer reconnected; the old socket goes
        self._customers[session_id] = outbox
        hold = self._held_for_customer.pop(session_id, None)
        for message in hold.take() if hold is not None else ():
            outbox.put(message)
        if self.relay is not None:
            self.relay.customer_here(session_id, outbox)  # another process's goes too

    def remove_customer(self, session_id: str, outbox: Outbox) -> bool:
        """Returns whether this was the customer's current socket."""
        if self._customers.get(session_id) is outbox:
            del self._customers[session_id]
            if self.relay is not None:
                self.relay.customer_gone(session_id, outbox)
            return True
        return False

    def replace_customer(self, session_id: str) -> None:
        """The customer came back on another page (a re-join by link): the current page
        is told so and its socket is closed. Callable from any thread."""
        self._call(self._route("replace_customer", self.replace_local_customer), session_id)

    def replace_local_customer(self, session_id: str) -> None:
        outbox = self._customers.get(session_id)
        if outbox is not None:
            outbox.put({"type": "replaced"})
            outbox.close()

    async def online_technicians(self, ids: list[int]) -> set[int]:
        """Which of these technicians have a console socket open: on any server
        process with a relay (its presence sets in Redis), else on this one."""
        if self.relay is not None:
            try:
                return await self.relay.online_technicians(ids)
            except Exception as exc:  # Redis away: this process's own sockets
                log.warning("presence from redis failed, answering locally: %s", exc)
        return {tid for tid in ids if self._technicians.get(tid)}

    def customer_connected(self, session_id: str) -> bool:
        return session_id in self._customers

    # delivery, callable from any thread
    def to_technician(self, technician_id: int, message: Message) -> None:
        """A session change, committed just now (the push latency starts here)."""
        if self.relay is not None:
            self._call(self.relay.to_technician, technician_id, message)
        else:
            self._call(self.deliver_technician, technician_id, message, time.perf_counter())

    def to_customer(self, session_id: str, message: Message) -> None:
        if self.relay is not None:
            self._call(self.relay.to_customer, session_id, message)
        else:
            self._call(self.deliver_customer, session_id, message, time.perf_counter())

    def note_to_technician(self, technician_id: int, message: Message) -> None:
        """Anything but a session change (a chat message) for every console of the
        technician: delivered now, in order with the rest, never held."""
        if self.relay is not None:
            self._call(self.relay.to_technician, technician_id, message, False)
        else:
            self._call(self.deliver_technician, technician_id, message)

    def note_to_customer(self, session_id: str, message: Message) -> None:
        """Likewise for the customer's page; a page that is away reads the history."""
        if self.relay is not None:
            self._call(self.relay.to_customer, session_id, message, False)
        else:
            self._call(self.deliver_customer, session_id, message)

    def signal_to_technician(self, technician_id: int, session_id: str, message: Message) -> None:
        """Signaling for the console: delivered now, or held until its socket is back."""
        route = self._route("signal_to_technician", self.signal_locally_to_technician)
        self._call(route, technician_id, session_id, message)

    def signal_to_customer(self, session_id: str, message: Message) -> None:
        """Signaling for the customer: delivered now, or held until its socket is back."""
        self._call(
            self._route("signal_to_customer", self.signal_locally_to_customer), session_id, message
        )

    def _route(self, name: str, locally: Callable[..., None]) -> Callable[..., None]:
        return getattr(self.relay, name) if self.relay is not None else locally

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

    # on the loop: this process's own sockets (the relay calls these too)
    def deliver_technician(
        self, technician_id: int, message: Message, pushed_at: float | None = None
    ) -> None:
        for outbox in list(self._technicians.get(technician_id, ())):
            outbox.put(message, pushed_at)

    def deliver_customer(
        self, session_id: str, message: Message, pushed_at: float | None = None
    ) -> None:
        outbox = self._customers.get(session_id)
        if outbox is not None:
            outbox.put(message, pushed_at)

    def signal_locally_to_technician(
        self, technician_id: int, session_id: str, message: Message
    ) -> None:
        if self._technicians.get(technician_id):
            self.deliver_technician(technician_id, message)
            return
        holds = self._held_for_technician[technician_id]
        holds.setdefault(session_id, SignalHold()).add(message)

    def signal_locally_to_customer(self, session_id: str, message: Message) -> None:
        if session_id in self._customers:
            self.deliver_customer(session_id, message)
            return
        self._held_for_customer.setdefault(session_id, SignalHold()).add(message)

    def hand_over(self, outbox: Outbox, held: list[tuple[float, str, Message]]) -> None:
        """What Redis held for a socket that has just come (per session, the newest
        negotiation only, as a local hold keeps it)."""
        by_session: dict[str, list[tuple[float, Message]]] = defaultdict(list)
        for at, session_id, message in held:
            by_session[session_id].append((at, message))
        for items in by_session.values():
            for message in SignalHold.of(items).take():
                outbox.put(message)

    def customer_moved(self, session_id: str, token: str | None) -> None:
        """The customer's socket is now on another process: this one's goes."""
        outbox = self._customers.get(session_id)
        if outbox is not None and outbox.token != token:
            del self._customers[session_id]
            outbox.close()

    def local_customers(self) -> list[tuple[str, Outbox]]:
        return list(self._customers.items())

    def local_technicians(self) -> list[tuple[int, Outbox]]:
        return [(tid, outbox) for tid, boxes in self._technicians.items() for outbox in boxes]

    def resynchronise(self) -> None:
        """After a Redis outage: consoles reconnect for a fresh snapshot; each customer
        gets its session's current view (``on_resync``)."""
        for _technician_id, outbox in self.local_technicians():
            outbox.close()
        if self.on_resync is not None and self._customers:
            self.on_resync(list(self._customers))

    def close(self) -> None:
        for outboxes in self._technicians.values():
            for outbox in outboxes:
                outbox.close()
        for outbox in self._customers.values():
            outbox.close()
