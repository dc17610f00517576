"""The sign-in dialog: server address, email, password and "Remember me".

The dialog checks the form inline, then signs in through the client the services build
for the typed address. It shows a busy bar while the server answers and the server's
refusal in plain words. On success it hands the signed-in client over (``signed_in``)
and closes; it does not keep the client.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import keyring.errors
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from lens_desktop.net.errors import ApiError
from lens_desktop.ui.errors import describe_error
from lens_desktop.ui.language import translate
from lens_desktop.ui.services import SignInServices
from lens_desktop.ui.tasks import TaskOwner
from lens_desktop.ui.validation import (
    SignInValues,
    normalize_server_url,
    validate_sign_in,
)
from lens_desktop.ui.widgets import BusyBar, InlineError, NoteLabel

if TYPE_CHECKING:
    from lens_desktop.net.client import ServerClient
    from lens_desktop.net.models import Technician


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the client now holds the token."""

    server_url: str
    client: ServerClient
    technician: Technician
    remembered: bool


class SignInDialog(QDialog):
    signed_in = Signal(object)
    """Emitted with a ``SignedIn`` just before the dialog accepts."""

    def __init__(self, services: SignInServices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._services = services
        self._tasks = TaskOwner("sign-in")
        self._wait_left = 0  # whole seconds shown until the server takes another attempt
        self._wait_until = 0.0  # time.monotonic() when it does
        # One precise single shot per shown second, aimed at the deadline: a coarse
        # 1 s repeat may run up to 5 % early and re-enable Sign in before the server's
        # wait is over (the click then met a second 429).
        self._wait_timer = QTimer(self)
        self._wait_timer.setSingleShot(True)
        self._wait_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.setWindowTitle(translate("SignInDialog", "Sign in to Lens"))
        self._build()
        self._connect_signals()
        self._apply_keyring_availability()

    # -- layout ----------------------------------------------------------------------

    def _build(self) -> None:
        self.notice = QLabel(self)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet("background: #fff4ce; padding: 6px; border-radius: 3px;")
        self.notice.hide()
        self.server_url = QLineEdit(self)
        self.server_url.setPlaceholderText("https://lens.example.com")  # an address: not translated
        self.email = QLineEdit(self)
        self.email.setPlaceholderText(translate("SignInDialog", "you@example.com"))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox(translate("SignInDialog", "&Remember me on this computer"), self)
        self.remember_reason = NoteLabel("", self)
        self.remember_reason.hide()
        self.errors = {name: InlineError(self) for name in ("server_url", "email", "password")}
        self.server_error = InlineError(self)
        self.busy = BusyBar(self)
        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton(
            translate("SignInDialog", "&Sign in"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.sign_in_button.setDefault(True)
        self._lay_out()

    def _lay_out(self) -> None:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for label, name, field in (
            (translate("SignInDialog", "Ser&ver:"), "server_url", self.server_url),
            (translate("SignInDialog", "&Email:"), "email", self.email),
            (translate("SignInDialog", "&Password:"), "password", self.password),
        ):
            form.addRow(label, field)
            form.addRow("", self.errors[name])
        form.addRow("", self.remember)
        form.addRow("", self.remember_reason)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addLayout(form)
        layout.addWidget(self.server_error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(440)
        self.setTabOrder(self.server_url, self.email)
        self.setTabOrder(self.email, self.password)
        self.setTabOrder(self.password, self.remember)

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.on_buttons_accepted)
        self.buttons.rejected.connect(self.on_buttons_rejected)
        self._wait_timer.timeout.connect(self.on_wait_timer_timeout)

    def _apply_keyring_availability(self) -> None:
        available, reason = self._services.credentials.available()
        self._remember_available = available
        self.remember.setEnabled(available)
        if not available:
            self.remember.setChecked(False)
            self.remember_reason.setText(reason)
            self.remember_reason.show()

    # -- public ----------------------------------------------------------------------

    def prefill(self, server_url: str = "", email: str = "") -> None:
        """Fill what is known (last server, remembered email) and focus what is not."""
        self.server_url.setText(server_url)
        self.email.setText(email)
        empty = next((f for f in (self.server_url, self.email) if not f.text()), self.password)
        empty.setFocus()

    def show_notice(self, text: str) -> None:
        """A message from before the dialog opened, e.g. "your sign-in has expired"."""
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self._fit_to_contents()

    @property
    def values(self) -> SignInValues:
        return SignInValues(
            server_url=self.server_url.text(),
            email=self.email.text().strip(),
            password=self.password.text(),
            remember=self.remember.isChecked() and self.remember.isEnabled(),
        )

    def validate(self) -> bool:
        """Show each field's problem under it; True when the form can be sent."""
        problems = validate_sign_in(self.values)
        for name, label in self.errors.items():
            label.show_error(problems.get(name))
        self.server_error.show_error(None)
        self._fit_to_contents()
        return not problems

    def _fit_to_contents(self) -> None:
        """Grow (or shrink back) so wrapped error lines are never cut off."""
        layout = self.layout()
        if layout is not None:
            layout.activate()
        self.resize(self.width(), self.sizeHint().height())

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.sign_in_button.setEnabled(not busy and not self.waiting)
        for field in (self.server_url, self.email, self.password):
            field.setReadOnly(busy)
        self.remember.setEnabled(not busy and self._remember_available)

    @property
    def tasks(self) -> TaskOwner:
        return self._tasks

    @property
    def waiting(self) -> bool:
        """True while the server has asked us to wait before the next attempt."""
        return self._wait_left > 0

    def start_wait(self, seconds: int) -> None:
        """Counts the server's Retry-After down on screen; Sign in stays off till 0.
        The wait is counted from the answer's arrival, so it never ends before the
        server's own (which began when the server refused)."""
        self._wait_until = time.monotonic() + seconds
        self._tick_wait()

    # -- slots -----------------------------------------------------------------------

    def on_buttons_accepted(self) -> None:
        if not self._tasks.busy and not self.waiting and self.validate():
            values = self.values
            self.set_busy(True)
            self._tasks.spawn(self._sign_in(values))

    def on_wait_timer_timeout(self) -> None:
        self._tick_wait()

    def _tick_wait(self) -> None:
        remaining = self._wait_until - time.monotonic()
        self._wait_left = max(0, math.ceil(remaining))
        if self.waiting:
            self._show_wait()
            to_next_second = remaining - (self._wait_left - 1)
            self._wait_timer.start(max(1, math.ceil(to_next_second * 1000)))
            return
        self.server_error.show_error(None)
        self.sign_in_button.setEnabled(not self._tasks.busy)
        self._fit_to_contents()

    def _show_wait(self) -> None:
        text = translate("SignInDialog", "Too many attempts. Try again in {seconds} s.")
        self.server_error.show_error(text.format(seconds=self._wait_left))
        self.sign_in_button.setEnabled(False)

    def on_buttons_rejected(self) -> None:
        self._tasks.spawn(self._tasks.close())
        self.reject()

    # -- work ------------------------------------------------------------------------

    async def _sign_in(self, values: SignInValues) -> None:
        server_url = normalize_server_url(values.server_url)
        client = self._services.client_factory(server_url)
        try:
            technician = await client.login(values.email, values.password)
        except ApiError as exc:
            client.close()
            if exc.retry_after is not None:
                self.start_wait(exc.retry_after)
            else:
                self.server_error.show_error(describe_error(exc))
            self._fit_to_contents()
            self.password.selectAll()
            self.password.setFocus()
            return
        finally:
            self.set_busy(False)
        remembered = await self._remember(values, client)
        self.signed_in.emit(SignedIn(client.base_url, client, technician, remembered))
        self.accept()

    async def _remember(self, values: SignInValues, client: ServerClient) -> bool:
        """Store the token in the keyring (or forget an older one); never fatal."""
        store = self._services.credentials
        loop = asyncio.get_running_loop()
        try:
            if values.remember and client.token:
                await loop.run_in_executor(
                    None, store.save, client.base_url, values.email, client.token
                )
                return True
            await loop.run_in_executor(None, store.clear)
        except keyring.errors.KeyringError:
            return False
        return False
