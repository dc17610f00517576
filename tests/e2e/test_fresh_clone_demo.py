"""The README's demo command from a fresh clone, on a real X server, as a new user runs
it: ``./scripts/demo`` in a ``git clone`` of this repository, on an Xvfb display. It
must install what the console's Qt needs from Debian (CI is root on a fresh Debian,
without the X libraries), show the console, and leave nothing running once the console
is told to stop.

Trade-off: the clone reuses the test run's own venv (``LENS_VENV``, see
scripts/bootstrap.sh) instead of making a new one: a new venv downloads and unpacks
about 1 GB of wheels, minutes on CI. ``./scripts/test`` itself makes that venv from
scratch on every CI run, so that path is covered there; everything else here (the
system-package step, the console, the embedded server) runs as it does for a user.
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
import pytest
from PySide6.QtGui import QImage

REPO = Path(__file__).resolve().parents[2]
SCREEN = (1280, 800)


@dataclass(frozen=True)
class Screen:
    """An X display and the file Xvfb keeps its framebuffer in (XWD format)."""

    name: str
    framebuffer: Path

    def grab(self, path: Path) -> tuple[float, int]:
        """Saves the screen as PNG; returns (share of pixels not black, colours)."""
        data = self.framebuffer.read_bytes()
        header = struct.unpack(">25I", data[:100])
        size, width, height, byte_order = header[0], header[4], header[5], header[7]
        bits, stride, colours = header[11], header[12], header[19]
        assert (bits, byte_order) == (32, 0), header  # 24-bit screen, LSB first: BGRX
        start = size + colours * 12
        pixels = np.frombuffer(data, np.uint8, height * stride, start)
        bgrx = pixels.reshape(height, stride // 4, 4)[:, :width]
        image = QImage(bgrx.tobytes(), width, height, width * 4, QImage.Format.Format_RGB32)
        assert image.save(str(path))
        rgb = bgrx[:, :, :3].reshape(-1, 3)
        return float(rgb.any(axis=1).mean()), len(np.unique(rgb, axis=0))


pytestmark = pytest.mark.desktop


@pytest.fixture
def display(tmp_path: Path) -> Iterator[Screen]:
    """A fresh Xvfb server (its number chosen by Xvfb: -displayfd) whose screen the
    test reads from its framebuffer file, so taking a picture needs no X client."""
    xvfb = shutil.which("Xvfb")
    assert xvfb, "Xvfb is missing: scripts/test installs the xvfb package"
    folder = tmp_path / "xvfb"
    folder.mkdir()
    read, write = os.pipe()
    server = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24",
         "-fbdir", str(folder), "-nolisten", "tcp"],
        pass_fds=[write],
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    os.close(write)
    with os.fdopen(read) as numbers:
        number = numbers.readline().strip()
    try:
        assert number, "Xvfb did not start"
        yield Screen(f":{number}", folder / "Xvfb_screen0")
    finally:
        server.terminate()
        server.wait(10)


def fresh_clone(target: Path) -> Path:
    """A clone of this repository at its working state (HEAD plus uncommitted changes
    to tracked files, via ``git stash create``): no .venv, no build output."""
    state = subprocess.run(
        ["git", "-C", str(REPO), "stash", "create"], capture_output=True, text=True, check=True
    ).stdout.strip()
    commit = state or "HEAD"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(REPO), str(target)], check=True)
    subprocess.run(["git", "-C", str(target), "checkout", "-q", commit], check=True)
    assert not (target / ".venv").exists()
    return target


def demo_env(display: str, home: Path) -> dict[str, str]:
    """A desktop session's environment: a display, no Qt platform forced, and the
    console's data and settings in a fresh home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("QT_", "PYTHONPATH"))}
    env.update(
        DISPLAY=display,
        LENS_VENV=sys.prefix,
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def test_scripts_demo_from_a_fresh_clone_shows_the_console(
    display: Screen, tmp_path: Path, artifacts_dir: Path
) -> None:
    clone = fresh_clone(tmp_path / "lens")
    assert display.grab(tmp_path / "before.png") == (0.0, 1)  # a black screen
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [str(clone / "scripts" / "demo")],
        cwd=clone,
        env=demo_env(display.name, tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    screenshot = artifacts_dir / "console" / "fresh_clone_demo.png"
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    try:
        deadline, lit, colours = time.monotonic() + 150, 0.0, 1
        while lit < 0.3 or colours < 50:  # the window, its text drawn
            assert demo.poll() is None, Path(log.name).read_text()
            assert time.monotonic() < deadline, (lit, colours, Path(log.name).read_text())
            time.sleep(0.5)
            lit, colours = display.grab(screenshot)
        output = Path(log.name).read_text()
        assert "runs at http://127.0.0.1:" in output, output
        server = next(
            child
            for child in psutil.Process(demo.pid).children()
            if "lens_desktop.demo" in " ".join(child.cmdline())
        )
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(30) == 128 + signal.SIGTERM
        gone, alive = psutil.wait_procs([server], timeout=10)
        assert gone and not alive, "the demo server outlived the console"
        assert "Traceback" not in Path(log.name).read_text()
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait(10)
        log.close()
