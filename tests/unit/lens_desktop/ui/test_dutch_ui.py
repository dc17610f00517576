"""The console in Dutch: with lens_nl.qm and Qt's qtbase_nl.qm installed, the real main
window (with a waiting customer and a session tab), every tab of the New Session dialog,
the sign-in dialog and the settings dialog show Dutch, in the words the seed procedure
uses, and no English text the code marks for translation is left on screen. Screenshots
go to artifacts/nl/ for a person to check that the longer Dutch texts fit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from console_harness import console_window
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QToolBar,
    QToolButton,
    QWidget,
)
from ui_factories import signed_in_client

from lens_desktop.app import expired_text
from lens_desktop.media.audio import AudioStatus
from lens_desktop.net.client import ServerClient
from lens_desktop.resources import translations_dir
from lens_desktop.ui.language import install_translators, remove_translators
from lens_desktop.ui.new_session import NewSessionDialog
from lens_desktop.ui.services import SignInServices
from lens_desktop.ui.settings_dialog import SettingsDialog
from lens_desktop.ui.sign_in import SignInDialog
from lens_desktop.ui.validation import invalid_email_text, validate_email
from lens_desktop.ui.widgets import ElidedLabel
from tests.qt_fixtures import wait_until

SAME_IN_DUTCH = {"Status", "&Volume", "&Console", "Chat", "Camera"}
"""Words Dutch help desks use as they are; the only translations equal to their source."""


def english_sources() -> list[tuple[str, re.Pattern[str]]]:
    """Every source text of lens_nl.ts as a pattern that also matches it filled in."""
    root = ET.parse(translations_dir() / "lens_nl.ts").getroot()
    patterns = []
    for message in root.iter("message"):
        source = message.findtext("source", "")
        translation = message.findtext("translation", "")
        if source in SAME_IN_DUTCH:
            assert translation == source
            continue
        assert translation != source, f"untranslated: {source!r}"
        parts = re.split(r"\{[^}]*\}", source)
        patterns.append((source, re.compile(".+".join(map(re.escape, parts)), re.DOTALL)))
    return patterns


ENGLISH = english_sources()


@pytest.fixture
def dutch(qapp: QApplication) -> Iterator[None]:
    """The Dutch translators, as run_console installs them, removed again afterwards so
    no other test sees Dutch."""
    translators = install_translators(qapp, "nl")
    assert len(translators) == 2, "lens_nl.qm and qtbase_nl.qm"
    yield
    remove_translators(qapp, translators)
    assert QCoreApplication.translate("MainWindow", "&Start") == "&Start"


@pytest.fixture
def shots(artifacts_dir: Path) -> Path:
    folder = artifacts_dir / "nl"
    folder.mkdir(exist_ok=True)
    return folder


# -- reading what is on screen ---------------------------------------------------------


def widget_texts(widget: QWidget) -> list[str]:
    texts = [widget.toolTip(), widget.accessibleName()]
    if isinstance(widget, QLabel | QAbstractButton):
        texts.append(widget.text())
    if isinstance(widget, QLineEdit):
        texts.append(widget.placeholderText())
    if isinstance(widget, QComboBox):
        texts += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            texts += [widget.tabText(i), widget.tabToolTip(i)]
    if isinstance(widget, QToolBar):
        texts.append(widget.windowTitle())
    if isinstance(widget, QGroupBox):
        texts.append(widget.title())
    if isinstance(widget, QAbstractItemView) and widget.model() is not None:
        model = widget.model()
        texts += [
            str(model.headerData(c, Qt.Orientation.Horizontal) or "")
            for c in range(model.columnCount())
        ]
        texts += [
            str(model.index(r, c).data() or "")
            for r in range(model.rowCount())
            for c in range(model.columnCount())
        ]
    return texts


def visible_texts(root: QWidget) -> list[str]:
    """Every text of ``root`` a technician can see or hear (tooltips, accessible names):
    its title, its visible widgets, its actions and menus."""
    texts = [root.windowTitle()]
    for widget in [root, *root.findChildren(QWidget)]:
        if widget is root or widget.isVisibleTo(root):
            texts += widget_texts(widget)
    for action in root.findChildren(QAction):
        texts += [action.text(), action.toolTip()]
    return [t for t in texts if t.strip()]


def assert_no_english(root: QWidget) -> list[str]:
    texts = visible_texts(root)
    for text in texts:
        english = [source for source, pattern in ENGLISH if pattern.fullmatch(text)]
        assert not english, f"{text!r} is English ({english[0]!r})"
    return texts


def assert_fits(root: QWidget) -> None:
    """Buttons and single-line labels are as wide as their text needs, wrapped labels as
    high as their lines need: the longer Dutch is nowhere cut off. (An ElidedLabel is
    cut on purpose, with "…" and its whole text in the tooltip.)"""
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or isinstance(widget, QToolButton | ElidedLabel):
            continue
        if isinstance(widget, QLabel) and widget.wordWrap() and widget.text():
            needed = widget.heightForWidth(widget.width())
            assert widget.height() >= needed, f"{widget.text()!r} is cut off at the bottom"
        elif isinstance(widget, QAbstractButton | QLabel) and widget.text():
            needed = widget.sizeHint().width()
            assert widget.width() >= needed, f"{widget.text()!r} is cut off at the side"


def plain(texts: list[str]) -> set[str]:
    """Texts as read: without mnemonics and trailing dots."""
    return {t.replace("&", "").rstrip("…").strip() for t in texts}


# -- the windows -----------------------------------------------------------------------


async def test_main_window_in_dutch(
    dutch, qtbot, live_server, settings, credentials, shots: Path
) -> None:
    async with console_window(qtbot, live_server, settings, credentials) as console:
        window = console.window
        session, _ = live_server.join_waiting(console.tech.token, "Ann de Vries")
        await wait_until(lambda: console.row_states().get("Ann de Vries") == "waiting")
        window.select_session(session["id"])
        seen = plain(assert_no_english(window))
        assert {"Nieuwe sessie", "Sessielijst", "Starten", "In wacht zetten", "Beëindigen"} <= seen
        assert {"Instellingen", "Afmelden", "Afsluiten", "Wachtend", "Wachttijd"} <= seen
        assert f"Verbonden met {live_server.url}" in seen
        assert console.notices.emissions[0] == ("Klant wacht", "Ann de Vries wacht op u.")
        assert not window.toolbar.findChild(QToolButton, "qt_toolbar_ext_button").isVisible()
        assert_fits(window)
        window.grab().save(str(shots / "main_window.png"))

        window.settings_action.trigger()
        settings_dialog = window.findChild(SettingsDialog)
        settings_dialog.language.setCurrentIndex(settings_dialog.language.findData("en"))
        settings_dialog.buttons.accepted.emit()
        assert window.statusBar().currentMessage() == (
            "De console toont de nieuwe taal nadat u hem opnieuw hebt gestart."
        )

        window.start_action.trigger()
        await wait_until(lambda: session["id"] in window.session_tab_widgets)
        await window.tasks.wait_idle()
        tab = window.session_tab_widgets[session["id"]]
        assert tab.video.pane.overlay == "Verbinden…"
        tab.show_stats.setChecked(True)
        seen = plain(assert_no_english(window))
        assert {"Ware grootte", "Statistieken", "Microfoon dempen", "Luidspreker dempen"} <= seen
        assert "Wachten op statistieken" in seen
        assert_fits(window)
        window.grab().save(str(shots / "main_window_session.png"))

        console.prompter.answer = False
        window.sign_out_action.trigger()
        assert console.prompter.questions == [
            "U bent in een sessie met Ann de Vries. Als u zich afmeldt, wordt de sessie "
            "ook voor de klant beëindigd. Doorgaan?"
        ]


async def test_new_session_dialog_in_dutch_on_every_tab(dutch, qtbot, live_server, shots) -> None:
    client, technician, config, _ = await signed_in_client(live_server)
    dialog = NewSessionDialog(client, technician, config)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        assert dialog.windowTitle() == "Nieuwe sessie maken"
        tabs = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
        assert tabs == ["&Pincode", "&E-mail", "&Sms", "K&oppeling"]

        dialog.tabs.setCurrentWidget(dialog.email_page)
        dialog.email_page.to.setText("geen adres")
        dialog.email_page.action.click()  # no name, no valid address: both said inline
        seen = plain(assert_no_english(dialog))
        assert "Koppeling mailen" in seen
        assert "Vul de naam van de klant in, of iets anders waaraan u de sessie herkent." in seen
        assert "Geen geldig e-mailadres: Een e-mailadres moet een @-teken bevatten." in seen
        assert dialog.email_page.language.currentText() == "Nederlands"  # the UI's language
        assert_fits(dialog)
        dialog.grab().save(str(shots / "new_session_email.png"))

        dialog.tabs.setCurrentWidget(dialog.sms_page)
        dialog.sms_page.to.setText("020 123 4567")  # read in the server's region: none here
        dialog.sms_page.action.click()
        seen = plain(assert_no_english(dialog))
        assert {"Sms versturen", "Mobiel nummer:"} <= seen
        assert dialog.sms_page.to_error.text().startswith("Begin het nummer met + en de landcode")
        dialog.sms_page.to.setText("+31 6 12345678")
        dialog.sms_page.check(final=False)
        assert "Wordt verstuurd naar +31 6 12345678" in plain(assert_no_english(dialog))
        assert_fits(dialog)
        dialog.grab().save(str(shots / "new_session_sms.png"))

        dialog.tabs.setCurrentWidget(dialog.link_page)
        assert {"Koppeling maken", "Naam van de klant of ticketnummer"} <= plain(
            assert_no_english(dialog)
        )
        assert_fits(dialog)
        dialog.grab().save(str(shots / "new_session_link.png"))

        dialog.tabs.setCurrentWidget(dialog.pin_page)
        dialog.name.setText("Ann de Vries")
        dialog.pin_page.action.click()
        await wait_until(lambda: dialog.pin_page.pin_display.isVisible())
        seen = plain(assert_no_english(dialog))
        assert {"Pincode maken", "Pincode voor de klant:", "Sluiten"} <= seen
        assert dialog.pin_page.pin_display.validity.text().endswith("(20 minuten)")
        assert_fits(dialog)
        dialog.grab().save(str(shots / "new_session_pin.png"))
    finally:
        await dialog.close_tasks()
        client.close()


async def test_sign_in_dialog_in_dutch(dutch, qtbot, credentials, shots) -> None:
    dialog = SignInDialog(SignInServices(credentials, ServerClient))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.show_notice(expired_text())
    dialog.server_url.setText("lens.example.com")
    dialog.sign_in_button.click()  # every field said wrong, inline
    seen = plain(assert_no_english(dialog))
    assert {"Aanmelden bij Lens", "Aanmelden", "Annuleren", "Wachtwoord:"} <= seen
    assert "Uw aanmelding is verlopen. Meld u opnieuw aan." in seen
    assert dialog.errors["server_url"].text().startswith("Het serveradres moet beginnen met")
    assert_fits(dialog)
    dialog.grab().save(str(shots / "sign_in.png"))


def test_settings_dialog_in_dutch(dutch, qtbot, settings, shots) -> None:
    devices = AudioStatus(True, "", inputs=["USB-headset"], outputs=["Luidsprekers"])
    dialog = SettingsDialog(settings, devices)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.language.currentText() == "Systeemstandaard"
    dialog.language.setCurrentIndex(dialog.language.findData("nl"))
    seen = plain(assert_no_english(dialog))
    assert {"Lens-instellingen", "Microfoon:", "Luidspreker:", "Taal:", "Annuleren"} <= seen
    assert "De console toont de nieuwe taal nadat u hem opnieuw hebt gestart." in seen
    assert {"Sms-berichten", "Standaardregio:"} <= seen
    assert_fits(dialog)
    dialog.grab().save(str(shots / "settings.png"))


def test_email_reasons_are_dutch_or_left_out(dutch) -> None:
    assert validate_email("ann@") == "Geen geldig e-mailadres: Er moet iets na het @-teken staan."
    assert invalid_email_text("A reason we never saw.") == "Geen geldig e-mailadres."


def test_why_the_sign_in_cannot_be_remembered_is_dutch(dutch) -> None:
    from keyring.backends import fail

    from lens_desktop.net.credentials import CredentialStore

    store = CredentialStore(service="lens-dutch-test", backend=fail.Keyring())
    assert store.available() == (
        False,
        "Kan de aanmelding niet onthouden: er is op deze computer geen systeemsleutelhanger "
        "beschikbaar.",
    )


def test_server_refusals_and_an_unreachable_server_are_said_in_dutch(dutch) -> None:
    from lens_desktop.net.client import unreachable_reason
    from lens_desktop.net.errors import ApiError, ServerUnreachable
    from lens_desktop.ui.errors import describe_error

    wrong = ApiError(401, "invalid_credentials", "Wrong email or password.")
    assert describe_error(wrong) == "Het e-mailadres of het wachtwoord klopt niet."
    import requests

    reason = unreachable_reason(requests.exceptions.ConnectionError("Connection refused"))
    unreachable = ServerUnreachable("http://127.0.0.1:9", reason)
    assert describe_error(unreachable) == (
        "Kan de Lens-server op http://127.0.0.1:9 niet bereiken: de verbinding werd geweigerd. "
        "Controleer het adres en uw netwerk."
    )


def test_a_stopped_picture_and_a_stale_list_are_said_in_dutch(dutch) -> None:
    from ui_factories import make_session

    from lens_desktop.ui.main_window import OFFLINE_ACTION_TIP, OFFLINE_BANNER
    from lens_desktop.ui.session_model import SessionTableModel
    from lens_desktop.ui.session_tab import overlay_text

    assert overlay_text("active", "connected", False, True, 3.4) == (
        "Al 3 s geen beeld van de klant. Wachten tot het beeld terugkomt…"
    )
    model = SessionTableModel()
    model.set_sessions([make_session("a")])
    model.set_stale(True)
    tip = model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Verouderd: de console maakt opnieuw verbinding met de server."
    from lens_desktop.ui.language import translate

    assert translate("MainWindow", OFFLINE_BANNER).startswith("Verbinding met de server verbroken.")
    assert translate("MainWindow", OFFLINE_ACTION_TIP).startswith("Niet beschikbaar")
