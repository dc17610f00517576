"""The Create New Session dialog against a real server and a real SMTP sink."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtTest import QTest
from ui_factories import signed_in_client

from lens_desktop.net.models import Technician
from lens_desktop.ui.formatting import format_pin
from lens_desktop.ui.new_session import NewSessionDialog
from lens_desktop.ui.validation import NAME_MAX
from lens_server.validation import NAME_MAX as SERVER_NAME_MAX
from tests.fakes import MailtoCatcher
from tests.qt_fixtures import next_emission, wait_until

ALL = ["lens_sessions", "private_sessions", "connect_pin", "connect_email", "connect_link"]


def server_sessions(live_server, token: str) -> list[dict]:
    return live_server.api("GET", "/sessions", token).json()["sessions"]


async def open_dialog(qtbot, live_server, permissions=None, technician=None):
    client, signed_technician, config, tech = await signed_in_client(live_server, permissions)
    dialog = NewSessionDialog(client, technician or signed_technician, config)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, client, tech


async def test_pin_tab_creates_a_session_and_shows_its_pin_large(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    try:
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_pin_empty.png"))
        dialog.name.setText("  Ann Smith ")
        dialog.pin_page.action.click()
        (created,) = await next_emission(dialog.session_created)
        [on_server] = server_sessions(live_server, tech.token)
        assert on_server["name"] == "Ann Smith" and on_server["method"] == "pin"
        assert dialog.pin_page.pin_display.pin.text() == format_pin(on_server["pin"])
        assert created.session.id == on_server["id"]
        assert dialog.pin_page.pin_display.validity.text().endswith("(20 minutes)")
        assert not dialog.pin_page.action.isEnabled()  # one dialog, one session
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_pin.png"))
    finally:
        client.close()


async def test_name_is_checked_inline_before_anything_is_sent(qtbot, live_server) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    try:
        dialog.name.setText("   ")
        dialog.pin_page.action.click()
        assert dialog.name_error.isVisibleTo(dialog)
        assert "Enter the customer's name" in dialog.name_error.text()
        assert not dialog.tasks.busy
        assert server_sessions(live_server, tech.token) == []
    finally:
        client.close()


async def test_the_dialog_opens_with_the_focus_on_name(qtbot, live_server) -> None:
    """Session type has one choice; the name is what the technician types first."""
    dialog, client, _tech = await open_dialog(qtbot, live_server)
    try:
        await wait_until(lambda: dialog.isActiveWindow())
        assert dialog.focusWidget() is dialog.name
        QTest.keyClicks(dialog.focusWidget(), "Ann")
        assert dialog.name.text() == "Ann"
    finally:
        client.close()


async def test_the_name_field_stops_at_the_server_s_limit(qtbot, live_server) -> None:
    dialog, client, _tech = await open_dialog(qtbot, live_server)
    try:
        assert dialog.name.maxLength() == NAME_MAX == SERVER_NAME_MAX == 64
        QTest.keyClicks(dialog.name, "x" * 200)
        assert dialog.name.text() == "x" * 64
        assert dialog.validate()
    finally:
        client.close()


async def test_the_to_field_is_greyed_and_empty_for_the_email_client(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, _tech = await open_dialog(qtbot, live_server)
    try:
        email = dialog.email_page
        dialog.tabs.setCurrentWidget(email)
        QTest.keyClicks(email.to, "bob@example")
        email.use_client.setChecked(True)
        assert (email.to.isEnabled(), email.to.text()) == (False, "")
        assert email.to.placeholderText() == "Your email client asks for the address"
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_email_client.png"))
        email.use_server.setChecked(True)
        assert (email.to.isEnabled(), email.to.text()) == (True, "bob@example")
        assert email.to.placeholderText() == "customer@example.com"
    finally:
        client.close()


async def test_email_on_my_behalf_arrives_with_a_working_link(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    try:
        dialog.tabs.setCurrentWidget(dialog.email_page)
        dialog.name.setText("Bob")
        dialog.email_page.to.setText("bob@")
        dialog.email_page.action.click()
        assert "Not a valid email address" in dialog.email_page.to_error.text()
        assert dialog.email_page.to_error.isVisibleTo(dialog)
        dialog.email_page.to.setText("bob@example.com")
        dialog.email_page.action.click()
        await next_emission(dialog.session_created)
        await wait_until(lambda: len(live_server.smtp.messages) == 1)
        message = live_server.smtp.messages[0]
        [session] = server_sessions(live_server, tech.token)
        assert message["To"] == "bob@example.com"
        assert session["link"] in message.get_body(("plain",)).get_content()
        assert dialog.email_page.result.text() == "Email sent to bob@example.com."
        assert dialog.email_page.pin_display.pin.text() == format_pin(session["pin"])
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_email.png"))
    finally:
        client.close()


async def test_failed_email_keeps_the_session_and_retry_sends_it(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    live_server.smtp.fail_with = "550 Mailbox unavailable"
    try:
        dialog.tabs.setCurrentWidget(dialog.email_page)
        dialog.name.setText("Cy")
        dialog.email_page.to.setText("cy@example.com")
        dialog.email_page.action.click()
        await next_emission(dialog.session_created)
        await dialog.tasks.wait_idle()
        assert "The email could not be sent" in dialog.server_error.text()
        assert dialog.email_page.retry.isVisibleTo(dialog)
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_email_failed.png"))
        live_server.smtp.fail_with = None
        dialog.email_page.retry.click()
        await dialog.tasks.wait_idle()
        assert dialog.email_page.result.text() == "Email sent to cy@example.com."
        assert not dialog.server_error.isVisibleTo(dialog)
        assert len(live_server.smtp.messages) == 1
        assert len(server_sessions(live_server, tech.token)) == 1
    finally:
        client.close()


async def test_default_email_client_gets_a_filled_in_mailto(qtbot, live_server) -> None:
    dialog, client, _tech = await open_dialog(qtbot, live_server)
    catcher = MailtoCatcher()
    QDesktopServices.setUrlHandler("mailto", catcher, "open_url")
    try:
        dialog.tabs.setCurrentWidget(dialog.email_page)
        dialog.email_page.use_client.setChecked(True)
        assert not dialog.email_page.to.isEnabled()
        dialog.name.setText("Dee")
        dialog.email_page.action.click()
        (created,) = await next_emission(dialog.session_created)
        await wait_until(lambda: bool(catcher.urls))
        assert catcher.urls[0].scheme() == "mailto"
        assert created.mailto["url"].startswith("mailto:")
        fields = parse_qs(urlsplit(bytes(catcher.urls[0].toEncoded().data()).decode()).query)
        assert created.session.link in fields["body"][0]
        assert "Technician" in fields["subject"][0]
        assert "email program opened" in dialog.email_page.result.text()
        assert live_server.smtp.messages == []
    finally:
        QDesktopServices.unsetUrlHandler("mailto")
        client.close()


async def test_link_tab_copies_the_link(qtbot, live_server, artifacts_dir: Path) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    try:
        dialog.tabs.setCurrentWidget(dialog.link_page)
        dialog.name.setText("Eve")
        dialog.link_page.action.click()
        await next_emission(dialog.session_created)
        [session] = server_sessions(live_server, tech.token)
        assert dialog.link_page.link.text() == session["link"]
        dialog.link_page.copy.click()
        assert QGuiApplication.clipboard().text() == session["link"]
        assert dialog.link_page.copied.text() == "Link copied to the clipboard."
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_link.png"))
    finally:
        client.close()


async def test_methods_the_group_may_not_use_are_disabled_with_the_reason(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    permissions = ["lens_sessions", "private_sessions", "connect_link"]
    dialog, client, _ = await open_dialog(qtbot, live_server, permissions)
    try:
        assert dialog.tabs.currentWidget() is dialog.link_page
        assert not dialog.pin_page.action.isEnabled()
        assert dialog.email_page.refusal.text() == "Your group is not allowed to connect by email."
        assert not any(w.isEnabled() for w in dialog.email_page.controls())
        assert dialog.link_page.action.isEnabled()
        dialog.tabs.setCurrentWidget(dialog.email_page)
        assert dialog.email_page.refusal.isVisibleTo(dialog)
        dialog.grab().save(str(artifacts_dir / "console" / "new_session_email_refused.png"))
    finally:
        client.close()


async def test_a_server_refusal_is_still_shown(qtbot, live_server) -> None:
    client, technician, config, _tech = await signed_in_client(
        live_server, ["lens_sessions", "private_sessions", "connect_pin"]
    )
    believed = Technician(technician.id, technician.email, technician.display_name, frozenset(ALL))
    dialog = NewSessionDialog(client, believed, config)
    qtbot.addWidget(dialog)
    try:
        dialog.tabs.setCurrentWidget(dialog.link_page)
        dialog.name.setText("Fay")
        dialog.link_page.action.click()
        await dialog.tasks.wait_idle()
        assert dialog.server_error.text().startswith(
            "Your group is not allowed to connect by link."
        )
        assert dialog.session is None and dialog.link_page.action.isEnabled()
    finally:
        client.close()
