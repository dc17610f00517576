"""The SMS tab of Create New Session against a real server and the stand-in SMS provider
(tests/sms_gateway.py); the default region in Settings."""

from __future__ import annotations

from pathlib import Path

from console_harness import console_window
from PySide6.QtCore import QLocale, Qt
from PySide6.QtTest import QTest
from ui_factories import signed_in_client

from lens_desktop.media.audio import AudioStatus
from lens_desktop.ui.formatting import format_pin
from lens_desktop.ui.new_session import NewSessionDialog
from lens_desktop.ui.phone import check_phone, regions, system_region
from lens_desktop.ui.settings_dialog import SMS_REGION_KEY, SettingsDialog, load_settings
from lens_server.models import PERMISSIONS
from tests.qt_fixtures import next_emission, wait_until


async def open_dialog(qtbot, live_server, permissions=None, region="NL"):
    client, technician, config, tech = await signed_in_client(live_server, permissions)
    dialog = NewSessionDialog(client, technician, config, sms_region=region)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, client, tech


def shoot(dialog, artifacts_dir: Path, name: str) -> None:
    folder = artifacts_dir / "console"
    folder.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(folder / name))


def sessions(live_server, token: str) -> list[dict]:
    return live_server.api("GET", "/sessions", token).json()["sessions"]


