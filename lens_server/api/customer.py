"""Customer REST API: redeem a PIN or link, accept or decline the licence, leave, and
note the customer's own camera and microphone changes in the session's log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response

from lens_server.api.deps import Service, SettingsDep, customer_bearer
from lens_server.api.schemas import CustomerActivity, CustomerSessionView, Redeem, Redeemed
from lens_server.errors import ApiError, responses
from lens_server.turn import ice_servers

router = APIRouter(prefix="/api/v1/customer", tags=["customer"])
CustomerToken = Annotated[str, Depends(customer_bearer)]


@router.post("/redeem", response_model=Redeemed, responses=responses(400, 404, 410, 422, 429, 503))
def redeem(
    body: Redeem, request: Request, service: Service, settings: SettingsDep
) -> dict[str, Any]:
    if not body.pin and not body.link_token:
        raise ApiError(400, "pin_missing", "Type the 6-digit code from your technician.")
    client = request.client.host if request.client else "unknown"
    try:
        token, session, generation = service.redeem(client, body.pin, body.link_token)
    except ApiError as exc:
        request.app.state.metrics.redemption_failures.labels(exc.code).inc()
        raise
    return {
        "customer_token": token,
        "session": session,
        "ice_servers": ice_servers(settings, f"session-{session['id']}"),
        "ice_transport_policy": settings.ice_transport_policy,
        "generation_base": generation,
    }


@router.get("/session", response_model=CustomerSessionView, responses=responses(401))
def session(token: CustomerToken, service: Service) -> dict[str, Any]:
    return service.customer(token)


@router.post("/accept", response_model=CustomerSessionView, responses=responses(401, 409))
def accept(token: CustomerToken, service: Service) -> dict[str, Any]:
    return service.accept(token)


@router.post("/decline", response_model=CustomerSessionView, responses=responses(401))
def decline(token: CustomerToken, service: Service) -> dict[str, Any]:
    return service.leave(token, "declined licence")


@router.post("/leave", response_model=CustomerSessionView, responses=responses(401))
def leave(token: CustomerToken, service: Service) -> dict[str, Any]:
    return service.leave(token, "left")


@router.post(
    "/activity",
    status_code=204,
    response_class=Response,
    responses=responses(400, 401, 409, 422, 429),
)
def activity(body: CustomerActivity, token: CustomerToken, service: Service) -> Response:
    """The customer paused or resumed the camera, muted or unmuted the microphone:
    recorded in the session's events (actor `customer`). Only while the session is
    active, on hold or reconnecting; at most 30 per session per minute (then 429
    `activity_rate_limited`, nothing recorded)."""
    service.customer_activity(token, body.action)
    return Response(status_code=204)
