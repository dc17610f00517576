"""The HD photo messages (docs/protocol.md, "HD photo (version 1)"): the console's strict
parser and the assembler that puts one photo together within the bounds."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from lens_desktop.tools.photo import (
    CHUNK_BYTES,
    MAX_CHUNK_CHARS,
    MAX_SIZE,
    Photo,
    PhotoAssembler,
    PhotoFailed,
    PhotoProgress,
    PhotoStart,
    parse_photo_message,
    request_message,
)
from lens_desktop.tools.protocol import Rejection

DATA = bytes(range(256)) * 100  # 25,600 bytes: three chunks


def start(photo_id: str = "p1", data: bytes = DATA, **changes: Any) -> dict[str, Any]:
    message = {
        "type": "photo",
        "v": 1,
        "id": photo_id,
        "width": 4000,
        "height": 3000,
        "mime": "image/jpeg",
        "size": len(data),
        "chunks": -(-len(data) // CHUNK_BYTES),
        "source": "take_photo",
    }
    return {**message, **changes}


def chunk(index: int, photo_id: str = "p1", data: bytes = DATA) -> dict[str, Any]:
    part = data[index * CHUNK_BYTES : (index + 1) * CHUNK_BYTES]
    text = base64.b64encode(part).decode()
    return {"type": "photo_chunk", "v": 1, "id": photo_id, "index": index, "data": text}


def test_a_chunk_with_its_json_fits_in_16_kib() -> None:
    assert MAX_CHUNK_CHARS == 16_000
    full = chunk(0, "x" * 32, bytes(CHUNK_BYTES))
    assert len(json.dumps(full)) <= 16 * 1024


def test_a_photo_is_put_together_in_order_with_progress() -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    assert isinstance(assembler.feed(start()), PhotoStart)
    assert assembler.feed(chunk(0)) == PhotoProgress(CHUNK_BYTES, len(DATA))
    assert assembler.feed(chunk(1)) == PhotoProgress(2 * CHUNK_BYTES, len(DATA))
    photo = assembler.feed(chunk(2))
    assert photo == Photo("p1", 4000, 3000, "image/jpeg", "take_photo", DATA)
    assert isinstance(photo, Photo) and photo.suffix == ".jpg"
    assert assembler.expected is None


@pytest.mark.parametrize(
    "message",
    [
        {"type": "photo_chunk", "v": 1, "id": "p1", "index": 0, "data": "!!"},
        {"type": "photo_chunk", "v": 1, "id": "p1", "index": 0, "data": "A" * 16_004},
        {"type": "photo_chunk", "v": 1, "id": "p1", "index": -1, "data": "AAAA"},
        {"type": "photo_chunk", "v": True, "id": "p1", "index": 0, "data": "AAAA"},
        {"type": "photo_chunk", "v": 1, "id": "p1", "index": 0, "data": "AAAA", "x": 1},
        {"type": "photo", "v": 1, "id": "p1", "mime": "image/gif"},
        {"type": "photo_result", "v": 1, "id": "p1", "ok": True},
        {"type": "photo_result", "v": 1, "id": "p1", "ok": False, "reason": "bored"},
        {"type": "photo_other", "v": 1, "id": "p1"},
        {**chunk(0), "id": "someone else's"},
    ],
)
def test_malformed_messages_are_rejected_and_change_nothing(message: dict[str, Any]) -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    assembler.feed(start())
    assert isinstance(assembler.feed(message), Rejection)
    assert assembler.feed(chunk(0)) == PhotoProgress(CHUNK_BYTES, len(DATA))


def test_chunks_out_of_order_or_for_another_photo_are_ignored() -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    assert isinstance(assembler.feed(chunk(0)), Rejection)  # before the announcement
    assembler.feed(start())
    assert isinstance(assembler.feed(chunk(1)), Rejection)
    assert isinstance(assembler.feed(chunk(0, "p2")), Rejection)
    assert isinstance(assembler.feed(start()), Rejection)  # announced twice
    assert isinstance(assembler.feed(chunk(0)), PhotoProgress)


@pytest.mark.parametrize(
    "changes",
    [
        {"width": 8001},
        {"height": 9000},
        {"width": 0},
        {"size": MAX_SIZE + 1, "chunks": -(-(MAX_SIZE + 1) // CHUNK_BYTES)},
        {"chunks": 99},
    ],
)
def test_an_announcement_beyond_the_bounds_fails_the_photo(changes: dict[str, Any]) -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    failed = assembler.feed(start(**changes))
    assert isinstance(failed, PhotoFailed) and failed.reason == "too_large"
    assert assembler.expected is None
    assert isinstance(assembler.feed(chunk(0)), Rejection)  # what follows is ignored


def test_more_bytes_than_announced_fail_the_photo() -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    assembler.feed(start(size=CHUNK_BYTES + 10, chunks=2))
    assembler.feed(chunk(0))
    failed = assembler.feed(chunk(1))
    assert isinstance(failed, PhotoFailed) and failed.reason == "mismatch"


def test_the_phones_refusal_ends_the_photo_with_its_reason() -> None:
    assembler = PhotoAssembler()
    assembler.expect("p1")
    result = {"type": "photo_result", "v": 1, "id": "p1", "ok": False, "reason": "paused"}
    assert assembler.feed(result) == PhotoFailed("p1", "paused", "")
    assert parse_photo_message({**result, "message": "x" * 201}) == Rejection(
        "photo_result: message must be a string of at most 200 characters"
    )


def test_the_request() -> None:
    assert request_message("p7") == {"type": "photo_request", "v": 1, "id": "p7"}
    with pytest.raises(ValueError):
        request_message("no spaces")
