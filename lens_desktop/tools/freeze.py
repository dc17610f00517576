"""Freeze frame: the exact picture the technician froze, sent to the phone as a JPEG.

docs/protocol.md ("Freeze frame (version 1)") is the contract; the phone's
``freeze.js`` applies the same bounds. The console encodes the decoded frame it was
showing, at the stream's own size (``VideoFrame.source``: no second conversion per
frame, only this one when the technician freezes), as a JPEG of quality 92, and sends
``freeze`` then the JPEG in base64 chunks of at most 48,000 characters (one control
message stays under 64 KiB), then, later, ``unfreeze``. When the control channel of a
new generation opens while frozen, :meth:`FreezeLink.replay` sends the still again.

The parser and :class:`StillAssembler` are the receiving side written out in Python:
the tests use them, and they state the rules a hostile peer is held to. Anything
malformed, out of bounds, for another still or out of order comes back as a
:class:`Rejection` and discards the still in progress, never as an exception.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import av
import cv2

from lens_desktop.tools.protocol import VERSION, Rejection

log = logging.getLogger(__name__)

JPEG_QUALITY = 92
FALLBACK_QUALITIES = (85, 75, 60)
"""Tried in turn only when a huge frame's JPEG would need more than ``MAX_CHUNKS``."""
MIME = "image/jpeg"
MIN_SIDE, MAX_SIDE = 16, 4096
MAX_SIZE = 8 * 1024 * 1024
MAX_CHUNKS = 200
MAX_CHUNK_CHARS = 48_000
CHUNK_BYTES = MAX_CHUNK_CHARS // 4 * 3
"""36,000 bytes of JPEG are exactly 48,000 base64 characters."""
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
BASE64_PATTERN = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")

Send = Callable[[dict[str, Any]], bool]


class StillTooLarge(ValueError):
    """Even the lowest fallback quality does not fit the bounds."""


