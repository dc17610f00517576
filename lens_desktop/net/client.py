"""The console's REST client for the Lens server (docs/protocol.md, technician part).

``requests`` blocks, so every call runs in a small thread pool owned by the client and
is awaited from the console's single qasync loop; the UI never freezes on a slow
server. Errors come back as :class:`ApiError` with the server's machine code.
"""

from __future__ import annotations

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests
from PySide6.QtCore import QCoreApplication

from lens_desktop.net.errors import ApiError, ServerUnreachable
from lens_desktop.net.models import (
    ChatMessage,
    CreatedSession,
    ServerConfig,
    SessionInfo,
    Technician,
    TransferTarget,
)
from lens_desktop.net.reports import ReportFilter, ReportPage, ReportRow

translate = QCoreApplication.translate
"""Reasons for a person, in the interface language (lupdate finds these)."""

API_PREFIX = "/api/v1"
TIMEOUT = (5.0, 30.0)
"""(connect, read) seconds: a dead address fails fast, a slow SMTP relay may take a while."""


def normalize_base_url(url: str) -> str:
    """``lens.example.com/`` -> ``https://lens.example.com``: what a technician types."""
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = "https://" + url
    return url


def unreachable_reason(exc: requests.RequestException) -> str:
    """A short, human reason for a request that got no HTTP answer."""
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return translate("ServerClient", "the secure connection failed (certificate problem?)")
    if isinstance(exc, requests.exceptions.Timeout):
        return translate("ServerClient", "the server did not answer in time")
    if isinstance(exc, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return translate("ServerClient", "the address is not a valid URL")
    if "Name or service not known" in text or "getaddrinfo" in text or "nodename" in text:
        return translate("ServerClient", "the host name was not found")
    if "refused" in text.lower():
        return translate("ServerClient", "the connection was refused")
    return type(exc).__name__


def error_from_response(response: requests.Response) -> ApiError:
    """Map an error answer to ApiError; tolerate non-JSON answers from proxies."""
    try:
        error = response.json()["error"]
        return ApiError(
            response.status_code,
            str(error["code"]),
            str(error.get("message") or error["code"]),
            dict(error.get("details") or {}),
        )
    except (ValueError, KeyError, TypeError):
        return ApiError(
            response.status_code,
            f"http_{response.status_code}",
            f"The Lens server answered HTTP {response.status_code} {response.reason}.",
        )


class ServerClient:
    """Typed access to the technician REST API; holds the bearer token."""

    def __init__(self, base_url: str, token: str | None = None) -> None:
        self._base_url = normalize_base_url(base_url)
        self._token = token
        self._http = requests.Session()
        self._http.headers["Accept"] = "application/json"
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="lens-http")
        self._closed = False

    @property
    def base_url(self) -> str:
        return self._base_url

    @property
    def token(self) -> str | None:
        return self._token

    # -- plumbing ---------------------------------------------------------------------

    def _request_blocking(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        headers = {"Authorization": f"Bearer {self._token}"} if self._token else {}
        try:
            response = self._http.request(
                method, self._base_url + path, json=body, headers=headers, timeout=TIMEOUT
            )
        except requests.RequestException as exc:
            raise ServerUnreachable(self._base_url, unreachable_reason(exc)) from exc
        if response.status_code >= 400:
            raise error_from_response(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._closed:
            raise RuntimeError("ServerClient is closed")
        call = functools.partial(self._request_blocking, method, API_PREFIX + path, body)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    # -- auth -------------------------------------------------------------------------

    async def login(self, email: str, password: str) -> Technician:
        """Sign in; the token is kept on the client for every later call."""
        data = await self._request("POST", "/auth/login", {"email": email, "password": password})
        self._token = data["token"]
        return Technician.from_json(data["technician"])

    async def logout(self) -> None:
        """Revoke the token on the server and forget it here, even if the server is gone."""
        try:
            if self._token:
                await self._request("POST", "/auth/logout")
        finally:
            self._token = None

    async def me(self) -> Technician:
        return Technician.from_json(await self._request("GET", "/me"))

    async def config(self) -> ServerConfig:
        return ServerConfig.from_json(await self._request("GET", "/config"))

    # -- sessions ---------------------------------------------------------------------

    async def create_session(
        self,
        name: str,
        method: str,
        delivery: str | None = None,
        to: str | None = None,
        language: str = "en",
        region: str | None = None,
    ) -> CreatedSession:
        """Create a Lens session.

        On 502 ``email_failed`` or ``sms_failed`` the session exists anyway; the raised
        ApiError carries it parsed as ``details["session"]`` so the UI can offer "send
        again". ``region`` (SMS only) reads a number without a country code.
        """
        body: dict[str, Any] = {"type": "lens", "name": name, "method": method}
        body["language"] = language
        if delivery is not None:
            body["delivery"] = delivery
        if to is not None:
            body["to"] = to
        if region:
            body["region"] = region
        try:
            return CreatedSession.from_json(await self._request("POST", "/sessions", body))
        except ApiError as exc:
            _parse_session_detail(exc)
            raise

    async def send_email(self, session_id: str, to: str, language: str = "en") -> dict[str, Any]:
        """Send the invitation (again); answers ``{session: SessionInfo, email: {...}}``."""
        try:
            data = await self._request(
                "POST", f"/sessions/{session_id}/email", {"to": to, "language": language}
            )
        except ApiError as exc:
            _parse_session_detail(exc)
            raise
        return {"session": SessionInfo.from_json(data["session"]), "email": data.get("email")}

    async def send_sms(
        self, session_id: str, to: str, region: str | None = None, language: str = "en"
    ) -> dict[str, Any]:
        """Text the invitation (again); answers ``{session: SessionInfo, sms: {...}}``."""
        body: dict[str, Any] = {"to": to, "language": language}
        if region:
            body["region"] = region
        try:
            data = await self._request("POST", f"/sessions/{session_id}/sms", body)
        except ApiError as exc:
            _parse_session_detail(exc)
            raise
        return {"session": SessionInfo.from_json(data["session"]), "sms": data.get("sms")}

    async def sessions(self, page_size: int = 500) -> list[SessionInfo]:
        """All the technician's sessions, newest first, following the server's pages."""
        found: list[SessionInfo] = []
        path = f"/sessions?limit={page_size}"
        while True:
            data = await self._request("GET", path)
            found.extend(SessionInfo.from_json(s) for s in data["sessions"])
            if not data.get("next_cursor"):
                return found
            path = f"/sessions?limit={page_size}&cursor={quote(data['next_cursor'])}"

    async def session(self, session_id: str) -> SessionInfo:
        return SessionInfo.from_json(await self._request("GET", f"/sessions/{session_id}"))

    async def _transition(self, session_id: str, action: str) -> SessionInfo:
        data = await self._request("POST", f"/sessions/{session_id}/{action}")
        return SessionInfo.from_json(data)

    async def start(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "start")

    async def hold(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "hold")

    async def resume(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "resume")

    async def end(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "end")

    async def transfer_targets(self, query: str = "") -> list[TransferTarget]:
        """Colleagues a session may be transferred to, online ones first."""
        path = "/technicians/transfer-targets?" + urlencode({"q": query})
        data = await self._request("GET", path)
        return [TransferTarget.from_json(item) for item in data.get("technicians", [])]

    async def transfer(self, session_id: str, to_technician_id: int, comment: str) -> SessionInfo:
        body = {"to_technician_id": to_technician_id, "comment": comment}
        data = await self._request("POST", f"/sessions/{session_id}/transfer", body)
        return SessionInfo.from_json(data)

    async def accept_transfer(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "transfer/accept")

    async def decline_transfer(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "transfer/decline")

    async def cancel_transfer(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "transfer/cancel")

    # -- a second technician (docs/protocol.md, "Second technician") --------------------

    async def invite_targets(self, query: str = "") -> list[TransferTarget]:
        """Colleagues who may be invited into a session, online ones first (the same
        answer as transfer_targets; needs invite_technician)."""
        path = "/technicians/invite-targets?" + urlencode({"q": query})
        data = await self._request("GET", path)
        return [TransferTarget.from_json(item) for item in data.get("technicians", [])]

    async def invite_guest(
        self, session_id: str, to_technician_id: int, comment: str
    ) -> SessionInfo:
        body = {"to_technician_id": to_technician_id, "comment": comment}
        data = await self._request("POST", f"/sessions/{session_id}/guest", body)
        return SessionInfo.from_json(data)

    async def remove_guest(self, session_id: str) -> SessionInfo:
        """The owner withdraws the invitation or sends the guest away."""
        data = await self._request("DELETE", f"/sessions/{session_id}/guest")
        return SessionInfo.from_json(data)

    async def accept_guest(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "guest/accept")

    async def decline_guest(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "guest/decline")

    async def leave_guest(self, session_id: str) -> SessionInfo:
        return await self._transition(session_id, "guest/leave")

    async def report_activity(self, session_id: str, action: str) -> None:
        """Record ``action`` (freeze, unfreeze, annotations_used, snapshot,
        recording_started, recording_stopped, hd_photo) in the session's audit
        log (docs/protocol.md); ApiError if refused."""
        await self._request("POST", f"/sessions/{session_id}/activity", {"action": action})

    async def send_chat(self, session_id: str, text: str) -> ChatMessage:
        """Send a chat message to the session's customer; the server stores it and pushes
        it to both sides (ApiError ``chat_rate_limited``, ``chat_full``, ...)."""
        data = await self._request("POST", f"/sessions/{session_id}/chat", {"text": text})
        return ChatMessage.from_json(data)

    async def chat_history(self, session_id: str) -> list[ChatMessage]:
        data = await self._request("GET", f"/sessions/{session_id}/chat")
        return [ChatMessage.from_json(m) for m in data["messages"]]

    async def events(self, session_id: str) -> list[dict[str, Any]]:
        data = await self._request("GET", f"/sessions/{session_id}/events")
        return list(data["events"])

    # -- reports (permission view_reports) ----------------------------------------------

    async def report_page(
        self, values: ReportFilter, cursor: str | None = None, limit: int = 200
    ) -> ReportPage:
        """One page of the session report, oldest first (ApiError 403 without
        view_reports, 404 for an unknown technician or group)."""
        query = {**values.params(), "limit": str(limit)}
        if cursor:
            query["cursor"] = cursor
        data = await self._request("GET", "/reports/sessions?" + urlencode(query))
        return ReportPage([ReportRow.from_json(r) for r in data["sessions"]], data["next_cursor"])

    async def download_report_csv(self, values: ReportFilter, target: Path) -> int:
        """Streams the report's CSV into ``target`` (through a temporary file beside it,
        so a failed download leaves no half file); returns the bytes written."""
        if self._closed:
            raise RuntimeError("ServerClient is closed")
        call = functools.partial(self._download_blocking, values, target)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    def _download_blocking(self, values: ReportFilter, target: Path) -> int:
        url = f"{self._base_url}{API_PREFIX}/reports/sessions.csv?{urlencode(values.params())}"
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "text/csv"}
        partial = target.with_name(target.name + ".part")
        written = 0
        try:
            with self._http.get(url, headers=headers, stream=True, timeout=TIMEOUT) as response:
                if response.status_code >= 400:
                    raise error_from_response(response)
                with partial.open("wb") as out:
                    for chunk in response.iter_content(chunk_size=64 * 1024):
                        written += out.write(chunk)
            os.replace(partial, target)
        except requests.RequestException as exc:
            raise ServerUnreachable(self._base_url, unreachable_reason(exc)) from exc
        finally:
            partial.unlink(missing_ok=True)
        return written

    def close(self) -> None:
        """Drop pending calls and the connection pool; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def _parse_session_detail(exc: ApiError) -> None:
    """Turn ``details["session"]`` JSON (e.g. with email_failed) into a SessionInfo."""
    raw = exc.details.get("session")
    if isinstance(raw, dict):
        exc.details["session"] = SessionInfo.from_json(raw)
