"""Prometheus metrics (``GET /metrics``, off unless ``metrics = true``) and the
liveness and readiness probes (``/livez``, ``/readyz``).

Every app has its own registry: tests run several servers in one process, and one
``lens-server serve`` process is one scrape target (docs/deployment.md). Labels are
from small fixed sets (a route *template*, a method, a status class, a state), never
an id, a PIN or a path a client chose.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from lens_server.db import Database
from lens_server.models import LensSession
from lens_server.relay import RedisRelay
from lens_server.views import FINAL_STATES, STATES

log = logging.getLogger(__name__)

LIVE_STATES = tuple(state for state in STATES if state not in FINAL_STATES)
READY_TIMEOUT = 2.0
"""Seconds the readiness probe waits for the database before it answers 503."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
PUSH_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)
UNMATCHED = "<unmatched>"
CONTENT_TYPE = CONTENT_TYPE_LATEST


class SessionStates(Collector):
    """``lens_sessions{state}``: counted in the database at scrape time, one indexed
    ``GROUP BY`` over the live states only (ended sessions are history, not load). A
    database that does not answer leaves the gauge out of that scrape rather than
    failing the whole scrape; ``/readyz`` is what reports it."""

    def __init__(self, database: Callable[[], Database | None]) -> None:
        self._database = database

    def describe(self) -> Iterable[Any]:
        return [GaugeMetricFamily("lens_sessions", "Sessions by state (live states only).")]

    def collect(self) -> Iterator[Any]:
        database = self._database()
        if database is None:
            return
        try:
            with database.session() as db:
                rows = db.execute(
                    select(LensSession.state, func.count())
                    .where(LensSession.state.in_(LIVE_STATES))
                    .group_by(LensSession.state)
                ).all()
        except Exception as exc:
            log.warning("metrics: could not count sessions: %s", type(exc).__name__)
            return
        counts = {state: 0 for state in LIVE_STATES} | {state: n for state, n in rows}
        family = GaugeMetricFamily(
            "lens_sessions", "Sessions by state (live states only).", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family


class Metrics:
    def __init__(self, database: Callable[[], Database | None]) -> None:
        self.registry = registry = CollectorRegistry()
        self.open_sockets = Gauge(
            "lens_open_sockets",
            "Authenticated WebSockets open on this process.",
            ["role"],
            registry=registry,
        )
        for role in ("technician", "customer"):
            self.open_sockets.labels(role)
        self.pushes = Counter(
            "lens_pushes",
            "Session changes sent on a WebSocket.",
            ["role"],
            registry=registry,
        )
        for role in ("technician", "customer"):
            self.pushes.labels(role)
        self.email_failures = Counter(
            "lens_email_failures",
            "Invitation emails the mail relay refused or could not take.",
            registry=registry,
        )
        self.sms_failures = Counter(
            "lens_sms_failures",
            "Invitation text messages the SMS gateway refused or could not take.",
            registry=registry,
        )
        self.redemption_failures = Counter(
            "lens_redemption_failures",
            "Refused PIN or link redemptions, by the error code answered.",
            ["reason"],
            registry=registry,
        )
        self.request_duration = Histogram(
            "lens_http_request_duration_seconds",
            "HTTP request duration by route template, method and status class.",
            ["route", "method", "status"],
            buckets=REQUEST_BUCKETS,
            registry=registry,
        )
        self.push_latency = Histogram(
            "lens_push_latency_seconds",
            "From a committed session change to its send on a WebSocket.",
            buckets=PUSH_BUCKETS,
            registry=registry,
        )
        registry.register(SessionStates(database))

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "OTHER"
        self.request_duration.labels(route, method, f"{status // 100}xx").observe(seconds)

    def pushed(self, role: str, since: float | None) -> None:
        self.pushes.labels(role).inc()
        if since is not None:
            self.push_latency.observe(max(0.0, time.perf_counter() - since))

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_template(scope: Mapping[str, Any]) -> str:
    """The matched route's path template (``/api/v1/sessions/{session_id}``), never the
    raw path: ids and link tokens must not become label values."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def client_allowed(host: str | None, networks: Iterable[str]) -> bool:
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


class Readiness:
    """``/readyz``: can this process serve requests? Probes that arrive while a check
    runs share its answer, and a database query that hangs past the timeout is not
    started again until it has ended: a hung database costs one thread, not one per
    probe."""

    def __init__(
        self,
        database: Callable[[], Database | None],
        relay: Callable[[], RedisRelay | None] = lambda: None,
    ) -> None:
        self._database = database
        self._relay = relay
        self._running: asyncio.Task[str] | None = None
        self._ping: asyncio.Future[None] | None = None

    async def checks(self) -> dict[str, str]:
        if self._running is None or self._running.done():
            self._running = asyncio.create_task(self._database_check())
        checks = {"database": await asyncio.shield(self._running)}
        relay = self._relay()
        if relay is not None:
            checks["redis"] = relay.status()
        return checks

    async def _database_check(self) -> str:
        database = self._database()
        if database is None:
            return "starting"
        if self._ping is None or self._ping.done():
            self._ping = asyncio.ensure_future(asyncio.to_thread(_ping, database))
            # Its outcome is read here or by a later check; never "never retrieved".
            self._ping.add_done_callback(lambda ping: ping.cancelled() or ping.exception())
        try:
            await asyncio.wait_for(asyncio.shield(self._ping), READY_TIMEOUT)
        except TimeoutError:
            return f"no answer within {READY_TIMEOUT:g} s"
        except Exception as exc:
            # The class and the driver's first line; never a traceback, never the URL
            # (it may hold a password).
            return _short_reason(exc)
        return "ok"


def _ping(database: Database) -> None:
    """A query that needs the schema, not just a socket: ``alembic_version`` is there
    once migrations ran."""
    with database.engine.connect() as connection:
        connection.execute(text("SELECT 1 FROM alembic_version")).first()


def _short_reason(exc: Exception) -> str:
    cause = getattr(exc, "orig", None) or exc
    first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    reason = f"{type(cause).__name__}: {first}" if first else type(cause).__name__
    return reason[:200]
