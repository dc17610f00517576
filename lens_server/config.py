"""Server configuration: defaults for the embedded demo, overridden by a TOML file and
then by ``LENS_*`` environment variables (so secrets need not sit in a file)."""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "lens-server"


@dataclass(frozen=True)
class Settings:
    data_dir: Path = field(default_factory=default_data_dir)
    database_url: str = ""  # empty: SQLite file in data_dir
    # Several server processes (serve --workers N, or several hosts): deliveries to the
    # sockets go through Redis (lens_server/relay.py). Empty: one process on its own.
    redis_url: str = field(default="", repr=False)
    workers: int = 1
    host: str = "127.0.0.1"
    port: int = 8400
    public_base_url: str = ""  # empty: http://host:port
    tls_cert: str = ""
    tls_key: str = ""
    extra_origins: tuple[str, ...] = ()

    # Time-outs: the server's defaults; a group may override each (lens_server/timeouts.py).
    pin_validity_seconds: int = 20 * 60
    connecting_timeout_seconds: int = 10 * 60  # joined by PIN or link, licence not accepted
    waiting_timeout_seconds: int = 30 * 60
    waiting_warning_seconds: int = 5 * 60  # waiting this long, the console's row turns red
    idle_timeout_seconds: int = 30 * 60  # active, no video and no action; 0: never
    reconnect_timeout_seconds: int = 120
    token_lifetime_seconds: int = 12 * 3600
    transfer_timeout_seconds: int = 120  # an unanswered transfer comes back (transfer.py)
    # Failure budgets (docs/security.md has the arithmetic behind these numbers).
    pin_failures_burst_per_address: int = 6
    pin_failures_per_address_day: int = 3
    pin_free_failures: int = 3
    pin_backoff_seconds: float = 60.0
    pin_failures_burst_global: int = 150
    pin_failures_global_day: int = 800
    login_free_failures: int = 5
    login_backoff_seconds: float = 1.0
    login_backoff_max_seconds: float = 900.0
    login_lockout_failures: int = 100
    login_failures_burst_per_address: int = 50
    login_failures_per_address_day: int = 1000

    smtp_host: str = ""  # empty: write mail to outbox_dir
    smtp_port: int = 587
    smtp_security: str = "starttls"  # none | starttls | tls
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Lens <lens@localhost>"
    outbox_dir: str = ""  # empty: data_dir/outbox

    ice_servers: tuple[dict[str, Any], ...] = ()
    # TURN through coturn's use-auth-secret (lens_server/turn.py, docs/deployment.md):
    # the shared secret never leaves the server; callers get derived credentials.
    turn_secret: str = field(default="", repr=False)
    turn_urls: tuple[str, ...] = ()  # the console's aiortc uses only the first: UDP first
    # coturn checks it when an allocation is made: it must cover a console's 12 h
    # sign-in (it fetches /config once) and a phone's session (docs/decisions/0027).
    turn_credential_lifetime_seconds: int = 24 * 3600
    ice_transport_policy: str = "all"  # all | relay (the phone's RTCPeerConnection)

    # Who is calling: shown to the customer on the phone page and in the invitation.
    organisation_name: str = ""
    organisation_logo: str = ""  # an image file on the server (PNG, JPEG, SVG or WebP)
    support_email: str = ""
    api_docs: bool = False  # serve /docs and /redoc (the schema is at /openapi.json always)
    # GET /metrics (Prometheus text format): off unless switched on, and then answered
    # only to clients in these networks (the address after proxy headers: put the
    # reverse proxy's own address here and a public client is still refused).
    metrics: bool = False
    metrics_allow: tuple[str, ...] = ("127.0.0.0/8", "::1/128")

    # Invitations by text message (lens_server/sms.py, docs/deployment.md): empty
    # provider, no SMS. The credentials come best from the environment.
    sms_provider: str = ""  # "" | twilio | webhook
    sms_from: str = ""  # twilio: the sending number (E.164) or alphanumeric sender id
    sms_twilio_base_url: str = "https://api.twilio.com"
    sms_twilio_account_sid: str = ""
    sms_twilio_auth_token: str = field(default="", repr=False)
    sms_webhook_url: str = ""
    sms_webhook_secret: str = field(default="", repr=False)
    sms_webhook_auth: str = "hmac"  # hmac | bearer
    sms_timeout_seconds: float = 10.0
    sms_default_region: str = (
        ""  # e.g. NL: numbers without +country code, if the console sends none
    )

    def __post_init__(self) -> None:
        if self.ice_transport_policy not in ("all", "relay"):
            raise ValueError(
                f"ice_transport_policy must be all or relay, not {self.ice_transport_policy!r}"
            )
        if self.turn_urls and not self.turn_secret:
            raise ValueError("turn_urls needs turn_secret (coturn's static-auth-secret)")
        for url in self.turn_urls:
            if not url.startswith(("turn:", "turns:")):
                raise ValueError(f"turn_urls must start with turn: or turns:, not {url!r}")
        for network in self.metrics_allow:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"metrics_allow: {network!r} is not a network") from None
        if self.workers < 1:
            raise ValueError("workers must be at least 1")
        if self.workers > 1 and not self.redis_url:
            raise ValueError(
                "workers above 1 need redis_url: each process must reach the others' sockets"
            )
        if self.redis_url and not self.redis_url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("redis_url must start with redis://, rediss:// or unix://")
        if self.turn_credential_lifetime_seconds <= 0:
            raise ValueError("turn_credential_lifetime_seconds must be positive")
        if self.transfer_timeout_seconds <= 0:
            raise ValueError("transfer_timeout_seconds must be positive")
        self._check_sms()
        self._check_timeouts()
        if self.ice_transport_policy == "relay" and not (self.turn_urls or self._static_turn()):
            raise ValueError(
                "ice_transport_policy relay needs a TURN server: set turn_urls "
                "(or a turn: entry in ice_servers), or the phone can never connect"
            )

    def _check_sms(self) -> None:
        if self.sms_provider not in ("", "twilio", "webhook"):
            raise ValueError(f"sms_provider must be twilio or webhook, not {self.sms_provider!r}")
        if self.sms_provider == "twilio":
            for name in ("sms_twilio_account_sid", "sms_twilio_auth_token", "sms_from"):
                if not getattr(self, name):
                    raise ValueError(f"sms_provider twilio needs {name}")
            _secure_url("sms_twilio_base_url", self.sms_twilio_base_url)
        if self.sms_provider == "webhook":
            if not (self.sms_webhook_url and self.sms_webhook_secret):
                raise ValueError(
                    "sms_provider webhook needs sms_webhook_url and sms_webhook_secret"
                )
            _secure_url("sms_webhook_url", self.sms_webhook_url)
            if self.sms_webhook_auth not in ("hmac", "bearer"):
                raise ValueError("sms_webhook_auth must be hmac or bearer")
        if self.sms_timeout_seconds <= 0:
            raise ValueError("sms_timeout_seconds must be positive")
        region = self.sms_default_region
        if region and region.upper() not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(f"sms_default_region: unknown region {region!r}")

    def _check_timeouts(self) -> None:
        for name in (
            "pin_validity_seconds",
            "connecting_timeout_seconds",
            "waiting_timeout_seconds",
            "waiting_warning_seconds",
            "reconnect_timeout_seconds",
        ):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.idle_timeout_seconds < 0:
            raise ValueError("idle_timeout_seconds must be 0 (never) or positive")
        if self.waiting_warning_seconds >= self.waiting_timeout_seconds:
            raise ValueError("waiting_warning_seconds must be below waiting_timeout_seconds")

    def _static_turn(self) -> bool:
        for server in self.ice_servers:
            urls = server.get("urls") or []
            for url in [urls] if isinstance(urls, str) else urls:
                if str(url).startswith(("turn:", "turns:")):
                    return True
        return False

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'lens.db'}"

    @property
    def base_url(self) -> str:
        if self.public_base_url:
            return self.public_base_url.rstrip("/")
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def outbox(self) -> Path:
        return Path(self.outbox_dir) if self.outbox_dir else self.data_dir / "outbox"

    @property
    def allowed_origins(self) -> frozenset[str]:
        """Origins a browser WebSocket may come from: the public one, plus the local
        address the server listens on (a developer opening http://localhost)."""
        origins = {_origin(self.base_url), *self.extra_origins}
        for host in {self.host, "localhost", "127.0.0.1"}:
            scheme = "https" if self.tls_cert else "http"
            origins.add(f"{scheme}://{host}:{self.port}")
        return frozenset(origins)


