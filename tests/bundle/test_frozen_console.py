"""The PyInstaller bundle works: the frozen ``lens-desktop --self-check`` passes every
check, from the bundle's own files (its PortAudio, its resources), on the offscreen
platform.

Builds dist/lens-desktop with scripts/build-bundle first when it is not there (a few
minutes on two cores), so this folder can run as its own CI step:
``python -m pytest tests/bundle``. Delete dist/lens-desktop to test a fresh build.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
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


def bundle_is_stale() -> bool:
    """Missing, or older than any console source or resource it is built from."""
    if not EXECUTABLE.is_file():
        return True
    built = EXECUTABLE.stat().st_mtime
    sources = [REPO / "lens_desktop.spec", *(REPO / "lens_desktop").rglob("*.py")]
    sources += [p for p in (REPO / "resources").rglob("*") if p.is_file()]
    return any(p.stat().st_mtime > built for p in sources)


@pytest.fixture(scope="module")
def bundle() -> Path:
    if bundle_is_stale():
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


def frozen_env(keyring_config: Path) -> dict[str, str]:
    return {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(keyring_config)}


def run_frozen_self_check(keyring_config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), "--self-check"],
        env=frozen_env(keyring_config),
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
        "ok   media priority: ",
        "ok   keyring: backend lens_test_keyring.MemoryKeyring",
        "ok   translations: loaded lens_nl.qm; Qt's qtbase_nl.qm",
        f"ok   resources: 11 files in {INTERNAL / 'resources'}; icons render; new-session.wav",
        "lens-desktop self-check: 13 run, all checks passed",
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


def lens_customer_command() -> list[str]:
    """The headless customer from this test's own environment (it is not in the bundle)."""
    script = Path(sys.executable).with_name("lens-customer")
    if script.is_file():
        return [str(script)]
    found = shutil.which("lens-customer")
    assert found, "lens-customer is not installed (pip install -e .)"
    return [found]


def run_with_customer(
    console: subprocess.Popen[str], password: str, server_url: str
) -> tuple[list[str], int]:
    """Feed the password, start lens-customer with the PIN the console prints, and
    collect the console's output until it exits: (lines, exit code)."""
    assert console.stdin is not None and console.stdout is not None
    console.stdin.write(password + "\n")
    console.stdin.close()
    lines: list[str] = []
    customer: subprocess.Popen[bytes] | None = None
    try:
        for line in console.stdout:
            lines.append(line.rstrip("\n"))
            if customer is None and (match := re.match(r"ok   session: PIN (\d{6})", line)):
                phone = ["--server", server_url, "--pin", match.group(1), "--size", "640x360"]
                customer = subprocess.Popen(
                    [*lens_customer_command(), *phone, "--fps", "15", "--no-audio-out"],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
        return lines, console.wait(timeout=120)
    finally:
        console.kill()
        if customer is not None:
            customer.terminate()
            customer.wait(timeout=30)


@pytest.mark.timeout(1500)
def test_frozen_console_signs_in_and_paints_frames_from_lens_customer(
    bundle: Path, keyring_config: Path, live_server
) -> None:
    """The frozen console's --live-check against a real server, lens-customer as the
    phone: sign-in, PIN session, waiting, Start, frames painted, end."""
    tech = live_server.technician()
    command = [str(EXECUTABLE), "--live-check", "--server", live_server.url]
    command += ["--email", tech.email, "--frames", "15", "--wait", "60"]
    with subprocess.Popen(
        command,
        env=frozen_env(keyring_config),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as console:
        lines, returncode = run_with_customer(console, tech.password, live_server.url)
    report = "\n".join(lines)
    assert returncode == 0, report
    checked = [line for line in lines if re.match(r"ok   |FAIL |lens-desktop live check", line)]
    assert checked[0] == f"ok   sign-in: {tech.email} on {live_server.url}", report
    assert checked[2].startswith("ok   customer: waiting after "), report
    assert re.match(r"ok   video: \d+ frames painted, 640x360, first ", checked[3]), report
    assert checked[4:] == [
        "ok   end: session closed by technician",
        "lens-desktop live check: passed",
    ]
