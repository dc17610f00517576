"""Technician REST API: sign-in, sessions, their email, state changes, audit log."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio.from_thread
from fastapi import APIRouter, Query, Request, Response

from lens_server.api.deps import (
    Guests,
    HubDep,
    MailerDep,
    Me,
    Service,
    SettingsDep,
    SmsDep,
    Token,
    Transfers,
)
from lens_server.api.schemas import (
    Activity,
    AuditLog,
    CreatedSession,
    CreateSession,
    GuestRequest,
    LoginAnswer,
    LoginRequest,
    ResendEmail,
    ResendSms,
    ResentEmail,
    ResentSms,
    ServerConfig,
    SessionPage,
    SessionView,
    TechnicianView,
    TransferRequest,
    TransferTargets,
)
from lens_server.errors import ApiError, responses
from lens_server.hub import Hub
from lens_server.mail import MailError, build_message, compose_text, mailto_url
from lens_server.pagination import DEFAULT_PAGE, MAX_PAGE, Cursor
from lens_server.sessions import METHOD_PERMISSION, Identity, SessionService, require
from lens_server.sms import (
    PhoneNumberError,
    SmsError,
    SmsSender,
    compose_sms,
    mask_phone,
    normalise_phone,
)
from lens_server.timeouts import report_interval
from lens_server.transfer import Presence
from lens_server.turn import ice_servers
from lens_server.views import iso

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1", tags=["technician"])


@router.post(
    "/auth/login",
    response_model=LoginAnswer,
    responses=responses(400, 401, 403, 422, 423, 429, 503),
)
def login(body: LoginRequest, request: Request, service: Service) -> dict[str, Any]:
    client = request.client.host if request.client else "unknown"
    token, expires, who = service.login(body.email, body.password, client)
    log.info("technician signed in: id=%s", who.id)
    return {"token": token, "expires_at": iso(expires), "technician": who.as_json()}


@router.post("/auth/logout", status_code=204, responses=responses(401))
def logout(token: Token, service: Service) -> Response:
    service.logout(token)
    return Response(status_code=204)


@router.get("/me", response_model=TechnicianView, responses=responses(401))
def me(who: Me) -> dict[str, Any]:
    return who.as_json()


@router.get("/config", response_model=ServerConfig, responses=responses(401))
def config(who: Me, service: Service, settings: SettingsDep, sms: SmsDep) -> dict[str, Any]:
    """What the console needs: ICE servers, the time-outs of the caller's group (the
    server's defaults where the group sets none) and whether SMS can be sent."""
    limits = service.timeouts_for(who)
    return {
        "ice_servers": ice_servers(settings, f"technician-{who.id}"),
        "pin_validity_seconds": limits.pin_validity,
        "connecting_timeout_seconds": limits.connecting,
        "waiting_timeout_seconds": limits.waiting,
        "waiting_warning_seconds": limits.waiting_warning,
        "idle_timeout_seconds": limits.idle,
        "activity_report_seconds": report_interval(limits.idle),
        "sms": {"available": sms.available, "default_region": sms.default_region},
    }


@router.post(
    "/sessions",
    status_code=201,
    response_model=CreatedSession,
    responses=responses(400, 401, 403, 422, 502, 503),
)
def create_session(
    body: CreateSession, who: Me, service: Service, mailer: MailerDep, sms: SmsDep
) -> dict[str, Any]:
    phone = _phone_first(who, sms, body.to, body.region) if body.method == "sms" else ""
    session = service.create(who, body.name, body.method, body.language)
    result: dict[str, Any] = {"session": session, "email": None, "mailto": None, "sms": None}
    if phone:
        result["sms"] = _send_sms(service, sms, who, session, phone, body.language)
    if body.method == "email" and body.delivery == "client":
        subject, text = compose_text(service.invitation(who, session["id"]))
        url = mailto_url(body.to or "", subject, text)
        result["mailto"] = {"subject": subject, "body": text, "url": url}
    elif body.method == "email" and body.to:
        result["email"] = _send(service, mailer, who, session, body.to, body.language)
    return result


@router.post(
    "/sessions/{session_id}/email",
    response_model=ResentEmail,
    responses=responses(400, 401, 403, 404, 409, 422, 502),
)
def resend_email(
    session_id: str, body: ResendEmail, who: Me, service: Service, mailer: MailerDep
) -> dict[str, Any]:
    require(who, "connect_email")
    session = service.get(who, session_id)
    email = _send(service, mailer, who, session, body.to, body.language)
    return {"session": service.get(who, session_id), "email": email}