def _secure_url(name: str, url: str) -> None:
    """A credential goes there: HTTPS, or plain HTTP to this machine only (a local
    relay, the tests' stand-in gateway)."""
    parts = urlsplit(url)
    loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if not parts.hostname or not (parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise ValueError(f"{name} must be an https:// URL (http:// only to this machine)")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


_COERCE = {int: int, float: float, str: str, Path: Path}


WORKER_SETTINGS = "LENS_WORKER_SETTINGS"
"""The settings ``serve --workers N`` hands its worker processes, as JSON."""


def settings_json(settings: Settings) -> str:
    values = {f.name: getattr(settings, f.name) for f in fields(Settings)}
    return json.dumps(
        values, default=lambda value: str(value) if isinstance(value, Path) else value
    )


def settings_from_json(text: str) -> Settings:
    return replace(Settings(), **{k: _coerce(k, v) for k, v in json.loads(text).items()})


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Defaults < TOML file < LENS_<FIELD> environment variables < keyword overrides."""
    values: dict[str, Any] = {}
    if config_file is not None:
        values.update(tomllib.loads(config_file.read_text(encoding="utf-8")))
    for f in fields(Settings):
        env = os.environ.get(f"LENS_{f.name.upper()}")
        if env is not None:
            values[f.name] = env
    values.update(overrides)
    return replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})


def _coerce(name: str, value: Any) -> Any:
    known = {f.name: f for f in fields(Settings)}
    if name not in known:
        raise ValueError(f"unknown setting {name!r}")
    if name == "ice_servers":
        parsed = json.loads(value) if isinstance(value, str) else value
        return tuple(dict(server) for server in parsed)
    if name in ("extra_origins", "turn_urls", "metrics_allow"):
        items = value.split(",") if isinstance(value, str) else value
        return tuple(item.strip() for item in items if item.strip())
    if name == "data_dir":
        return Path(value)
    default = getattr(Settings(), name)
    if isinstance(default, bool) and isinstance(value, str):
        return _boolean(name, value)
    return type(default)(value) if not isinstance(value, type(default)) else value


def _boolean(name: str, text: str) -> bool:
    """``bool("false")`` is True: environment variables need reading, not casting."""
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{name} must be true or false, not {text!r}")
