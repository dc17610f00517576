"""The Camera button offers what the phone's camera reports and nothing else: each item
enabled or disabled from the caps, with a tooltip saying why; off while a request is out
and until the phone has reported. (No connection: a send that fails says so.)"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtWidgets import QWidget

from lens_desktop.tools.annotations import AnnotationModel
from lens_desktop.ui.annotation_canvas import AnnotationCanvas
from lens_desktop.ui.camera_controls import CameraControls
from lens_desktop.ui.video_pane import VideoPane

CAPS: dict[str, Any] = {
    "type": "camera_caps",
    "v": 1,
    "facing": ["user", "environment"],
    "current": "environment",
    "torch": True,
    "torch_on": True,
    "zoom": {"min": 1, "max": 4, "step": 0.5, "value": 4},
    "focus_point": False,
}


@pytest.fixture
def parent(qtbot: Any) -> QWidget:
    """The controls' widgets belong to it; the test keeps it alive."""
    widget = QWidget()
    qtbot.addWidget(widget)
    return widget


def make(parent: QWidget, send: Any) -> CameraControls:
    pane = VideoPane(parent)
    canvas = AnnotationCanvas(AnnotationModel(), lambda *a: None, pane, parent)
    return CameraControls(send, canvas, parent)


def enabled(controls: CameraControls) -> dict[str, bool]:
    return {a.text(): a.isEnabled() for a in controls.menu.actions()}


def test_items_follow_the_caps(parent: QWidget) -> None:
    sent: list[dict[str, Any]] = []
    controls = make(parent, lambda m: sent.append(m) or True)
    assert not controls.button.isEnabled()
    assert not any(enabled(controls).values())

    controls.on_control(CAPS)
    assert controls.button.isEnabled()
    assert enabled(controls) == {
        "&Switch camera": True,
        "&Flashlight": True,
        "Zoom &in": False,  # at the longest already
        "Zoom &out": True,
        "Focus at a &point…": False,
    }
    assert controls.torch.isChecked()
    assert controls.focus.toolTip() == "The customer's camera cannot focus at a point."
    assert controls.zoom_out.toolTip().endswith("(now 4x, from 1x to 4x)")

    controls.zoom_out.trigger()
    assert sent[-1] == {
        "type": "camera_request",
        "v": 1,
        "id": "c1",
        "action": "zoom",
        "value": 3.5,
    }
    assert not any(enabled(controls).values())  # one request at a time
    assert controls.status.text() == "Asking the customer's phone…"
    controls.on_control({"type": "camera_result", "v": 1, "id": "c1", "ok": True})
    assert enabled(controls)["Zoom &out"] and controls.status.text() == ""

    # Bad caps change nothing; a channel of a new connection forgets them.
    controls.on_control({**CAPS, "torch": "yes"})
    assert enabled(controls)["&Flashlight"]
    controls.on_channel_opened(2)
    assert controls.caps is None and not controls.button.isEnabled()


def test_a_request_that_cannot_be_sent_says_so(parent: QWidget) -> None:
    controls = make(parent, lambda m: False)
    controls.on_control(
        {**CAPS, "torch": False, "zoom": None, "facing": ["user"], "current": "user"}
    )
    assert not any(enabled(controls).values())
    assert controls.switch.toolTip() == "The customer's phone has only one camera."
    assert controls.torch.toolTip() == "The customer's camera has no flashlight it can control."
    controls.on_control(CAPS)
    controls.switch.trigger()
    assert controls.status.text() == "The customer's phone is not connected."
    assert enabled(controls)["&Switch camera"]  # nothing is out: try again
