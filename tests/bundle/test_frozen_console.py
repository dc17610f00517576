"""The PyInstaller bundle works: the frozen ``lens-desktop --self-check`` passes every
check, from the bundle's own files (its PortAudio, its resources), on the offscreen
platform.

Builds dist/lens-desktop with scripts/build-bundle first when it is not there (a few
minutes on two cores), so this folder can run as its own CI step:
``python -m pytest tests/bundle``. Delete dist/lens-desktop to test a fresh build.
"""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "dist" / "lens-desktop"
EXECUTABLE = BUNDLE / "lens-desktop"
INTERNAL = BUNDLE / "_internal"

TEST_KEYRING = '''
"""A keyring backend in memory: this machine has no OS keyring (no Secret Service)."""
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        self.secrets.pop((service, username))
'''


@pytest.fixture(scope="module")
def bundle() -> Path:
    if not EXECUTABLE.is_file():
        subprocess.run([str(REPO / "scripts" / "build-bundle")], cwd=REPO, check=True)
    return BUNDLE


@pytest.fixture
def keyring_config(tmp_path: Path) -> Path:
    """An XDG config folder whose keyringrc.cfg makes the frozen app's own keyring
    package load a memory backend from a plain folder (keyring's ``keyring-path``)."""
    backends = tmp_path / "backends"
    backends.mkdir()
    (backends / "lens_test_keyring.py").write_text(textwrap.dedent(TEST_KEYRING))
    config = tmp_path / "config" / "python_keyring"
    config.mkdir(parents=True)
    (config / "keyringrc.cfg").write_text(
        f"[backend]\ndefault-keyring=lens_test_keyring.MemoryKeyring\nkeyring-path={backends}\n"
    )
    return tmp_path / "config"


def run_frozen_self_check(keyring_config: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(keyring_config)}
    return subprocess.run(
        [str(EXECUTABLE), "--self-check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.timeout(1500)  # may include building the bundle
def test_frozen_self_check_passes_every_check(bundle: Path, keyring_config: Path) -> None:
    result = run_frozen_self_check(keyring_config)
    lines = result.stdout.splitlines()
    assert result.returncode == 0, result.stdout + result.stderr
    expected = [
        "ok   Qt: Qt 6.",
        "ok   console modules: ",
        "ok   PyAV VP8: libvpx -> vp8, 160x120, error ",
        "ok   PyAV H.264: libx264 -> h264, 160x120, error ",
        "ok   PyAV Opus: libopus -> opus, ",
        "ok   aiortc VP8: video/VP8, ",
        "ok   aiortc H.264: video/H264, ",
        "ok   aiortc Opus: audio/opus, ",
        f"ok   PortAudio: PortAudio V19.6.0-devel from {INTERNAL / 'libportaudio.so.2'}; ",
        "ok   keyring: backend lens_test_keyring.MemoryKeyring",
        "ok   translations: loaded lens_nl.qm",
        f"ok   resources: 11 files in {INTERNAL / 'resources'}; icons render; new-session.wav",
        "lens-desktop self-check: 12 run, all checks passed",
    ]
    assert len(lines) == len(expected), result.stdout
    for line, start in zip(lines, expected, strict=True):
        assert line.startswith(start), f"{line!r} should start with {start!r}"
    assert lines[0].endswith("platform plugin offscreen")


@pytest.mark.timeout(1500)
def test_bundle_leaves_out_what_the_console_does_not_use(bundle: Path) -> None:
    present = {p.name for p in INTERNAL.rglob("*")}
    for unwanted in (
        "lens_server",
        "fastapi",
        "sqlalchemy",
        "uvicorn",
        "pytest",
        "tkinter",
        "libQt6Qml.so.6",
        "libQt6Quick.so.6",
        "libQt6Multimedia.so.6",
        "libQt6Pdf.so.6",
        "libqgtk3.so",
        "libgtk-3.so.0",
    ):
        assert unwanted not in present, f"{unwanted} should not be bundled"
    for wanted in ("libqxcb.so", "libqwayland.so", "libqsvg.so", "libqsvgicon.so"):
        assert wanted in present, f"{wanted} is needed on a Linux desktop"
