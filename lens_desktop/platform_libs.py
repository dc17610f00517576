"""The system libraries Qt's xcb platform plugin needs, checked before Qt starts.

On Linux, Qt loads ``libqxcb.so`` when the first QApplication is made. If one of the
X libraries it links to is missing (a fresh Debian desktop lacks ``libxcb-icccm4`` and
``libxcb-keysyms1``), Qt prints a misleading hint about ``libxcb-cursor0`` and aborts
the process: no Python code can catch that. So the console, its self-check and
``scripts/demo`` ask ``ldd`` about the plugin first and name what is missing, with the
``apt-get`` line that installs it. ``python -m lens_desktop.platform_libs`` prints the
missing Debian packages, one per line, for the set-up scripts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)
SONAME = re.compile(r"^(lib.+)\.so\.(\d+)$")
PACKAGE_OF = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libgio-2.0.so.0": "libglib2.0-0",
    "libGLdispatch.so.0": "libglvnd0",
    "libgcc_s.so.1": "libgcc-s1",
    "libz.so.1": "zlib1g",
    "libbrotlidec.so.1": "libbrotli1",
    "libbrotlicommon.so.1": "libbrotli1",
}
"""Debian packages whose names do not follow the soname (libfoo.so.N -> libfooN)."""


@dataclass(frozen=True)
class MissingLibraries:
    """What ``ldd`` could not find for the xcb plugin, and how to get it on Debian."""

    plugin: Path
    libraries: tuple[str, ...]

    @property
    def packages(self) -> list[str]:
        return list(dict.fromkeys(debian_package(name) for name in self.libraries))

    def message(self) -> str:
        return (
            f"Qt's X11 platform plugin ({self.plugin.name}) cannot load: missing "
            f"{', '.join(self.libraries)}. On Debian/Ubuntu install them with: "
            f"sudo apt-get install {' '.join(self.packages)}"
        )


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships ``soname``, by Debian's library naming
    policy (libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 ->
    libxkbcommon-x11-0) with the few exceptions listed in PACKAGE_OF."""
    if soname in PACKAGE_OF:
        return PACKAGE_OF[soname]
    match = SONAME.match(soname)
    if match is None:
        return soname
    stem, version = match.group(1).lower(), match.group(2)
    return f"{stem}-{version}" if stem[-1].isdigit() else f"{stem}{version}"


def xcb_plugin() -> Path | None:
    """The ``libqxcb.so`` Qt would load: QT_QPA_PLATFORM_PLUGIN_PATH first (Qt tries that
    folder before its own), then the plugin folder PySide6 (or the bundle) ships."""
    from PySide6.QtCore import QLibraryInfo

    folders = [os.environ.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")]
    folders.append(str(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"))
    for folder in filter(None, folders):
        candidate = Path(folder) / "libqxcb.so"
        if candidate.is_file():
            return candidate
    return None


def missing_in(ldd_output: str) -> tuple[str, ...]:
    """The libraries ``ldd`` reported as ``not found``, each once, in its order."""
    return tuple(dict.fromkeys(NOT_FOUND.findall(ldd_output)))


def find_missing() -> MissingLibraries | None:
    """None when the xcb plugin's libraries are all there (or this is not Linux, or
    there is no ldd or no xcb plugin to ask about)."""
    if not sys.platform.startswith("linux"):
        return None
    plugin, ldd = xcb_plugin(), shutil.which("ldd")
    if plugin is None or ldd is None:
        return None
    result = subprocess.run(
        [ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False
    )
    libraries = missing_in(result.stdout)
    return MissingLibraries(plugin, libraries) if libraries else None


def xcb_in_use() -> bool:
    """Whether Qt is about to use the xcb plugin: Linux, an X display, and no other
    platform chosen (QT_QPA_PLATFORM) or preferred (a Wayland session)."""
    if not sys.platform.startswith("linux") or not os.environ.get("DISPLAY"):
        return False
    chosen = os.environ.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0] == "xcb"
    wayland = os.environ.get("WAYLAND_DISPLAY") and os.environ.get("XDG_SESSION_TYPE") == (
        "wayland"
    )
    return not wayland


def main() -> int:
    """Prints the Debian packages to install, one per line (nothing when none)."""
    missing = find_missing()
    for package in missing.packages if missing else []:
        print(package)
    return 0


if __name__ == "__main__":
    sys.exit(main())
