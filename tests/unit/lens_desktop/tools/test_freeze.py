"""Freeze frame messages: the still is the frame, chunked within the bounds, and the
receiving rules hold against a hostile or buggy peer (docs/protocol.md)."""

from __future__ import annotations

import base64
import json
from typing import Any

import av
import cv2
import numpy as np
import pytest

from lens_desktop.tools.freeze import (
    CHUNK_BYTES,
    MAX_CHUNK_CHARS,
    FreezeChunk,
    FreezeLink,
    FreezeStart,
    Still,
    StillAssembler,
    Unfreeze,
    chunk_messages,
    freeze_message,
    make_still,
    parse_freeze,
    still_messages,
    unfreeze_message,
)
from lens_desktop.tools.protocol import MAX_MESSAGE_BYTES, Rejection


def frame(width: int = 1280, height: int = 720, seed: int = 1) -> av.VideoFrame:
    """A noisy gradient (noise makes the JPEG span several chunks)."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 200, width, dtype=np.float32)[None, :, None]
    pixels = (ramp + rng.random((height, width, 3), dtype=np.float32) * 50).astype(np.uint8)
    return av.VideoFrame.from_ndarray(pixels, format="rgb24").reformat(format="yuv420p")


def still(size: int = 100_000, still_id: str = "f1") -> Still:
    return Still(still_id, 640, 360, bytes(range(256)) * (size // 256) + b"x" * (size % 256))


def test_the_still_is_the_frame_at_its_own_size_in_chunks_under_the_message_limit() -> None:
    source = frame()
    made = make_still(source, "f7")
    assert (made.width, made.height, made.id) == (1280, 720, "f7")
    decoded = cv2.imdecode(np.frombuffer(made.jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (720, 1280, 3)
    original = source.to_ndarray(format="bgr24")
    # Noise is what JPEG loses first; the picture, at 8x8 blocks, is the same.
    small = [cv2.resize(p, (160, 90), interpolation=cv2.INTER_AREA) for p in (decoded, original)]
    assert np.abs(small[0].astype(np.int16) - small[1]).mean() < 1.5

    messages = still_messages(made)
    assert messages[0] == freeze_message(made)
    assert messages[0]["size"] == len(made.jpeg) and messages[0]["chunks"] == len(messages) - 1
    assert messages[0]["chunks"] > 1
    for index, message in enumerate(messages[1:]):
        assert message["index"] == index and message["id"] == "f7"
        assert len(message["data"]) <= MAX_CHUNK_CHARS
        assert len(json.dumps(message)) < MAX_MESSAGE_BYTES
    joined = b"".join(base64.b64decode(m["data"]) for m in messages[1:])
    assert joined == made.jpeg


def test_an_assembler_gets_back_exactly_the_still() -> None:
    made = still(CHUNK_BYTES * 3 + 17)
    assembler = StillAssembler()
    results = [assembler.feed(m) for m in still_messages(made)]
    assert results[:-1] == [None] * 4 and results[-1] == made
    assert assembler.frozen and assembler.still == made
    assert assembler.feed(unfreeze_message()) is None
    assert not assembler.frozen and assembler.still is None


def test_parse_accepts_the_three_messages() -> None:
    made = still(10)
    assert parse_freeze(freeze_message(made)) == FreezeStart("f1", 640, 360, 10, 1)
    assert parse_freeze(chunk_messages(made)[0]) == FreezeChunk("f1", 0, made.jpeg)
    assert parse_freeze(unfreeze_message()) == Unfreeze()


START = {"type": "freeze", "v": 1, "id": "f1", "width": 640, "height": 360,
         "mime": "image/jpeg", "size": 1000, "chunks": 1}  # fmt: skip
CHUNK = {"type": "freeze_chunk", "v": 1, "id": "f1", "index": 0, "data": "AAAA"}


@pytest.mark.parametrize(
    "message",
    [
        {**START, "v": 2},
        {**START, "width": 15},
        {**START, "height": 4097},
        {**START, "width": 640.0},
        {**START, "width": True},
        {**START, "size": 8 * 1024 * 1024 + 1},
        {**START, "size": 0},
        {**START, "chunks": 201},
        {**START, "chunks": 0},
        {**START, "size": CHUNK_BYTES * 2 + 1, "chunks": 2},  # cannot fit
        {**START, "mime": "image/svg+xml"},
        {**START, "id": ""},
        {**START, "id": "x" * 33},
        {**START, "id": "a b"},
        {**START, "id": ["f1"]},
        {**CHUNK, "data": "A" * (MAX_CHUNK_CHARS + 4)},  # oversized
        {**CHUNK, "data": ""},
        {**CHUNK, "data": "not base64!"},
        {**CHUNK, "data": "AAA"},  # not a multiple of 4
        {**CHUNK, "data": "AA=A"},
        {**CHUNK, "data": 1234},
        {**CHUNK, "index": -1},
        {**CHUNK, "index": 200},
        {**CHUNK, "index": "0"},
        {"type": "freeze_blob", "v": 1},
    ],
)
def test_hostile_messages_are_rejected_not_raised(message: dict[str, Any]) -> None:
    assert isinstance(parse_freeze(message), Rejection)
    assembler = StillAssembler()
    assert isinstance(assembler.feed(message), Rejection)


def fed(messages: list[dict[str, Any]]) -> tuple[StillAssembler, list[Any]]:
    assembler = StillAssembler()
    return assembler, [assembler.feed(m) for m in messages]


def test_out_of_order_unknown_id_and_too_many_chunks_discard_the_still() -> None:
    made = still(CHUNK_BYTES * 2 + 5)  # 3 chunks
    start, first, second, third = still_messages(made)

    assembler, results = fed([start, first, third, second])  # out of order
    assert isinstance(results[2], Rejection) and "order" in results[2].reason
    assert results[3] is not None and isinstance(results[3], Rejection)  # still discarded
    assert assembler.pending is None and assembler.still is None

    assembler, results = fed([start, {**first, "id": "f2"}])  # unknown id
    assert isinstance(results[1], Rejection) and "unknown id" in results[1].reason

    assembler, results = fed([first])  # a chunk before any freeze
    assert isinstance(results[0], Rejection)

    fewer = {**start, "chunks": 2, "size": CHUNK_BYTES * 2}  # the third is one too many
    assembler, results = fed([fewer, first, second, third])
    assert isinstance(results[2], Still) and isinstance(results[3], Rejection)
    smaller = {**start, "size": CHUNK_BYTES * 2}  # the third goes past the size
    assembler, results = fed([smaller, first, second, third])
    assert isinstance(results[3], Rejection) and "beyond" in results[3].reason

    short = {**start, "size": made.chunks * CHUNK_BYTES}  # more announced than arrives
    assembler, results = fed([short, first, second, third])
    assert isinstance(results[3], Rejection) and "announced" in results[3].reason


def test_a_new_freeze_replaces_the_one_in_progress() -> None:
    old, new = still(CHUNK_BYTES + 1, "f1"), still(500, "f2")
    old_messages, new_messages = still_messages(old), still_messages(new)
    assembler, results = fed([old_messages[0], old_messages[1], *new_messages, old_messages[2]])
    assert results[3] == new
    assert isinstance(results[4], Rejection)  # the rest of the old one finds no still
    assert assembler.still == new  # a stray chunk does not take the shown still away


def test_the_link_sends_the_still_replays_it_while_frozen_and_unfreezes() -> None:
    sent: list[dict[str, Any]] = []
    link = FreezeLink(lambda message: sent.append(message) is None)
    assert not link.replay() and sent == []
    made = still(CHUNK_BYTES + 1, link.next_id())
    assert link.freeze(made)
    assert sent == still_messages(made)
    sent.clear()
    assert link.replay() and sent == still_messages(made)
    sent.clear()
    assert link.unfreeze() and sent == [unfreeze_message()]
    assert not link.replay() and sent == [unfreeze_message()]
    assert link.next_id() == "f2"


def test_a_closed_channel_reports_false() -> None:
    link = FreezeLink(lambda message: False)
    assert not link.freeze(still(10))
    assert link.still is not None  # the next channel's replay sends it


def test_frames_outside_the_bounds_are_refused() -> None:
    with pytest.raises(ValueError):
        make_still(frame(16, 16), "bad id")
    with pytest.raises(ValueError):
        make_still(frame(4098, 16), "f1")
    assert make_still(frame(16, 16), "f1").width == 16
