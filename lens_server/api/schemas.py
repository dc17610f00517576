"""Request and response bodies. Strict types and size limits: oversized or mistyped
input is a 422 with the field named, before any state is touched. The limits come from
lens_server.validation, so the OpenAPI document states the rules the server applies."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lens_server.timeouts import BOUNDS
from lens_server.validation import (
    CHAT_MAX,
    CHAT_RAW_MAX,
    NAME_MAX,
    SURVEY_COMMENT_MAX,
    clean_chat_text,
    clean_comment,
    clean_email,
    clean_name,
    clean_pin,
)
from lens_server.views import SessionState


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class LoginRequest(Strict):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class CreateSession(Strict):
    type: Literal["lens"] = "lens"
    name: str = Field(
        min_length=1,
        max_length=NAME_MAX,
        description="The customer's name or other identification: printable characters, "
        "not only spaces; surrounding spaces are trimmed.",
    )
    method: Literal["pin", "email", "link", "sms"]
    delivery: Literal["server", "client"] | None = None
    to: str | None = Field(
        default=None,
        max_length=254,
        description="Email: the customer's address. SMS: their mobile number, as typed "
        "(read in `region` unless it starts with + and the country code).",
    )
    language: Literal["en", "nl"] = "en"
    region: str | None = Field(
        default=None,
        max_length=8,
        description="SMS only: the ISO 3166 region a number without a country code is "
        "read in (e.g. `NL`); the server's `sms_default_region` when absent.",
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return clean_name(value)

    @field_validator("to")
    @classmethod
    def _to(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        if info.data.get("method") == "sms":
            return value  # checked against the region in the route (422 invalid_phone_number)
        return clean_email(value)

    @model_validator(mode="after")
    def _email_fields(self) -> CreateSession:
        if self.method == "email":
            if self.delivery is None:
                raise ValueError("delivery is required for email sessions ('server' or 'client')")
            if self.delivery == "server" and not self.to:
                raise ValueError("to: an email address is required to send on your behalf")
        elif self.method == "sms":
            if self.delivery is not None:
                raise ValueError("delivery is only for method 'email'")
            if not self.to:
                raise ValueError("to: a mobile number is required for SMS sessions")
        elif self.delivery is not None or self.to is not None:
            raise ValueError("delivery and to are only for methods 'email' and 'sms'")
        if self.region is not None and self.method != "sms":
            raise ValueError("region is only for method 'sms'")
        return self


class ResendEmail(Strict):
    to: str = Field(max_length=254)
    language: Literal["en", "nl"] | None = None

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        return clean_email(value)


class ResendSms(Strict):
    to: str = Field(
        min_length=1,
        max_length=64,
        description="The customer's mobile number, as typed (see `region`).",
    )
    region: str | None = Field(
        default=None,
        max_length=8,
        description="ISO 3166 region a number without a country code is read in.",
    )
    language: Literal["en", "nl"] | None = None


class Activity(Strict):
    """What the technician did in a live session, for its audit log."""

    action: Literal[
        "freeze",
        "unfreeze",
        "annotations_used",
        "snapshot",
        "recording_started",
        "recording_stopped",
        "hd_photo",
    ] = Field(
        description="`freeze` and `unfreeze` of the picture; `annotations_used` once per "
        "session, when the first annotation is drawn; `snapshot` each time the technician "
        "saves the picture; `recording_started` (needs the `record_sessions` permission, "
        "unless the group forces recording: then its audit detail says so) "
        "and `recording_stopped` when the console records the session (stopped is "
        "accepted in any state: a recording ends with the session); `hd_photo` each "
        "time an HD photo from the phone is saved."
    )


class TransferRequest(Strict):
    to_technician_id: int = Field(description="From GET /technicians/transfer-targets.")
    comment: str = Field(
        default="", max_length=500, description="For the receiver: what the session is about."
    )

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        return value.strip()


class Redeem(Strict):
    """A PIN (6 digits; spaces and dashes ignored) or the token of a join link."""

    pin: str | None = Field(default=None, max_length=32)
    link_token: str | None = Field(default=None, max_length=128)

    @field_validator("pin")
    @classmethod
    def _pin(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else clean_pin(value)


class CustomerActivity(Strict):
    """Something the customer did to their own camera or microphone, for the log."""

    action: Literal["camera_paused", "camera_resumed", "mic_muted", "mic_unmuted"] = Field(
        description="camera_paused / camera_resumed: the customer's pause button; "
        "mic_muted / mic_unmuted: the mute button."
    )


class ChatPost(Strict):
    """One chat message to the other side of the session."""

    text: str = Field(
        min_length=1,
        max_length=CHAT_RAW_MAX,
        description=f"1..{CHAT_MAX} characters once surrounding spaces are trimmed; line "
        "breaks and tabs allowed, other control characters refused. Plain text: "
        "clients show it as text, never as markup.",
    )

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_chat_text(value)


def _timeout(name: str, what: str) -> Any:
    """A time-out field with the bounds lens_server.timeouts applies."""
    bound = BOUNDS[name]
    low = 0 if bound.never_allowed else bound.low
    never = "0 (never) or " if bound.never_allowed else ""
    return Field(
        default=None,
        ge=low,
        le=bound.high,
        description=f"{what}: {never}{bound.low}..{bound.high} seconds.",
    )


class TimeoutsChange(Strict):
    """The time-outs to change, in seconds; a field left out stays as it is, a null
    one goes back to the server's default. Checked all together (and the waiting
    warning against the waiting time-out): one bad value and nothing changes."""

    pin_validity: int | None = _timeout("pin_validity", "PIN and link validity")
    connecting: int | None = _timeout("connecting", "Joined by PIN or link, licence not accepted")
    waiting: int | None = _timeout("waiting", "Waiting to be started")
    waiting_warning: int | None = _timeout(
        "waiting_warning",
        "Waiting this long, the console shows the row red with the time left; below `waiting`",
    )
    idle: int | None = _timeout("idle", "Active with no video and no action")


# --- answers -----------------------------------------------------------------------------
# Extra fields are allowed (and passed on): clients must ignore fields they do not know,
# so adding one is not a breaking change.


class Answer(BaseModel):
    model_config = ConfigDict(extra="allow")


class TechnicianView(Answer):
    id: int
    email: str
    display_name: str
    permissions: list[str]
    recording_forced: bool = Field(
        description="The technician's group records every session: the console starts "
        "recording by itself when a session becomes active and offers no Stop "
        "(`lens-server admin group recording NAME forced`); `record_sessions` is not "
        "needed then."
    )


class LoginAnswer(Answer):
    token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    expires_at: str
    technician: TechnicianView


ICE_SERVERS = (
    "WebRTC RTCIceServer entries. With TURN configured, the last one carries credentials"
    " made for this call (coturn's use-auth-secret: `username` is `<expiry>:<id>`)."
)


class SmsCapability(Answer):
    available: bool = Field(description="False: no SMS gateway; method `sms` answers 503.")
    default_region: str | None = Field(
        description="The server's region for numbers without a country code, if set."
    )


class ServerConfig(Answer):
    ice_servers: list[dict[str, Any]] = Field(description=ICE_SERVERS)
    pin_validity_seconds: int = Field(description="Of the caller's group (as all time-outs).")
    connecting_timeout_seconds: int = Field(
        description="A customer who joined must accept the licence within this."
    )
    waiting_timeout_seconds: int
    waiting_warning_seconds: int = Field(
        description="A session waiting this long is shown as urgent, with the time left."
    )
    idle_timeout_seconds: int = Field(
        description="An active session with no video and no action for this long times "
        "out; 0: never. The console reports activity (`alive`, docs/protocol.md)."
    )
    activity_report_seconds: int = Field(
        description="How often the console sends `alive` while there is activity."
    )
    sms: SmsCapability


class TimeoutValues(Answer):
    pin_validity: int
    connecting: int
    waiting: int
    waiting_warning: int
    idle: int = Field(description="0: never.")


class TimeoutOverrides(Answer):
    pin_validity: int | None
    connecting: int | None
    waiting: int | None
    waiting_warning: int | None
    idle: int | None


class GroupTimeouts(Answer):
    group: str
    timeouts: TimeoutValues = Field(description="What applies to the group's sessions now.")
    overrides: TimeoutOverrides = Field(description="The group's own values; null: default.")
    defaults: TimeoutValues = Field(description="The server's defaults.")


class SessionTimeout(Answer):
    kind: Literal["pin_validity", "connecting", "waiting", "idle", "reconnect"] = Field(
        description="`pin_validity`: the PIN and link were not redeemed in time (state "
        "`expired`); `connecting`: joined but the licence not accepted; `waiting`: not "
        "started; `idle`: active with no video and no action; `reconnect`: the customer "
        "did not come back."
    )
    seconds: int = Field(description="The length of that time-out.")


class TransferView(Answer):
    from_technician_id: int
    from_name: str
    to_technician_id: int
    to_name: str
    comment: str
    since: str | None


class GuestView(Answer):
    technician_id: int
    name: str
    state: Literal["invited", "joined"] = Field(
        description="`invited`: not answered yet; `joined`: in the session with the owner."
    )
    comment: str
    since: str | None


class GuestRequest(Strict):
    to_technician_id: int = Field(description="From GET /technicians/invite-targets.")
    comment: str = Field(
        default="", max_length=500, description="For the colleague: why they are asked in."
    )

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        return value.strip()


class SessionView(Answer):
    id: str
    type: str
    name: str
    state: SessionState
    method: Literal["pin", "email", "link", "sms"]
    pin: str | None = Field(
        description="Null in the view of a technician who is not the session's (a second "
        "technician in it, or one who has just lost it)."
    )
    pin_expires_at: str
    link: str | None = Field(description="Null where `pin` is.")
    created_at: str
    waiting_since: str | None
    started_at: str | None
    ended_at: str | None
    technician_id: int
    technician_name: str = Field(
        default="", description="The display name of the session's technician (its owner)."
    )
    private: bool = Field(description="Only the technician who created it can see it.")
    timeout: SessionTimeout | None = Field(
        default=None, description="Set when a time-out ended the session: which and how long."
    )
    transfer: TransferView | None = Field(
        default=None,
        description="Set while the session is `transferring`: who hands it to whom, and why.",
    )
    guest: GuestView | None = Field(
        default=None,
        description="A second technician invited into the session or in it. A console whose "
        "technician is the guest (not `technician_id`) shows the session as a colleague's.",
    )


class TransferTarget(Answer):
    id: int
    display_name: str
    email: str
    online: bool = Field(description="Has a console connected to the server now.")
    busy: bool = Field(description="Has an active Lens session now.")


class TransferTargets(Answer):
    technicians: list[TransferTarget] = Field(description="Online first, then by name.")


class SessionPage(Answer):
    sessions: list[SessionView] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


class EmailSent(Answer):
    to: str
    status: str = Field(description="The relay's answer, or `outbox` when mail goes to a folder.")
    language: str


class Mailto(Answer):
    subject: str
    body: str
    url: str


class SmsSent(Answer):
    to: str = Field(description="The number in E.164 form (`+31612345678`).")
    status: Literal["sent"] = Field(description="The gateway took the message.")
    provider: str = Field(description="`twilio` or `webhook`.")
    language: str


class CreatedSession(Answer):
    session: SessionView
    email: EmailSent | None = Field(description="Set when the server sent the invitation.")
    mailto: Mailto | None = Field(description="Set for delivery `client`: open it locally.")
    sms: SmsSent | None = Field(
        default=None, description="Set for method `sms`: the text message went out."
    )


class ResentEmail(Answer):
    session: SessionView
    email: EmailSent


class ResentSms(Answer):
    session: SessionView
    sms: SmsSent


class AuditEvent(Answer):
    at: str
    actor: str
    action: str
    state: str
    detail: str


class AuditLog(Answer):
    events: list[AuditEvent] = Field(description="Oldest first.")


class CustomerGuest(Answer):
    name: str


class CustomerSessionView(Answer):
    id: str
    name: str
    state: SessionState
    technician_name: str
    handovers: int = Field(
        default=0,
        description="Accepted transfers so far: when it grows, the page makes a new peer "
        "connection, which now reaches the new technician.",
    )
    language: str
    guest: CustomerGuest | None = Field(
        default=None,
        description="A second technician who has joined: the page makes a second peer "
        'connection to them (its signals carry `peer: "guest"`).',
    )


class Redeemed(Answer):
    customer_token: str = Field(description="Send as `Authorization: Bearer <token>`.")
    session: CustomerSessionView
    ice_servers: list[dict[str, Any]] = Field(description=ICE_SERVERS)
    ice_transport_policy: Literal["all", "relay"] = Field(
        description="For the phone's RTCPeerConnection: `relay` allows TURN relays only."
    )


class ChatMessageView(Answer):
    id: int = Field(description="Grows with each message of the server: the order to show.")
    session_id: str
    sender: Literal["technician", "customer"]
    sender_name: str = Field(
        description="The technician's display name, or the session's name for the customer."
    )
    text: str
    created_at: str


class ChatLog(Answer):
    messages: list[ChatMessageView] = Field(description="Oldest first; all of the session's.")


# --- customer survey and reports (lens_server.survey, lens_server.reports) ---------------


class SurveyPost(Strict):
    """The customer's answer after the session: a rating with an optional comment, or
    ``{"skip": true}``."""

    rating: int | None = Field(
        default=None, ge=1, le=5, description="1 (poor) .. 5 (excellent); required unless skip."
    )
    comment: str = Field(
        default="",
        max_length=CHAT_RAW_MAX,
        description=f"Optional, at most {SURVEY_COMMENT_MAX} characters once trimmed; line "
        "breaks allowed, other control characters refused. Plain text, shown as text.",
    )
    skip: bool = Field(default=False, description="The customer chose not to answer.")

    @field_validator("comment")
    @classmethod
    def _comment(cls, value: str) -> str:
        return clean_comment(value)

    @model_validator(mode="after")
    def _rating_or_skip(self) -> SurveyPost:
        if self.skip and (self.rating is not None or self.comment):
            raise ValueError("A skipped survey has no rating and no comment.")
        if not self.skip and self.rating is None:
            raise ValueError("rating: choose 1 to 5, or skip.")
        return self


class SurveyView(Answer):
    rating: int | None = Field(description="Null when skipped.")
    comment: str
    skipped: bool
    created_at: str


class ReportState(Answer):
    state: str = Field(description="A session state; newer servers may add states (transfer).")
    from_: str = Field(alias="from")
    to: str
    seconds: float


class ReportSession(Answer):
    session_id: str
    name: str
    technician_email: str
    technician_name: str
    group: str
    method: str
    state: str = Field(description="The state now (the final state once ended).")
    created_at: str
    started_at: str | None
    ended_at: str | None
    connecting_seconds: float
    waiting_seconds: float
    active_seconds: float
    on_hold_seconds: float
    transferring_seconds: float
    reconnecting_seconds: float
    total_seconds: float = Field(
        description="Active + on hold + transferring + reconnecting (not connecting, not "
        "waiting); a session not yet ended counts until now."
    )
    chat_messages: int
    survey_rating: int | None = Field(description="Null when not answered or skipped.")
    survey_comment: str | None
    survey_skipped: bool | None = Field(description="Null when the survey was not answered.")
    states: list[ReportState] = Field(description="The state history, oldest first.")


class ReportPage(Answer):
    sessions: list[ReportSession] = Field(description="Oldest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )
