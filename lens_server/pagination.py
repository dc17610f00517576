"""Keyset pages for long lists: newest first, and a cursor that names the last row
handed out, so a page never repeats or skips a row when sessions are created meanwhile
(an offset would shift under the reader)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

from lens_server.errors import ApiError

DEFAULT_PAGE = 100
MAX_PAGE = 500


@dataclass(frozen=True)
class Cursor:
    """The sort key of the last row of a page: (created_at, id), both descending."""

    created_at: datetime
    id: str

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
            stamp, _, row_id = raw.partition("|")
            created_at = datetime.fromisoformat(stamp)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            created_at, row_id = None, ""
        # A NUL is in no id we hand out (and PostgreSQL refuses one in text).
        if created_at is None or created_at.tzinfo is None or not row_id or "\x00" in row_id:
            raise ApiError(
                400,
                "invalid_cursor",
                "This cursor was not given out by this server; start again without one.",
            )
        return cls(created_at, row_id)
