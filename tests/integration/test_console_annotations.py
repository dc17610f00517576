"""The console's annotations reach a real aiortc customer over the ``control`` channel:
each change as it happens, the whole set again on every new generation (a reload or a
network change), and hostile frames from the phone are dropped without harm."""

from __future__ import annotations

import json
from typing import Any

from lens_customer.sources import PatternVideoTrack
from lens_desktop.media.peer import PeerSession
from lens_desktop.tools.annotations import AnnotationModel
from lens_desktop.tools.link import AnnotationLink
from lens_desktop.tools.protocol import (
    ClearAnnotations,
    SetAnnotation,
    parse_message,
)
from tests.integration.test_console_media import Customer, connect
from tests.qt_fixtures import SignalRecorder, next_emission, wait_until


def annotation_ops(customer: Customer) -> list[Any]:
    return [parse_message(m) for m in customer.control if m.get("type") == "annot"]


async def test_a_new_generation_gets_the_current_set_replayed() -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    opened = SignalRecorder(peer.channel_opened)
    model = AnnotationModel()
    link = AnnotationLink(model, peer.send_control)
    peer.channel_opened.connect(lambda generation: link.replay())
    rect = model.add("rectangle", [(0.1, 0.1), (0.4, 0.4)])  # drawn before anyone listens
    first = Customer(PatternVideoTrack(320, 240, 30))
    second = Customer(PatternVideoTrack(320, 240, 30))
    try:
        await connect(peer, first, 1, sent)
        await wait_until(lambda: len(annotation_ops(first)) == 2, timeout=15)
        assert annotation_ops(first) == [ClearAnnotations(), SetAnnotation(rect)]
        marker = model.add("marker", [(0.5, 0.5)])  # live: sent as it is drawn
        await wait_until(lambda: len(annotation_ops(first)) == 3)
        assert annotation_ops(first)[-1] == SetAnnotation(marker, at=1)

        await connect(peer, second, 2, sent)  # the customer reloaded
        await wait_until(lambda: len(annotation_ops(second)) == 3, timeout=15)
        assert annotation_ops(second) == [
            ClearAnnotations(),
            SetAnnotation(rect),
            SetAnnotation(marker),
        ]
        assert opened.values == [1, 2]
    finally:
        link.close()
        await peer.close()
        await first.pc.close()
        await second.pc.close()


async def test_hostile_frames_from_the_phone_are_dropped_and_the_channel_lives_on() -> None:
    sent: list[dict[str, Any]] = []
    peer = PeerSession("s1", [], sent.append)
    customer = Customer(PatternVideoTrack(320, 240, 30))
    try:
        await connect(peer, customer, 1, sent)
        await wait_until(lambda: customer.channel.readyState == "open", timeout=15)
        for frame in (
            "[" * 30_000 + "]" * 30_000,  # deeper than Python's recursion limit
            '{"type": "camera", "paused": NaN}',
            "x" * 70_000,
            "not json",
        ):
            customer.channel.send(frame)
        customer.channel.send(json.dumps({"type": "camera", "paused": True}))
        assert await next_emission(peer.control_received) == ({"type": "camera", "paused": True},)
    finally:
        await peer.close()
        await customer.pc.close()
