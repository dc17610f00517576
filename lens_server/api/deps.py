"""Request dependencies: the app's services and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from lens_server.config import Settings
from lens_server.errors import ApiError
from lens_server.guest import GuestService
from lens_server.hub import Hub
from lens_server.mail import Mailer
from lens_server.sessions import Identity, SessionService
from lens_server.sms import SmsSender
from lens_server.transfer import TransferService


def services(request: Request) -> SessionService:
    return request.app.state.sessions


def mailer(request: Request) -> Mailer:
    return request.app.state.mailer


def sms(request: Request) -> SmsSender:
    return request.app.state.sms


def transfers(request: Request) -> TransferService:
    return request.app.state.transfers


def guests(request: Request) -> GuestService:
    return request.app.state.guests


def hub(request: Request) -> Hub:
    return request.app.state.hub


def settings(request: Request) -> Settings:
    return request.app.state.settings


# Declared as security schemes so the OpenAPI document says which token each route
# takes; auto_error is off because a missing token is our own JSON 401, not FastAPI's.
_technician_scheme = HTTPBearer(
    scheme_name="technicianToken",
    description="The `token` from POST /api/v1/auth/login.",
    auto_error=False,
)
_customer_scheme = HTTPBearer(
    scheme_name="customerToken",
    description="The `customer_token` from POST /api/v1/customer/redeem.",
    auto_error=False,
)
Credentials = HTTPAuthorizationCredentials | None


def _token(credentials: Credentials) -> str:
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise ApiError(401, "not_authenticated", "Sign in first (missing bearer token).")
    return token


def bearer(credentials: Annotated[Credentials, Depends(_technician_scheme)]) -> str:
    """A technician's bearer token, not yet checked."""
    return _token(credentials)


def customer_bearer(credentials: Annotated[Credentials, Depends(_customer_scheme)]) -> str:
    """A customer's bearer token, not yet checked."""
    return _token(credentials)


def technician(
    token: Annotated[str, Depends(bearer)],
    service: Annotated[SessionService, Depends(services)],
) -> Identity:
    return service.authenticate(token)


Service = Annotated[SessionService, Depends(services)]
Me = Annotated[Identity, Depends(technician)]
Token = Annotated[str, Depends(bearer)]
MailerDep = Annotated[Mailer, Depends(mailer)]
SettingsDep = Annotated[Settings, Depends(settings)]
SmsDep = Annotated[SmsSender, Depends(sms)]
Transfers = Annotated[TransferService, Depends(transfers)]
Guests = Annotated[GuestService, Depends(guests)]
HubDep = Annotated[Hub, Depends(hub)]
