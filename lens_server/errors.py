"""API errors: every refusal is JSON with a stable machine code and a human message."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import exc as sql
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

DatabaseUnavailable = (sql.OperationalError, sql.InterfaceError, sql.TimeoutError)
"""What SQLAlchemy raises when the database cannot be reached or went away mid-request
(PostgreSQL restarting, a cut connection, every pooled connection busy, SQLite locked).
The transaction it was in never committed, so the answer is 503, try again."""


class ApiError(Exception):
    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers: dict[str, str] = {}


DATABASE_UNAVAILABLE = "database_unavailable"
DATABASE_MESSAGE = "The server cannot reach its database right now. Try again in a moment."
DATABASE_RETRY_SECONDS = 5

HTTP_CODES = {400: "malformed_request", 404: "not_found", 405: "method_not_allowed"}
# FastAPI's own 400 is a body it could not read (not UTF-8, a broken form).
MALFORMED = "The request body could not be read: send JSON encoded as UTF-8."


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine code, e.g. `permission_denied`.")
    message: str = Field(description="What went wrong, for a person, with a next step.")
    details: dict[str, Any] = Field(description="Machine-readable context; often empty.")


class ErrorResponse(BaseModel):
    """The body of every refusal (4xx and 5xx) the API gives."""

    error: ErrorDetail


STATUS_MEANINGS: dict[int, str] = {
    400: "Bad request: `malformed_request` (an unreadable body), `pin_missing`, `invalid_cursor`.",
    401: "No valid bearer token: `not_authenticated`, `token_expired`, `invalid_credentials`.",
    403: "Not allowed: `permission_denied` (details.missing_permission), `account_disabled`.",
    404: "No such session, or not yours: `session_not_found`, `pin_invalid`, `not_found`.",
    409: "The session's state forbids it: `invalid_state`, `already_active`, `chat_full`.",
    410: "The code or session is over: `pin_expired`, `session_ended`.",
    422: "The request does not match this schema: `invalid_request` (details.problems); "
    "`invalid_phone_number` (details.field names the field).",
    423: "The account is locked after too many wrong passwords: `account_locked`.",
    429: "Too many attempts (`rate_limited`, `pin_entry_paused`, `activity_rate_limited`, "
    "`chat_rate_limited`): "
    "wait the Retry-After seconds.",
    502: "The mail relay or the SMS gateway refused or failed: `email_failed`, `sms_failed` "
    "(details.session still exists).",
    503: "Try again shortly: `no_pin_available`, `busy`, `database_unavailable`; or "
    "`sms_unavailable`: this server has no SMS gateway (GET /config says so).",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route really gives, for its OpenAPI ``responses``: each is an
    ErrorResponse; a 429 also carries Retry-After."""
    found: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        entry: dict[str, Any] = {"model": ErrorResponse, "description": STATUS_MEANINGS[status]}
        if status == 429:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]+$"},
                }
            }
        found[status] = entry
    return found


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def not_found() -> ApiError:
    return ApiError(404, "session_not_found", "No such session, or it is not yours.")


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def on_api_error(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), exc.status, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def on_validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(err) for err in exc.errors()]
        message = "Invalid request: " + "; ".join(problems)
        return JSONResponse(error_body("invalid_request", message, {"problems": problems}), 422)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTP_CODES.get(exc.status_code, "http_error")
        message = MALFORMED if exc.status_code == 400 else str(exc.detail)
        return JSONResponse(error_body(code, message), exc.status_code)

    async def on_database_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("database unavailable: %s", first_line(exc))
        body = error_body(DATABASE_UNAVAILABLE, DATABASE_MESSAGE)
        return JSONResponse(body, 503, headers={"Retry-After": str(DATABASE_RETRY_SECONDS)})

    for kind in DatabaseUnavailable:
        app.add_exception_handler(kind, on_database_unavailable)

    @app.exception_handler(Exception)
    async def on_unexpected(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            error_body("internal_error", "The server hit an unexpected problem."), 500
        )


def first_line(exc: BaseException) -> str:
    """An exception for the log: its first line only (SQLAlchemy adds the SQL and its
    parameters on the lines below)."""
    return (str(exc).splitlines() or [type(exc).__name__])[0]


def _describe(err: dict[str, Any]) -> str:
    where = ".".join(str(part) for part in err.get("loc", ()) if part != "body") or "body"
    return f"{where}: {err.get('msg', 'invalid')}"
