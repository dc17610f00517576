"""The annotation model, mirrored to the phone over the ``control`` data channel.

Every change of the model goes out as one message as it happens; when a new peer
generation's channel opens (the customer reloaded, or the network changed) the whole
current set goes out again (``replay``), so a customer who comes back sees what the
technician drew. ``send`` is the peer's ``send_control``: it returns False when the
channel is not open, and then the next replay catches the phone up.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any

from lens_desktop.tools import protocol
from lens_desktop.tools.annotations import AnnotationModel, Change

log = logging.getLogger(__name__)

Send = Callable[[dict[str, Any]], bool]


def replay(model: AnnotationModel, send: Send) -> int:
    """Send "clear" then every annotation in drawing order; returns how many were sent
    (0 when the channel closed on the way: the next channel's replay sends them)."""
    if not send(protocol.clear_message()):
        return 0
    sent = 0
    for item in model.annotations():
        if not send(protocol.set_message(item)):
            break
        sent += 1
    return sent


def change_message(change: Change) -> dict[str, Any]:
    """The data-channel message for one model change."""
    if change.op == "set" and change.annotation is not None:
        return protocol.set_message(change.annotation, change.index)
    if change.op == "remove" and change.id is not None:
        return protocol.remove_message(change.id)
    return protocol.clear_message()


class AnnotationLink:
    """Sends a model's changes through ``send`` until closed; ``replay`` on a new channel."""

    def __init__(self, model: AnnotationModel, send: Send) -> None:
        self.model = model
        self._send = send
        self._unsubscribe: Callable[[], None] | None = model.subscribe(_weak_listener(self))

    def on_model_change(self, change: Change) -> None:
        self._send(change_message(change))

    def replay(self) -> int:
        count = replay(self.model, self._send)
        log.info("replayed %d annotation(s) to the customer", count)
        return count

    def send_pointer(self, x: float | None, y: float | None = None) -> bool:
        """The technician's mouse at (x, y) of the frame; None: it left the picture."""
        if x is None or y is None:
            return self._send(protocol.pointer_hide_message())
        return self._send(protocol.pointer_message(x, y))

    def close(self) -> None:
        """Stop sending; safe to call twice."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


def _weak_listener(link: AnnotationLink) -> Callable[[Change], None]:
    """The model's listener, holding the link weakly: a strong one would make model and
    link a reference cycle that keeps ``send`` (the peer's bound method, so the peer's
    QObject) alive until Python's cyclic GC frees it, in whatever thread it runs in; a
    QObject freed off its thread crashes Qt (lens_desktop/gui_gc.py)."""
    ref = weakref.ref(link)

    def listener(change: Change) -> None:
        alive = ref()
        if alive is not None:
            alive.on_model_change(change)

    return listener
