"""What the console's widgets are handed: services they use and listen to, never own.

``app.py`` builds these objects; widgets take them in their constructor. Tests build
them from real parts (a real ``ServerClient`` against ``live_server``) with small
hand-written stand-ins only where a real part cannot run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lens_desktop.media.audio import AudioEngine, AudioStatus
    from lens_desktop.media.peer import PeerSession
    from lens_desktop.net.client import ServerClient
    from lens_desktop.net.credentials import CredentialStore
    from lens_desktop.net.events import EventSocket
    from lens_desktop.net.models import ServerConfig, Technician

SendSignal = Callable[[dict[str, Any]], None]


class PeerFactory(Protocol):
    """Builds the WebRTC peer of one session tab (the real ``PeerSession`` in the product
    and in the integration tests)."""

    def __call__(
        self,
        session_id: str,
        ice_servers: list[dict[str, Any]],
        send_signal: SendSignal,
        audio: AudioEngine | None,
    ) -> PeerSession: ...


@dataclass
class SignInServices:
    """What the sign-in dialog needs before there is a server session."""

    credentials: CredentialStore
    client_factory: Callable[[str], ServerClient]


@dataclass
class ConsoleServices:
    """Everything a signed-in console window works with."""

    server_url: str
    technician: Technician
    config: ServerConfig
    client: ServerClient
    events: EventSocket
    credentials: CredentialStore
    audio: AudioEngine | None
    audio_status: AudioStatus
    peer_factory: PeerFactory
