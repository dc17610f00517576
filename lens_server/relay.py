"""Carries the hub's deliveries between server processes through Redis.

One process knows only its own sockets. With ``redis_url`` set, every delivery goes
through Redis instead of straight to a socket: a session change is published on one
channel that every process reads, and each delivers it to the sockets it has. Who is
connected where is kept in Redis too (a customer's socket token per session, the set of
a technician's socket tokens), so signaling for a party whose socket is away is held in
Redis, and handed over by whichever process that party's socket comes back to. The
check "is the party there" and the publish-or-hold happen in one Lua script, as do the
claim of a socket and the take of what was held for it, so nothing falls between them.

The writes go out in the order the hub made them: one task sends them one at a time.
When Redis does not answer, a delivery falls back to this process's own sockets (what
one process alone would do), the readiness check says "degraded", and the relay keeps
trying. When its subscription is back it re-registers this process's sockets and asks
the hub to resynchronise them (technician sockets are closed, so consoles reconnect and
take a fresh snapshot; customers get their session's current view): whatever was
pushed in between is not lost, since the state lives in the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

if TYPE_CHECKING:
    from lens_server.hub import Hub, Message, Outbox

log = logging.getLogger(__name__)

CHANNEL = "lens:hub"
HOLD_LIMIT = 200
HOLD_TTL_SECONDS = 60
RETRY_SECONDS = 0.5
COMMAND_TIMEOUT_SECONDS = 2.0

# KEYS: presence, hold. ARGV: kind ("c" a customer's token, "t" a technician's set),
# channel, payload to publish, item to hold, hold limit, hold TTL.
SIGNAL = """
local here
if ARGV[1] == 't' then here = redis.call('SCARD', KEYS[1]) > 0
else here = redis.call('EXISTS', KEYS[1]) == 1 end
if here then redis.call('PUBLISH', ARGV[2], ARGV[3]) return 1 end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[5]), -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
return 0
"""
# KEYS: presence, hold. ARGV: kind, token, channel, payload to publish ('' for none).
CLAIM = """
if ARGV[1] == 't' then redis.call('SADD', KEYS[1], ARGV[2])
else redis.call('SET', KEYS[1], ARGV[2]) end
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[3], ARGV[4]) end
local held = redis.call('LRANGE', KEYS[2], 0, -1)
redis.call('DEL', KEYS[2])
return held
"""
# KEYS: presence. ARGV: kind, token.
RELEASE = """
if ARGV[1] == 't' then return redis.call('SREM', KEYS[1], ARGV[2]) end
if redis.call('GET', KEYS[1]) == ARGV[2] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def customer_key(session_id: str) -> str:
    return f"lens:c:{session_id}"


def technician_key(technician_id: int) -> str:
    return f"lens:t:{technician_id}"


def new_token() -> str:
    return uuid.uuid4().hex