def _send(
    service: SessionService,
    mailer: MailerDep,
    who: Identity,
    session: dict[str, Any],
    to: str,
    language: str | None,
) -> dict[str, Any]:
    """Sends the invitation; on failure the session stays valid and the 502 carries it
    so the console can offer Retry."""
    invitation = service.invitation(who, session["id"], language)
    message = build_message(invitation, mailer.sender, to)
    try:
        status = anyio.from_thread.run(mailer.send, message)
    except MailError as exc:
        service.record(session["id"], who.actor, "email failed", str(exc))
        raise ApiError(502, "email_failed", str(exc), {"session": session}) from exc
    service.record(session["id"], who.actor, "email sent", f"to {to} ({status})")
    return {"to": to, "status": status, "language": invitation.language}


@router.post(
    "/sessions/{session_id}/sms",
    response_model=ResentSms,
    responses=responses(400, 401, 403, 404, 409, 422, 502, 503),
)
def resend_sms(
    session_id: str, body: ResendSms, who: Me, service: Service, sms: SmsDep
) -> dict[str, Any]:
    """Send the invitation by text message (again): after a gateway failure, to a
    corrected number, or in another language."""
    phone = _phone_first(who, sms, body.to, body.region)
    session = service.get(who, session_id)
    sent = _send_sms(service, sms, who, session, phone, body.language)
    return {"session": service.get(who, session_id), "sms": sent}


def _phone_first(who: Identity, sms: SmsSender, raw: str | None, region: str | None) -> str:
    """Everything that can refuse an SMS invitation, before a session or a message
    exists: the permissions, a gateway, then the number (E.164 on success)."""
    require(who, "lens_sessions", "private_sessions", METHOD_PERMISSION["sms"])
    if not sms.available:
        raise ApiError(
            503,
            "sms_unavailable",
            "This Lens server cannot send text messages: no SMS gateway is configured. "
            "Ask your administrator, or send the link another way.",
        )
    try:
        return normalise_phone(raw or "", region or sms.default_region)
    except PhoneNumberError as exc:
        raise ApiError(422, "invalid_phone_number", f"to: {exc}", {"field": "to"}) from None


def _send_sms(
    service: SessionService,
    sms: SmsSender,
    who: Identity,
    session: dict[str, Any],
    phone: str,
    language: str | None,
) -> dict[str, Any]:
    """As _send for email: on failure the session stays valid, the 502 carries it."""
    invitation = service.invitation(who, session["id"], language)
    text = compose_sms(invitation)
    masked = mask_phone(phone)
    try:
        receipt = anyio.from_thread.run(sms.send, phone, text)
    except SmsError as exc:
        service.record(session["id"], who.actor, "sms failed", f"to {masked}: {exc}")
        raise ApiError(502, "sms_failed", str(exc), {"session": session}) from exc
    reference = f", id {receipt.reference[:64]}" if receipt.reference else ""
    service.record(
        session["id"], who.actor, "sms sent", f"to {masked} ({receipt.provider}{reference})"
    )
    return {
        "to": phone,
        "status": "sent",
        "provider": receipt.provider,
        "language": invitation.language,
    }


@router.get("/sessions", response_model=SessionPage, responses=responses(400, 401, 422))
def list_sessions(
    who: Me,
    service: Service,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size.")] = DEFAULT_PAGE,
    cursor: Annotated[
        str | None, Query(max_length=200, description="`next_cursor` of the previous page.")
    ] = None,
) -> dict[str, Any]:
    """The technician's sessions, newest first, a page at a time."""
    after = Cursor.decode(cursor) if cursor else None
    sessions, following = service.list_sessions(who, limit, after)
    return {"sessions": sessions, "next_cursor": following.encode() if following else None}


