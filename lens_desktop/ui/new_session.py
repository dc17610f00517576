"""The "Create New Session" dialog: type, customer name, and how the customer connects.

Four tabs, one per connection method. Each tab's button validates the form inline,
creates the session on the server and shows the result in the same tab: the PIN to read
out, the email or the text message that went out (or why it did not, with Retry or
Resend), or the link to copy. One dialog creates one session; the buttons lock once it
exists so a double press never creates a second one. Methods the technician's group
does not allow, or the server cannot offer (text messages without an SMS gateway), stay
visible but disabled, with the reason written in the tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QFont, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.net.errors import ApiError
from lens_desktop.net.models import CreatedSession, ServerConfig, SessionInfo, Technician
from lens_desktop.ui.errors import describe_error, permission_reason
from lens_desktop.ui.formatting import format_pin, pin_validity_text
from lens_desktop.ui.language import interface_language, translate
from lens_desktop.ui.phone import check_phone, example_number, region_label
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.validation import NAME_MAX, validate_email, validate_name
from lens_desktop.ui.widgets import BusyBar, InlineError, NoteLabel

if TYPE_CHECKING:
    from lens_desktop.net.client import ServerClient

SESSION_TYPES = (("Rescue Lens", "lens"),)
"""A product name: the same in every language."""
LANGUAGES = (("English", "en"), ("Nederlands", "nl"))
"""The invitation's language, each named in itself: the same list in any interface language."""
BASE_PERMISSIONS = ("lens_sessions", "private_sessions")


@dataclass(frozen=True)
class NewSessionValues:
    """What the technician asked for, as the server call takes it."""

    name: str
    method: str
    delivery: str | None = None
    to: str | None = None
    language: str = "en"
    region: str | None = None


def refusal_reason(permissions: frozenset[str], method: str) -> str | None:
    """Why the technician may not create a session of ``method``; None when allowed."""
    for permission in (*BASE_PERMISSIONS, f"connect_{method}"):
        if permission not in permissions:
            return permission_reason(permission)
    return None


