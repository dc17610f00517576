"""Snapshot files: names carry the date and time, the session's name made safe for any
file system and the session's id; a taken name is never overwritten; a folder that
cannot be made is a clear error and leaves nothing behind (real files in tmp_path)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from lens_desktop.tools.snapshots import (
    MAX_NAME,
    SnapshotError,
    safe_name,
    save_snapshot,
    snapshot_stem,
)

WHEN = datetime(2026, 12, 4, 3, 12, 45)


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("Ann Smith", "Ann Smith"),
        ('a/b\\c:d*e?f"g<h>i|j', "a b c d e f g h i j"),
        ("../../etc/passwd", "etc passwd"),
        ("  tabs\tand\nnewlines  ", "tabs and newlines"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("...", "session"),
        ("", "session"),
        ("Jörg Müller 李", "Jörg Müller 李"),
        ("x" * 200, "x" * MAX_NAME),
    ],
)
def test_session_names_become_safe_file_names(name: str, safe: str) -> None:
    assert safe_name(name) == safe


def test_the_stem_has_date_time_name_and_id_and_sorts_by_time() -> None:
    stem = snapshot_stem(WHEN, "Ann / Smith", "b6c1f0e2")
    assert stem == "Lens 2026-12-04 03.12.45 Ann Smith b6c1f0e2"
    later = snapshot_stem(datetime(2026, 12, 4, 10, 0, 0), "Ann / Smith", "b6c1f0e2")
    assert sorted([later, stem]) == [stem, later]


def test_a_taken_name_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "Pictures" / "Lens"  # made on demand, with its parents
    first = save_snapshot(folder, "Lens x", b"one")
    second = save_snapshot(folder, "Lens x", b"two")
    third = save_snapshot(folder, "Lens x", b"three")
    assert [p.name for p in (first, second, third)] == [
        "Lens x.png",
        "Lens x (2).png",
        "Lens x (3).png",
    ]
    assert [p.read_bytes() for p in (first, second, third)] == [b"one", b"two", b"three"]


def test_a_folder_that_cannot_be_made_is_a_clear_error_and_writes_nothing(
    tmp_path: Path,
) -> None:
    # Tests run as root, which may write anywhere: a folder under a regular file can
    # never be made, by anyone.
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(SnapshotError) as caught:
        save_snapshot(blocker / "sub", "Lens x", b"png")
    assert caught.value.reason == "folder" and caught.value.path == blocker / "sub"
    assert caught.value.detail  # the system's reason, e.g. "Not a directory"
    assert os.listdir(tmp_path) == ["file.txt"]


def test_a_file_someone_else_put_there_is_kept(tmp_path: Path) -> None:
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "Lens x.png").write_bytes(b"kept")
    saved = save_snapshot(folder, "Lens x", b"new")
    assert saved.name == "Lens x (2).png" and saved.read_bytes() == b"new"
    assert (folder / "Lens x.png").read_bytes() == b"kept"


WRITE_PAST_LIMIT = """
import resource, sys
from pathlib import Path
from lens_desktop.tools.snapshots import SnapshotError, save_snapshot
folder = Path(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    save_snapshot(folder, "Lens x", b"p" * 100_000)
except SnapshotError as exc:
    print(exc.reason, exc.path.name)
"""


def test_a_failed_write_leaves_no_half_file_and_keeps_the_earlier_ones(tmp_path: Path) -> None:
    """A write the system refuses part-way (here a file size limit, EFBIG; a full disk
    is ENOSPC and worded "full"), in a process of its own so the limit binds nothing
    else: the half-written file is removed and the snapshots saved before stay."""
    folder = tmp_path / "shots"
    earlier = save_snapshot(folder, "Lens x", b"earlier")
    result = subprocess.run(
        [sys.executable, "-c", WRITE_PAST_LIMIT, str(folder)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert result.stdout.split() == ["write", "Lens", "x", "(2).png"]
    assert sorted(os.listdir(folder)) == ["Lens x.png"]
    assert earlier.read_bytes() == b"earlier"