@router.get("/sessions/{session_id}", response_model=SessionView, responses=responses(401, 404))
def get_session(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return service.get(who, session_id)


@router.post(
    "/sessions/{session_id}/start",
    response_model=SessionView,
    responses=responses(401, 403, 404, 409),
)
def start(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return service.start(who, session_id)


@router.post(
    "/sessions/{session_id}/hold", response_model=SessionView, responses=responses(401, 404, 409)
)
def hold(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return service.hold(who, session_id)


@router.post(
    "/sessions/{session_id}/resume", response_model=SessionView, responses=responses(401, 404, 409)
)
def resume(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return service.resume(who, session_id)


@router.post(
    "/sessions/{session_id}/end", response_model=SessionView, responses=responses(401, 404, 409)
)
def end(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return service.end(who, session_id)


@router.post(
    "/sessions/{session_id}/activity",
    status_code=204,
    responses=responses(400, 401, 403, 404, 409, 422),
)
def activity(session_id: str, body: Activity, who: Me, service: Service) -> Response:
    """Record what the technician did in an active or held session (freeze, unfreeze,
    first annotation, snapshot, recording started or stopped) in its audit log; the
    state does not change."""
    service.activity(who, session_id, body.action)
    return Response(status_code=204)


@router.get("/sessions/{session_id}/events", response_model=AuditLog, responses=responses(401, 404))
def events(session_id: str, who: Me, service: Service) -> dict[str, Any]:
    return {"events": service.events(who, session_id)}


# --- transfer (lens_server.transfer) --------------------------------------------------


@router.get(
    "/technicians/transfer-targets",
    response_model=TransferTargets,
    responses=responses(401, 403, 422),
)
def transfer_targets(
    who: Me,
    transfers: Transfers,
    hub: HubDep,
    q: Annotated[
        str, Query(max_length=64, description="Part of a name or email address; empty: all.")
    ] = "",
) -> dict[str, Any]:
    """Technicians the caller may transfer a session to (needs `transfer_sessions`):
    enabled, with `lens_sessions`, not the caller; whether each is online (a console
    connected to any server process) and busy (an active session)."""

    return {"technicians": transfers.targets(who, q, _presence(hub))}


def _presence(hub: Hub) -> Presence:
    """Which of some technicians have a console connected (on any server process),
    asked from a route's worker thread."""

    def online(ids: list[int]) -> set[int]:
        return anyio.from_thread.run(hub.online_technicians, ids)

    return online


@router.post(
    "/sessions/{session_id}/transfer",
    response_model=SessionView,
    responses=responses(400, 401, 403, 404, 409, 422),
)
def transfer(
    session_id: str, body: TransferRequest, who: Me, transfers: Transfers
) -> dict[str, Any]:
    """Offer an active or held session to another technician (needs
    `transfer_sessions`); it is `transferring` until they answer, you cancel, or
    `transfer_timeout_seconds` pass."""
    return transfers.transfer(who, session_id, body.to_technician_id, body.comment)


@router.post(
    "/sessions/{session_id}/transfer/accept",
    response_model=SessionView,
    responses=responses(401, 403, 404, 409),
)
def accept_transfer(session_id: str, who: Me, transfers: Transfers) -> dict[str, Any]:
    """The receiver takes the session over, in the state it had."""
    return transfers.accept(who, session_id)


@router.post(
    "/sessions/{session_id}/transfer/decline",
    response_model=SessionView,
    responses=responses(401, 404, 409),
)
def decline_transfer(session_id: str, who: Me, transfers: Transfers) -> dict[str, Any]:
    """The receiver says no: the session goes back to its sender as it was."""
    return transfers.decline(who, session_id)


@router.post(
    "/sessions/{session_id}/transfer/cancel",
    response_model=SessionView,
    responses=responses(401, 404, 409),
)
def cancel_transfer(session_id: str, who: Me, transfers: Transfers) -> dict[str, Any]:
    """The sender takes the offer back before it is answered."""
    return transfers.cancel(who, session_id)


# --- a second technician (lens_server.guest) -------------------------------------------


@router.get(
    "/technicians/invite-targets",
    response_model=TransferTargets,
    responses=responses(401, 403, 422),
)
def invite_targets(
    who: Me,
    guests: Guests,
    hub: HubDep,
    q: Annotated[
        str, Query(max_length=64, description="Part of a name or email address; empty: all.")
    ] = "",
) -> dict[str, Any]:
    """Colleagues the caller may invite into a live session (needs
    `invite_technician`): enabled, with `lens_sessions`, not the caller; online and
    busy as for transfer targets."""
    return {"technicians": guests.targets(who, q, _presence(hub))}


@router.post(
    "/sessions/{session_id}/guest",
    response_model=SessionView,
    responses=responses(400, 401, 403, 404, 409, 422),
)
def invite_guest(session_id: str, body: GuestRequest, who: Me, guests: Guests) -> dict[str, Any]:
    """Invite a colleague into your active or held session (needs
    `invite_technician`); one at a time. Unanswered, the invitation ends after
    `transfer_timeout_seconds`."""
    return guests.invite(who, session_id, body.to_technician_id, body.comment)


@router.delete(
    "/sessions/{session_id}/guest",
    response_model=SessionView,
    responses=responses(401, 404, 409),
)
def remove_guest(session_id: str, who: Me, guests: Guests) -> dict[str, Any]:
    """Withdraw the invitation, or send the colleague who joined away."""
    return guests.remove(who, session_id)


@router.post(
    "/sessions/{session_id}/guest/accept",
    response_model=SessionView,
    responses=responses(401, 403, 404, 409),
)
def accept_guest(session_id: str, who: Me, guests: Guests) -> dict[str, Any]:
    """The invited colleague joins: the customer's page connects to them too."""
    return guests.accept(who, session_id)


@router.post(
    "/sessions/{session_id}/guest/decline",
    response_model=SessionView,
    responses=responses(401, 404, 409),
)
def decline_guest(session_id: str, who: Me, guests: Guests) -> dict[str, Any]:
    """The invited colleague says no."""
    return guests.decline(who, session_id)


@router.post(
    "/sessions/{session_id}/guest/leave",
    response_model=SessionView,
    responses=responses(401, 404, 409),
)
def leave_guest(session_id: str, who: Me, guests: Guests) -> dict[str, Any]:
    """The colleague leaves the session (or an invitation they have not answered)."""
    return guests.leave(who, session_id)