class PinDisplay(QWidget):
    """The PIN in large digits with how long it stays valid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pin = QLabel(self)
        font = QFont(self.font())
        font.setPointSize(max(font.pointSize(), 9) * 3)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 2)
        self.pin.setFont(font)
        self.pin.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.validity = QLabel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.addWidget(QLabel(translate("NewSessionDialog", "PIN code for the customer:"), self))
        layout.addWidget(self.pin)
        layout.addWidget(self.validity)
        self.hide()

    def show_session(self, session: SessionInfo, validity_seconds: int | None) -> None:
        self.pin.setText(format_pin(session.pin))
        self.validity.setText(pin_validity_text(session.pin_expires_at, validity_seconds))
        self.show()


class MethodPage(QWidget):
    """One tab: an explanation, its own controls, an action button, then the result."""

    method = ""

    def __init__(self, intro: str, action: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.intro = QLabel(intro, self)
        self.intro.setWordWrap(True)
        self.refusal = InlineError(self)
        self.action = QPushButton(action, self)
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.hide()
        self.controls_layout = QVBoxLayout()
        self.results_layout = QVBoxLayout()
        action_row = QHBoxLayout()
        action_row.addStretch(1)
        action_row.addWidget(self.action)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.refusal)
        layout.addLayout(self.controls_layout)
        layout.addLayout(action_row)
        layout.addWidget(self.result)
        layout.addLayout(self.results_layout)
        layout.addStretch(1)

    def controls(self) -> list[QWidget]:
        return [self.action]

    def set_refusal(self, reason: str | None) -> None:
        self.refusal.show_error(reason)
        for widget in self.controls():
            widget.setEnabled(reason is None)

    def show_result(self, text: str) -> None:
        self.result.setText(text)
        self.result.setVisible(bool(text))


class PinPage(MethodPage):
    method = "pin"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate(
                "NewSessionDialog",
                "Create a 6-digit PIN code. Read it to the customer, who types it on the "
                "Lens start page.",
            ),
            translate("NewSessionDialog", "&Create PIN code"),
            parent,
        )
        self.pin_display = PinDisplay(self)
        self.results_layout.addWidget(self.pin_display)


class EmailPage(MethodPage):
    method = "email"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate(
                "NewSessionDialog", "Email the customer a link that opens Lens on their phone."
            ),
            translate("NewSessionDialog", "E&mail link"),
            parent,
        )
        self.use_client = QRadioButton(
            translate(
                "NewSessionDialog", "Send email using my &default email client on this computer"
            ),
            self,
        )
        self.use_server = QRadioButton(
            translate("NewSessionDialog", "Send email on my &behalf via the Lens servers"), self
        )
        self.choice = QButtonGroup(self)
        self.choice.addButton(self.use_client)
        self.choice.addButton(self.use_server)
        self.use_server.setChecked(True)
        self.to = QLineEdit(self)
        self.to.setPlaceholderText(translate("NewSessionDialog", "customer@example.com"))
        self._typed_to = ""
        self.to_error = InlineError(self)
        self.language = language_combo(self)
        self.retry = QPushButton(translate("NewSessionDialog", "&Retry"), self)
        self.retry.hide()
        self.pin_display = PinDisplay(self)
        self._lay_out()

    def _lay_out(self) -> None:
        self.controls_layout.addWidget(self.use_client)
        self.controls_layout.addWidget(self.use_server)
        form = QFormLayout()
        to_label = QLabel(translate("NewSessionDialog", "&To:"), self)
        to_label.setBuddy(self.to)
        form.addRow(to_label, self.to)
        form.addRow("", self.to_error)
        language_label = QLabel(translate("NewSessionDialog", "Lan&guage:"), self)
        language_label.setBuddy(self.language)
        form.addRow(language_label, self.language)
        self.controls_layout.addLayout(form)
        retry_row = QHBoxLayout()
        retry_row.addStretch(1)
        retry_row.addWidget(self.retry)
        self.results_layout.addLayout(retry_row)
        self.results_layout.addWidget(self.pin_display)

    def controls(self) -> list[QWidget]:
        return [self.use_client, self.use_server, self.to, self.language, self.action]

    @property
    def delivery(self) -> str:
        return "client" if self.use_client.isChecked() else "server"

    def on_choice_changed(self) -> None:
        """The To field is for the server's email only: with the email client it is
        greyed and empty (the client asks for the address), and the address typed
        before comes back when the technician returns to the server's email."""
        by_server = self.delivery == "server"
        self.to.setEnabled(by_server and self.action.isEnabled())
        if by_server:
            if not self.to.text():
                self.to.setText(self._typed_to)
            self.to.setPlaceholderText(translate("NewSessionDialog", "customer@example.com"))
            return
        self._typed_to = self.to.text() or self._typed_to
        self.to.clear()
        self.to.setPlaceholderText(
            translate("NewSessionDialog", "Your email client asks for the address")
        )
        self.to_error.show_error(None)


def language_combo(parent: QWidget) -> QComboBox:
    combo = QComboBox(parent)
    for label, code in LANGUAGES:
        combo.addItem(label, code)
    combo.setCurrentIndex(max(0, combo.findData(interface_language())))
    return combo