@dataclass(frozen=True)
class Still:
    """One frozen picture as it travels: a JPEG of ``width`` x ``height``."""

    id: str
    width: int
    height: int
    jpeg: bytes

    @property
    def chunks(self) -> int:
        return max(1, -(-len(self.jpeg) // CHUNK_BYTES))


# -- the sending side ------------------------------------------------------------------


def encode_jpeg(frame: av.VideoFrame, quality: int = JPEG_QUALITY) -> bytes:
    """The decoded frame, at its own size, as a baseline JPEG of ``quality``."""
    pixels = frame.to_ndarray(format="bgr24")
    ok, encoded = cv2.imencode(".jpg", pixels, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:
        raise ValueError("the JPEG encoder refused the frame")
    return bytes(encoded)


def make_still(frame: av.VideoFrame, still_id: str) -> Still:
    """Encode ``frame`` for sending (run it off the GUI thread: ~10 ms at 720p).
    StillTooLarge if it is outside the bounds whatever the quality."""
    if not ID_PATTERN.fullmatch(still_id):
        raise ValueError(f"bad still id {still_id!r}")
    if not (MIN_SIDE <= frame.width <= MAX_SIDE and MIN_SIDE <= frame.height <= MAX_SIDE):
        raise StillTooLarge(f"a {frame.width}x{frame.height} frame is outside the bounds")
    for quality in (JPEG_QUALITY, *FALLBACK_QUALITIES):
        jpeg = encode_jpeg(frame, quality)
        if len(jpeg) <= min(MAX_SIZE, MAX_CHUNKS * CHUNK_BYTES):
            if quality != JPEG_QUALITY:
                log.warning("freeze frame sent at JPEG quality %d to fit the bounds", quality)
            return Still(still_id, frame.width, frame.height, jpeg)
    raise StillTooLarge(f"the JPEG of a {frame.width}x{frame.height} frame is too large")


def freeze_message(still: Still) -> dict[str, Any]:
    return {
        "type": "freeze",
        "v": VERSION,
        "id": still.id,
        "width": still.width,
        "height": still.height,
        "mime": MIME,
        "size": len(still.jpeg),
        "chunks": still.chunks,
    }


def chunk_messages(still: Still) -> list[dict[str, Any]]:
    return [
        {
            "type": "freeze_chunk",
            "v": VERSION,
            "id": still.id,
            "index": index,
            "data": base64.b64encode(still.jpeg[start : start + CHUNK_BYTES]).decode("ascii"),
        }
        for index, start in enumerate(range(0, max(1, len(still.jpeg)), CHUNK_BYTES))
    ]


def still_messages(still: Still) -> list[dict[str, Any]]:
    """Everything that sends one still, in order: ``freeze`` then its chunks."""
    return [freeze_message(still), *chunk_messages(still)]


def unfreeze_message() -> dict[str, Any]:
    return {"type": "unfreeze", "v": VERSION}


class FreezeLink:
    """The current still, if frozen, and how it reaches the phone through ``send``
    (the peer's ``send_control``: False while the channel is not open, and then the
    next channel's ``replay`` catches the phone up)."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self._ids = itertools.count(1)
        self.still: Still | None = None

    def next_id(self) -> str:
        return f"f{next(self._ids)}"

    def freeze(self, still: Still) -> bool:
        self.still = still
        return self._send_still(still)

    def unfreeze(self) -> bool:
        self.still = None
        return self._send(unfreeze_message())

    def replay(self) -> bool:
        """A new channel: the phone gets the still again (after the annotations)."""
        if self.still is None:
            return False
        sent = self._send_still(self.still)
        log.info("replayed the freeze frame to the customer: %s", sent)
        return sent

    def _send_still(self, still: Still) -> bool:
        return all(self._send(message) for message in still_messages(still))


# -- the receiving side ----------------------------------------------------------------


@dataclass(frozen=True)
class FreezeStart:
    id: str
    width: int
    height: int
    size: int
    chunks: int


@dataclass(frozen=True)
class FreezeChunk:
    id: str
    index: int
    data: bytes


@dataclass(frozen=True)
class Unfreeze:
    pass


FreezeParsed = FreezeStart | FreezeChunk | Unfreeze
FREEZE_TYPES = frozenset({"freeze", "freeze_chunk", "unfreeze"})


def is_freeze_message(data: dict[str, Any]) -> bool:
    return data.get("type") in FREEZE_TYPES


def parse_freeze(data: dict[str, Any]) -> FreezeParsed | Rejection:
    """Validate one decoded ``freeze``, ``freeze_chunk`` or ``unfreeze`` message."""
    kind = data.get("type")
    if data.get("v") != VERSION:
        return Rejection(f"unsupported version {str(data.get('v'))[:10]!r}")
    try:
        if kind == "unfreeze":
            return Unfreeze()
        if kind == "freeze":
            return _parse_start(data)
        if kind == "freeze_chunk":
            return _parse_chunk(data)
    except ValueError as exc:
        return Rejection(f"{kind}: {exc}")
    return Rejection(f"unknown type {str(kind)[:20]!r}")


def _parse_start(data: dict[str, Any]) -> FreezeStart:
    if data.get("mime") != MIME:
        raise ValueError(f"mime must be {MIME}")
    width = _bounded(data.get("width"), "width", MIN_SIDE, MAX_SIDE)
    height = _bounded(data.get("height"), "height", MIN_SIDE, MAX_SIDE)
    size = _bounded(data.get("size"), "size", 1, MAX_SIZE)
    chunks = _bounded(data.get("chunks"), "chunks", 1, MAX_CHUNKS)
    if size > chunks * CHUNK_BYTES:
        raise ValueError(f"{size} bytes do not fit in {chunks} chunk(s)")
    return FreezeStart(_id(data.get("id")), width, height, size, chunks)


def _parse_chunk(data: dict[str, Any]) -> FreezeChunk:
    index = _bounded(data.get("index"), "index", 0, MAX_CHUNKS - 1)
    text = data.get("data")
    if not isinstance(text, str) or not 0 < len(text) <= MAX_CHUNK_CHARS:
        raise ValueError(f"data must be 1-{MAX_CHUNK_CHARS} base64 characters")
    if not BASE64_PATTERN.fullmatch(text):
        raise ValueError("data is not base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("data is not base64") from exc
    return FreezeChunk(_id(data.get("id")), index, raw)


def _id(value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ValueError("id must be 1-32 of A-Z a-z 0-9 _ -")
    return value


def _bounded(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer {low}-{high}")
    return value


class StillAssembler:
    """Puts a still together from its messages, strictly: a chunk for another id, out
    of order, beyond ``chunks`` or past ``size`` discards the still in progress; a new
    ``freeze`` replaces it. Memory is bounded by ``MAX_SIZE``."""

    def __init__(self) -> None:
        self._start: FreezeStart | None = None
        self._parts: list[bytes] = []
        self._received = 0
        self.frozen = False
        self.still: Still | None = None
        """The newest complete still while frozen."""

    @property
    def pending(self) -> str | None:
        return self._start.id if self._start is not None else None

    def feed(self, message: dict[str, Any]) -> Still | Rejection | None:
        """Take one message; the Still when it completed one, a Rejection if refused."""
        parsed = parse_freeze(message)
        if isinstance(parsed, Rejection):
            self._discard()
            return parsed
        if isinstance(parsed, Unfreeze):
            self._discard()
            self.frozen, self.still = False, None
            return None
        if isinstance(parsed, FreezeStart):
            self._discard()
            self._start, self.frozen = parsed, True
            return None
        return self._take(parsed)

    def _take(self, chunk: FreezeChunk) -> Still | Rejection | None:
        start = self._start
        if start is None or chunk.id != start.id:
            self._discard()
            return Rejection(f"freeze_chunk for unknown id {chunk.id!r}")
        if chunk.index != len(self._parts):
            self._discard()
            return Rejection(f"freeze_chunk {chunk.index} out of order")
        if chunk.index >= start.chunks or self._received + len(chunk.data) > start.size:
            self._discard()
            return Rejection("freeze_chunk beyond the announced still")
        self._parts.append(chunk.data)
        self._received += len(chunk.data)
        if len(self._parts) < start.chunks:
            return None
        received, jpeg = self._received, b"".join(self._parts)
        self._discard()
        if received != start.size:
            return Rejection(f"still of {received} bytes, {start.size} announced")
        self.still = Still(start.id, start.width, start.height, jpeg)
        return self.still

    def _discard(self) -> None:
        self._start = None
        self._parts = []
        self._received = 0
