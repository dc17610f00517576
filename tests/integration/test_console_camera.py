"""Issue 15, point 6 on the console: a real SessionTab and a real aiortc customer on the
data channel that plays the phone's part of "Camera requests" (docs/protocol.md). The
Camera button is off until the phone reports its camera; it offers only what the camera
can do (the rest disabled, with a tooltip saying why); each request reaches the phone
as the protocol says; a refusal is shown in words beside the button; malformed messages
change nothing; a new connection forgets the old phone's camera. Screenshot:
artifacts/console/camera-menu.png (English) and camera-menu-nl.png (Dutch)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage, QKeySequence, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from lens_customer.peer import CustomerPeer
from lens_customer.playback import AudioSink
from lens_customer.sources import MediaSources, PatternVideoTrack
from lens_desktop.net.client import ServerClient
from lens_desktop.net.models import SessionInfo
from lens_desktop.tools.camera import CameraResult, parse_camera_message, request_message
from lens_desktop.ui.annotation_layer import to_pane
from lens_desktop.ui.language import install_translators, remove_translators
from lens_desktop.ui.session_tab import SessionTab
from tests.integration.test_console_freeze import services
from tests.integration.test_console_media import Customer
from tests.qt_fixtures import wait_until

CAPS: dict[str, Any] = {
    "type": "camera_caps",
    "v": 1,
    "facing": ["user", "environment"],
    "current": "environment",
    "torch": True,
    "torch_on": False,
    "zoom": {"min": 1, "max": 4, "step": 0.1, "value": 1},
    "focus_point": True,
}


def session(session_id: str = "s1") -> SessionInfo:
    now = datetime.now(UTC)
    return SessionInfo(session_id, "lens", "Ann", "active", "pin", None, None, None, now, None, now, None)  # fmt: skip


class ScriptedPhone:
    """The phone's side of the channel: reports CAPS when the channel opens, records
    each camera_request and answers it as ``answers`` says (default: done)."""

    def __init__(self, customer: Customer) -> None:
        self.customer = customer
        self.caps = dict(CAPS)
        self.answers: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        customer.channel.on("open", lambda: self.send(self.caps))
        customer.channel.on("message", self.on_message)

    def send(self, message: dict[str, Any] | str) -> None:
        self.customer.channel.send(message if isinstance(message, str) else json.dumps(message))

    def on_message(self, text: str) -> None:
        message = json.loads(text)
        if message.get("type") != "camera_request":
            return
        self.requests.append(message)
        answer = self.answers.get(message["action"], {"ok": True})
        self.send({"type": "camera_result", "v": 1, "id": message["id"], **answer})
        if answer["ok"] and message["action"] == "switch":
            facing = "user" if self.caps["current"] == "environment" else "environment"
            self.caps = {**self.caps, "current": facing, "torch": facing == "environment"}
        elif answer["ok"] and message["action"] == "torch":
            self.caps = {**self.caps, "torch_on": message["value"]}
        elif answer["ok"] and message["action"] == "zoom":
            self.caps = {**self.caps, "zoom": {**self.caps["zoom"], "value": message["value"]}}
        self.send(self.caps)


async def connect(tab: SessionTab, sent: list[dict[str, Any]], generation: int) -> ScriptedPhone:
    """A new customer connection; the test plays the server (``sent``: the answers)."""
    sent.clear()
    phone = ScriptedPhone(Customer(PatternVideoTrack(640, 360, 30)))
    await tab.peer.handle_signal(await phone.customer.offer(generation))
    await wait_until(lambda: bool(sent), timeout=10)
    await phone.customer.accept(sent[-1])
    return phone


def with_menu(tab: SessionTab) -> QImage:
    """The tab with the Camera menu open over it (offscreen, a popup is its own window)."""
    controls = tab.camera_controls
    controls.menu.popup(controls.button.mapToGlobal(QPoint(0, controls.button.height())))
    QApplication.processEvents()
    image = tab.grab().toImage()
    painter = QPainter(image)
    painter.drawImage(tab.mapFromGlobal(controls.menu.pos()), controls.menu.grab().toImage())
    painter.end()
    controls.menu.hide()
    return image


# Offscreen, an open popup menu cannot raise itself or grab the keyboard.
@pytest.mark.qt_log_ignore("does not support raise", "does not support grabbing the keyboard")
async def test_the_camera_menu_follows_the_phone_and_shows_refusals(
    qtbot: Any, artifacts_dir: Path
) -> None:
    sent: list[dict[str, Any]] = []
    client = ServerClient("http://127.0.0.1:9")
    tab = SessionTab(session(), services(sent, client))
    qtbot.addWidget(tab)
    tab.resize(1000, 640)
    tab.show()
    controls = tab.camera_controls
    phone: ScriptedPhone | None = None
    try:
        # Before the phone has said anything the button is off and says why.
        assert not controls.button.isEnabled()
        assert "has not said" in controls.button.toolTip()
        phone = await connect(tab, sent, 1)
        await wait_until(lambda: controls.caps is not None, timeout=15)
        assert controls.button.isEnabled()
        for action in (controls.switch, controls.torch, controls.zoom_in, controls.focus):
            assert action.isEnabled(), action.text()
        assert not controls.zoom_out.isEnabled()  # already at the widest
        assert "now 1x, from 1x to 4x" in controls.zoom_in.toolTip()
        assert controls.button.text() == "Camera"
        assert controls.button.shortcut() == QKeySequence(Qt.Key.Key_C)

        # Switch: the request goes out, the phone answers and reports the front camera,
        # which has no flashlight: the item goes off and says why.
        controls.switch.trigger()
        assert not controls.switch.isEnabled()  # one request at a time
        await wait_until(lambda: controls.caps.current == "user", timeout=5)
        assert phone.requests[-1] == {
            "type": "camera_request",
            "v": 1,
            "id": "c1",
            "action": "switch",
        }
        assert controls.switch.isEnabled() and not controls.torch.isEnabled()
        assert controls.torch.toolTip() == "The customer's camera has no flashlight it can control."
        assert controls.status.text() == ""

        controls.switch.trigger()  # back to the rear camera, with its flashlight
        await wait_until(lambda: controls.caps.current == "environment", timeout=5)
        controls.torch.trigger()
        await wait_until(lambda: controls.caps.torch_on, timeout=5)
        assert phone.requests[-1]["value"] is True and controls.torch.isChecked()

        controls.zoom_in.trigger()
        await wait_until(lambda: controls.caps.zoom.value > 1, timeout=5)
        assert phone.requests[-1]["action"] == "zoom" and phone.requests[-1]["value"] == 1.3
        assert controls.zoom_out.isEnabled()

        # Focus is a mode: the next click on the picture focuses there, not a drawing.
        await wait_until(lambda: tab.video.pane.frame is not None, timeout=10)
        controls.focus.trigger()
        assert controls.focus_armed and "Click the picture" in controls.status.text()
        pane = tab.video.pane
        QTest.mouseClick(pane, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         to_pane((0.25, 0.75), pane.picture_rect()).toPoint())  # fmt: skip
        assert not controls.focus_armed
        await wait_until(lambda: phone.requests[-1]["action"] == "focus", timeout=5)
        point = phone.requests[-1]["value"]
        assert abs(point["x"] - 0.25) < 0.01 and abs(point["y"] - 0.75) < 0.01
        assert len(tab.annotations) == 0
        # Choosing a drawing tool disarms the mode.
        controls.focus.trigger()
        tab.canvas.set_tool("pen")
        assert not controls.focus_armed

        await wait_until(lambda: not controls.waiting, timeout=5)
        # A refusal is said in words beside the button, not in a dialog.
        phone.answers["torch"] = {"ok": False, "reason": "paused"}
        controls.torch.trigger()
        await wait_until(lambda: "refused" in controls.status.text(), timeout=5)
        assert controls.status.text() == (
            "Flashlight: The customer paused the camera: the phone refused the request."
        )
        assert controls.status.isVisible()
        phone.answers["zoom"] = {"ok": False, "reason": "not_supported", "message": "x"}
        controls.zoom_in.trigger()
        await wait_until(lambda: "cannot do that" in controls.status.text(), timeout=5)
        assert controls.status.text() == "Zoom: The customer's camera cannot do that."
        assert tab.canvas.notice == controls.status.text()  # over the picture too
        shots = artifacts_dir / "console"
        shots.mkdir(parents=True, exist_ok=True)
        assert with_menu(tab).save(str(shots / "camera-menu.png"))

        # Malformed and unknown messages are ignored: nothing changes.
        before = controls.caps
        for bad in (
            {**CAPS, "facing": ["sideways"]},
            {**CAPS, "zoom": {"min": 1, "max": 4, "step": 0.1, "value": 99}},
            {"type": "camera_result", "v": 1, "id": "c99", "ok": True},
            {"type": "camera_caps", "v": 2},
        ):
            phone.send(bad)
        phone.send("{not json")
        phone.send(json.dumps({**CAPS, "padding": "x" * 70_000}))
        marker = {**phone.caps, "torch_on": not before.torch_on}
        phone.send(marker)  # the channel is in order: once this is in, the rest was seen
        await wait_until(lambda: controls.caps.torch_on != before.torch_on, timeout=5)
        assert controls.caps == replace(before, torch_on=marker["torch_on"])

        # A new connection (the customer reloaded): the old phone's camera is forgotten
        # until the new one reports; this one has a single camera and nothing else.
        await phone.customer.pc.close()
        phone = await connect(tab, sent, 2)
        phone.caps = {**CAPS, "facing": ["user"], "current": "user", "torch": False,
                      "zoom": None, "focus_point": False}  # fmt: skip
        await wait_until(
            lambda: controls.caps is not None and not controls.caps.can_switch, timeout=15
        )
        for action in controls.menu.actions():
            assert not action.isEnabled(), action.text()
        assert controls.switch.toolTip() == "The customer's phone has only one camera."
        assert controls.focus.toolTip() == "The customer's camera cannot focus at a point."

        # The same in Dutch.
        app = QApplication.instance()
        assert app is not None
        translators = install_translators(app, "nl")
        try:
            tab_nl = SessionTab(session(session_id="s2"), services([], client))
            qtbot.addWidget(tab_nl)
            tab_nl.resize(1000, 640)
            tab_nl.show()
            tab_nl.camera_controls.on_control(CAPS)
            tab_nl.camera_controls.switch.trigger()  # not connected: it says so, in Dutch
            assert tab_nl.camera_controls.status.text() == (
                "De telefoon van de klant is niet verbonden."
            )
            assert tab_nl.camera_controls.button.text() == "Camera"
            assert tab_nl.camera_controls.switch.text() == "&Andere camera"
            assert with_menu(tab_nl).save(str(shots / "camera-menu-nl.png"))
            await tab_nl.shutdown()
        finally:
            remove_translators(app, translators)
    finally:
        if phone is not None:
            await phone.customer.pc.close()
        await tab.shutdown()


async def test_the_headless_customer_reports_a_camera_that_changes_nothing(qtbot: Any) -> None:
    """lens_customer: one camera, nothing to switch, light, zoom or focus; a request
    sent anyway is answered "not_supported"."""
    sent: list[dict[str, Any]] = []
    tab = SessionTab(session(), services(sent, ServerClient("http://127.0.0.1:9")))
    qtbot.addWidget(tab)
    controls = tab.camera_controls
    offers: list[dict[str, Any]] = []

    async def send_signal(data: dict[str, Any]) -> None:
        offers.append(data)

    customer = CustomerPeer(
        1,
        [],
        MediaSources(video=PatternVideoTrack(320, 180, 15)),
        AudioSink(play=False),
        send_signal,
        lambda peer: None,
    )
    received: list[dict[str, Any]] = []
    tab.peer.control_received.connect(received.append)
    try:
        await customer.offer()
        await tab.peer.handle_signal(offers[-1])
        await wait_until(lambda: bool(sent), timeout=10)
        await customer.on_signal(sent[-1])
        await wait_until(lambda: controls.caps is not None, timeout=15)
        assert controls.button.isEnabled()
        assert [a.isEnabled() for a in controls.menu.actions()] == [False] * 5
        assert controls.switch.toolTip() == "The customer's phone has only one camera."
        assert tab.peer.send_control(request_message("x1", "torch", True))
        await wait_until(lambda: any(m.get("type") == "camera_result" for m in received), timeout=5)
        result = next(m for m in received if m.get("type") == "camera_result")
        assert parse_camera_message(result) == CameraResult("x1", False, "not_supported")
    finally:
        await customer.close()
        await tab.shutdown()