class SmsPage(MethodPage):
    """A mobile number, checked as it is typed (the server checks it again), the
    text's language, and Resend after a gateway failure."""

    method = "sms"

    def __init__(self, region: str, parent: QWidget | None = None) -> None:
        super().__init__(
            translate(
                "NewSessionDialog",
                "Text the customer a link and a PIN code that open Lens on their phone.",
            ),
            translate("NewSessionDialog", "Send te&xt message"),
            parent,
        )
        self.region = region
        self.to = QLineEdit(self)
        self.to.setPlaceholderText(example_number(region))
        self.to.setMaxLength(64)
        self.to_error = InlineError(self)
        self.normalised = NoteLabel("", self)
        self.normalised.setWordWrap(False)  # one short line
        self.normalised.hide()
        self.region_note = NoteLabel(self._region_text(), self)
        self.language = language_combo(self)
        self.resend = QPushButton(translate("NewSessionDialog", "&Resend"), self)
        self.resend.hide()
        self.pin_display = PinDisplay(self)
        self._lay_out()

    def _region_text(self) -> str:
        if not self.region:
            return translate(
                "NewSessionDialog",
                "Type the number with + and the country code (no default region is set in "
                "Settings).",
            )
        return translate(
            "NewSessionDialog",
            "Default region: {region}. A number without + and a country code is read as "
            "one of this region (change it in Settings).",
        ).format(region=region_label(self.region, interface_language()))

    def _lay_out(self) -> None:
        form = QFormLayout()
        to_label = QLabel(translate("NewSessionDialog", "Mo&bile number:"), self)
        to_label.setBuddy(self.to)
        field = QVBoxLayout()  # the notes in the number's own row: a hidden one leaves no gap
        field.setSpacing(4)
        for widget in (self.to, self.normalised, self.to_error, self.region_note):
            field.addWidget(widget)
        form.addRow(to_label, field)
        language_label = QLabel(translate("NewSessionDialog", "Lan&guage:"), self)
        language_label.setBuddy(self.language)
        form.addRow(language_label, self.language)
        self.controls_layout.addLayout(form)
        resend_row = QHBoxLayout()
        resend_row.addStretch(1)
        resend_row.addWidget(self.resend)
        self.results_layout.addLayout(resend_row)
        self.results_layout.addWidget(self.pin_display)

    def controls(self) -> list[QWidget]:
        return [self.to, self.language, self.action]

    def check(self, final: bool) -> bool:
        """Show what the field holds: the number as it will be sent, or the problem.
        While typing (``final`` False) a number that is only still too short shows
        nothing yet; on Send every problem shows."""
        result = check_phone(self.to.text(), self.region)
        self.normalised.setText(
            translate("NewSessionDialog", "Sends to {number}").format(number=result.display)
            if result.e164
            else ""
        )
        self.normalised.setVisible(bool(result.e164))
        quiet = not final and result.incomplete
        self.to_error.show_error(None if quiet else result.problem)
        return not result.problem


class LinkPage(MethodPage):
    method = "link"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            translate(
                "NewSessionDialog",
                "Create a link to send any way you like (chat, SMS). It opens Lens on the "
                "customer's phone.",
            ),
            translate("NewSessionDialog", "Create &link"),
            parent,
        )
        self.link = QLineEdit(self)
        self.link.setReadOnly(True)
        self.link.hide()
        self.copy = QPushButton(translate("NewSessionDialog", "C&opy link"), self)
        self.copy.hide()
        self.copied = NoteLabel("", self)
        row = QHBoxLayout()
        row.addWidget(self.link, 1)
        row.addWidget(self.copy)
        self.results_layout.addLayout(row)
        self.results_layout.addWidget(self.copied)


