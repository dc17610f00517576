"""The application factory, used alike by ``lens-server serve``, the demo and tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from lens_server import __version__
from lens_server.api import admin, chat, customer, reports, technician
from lens_server.api_docs import install_api_docs
from lens_server.chat import ChatService
from lens_server.config import WORKER_SETTINGS, Settings, settings_from_json
from lens_server.db import THREADS, Database
from lens_server.errors import DatabaseUnavailable, first_line, install_handlers
from lens_server.group_admin import GroupAdmin
from lens_server.guest import GuestService
from lens_server.health import QUIET_PATHS
from lens_server.health import router as health_router
from lens_server.hub import Hub
from lens_server.mail import Mailer
from lens_server.metrics import Metrics, Readiness, route_template
from lens_server.pages import SECURITY_HEADERS, STATIC
from lens_server.pages import router as pages_router
from lens_server.relay import RedisRelay
from lens_server.reports import ReportService
from lens_server.sessions import SessionService
from lens_server.sms import SmsSender
from lens_server.survey import SurveyService
from lens_server.transfer import TransferService
from lens_server.ws import router as ws_router

log = logging.getLogger("lens_server")
SWEEP_INTERVAL = 1.0
_SECRET_PATH = re.compile(r"^/join/[^/]+")


class _NoFrames(logging.Filter):
    """The websockets library logs every frame at debug level, through the logger
    uvicorn hands it (``uvicorn.error``): an auth frame carries a bearer token. Frame
    contents never reach the log, whatever the level."""

    FRAME_FORMATS = frozenset({"< %s", "> %s"})

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in self.FRAME_FORMATS


def _quiet_frame_logs() -> None:
    for name in ("uvicorn.error", "websockets.server", "websockets.protocol"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoFrames) for f in logger.filters):
            logger.addFilter(_NoFrames())


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s level=%(levelname)s logger=%(name)s %(message)s"
    )


def worker_app() -> FastAPI:
    """One worker of ``lens-server serve --workers N`` (uvicorn calls it in each)."""
    configure_logging()
    return create_app(settings_from_json(os.environ[WORKER_SETTINGS]))


def create_app(settings: Settings) -> FastAPI:
    _quiet_frame_logs()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Blocking work (sync routes, database calls from the sockets) shares this pool;
        # the database's connection pool is sized to it (docs/decisions/0026).
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        database = Database(settings.database)
        await run_in_threadpool(database.migrate)
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        app.state.hub = hub
        app.state.sessions = service = SessionService(database, settings, hub)
        app.state.chat = ChatService(database, hub, service.budgets)
        app.state.reports = ReportService(database)
        app.state.survey = SurveyService(database)
        app.state.group_admin = GroupAdmin(database, settings)
        app.state.transfers = TransferService(service)
        app.state.guests = GuestService(service)
        if settings.redis_url:
            hub.relay = app.state.relay = RedisRelay(settings.redis_url, hub)
            hub.on_resync = lambda ids: _spawn_in_thread(service.push_customer_views, ids)
            await app.state.relay.start()
        stopping = asyncio.Event()
        app.state.db = database  # last: /readyz and the session gauge start asking now
        sweeper = asyncio.create_task(_sweep_forever(app.state.sessions, stopping))
        log.info("lens server ready at %s (mail: %s)", settings.base_url, _mail_mode(settings))
        try:
            yield
        finally:
            # Not cancelled: a sweep in a worker thread would go on holding a connection
            # while the pool below is closed (and leak it). It ends after its turn.
            stopping.set()
            await sweeper
            hub.close()
            if app.state.relay is not None:
                await app.state.relay.close()
                app.state.relay = None
            app.state.db = None
            await run_in_threadpool(database.close)

    app = FastAPI(
        title="Lens server",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.db = None
    app.state.relay = None
    app.state.metrics = metrics = Metrics(lambda: app.state.db)
    app.state.readiness = Readiness(lambda: app.state.db, lambda: app.state.relay)
    app.state.mailer = Mailer(settings, on_failure=metrics.email_failures.inc)
    app.state.sms = SmsSender(settings, on_failure=metrics.sms_failures.inc)
    install_handlers(app)
    app.include_router(technician.router)
    app.include_router(customer.router)
    app.include_router(chat.technician_router)
    app.include_router(chat.customer_router)
    app.include_router(reports.router)
    app.include_router(reports.customer_router)
    app.include_router(admin.router)
    app.include_router(ws_router)
    app.include_router(pages_router)
    app.include_router(health_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if settings.api_docs:
        install_api_docs(app)
    app.middleware("http")(_headers_and_access_log)
    app.openapi = _without_fastapi_422(app.openapi)  # type: ignore[method-assign]
    return app


def _without_fastapi_422(build: Callable[[], dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """FastAPI documents a 422 in its own ``{detail: [...]}`` shape on every route with a
    parameter. This server answers 422 as an ErrorResponse, and only where a route
    declares it (a free-text path parameter cannot fail validation): drop the rest."""

    def openapi() -> dict[str, Any]:
        schema = build()
        for operation in (op for item in schema["paths"].values() for op in item.values()):
            answer = operation["responses"].get("422", {})
            if "HTTPValidationError" in json.dumps(answer):
                del operation["responses"]["422"]
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    return openapi


async def _headers_and_access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    # The scope's path, not request.url.path: URL parsing drops line breaks, and the
    # log should show what was asked.
    path = _SECRET_PATH.sub("/join/<redacted>", request.scope["path"])
    elapsed = time.perf_counter() - started
    elapsed_ms = elapsed * 1000
    request.app.state.metrics.request(
        route_template(request.scope), request.method, response.status_code, elapsed
    )
    # A probe every few seconds would drown the log: a passing one goes at debug level.
    quiet = path in QUIET_PATHS and response.status_code < 400
    log.log(
        logging.DEBUG if quiet else logging.INFO,
        "http method=%s path=%s status=%d ms=%.1f",
        quoted(request.method),
        quoted(path),
        response.status_code,
        elapsed_ms,
    )
    return response


def quoted(value: str) -> str:
    """A logged value as a JSON string: a space, a quote or a line break the client put
    in a path (``/x%20status=200``, ``%0a``) stays inside the value and cannot forge a
    field or a line. Numbers the server computes are logged bare."""
    return json.dumps(value)


async def _sweep_forever(service: SessionService, stopping: asyncio.Event) -> None:
    away = False  # the database was unreachable at the last sweep: said once, not per second
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), SWEEP_INTERVAL)
            return
        try:
            await run_in_threadpool(service.sweep)
        except DatabaseUnavailable as exc:  # a later sweep catches up
            if not away:
                log.warning("session sweeps paused: database unavailable: %s", first_line(exc))
            away = True
            continue
        except Exception:
            log.exception("session sweep failed")
        if away:
            log.info("session sweeps resumed: the database is back")
            away = False


_background: set[asyncio.Task[Any]] = set()


def _spawn_in_thread(func: Callable[..., Any], *args: Any) -> None:
    """Runs blocking work from a loop callback, logging (never losing) its failure."""

    async def run() -> None:
        try:
            await run_in_threadpool(func, *args)
        except DatabaseUnavailable as exc:
            log.warning("%s skipped: database unavailable: %s", func.__name__, first_line(exc))
        except Exception:
            log.exception("%s failed", func.__name__)

    task = asyncio.get_running_loop().create_task(run())
    _background.add(task)
    task.add_done_callback(_background.discard)


def _mail_mode(settings: Settings) -> str:
    if settings.smtp_host:
        return f"SMTP {settings.smtp_host}:{settings.smtp_port}"
    return f"outbox {settings.outbox}"
