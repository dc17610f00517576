"""TURN credentials in coturn's ``use-auth-secret`` scheme (the "TURN REST API").

Lens and coturn share one secret. For each caller Lens makes a username that says
until when it is valid and whom it is for, ``<expiry unix time>:<id>``, and a password
that is the base64 HMAC-SHA1 of that username under the secret. coturn recomputes the
password from the username, so no user list is kept anywhere, and refuses the username
once its expiry has passed (docs/decisions/0027).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from typing import Any

from lens_server.config import Settings


def rest_credential(secret: str, ident: str, expires_at: int) -> tuple[str, str]:
    """(username, credential) valid until the unix time `expires_at`."""
    username = f"{expires_at}:{ident}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_servers(settings: Settings, ident: str, now: float | None = None) -> list[dict[str, Any]]:
    """The static `ice_servers` plus, when TURN is configured, one entry with fresh
    credentials for `ident` (``technician-<id>`` or ``session-<id>``: never a name)."""
    servers = [dict(server) for server in settings.ice_servers]
    if settings.turn_urls and settings.turn_secret:
        moment = time.time() if now is None else now
        expires = int(moment) + settings.turn_credential_lifetime_seconds
        username, credential = rest_credential(settings.turn_secret, ident, expires)
        servers.append(
            {"urls": list(settings.turn_urls), "username": username, "credential": credential}
        )
    return servers