class NewSessionDialog(QDialog):
    """Create one Lens session and show the technician how the customer gets in."""

    session_created = Signal(object)
    """A ``CreatedSession``: the session exists on the server (even if its email failed)."""

    def __init__(
        self,
        client: ServerClient,
        technician: Technician,
        config: ServerConfig | None,
        parent: QWidget | None = None,
        sms_region: str = "",
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._technician = technician
        self._validity = config.pin_validity_seconds if config else None
        self._sms_available = bool(config and config.sms_available)
        # The console's region, else the server's (its config), else none.
        self._sms_region = sms_region or (config.sms_default_region if config else None) or ""
        self._tasks = TaskOwner("new-session")
        self._session: SessionInfo | None = None
        self.setWindowTitle(translate("NewSessionDialog", "Create New Session"))
        self._build()
        self._connect_signals()
        self._apply_permissions()
        self.name.setFocus()  # the one thing to type; the type box has a single choice

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self.session_type = QComboBox(self)
        for label, code in SESSION_TYPES:
            self.session_type.addItem(label, code)
        self.name = QLineEdit(self)
        self.name.setMaxLength(NAME_MAX)  # the server's limit: typing stops there
        self.name.setPlaceholderText(
            translate("NewSessionDialog", "Customer's name or ticket number")
        )
        self.name_error = InlineError(self)
        self.tabs = QTabWidget(self)
        self.pin_page, self.email_page, self.link_page = PinPage(), EmailPage(), LinkPage()
        self.sms_page = SmsPage(self._sms_region)
        self.tabs.addTab(self.pin_page, translate("NewSessionDialog", "&PIN code"))
        self.tabs.addTab(self.email_page, translate("NewSessionDialog", "E&mail"))
        self.tabs.addTab(self.sms_page, translate("NewSessionDialog", "&SMS"))
        self.tabs.addTab(self.link_page, translate("NewSessionDialog", "Lin&k"))
        self.server_error = InlineError(self)
        self.busy = BusyBar(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        type_label = QLabel(translate("NewSessionDialog", "Session &type:"), self)
        type_label.setBuddy(self.session_type)
        name_label = QLabel(translate("NewSessionDialog", "&Name:"), self)
        name_label.setBuddy(self.name)
        form.addRow(type_label, self.session_type)
        form.addRow(name_label, self.name)
        form.addRow("", self.name_error)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.server_error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.setMinimumSize(520, 560)
        self.setTabOrder(self.session_type, self.name)
        self.setTabOrder(self.name, self.tabs)

    def _connect_signals(self) -> None:
        self.buttons.rejected.connect(self.reject)
        self.name.textEdited.connect(self.on_name_edited)
        self.tabs.currentChanged.connect(self.on_tabs_current_changed)
        self.pin_page.action.clicked.connect(self.on_pin_action_clicked)
        self.email_page.action.clicked.connect(self.on_email_action_clicked)
        self.email_page.retry.clicked.connect(self.on_email_retry_clicked)
        self.email_page.choice.buttonToggled.connect(self.on_email_choice_toggled)
        self.email_page.to.textEdited.connect(self.on_email_to_edited)
        self.link_page.action.clicked.connect(self.on_link_action_clicked)
        self.link_page.copy.clicked.connect(self.on_link_copy_clicked)
        self.sms_page.action.clicked.connect(self.on_sms_action_clicked)
        self.sms_page.resend.clicked.connect(self.on_sms_resend_clicked)
        self.sms_page.to.textEdited.connect(self.on_sms_to_edited)

    def _apply_permissions(self) -> None:
        for page in self.pages:
            reason = self._refusal(page)
            page.set_refusal(reason)
            self.tabs.setTabToolTip(self.tabs.indexOf(page), reason or "")
        self.email_page.on_choice_changed()
        allowed = [p for p in self.pages if self._refusal(p) is None]
        self.tabs.setCurrentWidget(allowed[0] if allowed else self.pin_page)
        self.on_tabs_current_changed()

    # -- public ----------------------------------------------------------------------

    def _refusal(self, page: MethodPage) -> str | None:
        """Why ``page`` cannot create a session: the group's permissions first, then
        what the server offers."""
        reason = refusal_reason(self._technician.permissions, page.method)
        if reason is None and page is self.sms_page and not self._sms_available:
            reason = translate(
                "NewSessionDialog",
                "This Lens server cannot send text messages: no SMS gateway is set up. "
                "Ask your administrator, or use the Link tab.",
            )
        return reason

    @property
    def pages(self) -> tuple[MethodPage, ...]:
        return (self.pin_page, self.email_page, self.sms_page, self.link_page)

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    @property
    def session(self) -> SessionInfo | None:
        """The session this dialog created, once it exists."""
        return self._session

    @property
    def values(self) -> NewSessionValues:
        page = self.tabs.currentWidget()
        assert isinstance(page, MethodPage)
        name = self.name.text().strip()
        if page is self.sms_page:
            return NewSessionValues(
                name=name,
                method="sms",
                to=self.sms_page.to.text().strip(),
                language=str(self.sms_page.language.currentData()),
                region=self._sms_region or None,
            )
        if page is not self.email_page:
            return NewSessionValues(name=name, method=page.method)
        email = self.email_page
        return NewSessionValues(
            name=name,
            method="email",
            delivery=email.delivery,
            to=email.to.text().strip() if email.delivery == "server" else None,
            language=str(email.language.currentData()),
        )

    def validate(self) -> bool:
        """Show the name's and the address's problems inline; True when all is fine."""
        values = self.values
        name_problem = validate_name(values.name)
        self.name_error.show_error(name_problem)
        to_problem = validate_email(values.to or "") if values.delivery == "server" else None
        self.email_page.to_error.show_error(to_problem)
        phone_ok = self.sms_page.check(final=True) if values.method == "sms" else True
        if name_problem:
            self.name.setFocus()
        elif to_problem:
            self.email_page.to.setFocus()
        elif not phone_ok:
            self.sms_page.to.setFocus()
        return not (name_problem or to_problem) and phone_ok

    # -- slots -----------------------------------------------------------------------

    def on_name_edited(self) -> None:
        self.name_error.show_error(None)

    def on_email_to_edited(self) -> None:
        self.email_page.to_error.show_error(None)

    def on_tabs_current_changed(self) -> None:
        page = self.tabs.currentWidget()
        for other in self.pages:
            other.action.setDefault(other is page and other.action.isEnabled())
            other.action.setAutoDefault(other is page)

    def on_sms_to_edited(self) -> None:
        self.sms_page.check(final=False)

    def on_email_choice_toggled(self) -> None:
        self.email_page.on_choice_changed()

    def on_pin_action_clicked(self) -> None:
        self._create()

    def on_email_action_clicked(self) -> None:
        self._create()

    def on_link_action_clicked(self) -> None:
        self._create()

    def on_sms_action_clicked(self) -> None:
        self._create()

    def on_sms_resend_clicked(self) -> None:
        if self._session is not None and not self._tasks.busy and self.validate():
            self._tasks.spawn(self._send_sms_again(self._session, self.values))

    def on_email_retry_clicked(self) -> None:
        if self._session is not None and not self._tasks.busy and self.validate():
            self._tasks.spawn(self._send_email_again(self._session, self.values))

    def on_link_copy_clicked(self) -> None:
        QGuiApplication.clipboard().setText(self.link_page.link.text())
        self.link_page.copied.setText(
            translate("NewSessionDialog", "Link copied to the clipboard.")
        )

    # -- work ------------------------------------------------------------------------

    def _create(self) -> None:
        if self._session is None and not self._tasks.busy and self.validate():
            self._tasks.spawn(self._create_session(self.values))

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.name.setReadOnly(busy or self._session is not None)
        for page in self.pages:
            page.action.setEnabled(not busy and self._may_create(page))
        self.email_page.retry.setEnabled(not busy)
        self.sms_page.resend.setEnabled(not busy)

    def _may_create(self, page: MethodPage) -> bool:
        return self._refusal(page) is None and self._session is None

    async def _create_session(self, values: NewSessionValues) -> None:
        self.server_error.show_error(None)
        self._set_busy(True)
        try:
            created = await self._client.create_session(
                values.name,
                values.method,
                values.delivery,
                values.to,
                values.language,
                values.region if values.method == "sms" else None,
            )
        except ApiError as exc:
            self._on_create_failed(exc, values)
            return
        finally:
            self._set_busy(False)
        self._on_created(created, values)

    def _on_created(self, created: CreatedSession, values: NewSessionValues) -> None:
        self._session = created.session
        self._set_busy(False)
        self.session_created.emit(created)
        if values.method == "pin":
            self.pin_page.pin_display.show_session(created.session, self._validity)
        elif values.method == "link":
            self._show_link(created.session)
        elif values.method == "sms":
            self._show_sms_sent(created.session, created.sms or {})
        elif values.delivery == "client":
            self._open_mail_client(created)
        else:
            self._show_email_sent(created.session, created.email or {}, values.to or "")

    def _on_create_failed(self, exc: ApiError, values: NewSessionValues) -> None:
        session = exc.details.get("session")
        if exc.code in ("email_failed", "sms_failed") and isinstance(session, SessionInfo):
            self._session = session
            self._set_busy(False)
            self.session_created.emit(CreatedSession(session, email=None, mailto=None))
            if exc.code == "sms_failed":
                self._show_sms_failed(session, exc)
            else:
                self._show_email_failed(session, exc)
            return
        if exc.code == "invalid_phone_number":
            self.sms_page.to_error.show_error(exc.message.removeprefix("to: "))
            return
        self.server_error.show_error(describe_error(exc))

    def _show_link(self, session: SessionInfo) -> None:
        page = self.link_page
        page.link.setText(session.link or "")
        page.link.show()
        page.copy.show()
        page.copy.setDefault(True)
        page.copy.setFocus()
        page.show_result(
            translate("NewSessionDialog", "Send this link to {name}. It works once.").format(
                name=session.name
            )
        )

    def _open_mail_client(self, created: CreatedSession) -> None:
        mailto: dict[str, Any] = created.mailto or {}
        page = self.email_page
        page.pin_display.show_session(created.session, self._validity)
        if QDesktopServices.openUrl(QUrl(str(mailto.get("url", "")))):
            page.show_result(
                translate(
                    "NewSessionDialog",
                    "Your email program opened with the invitation. Send it from there.",
                )
            )
        else:
            page.show_result(
                translate(
                    "NewSessionDialog",
                    "No email program could be opened. Read the PIN to the customer, or use "
                    "the Link tab next time.",
                )
            )

    def _show_email_sent(self, session: SessionInfo, email: dict[str, Any], to: str) -> None:
        page = self.email_page
        page.retry.hide()
        page.pin_display.show_session(session, self._validity)
        address = email.get("to") or to
        if email.get("status") == "outbox":
            template = translate(
                "NewSessionDialog", "Email written to the server's outbox for {address}."
            )
        else:
            template = translate("NewSessionDialog", "Email sent to {address}.")
        page.show_result(template.format(address=address))

    def _show_email_failed(self, session: SessionInfo, exc: ApiError) -> None:
        self._show_send_failed(
            self.email_page,
            self.email_page.retry,
            session,
            translate(
                "NewSessionDialog",
                "The email could not be sent: {reason}. The session and its PIN stay valid: "
                "press Retry, or read the PIN to the customer.",
            ),
            exc,
        )

    def _show_send_failed(
        self, page: Any, again: QPushButton, session: SessionInfo, template: str, exc: ApiError
    ) -> None:
        """The invitation did not go out: the session and its PIN are shown anyway, the
        server's reason in the template, and the button that sends it again."""
        page.pin_display.show_session(session, self._validity)
        page.show_result("")
        reason = exc.message.rstrip(".")  # the server's words, as they arrive
        self.server_error.show_error(template.format(reason=reason))
        again.show()
        again.setDefault(True)

    async def _send_email_again(self, session: SessionInfo, values: NewSessionValues) -> None:
        self.server_error.show_error(None)
        self._set_busy(True)
        try:
            answer = await self._client.send_email(session.id, values.to or "", values.language)
        except ApiError as exc:
            if exc.code == "email_failed":
                self._show_email_failed(session, exc)
            else:
                self.server_error.show_error(describe_error(exc))
            return
        finally:
            self._set_busy(False)
        self._show_email_sent(answer["session"], answer.get("email") or {}, values.to or "")

    def _show_sms_sent(self, session: SessionInfo, sms: dict[str, Any]) -> None:
        page = self.sms_page
        page.resend.hide()
        page.pin_display.show_session(session, self._validity)
        number = check_phone(str(sms.get("to") or page.to.text()), page.region)
        page.show_result(
            translate("NewSessionDialog", "Text message sent to {number}.").format(
                number=number.display or sms.get("to") or ""
            )
        )

    def _show_sms_failed(self, session: SessionInfo, exc: ApiError) -> None:
        self._show_send_failed(
            self.sms_page,
            self.sms_page.resend,
            session,
            translate(
                "NewSessionDialog",
                "The text message could not be sent: {reason}. The session and its PIN stay "
                "valid: press Resend, or read the PIN to the customer.",
            ),
            exc,
        )

    async def _send_sms_again(self, session: SessionInfo, values: NewSessionValues) -> None:
        self.server_error.show_error(None)
        self._set_busy(True)
        try:
            answer = await self._client.send_sms(
                session.id, values.to or "", values.region, values.language
            )
        except ApiError as exc:
            if exc.code == "sms_failed":
                self._show_sms_failed(session, exc)
            elif exc.code == "invalid_phone_number":
                self.sms_page.to_error.show_error(exc.message.removeprefix("to: "))
            else:
                self.server_error.show_error(describe_error(exc))
            return
        finally:
            self._set_busy(False)
        self._show_sms_sent(answer["session"], answer.get("sms") or {})

    async def close_tasks(self) -> None:
        await self._tasks.close()
