"""HD photo on the ``control`` data channel, version 1 (issue 15 point 3).

docs/protocol.md ("HD photo (version 1)") is the contract; the phone's ``hd_photo.js``
applies the same bounds when it sends. The console asks (``photo_request``); the phone
takes a full-resolution still (``ImageCapture.takePhoto()``, else ``grabFrame()``, else
the preview drawn on a canvas), announces it (``photo``: size in pixels and bytes, MIME
type, how it was taken) and sends the file's bytes in base64 chunks (``photo_chunk``)
of at most 16,000 characters, or refuses (``photo_result`` with a reason).

The parser is strict: a malformed or unknown message, or a chunk for another photo or
out of order, comes back as a :class:`Rejection` that the caller logs and ignores; it
changes nothing. A well-formed announcement beyond the bounds, or bytes that do not add
up to it, ends the photo as a :class:`PhotoFailed` the technician is told about.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any

from lens_desktop.tools.protocol import Rejection

VERSION = 1
MAX_SIDE = 8000
MAX_SIZE = 25 * 1024 * 1024
"""The largest photo taken, in bytes (a 50-megapixel phone's JPEG is ~15 MB)."""
CHUNK_BYTES = 12_000
MAX_CHUNK_CHARS = CHUNK_BYTES // 3 * 4
"""16,000 base64 characters: with its JSON, one chunk stays under 16 KiB, the size every
browser's SCTP sends whole, so pointer and chat messages slip in between chunks."""
MAX_CHUNKS = -(-MAX_SIZE // CHUNK_BYTES)
MIMES = {"image/jpeg": ".jpg", "image/png": ".png"}
SOURCES = ("take_photo", "grab_frame", "video")
"""How the phone took it: ``ImageCapture.takePhoto()`` (the camera's full-resolution
still), ``ImageCapture.grabFrame()``, or the preview's frame drawn on a canvas."""
REASONS = ("paused", "on_hold", "busy", "too_large", "failed")
MAX_MESSAGE = 200
ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
BASE64_PATTERN = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
PHOTO_TYPES = frozenset({"photo", "photo_chunk", "photo_result"})
START_FIELDS = frozenset({"type", "v", "id", "width", "height", "mime", "size", "chunks", "source"})
CHUNK_FIELDS = frozenset({"type", "v", "id", "index", "data"})
RESULT_FIELDS = frozenset({"type", "v", "id", "ok", "reason", "message"})


@dataclass(frozen=True)
class PhotoStart:
    """The phone's announcement of photo ``id`` (its bounds not yet checked)."""

    id: str
    width: int
    height: int
    mime: str
    size: int
    chunks: int
    source: str


@dataclass(frozen=True)
class PhotoChunk:
    id: str
    index: int
    data: bytes


@dataclass(frozen=True)
class PhotoResult:
    """The phone did not take photo ``id``: ``reason`` (one of REASONS)."""

    id: str
    reason: str
    message: str = ""


@dataclass(frozen=True)
class PhotoProgress:
    received: int
    size: int


@dataclass(frozen=True)
class Photo:
    """A whole photo as the phone sent it: the file's bytes, not yet decoded."""

    id: str
    width: int
    height: int
    mime: str
    source: str
    data: bytes

    @property
    def suffix(self) -> str:
        return MIMES[self.mime]


@dataclass(frozen=True)
class PhotoFailed:
    """The photo asked for will not come: ``reason`` is ``too_large`` (announced beyond
    the bounds), ``mismatch`` (the bytes do not add up to the announcement) or one of
    the phone's REASONS; ``detail`` is for the log."""

    id: str
    reason: str
    detail: str = ""


PhotoParsed = PhotoStart | PhotoChunk | PhotoResult
PhotoEvent = PhotoStart | PhotoProgress | Photo | PhotoFailed


def is_photo_message(data: dict[str, Any]) -> bool:
    return data.get("type") in PHOTO_TYPES


def request_message(photo_id: str) -> dict[str, Any]:
    if not ID_PATTERN.fullmatch(photo_id):
        raise ValueError(f"bad photo id {photo_id!r}")
    return {"type": "photo_request", "v": VERSION, "id": photo_id}


def parse_photo_message(data: dict[str, Any]) -> PhotoParsed | Rejection:
    """Validate one decoded ``photo``, ``photo_chunk`` or ``photo_result``."""
    kind = data.get("type")
    if isinstance(data.get("v"), bool) or data.get("v") != VERSION:
        return Rejection(f"unsupported version {str(data.get('v'))[:10]!r}")
    try:
        if kind == "photo":
            return _parse_start(data)
        if kind == "photo_chunk":
            return _parse_chunk(data)
        if kind == "photo_result":
            return _parse_result(data)
    except ValueError as exc:
        return Rejection(f"{kind}: {exc}")
    return Rejection(f"unknown type {str(kind)[:20]!r}")


def _parse_start(data: dict[str, Any]) -> PhotoStart:
    _only(data, START_FIELDS)
    mime = data.get("mime")
    if mime not in MIMES:
        raise ValueError(f"mime must be one of {sorted(MIMES)}")
    source = data.get("source")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {list(SOURCES)}")
    # Bounds are the assembler's: an announcement beyond them is a failure to report,
    # not a malformed message to ignore.
    return PhotoStart(
        _id(data.get("id")),
        _integer(data.get("width"), "width"),
        _integer(data.get("height"), "height"),
        mime,
        _integer(data.get("size"), "size"),
        _integer(data.get("chunks"), "chunks"),
        source,
    )


def _parse_chunk(data: dict[str, Any]) -> PhotoChunk:
    _only(data, CHUNK_FIELDS)
    index = _integer(data.get("index"), "index")
    if index >= MAX_CHUNKS:
        raise ValueError(f"index must be below {MAX_CHUNKS}")
    text = data.get("data")
    if not isinstance(text, str) or not 0 < len(text) <= MAX_CHUNK_CHARS:
        raise ValueError(f"data must be 1-{MAX_CHUNK_CHARS} base64 characters")
    if not BASE64_PATTERN.fullmatch(text):
        raise ValueError("data is not base64")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError("data is not base64") from exc
    return PhotoChunk(_id(data.get("id")), index, raw)


def _parse_result(data: dict[str, Any]) -> PhotoResult:
    _only(data, RESULT_FIELDS)
    if data.get("ok") is not False:
        raise ValueError("ok must be false: a photo taken arrives as `photo`")
    reason = data.get("reason")
    if reason not in REASONS:
        raise ValueError(f"unknown reason {str(reason)[:40]!r}")
    message = data.get("message", "")
    if not isinstance(message, str) or len(message) > MAX_MESSAGE:
        raise ValueError(f"message must be a string of at most {MAX_MESSAGE} characters")
    return PhotoResult(_id(data.get("id")), reason, message)


def _only(data: dict[str, Any], fields: frozenset[str]) -> None:
    unknown = set(data) - fields
    if unknown:
        raise ValueError(f"unknown fields {sorted(str(k)[:20] for k in unknown)[:5]}")


def _id(value: Any) -> str:
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise ValueError("id must be 1-32 of A-Z a-z 0-9 _ -")
    return value


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number")
    return value


def announcement_problem(start: PhotoStart) -> str | None:
    """Why an announced photo is refused (beyond the bounds), or None."""
    if not (1 <= start.width <= MAX_SIDE and 1 <= start.height <= MAX_SIDE):
        return f"{start.width}x{start.height} pixels, at most {MAX_SIDE}x{MAX_SIDE}"
    if not 1 <= start.size <= MAX_SIZE:
        return f"{start.size} bytes, at most {MAX_SIZE}"
    if start.chunks != -(-start.size // CHUNK_BYTES):
        return f"{start.chunks} chunk(s) for {start.size} bytes"
    return None


@dataclass
class PhotoAssembler:
    """The one photo asked for (``expect``) put together from its messages. Memory is
    bounded by ``MAX_SIZE``; a message for another photo changes nothing."""

    expected: str | None = None
    start: PhotoStart | None = None
    parts: list[bytes] = field(default_factory=list)
    received: int = 0

    def expect(self, photo_id: str) -> None:
        """Photo ``photo_id`` was asked for; any other in progress is forgotten."""
        self.reset()
        self.expected = photo_id

    def reset(self) -> None:
        self.expected, self.start, self.parts, self.received = None, None, [], 0

    def feed(self, message: dict[str, Any]) -> PhotoEvent | Rejection:
        """One photo message: what it did to the photo, or a Rejection (ignored)."""
        parsed = parse_photo_message(message)
        if isinstance(parsed, Rejection):
            return parsed
        if parsed.id != self.expected:
            return Rejection(f"{message.get('type')} for photo {parsed.id!r}, not asked for")
        if isinstance(parsed, PhotoResult):
            self.reset()
            return PhotoFailed(parsed.id, parsed.reason, parsed.message)
        if isinstance(parsed, PhotoStart):
            return self._begin(parsed)
        return self._take(parsed)

    def _begin(self, start: PhotoStart) -> PhotoStart | PhotoFailed | Rejection:
        if self.start is not None:
            return Rejection(f"photo {start.id!r} announced twice")
        problem = announcement_problem(start)
        if problem is not None:
            self.reset()
            return PhotoFailed(start.id, "too_large", problem)
        self.start = start
        return start

    def _take(self, chunk: PhotoChunk) -> PhotoProgress | Photo | PhotoFailed | Rejection:
        start = self.start
        if start is None:
            return Rejection(f"photo_chunk {chunk.index} before the announcement")
        if chunk.index != len(self.parts):
            return Rejection(f"photo_chunk {chunk.index} out of order")
        if self.received + len(chunk.data) > start.size:
            self.reset()
            return PhotoFailed(start.id, "mismatch", f"more than the {start.size} bytes announced")
        self.parts.append(chunk.data)
        self.received += len(chunk.data)
        if len(self.parts) < start.chunks:
            return PhotoProgress(self.received, start.size)
        data, received = b"".join(self.parts), self.received
        self.reset()
        if received != start.size:
            return PhotoFailed(start.id, "mismatch", f"{received} bytes, {start.size} announced")
        return Photo(start.id, start.width, start.height, start.mime, start.source, data)
