"""A missing X library is named, with the apt-get line, instead of Qt aborting.

The machine that runs these tests has every library (scripts/test installs them), so
the tests make one go missing for real: a copy of Qt's own ``libqxcb.so`` whose
``libxcb-icccm.so.4`` dependency is renamed to a library that exists nowhere, placed
where Qt looks first (QT_QPA_PLATFORM_PLUGIN_PATH). Qt would load that copy, fail, and
abort the process (exit 134), as it did on a fresh Debian desktop without
``libxcb-icccm4``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QLibraryInfo

from lens_desktop import platform_libs

QT_PLUGINS = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath))
REAL_NAME = b"libxcb-icccm.so.4\0"
ABSENT_NAME = b"libxcb-lens0.so.4\0"  # same length: the ELF string table keeps its layout


@pytest.fixture
def broken_plugin_dir(tmp_path: Path) -> Path:
    """A platforms folder whose libqxcb.so needs a library no machine has."""
    platforms = tmp_path / "plugins" / "platforms"
    platforms.mkdir(parents=True)
    (tmp_path / "lib").symlink_to(QT_PLUGINS.parent / "lib")  # its RUNPATH: $ORIGIN/../../lib
    original = (QT_PLUGINS / "platforms" / "libqxcb.so").read_bytes()
    assert original.count(REAL_NAME) == 1
    (platforms / "libqxcb.so").write_bytes(original.replace(REAL_NAME, ABSENT_NAME))
    return platforms


def console_env(plugin_dir: Path, tmp_path: Path) -> dict[str, str]:
    """As on a desktop: an X display named, no platform forced."""
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(
        DISPLAY=":97",
        QT_QPA_PLATFORM_PLUGIN_PATH=str(plugin_dir),
        XDG_DATA_HOME=str(tmp_path / "data"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    return env


def test_self_check_names_the_missing_library_and_exits_cleanly(
    broken_plugin_dir: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lens_desktop.app", "--self-check"],
        env=console_env(broken_plugin_dir, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    first, *others = result.stdout.splitlines()
    assert first == (
        "FAIL Qt: Qt's X11 platform plugin (libqxcb.so) cannot load: missing "
        "libxcb-lens0.so.4. On Debian/Ubuntu install them with: "
        "sudo apt-get install libxcb-lens0-4"
    )
    assert others[-1].startswith("lens-desktop self-check: 13 run")  # the rest still ran
    assert "Aborted" not in result.stderr and "Traceback" not in result.stderr


def test_the_console_says_what_is_missing_instead_of_aborting(
    broken_plugin_dir: Path, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lens_desktop.app", "--demo"],
        env=console_env(broken_plugin_dir, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (3, "")
    assert result.stderr == (
        "lens-desktop: Qt's X11 platform plugin (libqxcb.so) cannot load: missing "
        "libxcb-lens0.so.4. On Debian/Ubuntu install them with: "
        "sudo apt-get install libxcb-lens0-4\n"
    )
    assert not (tmp_path / "data" / "lens-desktop").exists()  # no demo server was started


def test_the_set_up_scripts_get_the_packages_to_install(
    broken_plugin_dir: Path, tmp_path: Path
) -> None:
    """What scripts/bootstrap.sh feeds to apt-get: one package per line."""
    result = subprocess.run(
        [sys.executable, "-m", "lens_desktop.platform_libs"],
        env=console_env(broken_plugin_dir, tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout == "libxcb-lens0-4\n"
    assert platform_libs.find_missing() is None  # Qt's own plugin: scripts/test installed all


@pytest.mark.parametrize(
    ("soname", "package"),
    [
        ("libxcb-icccm.so.4", "libxcb-icccm4"),
        ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
        ("libxcb-cursor.so.0", "libxcb-cursor0"),
        ("libxcb-render-util.so.0", "libxcb-render-util0"),
        ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
        ("libX11-xcb.so.1", "libx11-xcb1"),
        ("libEGL.so.1", "libegl1"),
        ("libGL.so.1", "libgl1"),
        ("libdbus-1.so.3", "libdbus-1-3"),
        ("libfontconfig.so.1", "libfontconfig1"),
        ("libglib-2.0.so.0", "libglib2.0-0"),
        ("libgthread-2.0.so.0", "libglib2.0-0"),
    ],
)
def test_debian_package_names(soname: str, package: str) -> None:
    assert platform_libs.debian_package(soname) == package


def test_ldd_output_is_read_for_what_is_not_found() -> None:
    """As ldd printed it on the fresh machine of issue 16 (abridged)."""
    output = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        "\tlibQt6XcbQpa.so.6 => /opt/Qt/lib/libQt6XcbQpa.so.6 (0x00007f)\n"
        "\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f)\n"
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
    )
    missing = platform_libs.MissingLibraries(Path("libqxcb.so"), platform_libs.missing_in(output))
    assert missing.libraries == ("libxcb-icccm.so.4", "libxcb-keysyms.so.1")
    assert missing.packages == ["libxcb-icccm4", "libxcb-keysyms1"]
