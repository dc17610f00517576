"""Errors the console's server client raises, carrying the server's machine code.

The UI matches on ``code`` (stable, docs/protocol.md) and shows ``message``, which the
server already words for a person.
"""

from __future__ import annotations

from typing import Any

AUTH_CODES = frozenset({"not_authenticated", "token_expired"})
"""Codes after which the console must send the technician back to sign-in."""


class ApiError(Exception):
    """A refusal or failure answered by the Lens server (or on the way to it)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details if details is not None else {}

    @property
    def is_auth_failure(self) -> bool:
        """True when the token is missing, revoked or expired."""
        return self.code in AUTH_CODES

    @property
    def retry_after(self) -> int | None:
        """Seconds the server asks us to wait before trying again (a 429), if any."""
        value = self.details.get("retry_after")
        if self.status != 429 or not isinstance(value, int | float) or value <= 0:
            return None
        return int(value)

    def __repr__(self) -> str:
        return f"ApiError(status={self.status}, code={self.code!r}, message={self.message!r})"


class ServerUnreachable(ApiError):
    """No HTTP answer at all: wrong address, server down, network or TLS failure."""

    def __init__(self, base_url: str, reason: str) -> None:
        super().__init__(
            status=0,
            code="unreachable",
            message=(
                f"Cannot reach the Lens server at {base_url}: {reason}. "
                "Check the address and your network."
            ),
        )
        self.base_url = base_url
        self.reason = reason