class RedisRelay:
    def __init__(self, url: str, hub: Hub) -> None:
        self._url = url
        self._hub = hub
        self._client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
            socket_connect_timeout=COMMAND_TIMEOUT_SECONDS,
        )
        self._signal = self._client.register_script(SIGNAL)
        self._claim = self._client.register_script(CLAIM)
        self._release = self._client.register_script(RELEASE)
        self._writes: asyncio.Queue[Callable[[], Awaitable[None]] | None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscribed = asyncio.Event()
        self._write_failed = False
        self.problem = "not connected yet"

    # -- life ----------------------------------------------------------------------

    async def start(self, timeout: float = 5.0) -> None:
        """Subscribe (waiting up to ``timeout`` for Redis: a process that starts while
        Redis is away serves its own sockets and joins the others when it answers)."""
        self._tasks = [
            asyncio.create_task(self._read_forever(), name="lens-relay-read"),
            asyncio.create_task(self._write_forever(), name="lens-relay-write"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._subscribed.wait(), timeout)

    async def close(self) -> None:
        self._writes.put_nowait(None)
        for task in self._tasks:
            if task.get_name() == "lens-relay-read":
                task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._client.aclose()

    @property
    def healthy(self) -> bool:
        return self._subscribed.is_set() and not self._write_failed

    def status(self) -> str:
        """ "ok", or why deliveries stay on this process."""
        return "ok" if self.healthy else self.problem

    # -- from the hub (on the loop) -------------------------------------------------

    def to_technician(self, technician_id: int, message: Message, timed: bool = True) -> None:
        """``timed``: a session change, whose push latency the receiver counts."""
        payload: dict[str, Any] = {"k": "t", "id": technician_id, "m": message}
        if timed:
            payload["at"] = time.time()
        self._write(
            lambda: self._publish(payload),
            lambda: self._hub.deliver_technician(technician_id, message),
        )

    def to_customer(self, session_id: str, message: Message, timed: bool = True) -> None:
        payload: dict[str, Any] = {"k": "c", "id": session_id, "m": message}
        if timed:
            payload["at"] = time.time()
        self._write(
            lambda: self._publish(payload),
            lambda: self._hub.deliver_customer(session_id, message),
        )

    def signal_to_technician(self, technician_id: int, session_id: str, message: Message) -> None:
        payload: dict[str, Any] = {"k": "t", "id": technician_id, "m": message}
        held = [time.time(), session_id, message]
        self._write(
            lambda: self._publish_or_hold("t", technician_key(technician_id), payload, held),
            lambda: self._hub.signal_locally_to_technician(technician_id, session_id, message),
        )

    def signal_to_customer(self, session_id: str, message: Message) -> None:
        payload: dict[str, Any] = {"k": "c", "id": session_id, "m": message}
        held = [time.time(), session_id, message]
        self._write(
            lambda: self._publish_or_hold("c", customer_key(session_id), payload, held),
            lambda: self._hub.signal_locally_to_customer(session_id, message),
        )

    def replace_customer(self, session_id: str) -> None:
        payload = {"k": "replace", "id": session_id}
        self._write(
            lambda: self._publish(payload),
            lambda: self._hub.replace_local_customer(session_id),
        )

    def customer_here(self, session_id: str, outbox: Outbox) -> None:
        """This process has the customer's socket now: any other lets its own go."""
        here = {"k": "here", "id": session_id, "token": outbox.token}

        async def claim() -> None:
            held = await self._claim(
                keys=[customer_key(session_id), f"{customer_key(session_id)}:held"],
                args=["c", outbox.token, CHANNEL, json.dumps(here)],
            )
            self._hub.hand_over(outbox, [_held(item) for item in held])

        self._write(claim, lambda: None)

    def technician_here(self, technician_id: int, outbox: Outbox) -> None:
        async def claim() -> None:
            key = technician_key(technician_id)
            held = await self._claim(keys=[key, f"{key}:held"], args=["t", outbox.token, "", ""])
            self._hub.hand_over(outbox, [_held(item) for item in held])

        self._write(claim, lambda: None)

    def customer_gone(self, session_id: str, outbox: Outbox) -> None:
        self._write(
            lambda: self._release_token("c", customer_key(session_id), outbox.token), lambda: None
        )

    def technician_gone(self, technician_id: int, outbox: Outbox) -> None:
        self._write(
            lambda: self._release_token("t", technician_key(technician_id), outbox.token),
            lambda: None,
        )

    async def online_technicians(self, ids: list[int]) -> set[int]:
        """Technicians with at least one socket registered by any process."""
        async with self._client.pipeline(transaction=False) as pipe:
            for technician_id in ids:
                pipe.scard(technician_key(technician_id))
            counts = await pipe.execute()
        return {tid for tid, count in zip(ids, counts, strict=True) if count}

    # -- writing -------------------------------------------------------------------

    def _write(self, send: Callable[[], Awaitable[Any]], locally: Callable[[], None]) -> None:
        async def attempt() -> None:
            try:
                await send()
            except (RedisError, OSError) as exc:
                if not self._write_failed:
                    log.warning("redis unavailable, delivering on this process only: %s", exc)
                self._write_failed = True
                self.problem = _reason(exc)
                locally()
            else:
                self._write_failed = False

        self._writes.put_nowait(attempt)

    async def _write_forever(self) -> None:
        while (attempt := await self._writes.get()) is not None:
            await attempt()

    async def _publish(self, payload: dict[str, Any]) -> None:
        await self._client.publish(CHANNEL, json.dumps(payload))

    async def _publish_or_hold(
        self, kind: str, key: str, payload: dict[str, Any], held: list[Any]
    ) -> None:
        await self._signal(
            keys=[key, f"{key}:held"],
            args=[
                kind,
                CHANNEL,
                json.dumps(payload),
                json.dumps(held),
                HOLD_LIMIT,
                HOLD_TTL_SECONDS,
            ],
        )

    async def _release_token(self, kind: str, key: str, token: str) -> None:
        await self._release(keys=[key], args=[kind, token])

    # -- reading -------------------------------------------------------------------

    async def _read_forever(self) -> None:
        outage = False
        while True:
            try:
                async with self._client.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    self._subscribed.set()
                    if outage:
                        log.info("redis is back: resynchronising this process's sockets")
                        await self._reclaim()
                        self._hub.resynchronise()
                        outage = False
                    async for item in pubsub.listen():
                        if item.get("type") == "message":
                            self._on_message(item["data"])
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as exc:
                if self._subscribed.is_set() or not outage:
                    log.warning("redis subscription lost: %s", exc)
                self._subscribed.clear()
                self.problem = _reason(exc)
                outage = True
                await asyncio.sleep(RETRY_SECONDS)

    async def _reclaim(self) -> None:
        """Redis may have restarted empty: say again where this process's sockets are."""
        for session_id, outbox in self._hub.local_customers():
            await self._client.set(customer_key(session_id), outbox.token)
        for technician_id, outbox in self._hub.local_technicians():
            await self._client.sadd(technician_key(technician_id), outbox.token)

    def _on_message(self, raw: bytes) -> None:
        try:
            payload = json.loads(raw)
            kind, target = payload["k"], payload["id"]
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed relay message")
            return
        sent_at = payload.get("at")
        pushed_at = None
        if isinstance(sent_at, float):  # a session change: its push latency counts
            pushed_at = time.perf_counter() - max(0.0, time.time() - sent_at)
        if kind == "t":
            self._hub.deliver_technician(target, payload["m"], pushed_at)
        elif kind == "c":
            self._hub.deliver_customer(target, payload["m"], pushed_at)
        elif kind == "replace":
            self._hub.replace_local_customer(target)
        elif kind == "here":
            self._hub.customer_moved(target, payload.get("token"))


def _held(raw: bytes) -> tuple[float, str, Message]:
    at, session_id, message = json.loads(raw)
    return float(at), str(session_id), message


def _reason(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}"[:200]
