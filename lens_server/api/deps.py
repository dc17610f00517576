"""Request dependencies: the app's services and the caller's identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from lens_server.config import Settings
from lens_server.errors import ApiError
from lens_server.mail import Mailer
from lens_server.sessions import Identity, SessionService


def services(request: Request) -> SessionService:
    return request.app.state.sessions


def mailer(request: Request) -> Mailer:
    return request.app.state.mailer


def settings(request: Request) -> Settings:
    return request.app.state.settings


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "not_authenticated", "Sign in first (missing bearer token).")
    return token.strip()


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
