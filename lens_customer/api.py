"""The customer's REST calls (docs/protocol.md, "Customer REST").

requests is blocking, so every call runs in a worker thread; the event loop keeps
pacing media meanwhile.  Every failure becomes a CustomerError carrying the server's
human message, which the command line prints as one line.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

TIMEOUT_SECONDS = 10.0
_JOIN_PATH = re.compile(r"/join/([^/?#]+)")


class CustomerError(Exception):
    """A failure the person running the customer must read; exit code 2."""

    def __init__(self, message: str, code: str = "error") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Redeemed:
    """What POST /redeem hands back: the customer's identity for the session."""

    customer_token: str
    session: dict[str, Any]
    ice_servers: list[dict[str, Any]]


def parse_link(link: str) -> tuple[str, str]:
    """(server base URL, link token) from an invitation link like
    https://lens.example.com/join/AbC...  Raises CustomerError if it isn't one."""
    parts = urlsplit(link)
    match = _JOIN_PATH.search(parts.path)
    if not parts.scheme or not parts.netloc or match is None:
        raise CustomerError(f"Not a Lens invitation link: {link}", "bad_link")
    prefix = parts.path[: match.start()]
    base = urlunsplit((parts.scheme, parts.netloc, prefix, "", ""))
    return base.rstrip("/"), match.group(1)


def websocket_url(base_url: str, path: str) -> str:
    """ws(s):// URL for a path on the same server as an http(s):// base URL."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + path, "", ""))


class CustomerApi:
    """Customer REST for one server; `token` is set by redeem()."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self._http = requests.Session()

    async def redeem(self, *, pin: str | None = None, link_token: str | None = None) -> Redeemed:
        body = {"pin": pin} if pin is not None else {"link_token": link_token}
        answer = await self._post("/redeem", body, authorised=False)
        self.token = str(answer["customer_token"])
        return Redeemed(self.token, answer["session"], list(answer.get("ice_servers") or []))

    async def accept(self) -> dict[str, Any]:
        return await self._post("/accept")

    async def decline(self) -> dict[str, Any]:
        return await self._post("/decline")

    async def leave(self) -> dict[str, Any]:
        return await self._post("/leave")

    async def send_chat(self, text: str) -> dict[str, Any]:
        """A chat message to the technician (docs/protocol.md, "Chat"): the stored one."""
        return await self._post("/chat", {"text": text})

    async def chat(self) -> list[dict[str, Any]]:
        """The session's chat so far, oldest first."""
        answer = await asyncio.to_thread(self._call, "GET", "/chat", None, True)
        return list(answer["messages"])

    async def session(self) -> dict[str, Any]:
        return await asyncio.to_thread(self._call, "GET", "/session", None, True)

    async def _post(
        self, path: str, body: dict[str, Any] | None = None, authorised: bool = True
    ) -> dict[str, Any]:
        return await asyncio.to_thread(self._call, "POST", path, body, authorised)

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, authorised: bool
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if authorised else {}
        url = f"{self.base_url}/api/v1/customer{path}"
        try:
            response = self._http.request(
                method, url, json=body, headers=headers, timeout=TIMEOUT_SECONDS
            )
        except requests.RequestException as error:
            raise CustomerError(
                f"Cannot reach the Lens server at {self.base_url} ({type(error).__name__}). "
                "Check the address and your connection.",
                "unreachable",
            ) from error
        return _answer(response)

    def close(self) -> None:
        self._http.close()


def _answer(response: requests.Response) -> dict[str, Any]:
    """The JSON body of a 2xx answer, or a CustomerError with the server's message."""
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.ok and isinstance(data, dict):
        return data
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and error.get("message"):
        raise CustomerError(str(error["message"]), str(error.get("code", "error")))
    raise CustomerError(
        f"The Lens server answered {response.status_code} {response.reason}.", "http_error"
    )
