"""Probes and metrics: ``/livez`` (the process answers), ``/readyz`` (it can serve:
the database answers; "degraded" while Redis does not), ``/healthz`` (the older name of ``/livez``) and ``/metrics``.

None of them is in the OpenAPI document: they are for the reverse proxy, the service
manager and Prometheus, not for API clients. Successful probes are logged at debug
level only (docs/deployment.md, Logs), so a health check every few seconds does not
flood the access log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from lens_server.errors import ApiError
from lens_server.metrics import CONTENT_TYPE, client_allowed

router = APIRouter(include_in_schema=False)
QUIET_PATHS = frozenset({"/livez", "/healthz", "/readyz", "/metrics"})


@router.get("/livez")
@router.get("/healthz")
def live() -> dict[str, str]:
    """The process is up and its event loop answers; no dependency is asked, so a
    database outage never makes the service manager restart healthy processes."""
    return {"status": "ok"}


@router.get("/readyz")
async def ready(request: Request) -> Response:
    """200 "ready" when every check is "ok"; 503 "unavailable" when the database is not
    (this process cannot serve). Redis, when configured, may fail without taking the
    process out of service (its deliveries stay on its own sockets until Redis is
    back): 200 "degraded", with the reason."""
    checks = await request.app.state.readiness.checks()
    if checks["database"] != "ok":
        return JSONResponse(
            {"status": "unavailable", "checks": checks},
            status_code=503,
            headers={"Cache-Control": "no-store"},
        )
    status = "ready" if all(value == "ok" for value in checks.values()) else "degraded"
    return JSONResponse({"status": status, "checks": checks})


@router.get("/metrics")
def metrics(request: Request) -> Response:
    """Prometheus text format; a plain (threadpool) route, since the session gauge is
    counted in the database at scrape time."""
    settings = request.app.state.settings
    if not settings.metrics:
        raise ApiError(404, "not_found", "Not found.")
    client = request.client.host if request.client else None
    if not client_allowed(client, settings.metrics_allow):
        raise ApiError(403, "forbidden", "Metrics are not served to this address.")
    return Response(request.app.state.metrics.exposition(), media_type=CONTENT_TYPE)
