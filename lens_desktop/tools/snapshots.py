"""Snapshots of the picture as PNG files (issue 15 point 2): where they go, what they
are called, and writing them without ever overwriting one.

No widgets: the session tab renders the picture (ui/snapshot_strip.py) and hands the
encoded bytes here, in a worker thread. A name carries the date and time, the session's
name made safe for every file system, and the session's id; a name already taken gets
" (2)", " (3)", ... The file is created exclusively (``open(..., "xb")``), so two
snapshots in the same second, or a file someone else put there, are never overwritten;
a write that fails (disk full) leaves no half file behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import unicodedata
from datetime import datetime
from pathlib import Path

MAX_NAME = 60
"""Characters of the session's name kept in a file name (a path stays well under the
260 characters Windows allows by default)."""
MAX_COPIES = 1000
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(10)}


class SnapshotError(Exception):
    """The snapshot could not be saved. ``reason``: "folder" (it cannot be created or
    written to), "full" (no space left), "write" (another failure writing the file) or
    "taken" (MAX_COPIES names taken); the UI words it for the technician."""

    def __init__(self, reason: str, path: Path, detail: str = "") -> None:
        super().__init__(f"{reason}: {path}: {detail}")
        self.reason = reason
        self.path = path
        self.detail = detail


def safe_name(name: str) -> str:
    """``name`` usable in a file name on Windows, macOS and Linux: no separators, no
    characters Windows refuses, no control characters, no leading or trailing dots or
    spaces, not a reserved device name, at most MAX_NAME characters; "session" when
    nothing is left."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub(" ", text)
    text = " ".join(text.split())[:MAX_NAME].strip(" .")
    if text.split(".")[0].upper() in _RESERVED:
        text = f"_{text}"
    return text or "session"


def snapshot_stem(when: datetime, session_name: str, session_id: str) -> str:
    """``Lens 2026-12-04 03.12.45 Ann Smith b6c1f0e2``: sorts by time in a folder."""
    stamp = when.strftime("%Y-%m-%d %H.%M.%S")
    return f"Lens {stamp} {safe_name(session_name)} {safe_name(session_id)}"


def save_snapshot(folder: Path, stem: str, png: bytes, suffix: str = ".png") -> Path:
    """Write ``png`` as ``folder/stem.png`` (created with its parents when missing), or
    ``stem (2).png`` and so on when the name is taken; the path written. Raises
    SnapshotError, and then no file of this call is left. An HD photo is saved the same
    way with the ``suffix`` of its own file type (``.jpg``)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SnapshotError("folder", folder, _detail(exc)) from exc
    for copy in range(1, MAX_COPIES + 1):
        path = folder / (f"{stem}{suffix}" if copy == 1 else f"{stem} ({copy}){suffix}")
        try:
            file = path.open("xb")
        except FileExistsError:
            continue
        except OSError as exc:
            raise SnapshotError("folder", folder, _detail(exc)) from exc
        try:
            with file:
                file.write(png)
                file.flush()
                os.fsync(file.fileno())
        except OSError as exc:
            with contextlib.suppress(OSError):
                path.unlink()  # only the file just created: nothing saved before is lost
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            raise SnapshotError("full" if full else "write", path, _detail(exc)) from exc
        return path
    raise SnapshotError("taken", folder / f"{stem}{suffix}")


def _detail(exc: OSError) -> str:
    return exc.strerror or str(exc)