async def test_the_sms_tab_checks_as_you_type_and_sends_the_invitation(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    page = dialog.sms_page
    try:
        dialog.tabs.setCurrentWidget(page)
        assert page.action.isEnabled() and not page.refusal.isVisibleTo(dialog)
        assert page.to.placeholderText() == "06 12345678"  # a Dutch mobile, as written there
        assert page.region_note.text().startswith("Default region: Netherlands (+31). ")
        QTest.keyClicks(page.to, "06 1234")
        assert not page.to_error.isVisibleTo(dialog)  # still typing: no complaint yet
        assert not page.normalised.isVisibleTo(dialog)
        QTest.keyClicks(page.to, " 5678")
        assert page.normalised.text() == "Sends to +31 6 12345678"
        assert not page.to_error.isVisibleTo(dialog)
        page.to.clear()
        QTest.keyClicks(page.to, "020 123 4567")  # Amsterdam: a landline
        assert page.to_error.isVisibleTo(dialog)
        assert (
            page.to_error.text() == "This is not a mobile number: a text message cannot reach it."
        )
        assert not page.normalised.isVisibleTo(dialog)

        page.to.clear()
        QTest.keyClicks(page.to, "06-1234 5678")
        dialog.name.setText("Ann Smith")
        shoot(dialog, artifacts_dir, "new-session-sms-typed.png")
        page.action.click()
        (created,) = await next_emission(dialog.session_created)
        [message] = live_server.sms.wait_for(1)
        [on_server] = sessions(live_server, tech.token)
        assert message.to == "+31612345678" and on_server["method"] == "sms"
        assert on_server["link"] in message.text and on_server["pin"] in message.text
        assert created.session.id == on_server["id"] and created.sms["to"] == "+31612345678"
        await wait_until(lambda: page.result.isVisible())
        assert page.result.text() == "Text message sent to +31 6 12345678."
        assert page.pin_display.pin.text() == format_pin(on_server["pin"])
        assert not page.action.isEnabled() and not page.resend.isVisibleTo(dialog)
        shoot(dialog, artifacts_dir, "new-session-sms.png")
    finally:
        await dialog.close_tasks()
        client.close()


async def test_a_bad_number_is_said_inline_and_nothing_is_sent(qtbot, live_server) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    page = dialog.sms_page
    try:
        dialog.tabs.setCurrentWidget(page)
        dialog.name.setText("Bo")
        QTest.keyClicks(page.to, "06 123")
        assert not page.to_error.isVisibleTo(dialog)
        page.action.click()  # on Send, "too short" shows too
        assert page.to_error.text() == "Not a valid phone number: it is too short."
        assert dialog.focusWidget() is page.to or not dialog.isActiveWindow()
        page.to.setText("")
        page.action.click()
        assert page.to_error.text() == "Enter the customer's mobile number."
        assert not dialog.tasks.busy and dialog.session is None
        assert live_server.sms.requests == 0 and sessions(live_server, tech.token) == []
    finally:
        await dialog.close_tasks()
        client.close()


async def test_without_a_region_the_number_needs_its_country_code(qtbot, live_server) -> None:
    dialog, client, _tech = await open_dialog(qtbot, live_server, region="")
    page = dialog.sms_page
    try:
        dialog.tabs.setCurrentWidget(page)
        assert "no default region is set" in page.region_note.text()
        QTest.keyClicks(page.to, "0612345678")
        assert page.to_error.text().startswith("Start the number with + and the country code")
        page.to.clear()
        QTest.keyClicks(page.to, "+32 470 12 34 56")
        assert page.normalised.text() == "Sends to +32 470 12 34 56"
        dialog.name.setText("Cas")
        page.action.click()
        await next_emission(dialog.session_created)
        assert live_server.sms.wait_for(1)[0].to == "+32470123456"
    finally:
        await dialog.close_tasks()
        client.close()


async def test_a_gateway_failure_keeps_the_session_and_resend_sends_it(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    dialog, client, tech = await open_dialog(qtbot, live_server)
    page = dialog.sms_page
    live_server.sms.fail_with = (503, "Service temporarily\r\nunavailable")
    try:
        dialog.tabs.setCurrentWidget(page)
        dialog.name.setText("Dee")
        page.to.setText("+31 6 12345678")
        page.action.click()
        (created,) = await next_emission(dialog.session_created)
        await dialog.tasks.wait_idle()
        assert dialog.server_error.text() == (
            "The text message could not be sent: The SMS gateway refused the message: "
            "HTTP 503: Service temporarily unavailable (code 30503). The session and its PIN "
            "stay valid: press Resend, or read the PIN to the customer."
        )
        assert page.resend.isVisibleTo(dialog) and page.resend.isEnabled()
        assert page.pin_display.pin.text() == format_pin(created.session.pin)
        shoot(dialog, artifacts_dir, "new-session-sms-failed.png")
        live_server.sms.fail_with = (500, "<b>bold</b> & <i>markup</i>")
        page.resend.click()
        await dialog.tasks.wait_idle()
        assert "HTTP 500: <b>bold</b> & <i>markup</i>" in dialog.server_error.text()
        assert dialog.server_error.textFormat() == Qt.TextFormat.PlainText

        live_server.sms.fail_with = None
        page.resend.click()
        await dialog.tasks.wait_idle()
        assert page.result.text() == "Text message sent to +31 6 12345678."
        assert not dialog.server_error.isVisibleTo(dialog)
        assert not page.resend.isVisibleTo(dialog)
        [message] = live_server.sms.wait_for(1)
        assert created.session.pin in message.text
        assert len(sessions(live_server, tech.token)) == 1  # resent, not created again
    finally:
        await dialog.close_tasks()
        client.close()


async def test_without_a_gateway_the_tab_is_disabled_with_the_reason(
    qtbot, live_server, artifacts_dir: Path
) -> None:
    live_server.restart(sms_provider="")
    dialog, client, _tech = await open_dialog(qtbot, live_server)
    page = dialog.sms_page
    try:
        dialog.tabs.setCurrentWidget(page)
        assert page.refusal.isVisibleTo(dialog)
        assert page.refusal.text().startswith("This Lens server cannot send text messages")
        assert not any(w.isEnabled() for w in page.controls())
        assert dialog.tabs.tabToolTip(dialog.tabs.indexOf(page)) == page.refusal.text()
        shoot(dialog, artifacts_dir, "new-session-sms-unavailable.png")
    finally:
        await dialog.close_tasks()
        client.close()


async def test_without_connect_sms_the_tab_says_so(qtbot, live_server) -> None:
    permissions = [p for p in PERMISSIONS if p != "connect_sms"]
    dialog, client, _tech = await open_dialog(qtbot, live_server, permissions)
    try:
        page = dialog.sms_page
        assert page.refusal.text() == "Your group is not allowed to connect by text message."
        assert not page.action.isEnabled() and not page.to.isEnabled()
        assert dialog.tabs.currentWidget() is dialog.pin_page
    finally:
        await dialog.close_tasks()
        client.close()


def test_the_default_region_comes_from_the_system_and_is_kept(qtbot, settings) -> None:
    assert system_region(QLocale("nl_NL")) == "NL"
    assert system_region(QLocale("de_BE")) == "BE"
    assert system_region(QLocale.c()) == ""
    assert not settings.contains(SMS_REGION_KEY)
    assert load_settings(settings).sms_region == system_region()
    dialog = SettingsDialog(settings, AudioStatus(False, "No sound here.", [], []))
    qtbot.addWidget(dialog)
    assert dialog.sms_region.currentData() == system_region()
    dialog.sms_region.setCurrentIndex(dialog.sms_region.findData("BE"))
    assert dialog.sms_region.currentText() == "Belgium (+32)"
    dialog.buttons.accepted.emit()
    assert settings.value(SMS_REGION_KEY) == "BE" and load_settings(settings).sms_region == "BE"
    dialog.sms_region.setCurrentIndex(0)  # none: the + form only
    dialog.on_buttons_accepted()
    assert load_settings(settings).sms_region == ""


def test_region_names_follow_the_language() -> None:
    english = {r.code: r.label for r in regions("en")}
    dutch = {r.code: r.label for r in regions("nl")}
    assert english["NL"] == "Netherlands (+31)" and dutch["NL"] == "Nederland (+31)"
    assert english["DE"] == "Germany (+49)" and dutch["DE"] == "Duitsland (+49)"
    assert all(label.strip() for label in english.values())
    names = [r.name.casefold() for r in regions("en")]
    assert names == sorted(names)


def test_the_phone_check_agrees_with_the_server() -> None:
    from lens_server.sms import PhoneNumberError, normalise_phone

    for raw, region in [
        ("06 1234 5678", "NL"),
        ("+44 7911 123456", ""),
        ("020 123 4567", "NL"),
        ("06 123", "NL"),
        ("0612345678", ""),
        ("+999 1", ""),
        ("(201) 555-0123", "US"),
        ("0470123456", "BE"),
        ("abc", "NL"),
        ("06 12345 678 9", "NL"),
        ("06 1234 5678 90", "NL"),
    ]:
        console = check_phone(raw, region)
        try:
            server = normalise_phone(raw, region or None)
        except PhoneNumberError:
            server = ""
        assert console.e164 == server, raw


def test_the_first_keys_of_a_number_are_not_yet_a_mistake() -> None:
    """What the field shows while typing: nothing for a number on its way, the problem
    at once for one that can no longer become valid."""
    on_the_way = ["+", "+3", "+31", "+31 6", "0", "06", "06 1234 567"]
    assert [t for t in on_the_way if not check_phone(t, "NL").incomplete] == []
    wrong = {
        "abc": "Not a valid phone number.",
        "+999 12": "Not a valid phone number: its country code is unknown.",
        "06 12345 678 9": "Not a valid phone number: it has the wrong number of digits.",
        "06 1234 5678 9012 345": "Not a valid phone number: it is too long.",
        "020 123 4567": "This is not a mobile number: a text message cannot reach it.",
    }
    for text, problem in wrong.items():
        checked = check_phone(text, "NL")
        assert (checked.problem, checked.incomplete) == (problem, False), text
    no_region = check_phone("0612", "")
    assert no_region.problem.startswith("Start the number with +") and not no_region.incomplete


async def test_the_console_texts_in_the_region_of_its_settings(
    qtbot, live_server, settings, credentials
) -> None:
    """Through the main window: Settings say Belgium, so a Belgian number typed the
    Belgian way is texted, and the new session shows in the list."""
    settings.setValue(SMS_REGION_KEY, "BE")
    async with console_window(qtbot, live_server, settings, credentials) as console:
        console.window.new_session_action.trigger()
        dialog = console.window.new_session_dialog
        assert dialog is not None and dialog.sms_page.region == "BE"
        dialog.tabs.setCurrentWidget(dialog.sms_page)
        dialog.name.setText("Luc")
        QTest.keyClicks(dialog.sms_page.to, "0470 12 34 56")
        assert dialog.sms_page.normalised.text() == "Sends to +32 470 12 34 56"
        dialog.sms_page.action.click()
        await next_emission(dialog.session_created)
        assert live_server.sms.wait_for(1)[0].to == "+32470123456"
        await wait_until(lambda: console.row_states() == {"Luc": "connecting"})
        dialog.reject()
