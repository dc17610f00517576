"""Finding the console's bundled files (icons, sounds, translations) the same way from a
source checkout and from the PyInstaller bundle.

From source they live in the repository's ``resources/`` folder; in the frozen app
PyInstaller unpacks them under ``sys._MEIPASS`` (``_internal/`` next to the executable),
where lens_desktop.spec puts them in a ``resources/`` folder too. Code asks for
``resource_path("icons", "lens.svg")`` and never builds these paths itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

APP_ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
TRAY_ICON_SIZES = (16, 22, 24, 32, 48, 64)


def resources_root() -> Path:
    """The folder holding icons/, sounds/ and translations/."""
    bundle_dir = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle_dir is not None:
        return Path(bundle_dir) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """The path of a bundled file, e.g. ``resource_path("sounds", "new-session.wav")``.

    The file is not required to exist: the self-check uses this to report what is missing.
    """
    return resources_root().joinpath(*parts)


def new_session_sound_path() -> Path:
    """The chime played when a customer starts waiting (48 kHz 16-bit mono WAV)."""
    return resource_path("sounds", "new-session.wav")


def translations_dir() -> Path:
    """Where the compiled Qt translations (``lens_<locale>.qm``) live."""
    return resource_path("translations")


def app_icon() -> QIcon:
    """The window and taskbar icon: the SVG for any size plus pixel-exact PNG renders,
    so small sizes stay crisp where Qt would otherwise scale the SVG down."""
    return _icon("lens", APP_ICON_SIZES)


def tray_icon() -> QIcon:
    """The flat one-colour variant that reads on both light and dark panels."""
    return _icon("lens-tray", TRAY_ICON_SIZES)


def _icon(name: str, sizes: tuple[int, ...]) -> QIcon:
    from PySide6.QtGui import QIcon  # Qt only when an icon is wanted, not for paths

    icon = QIcon()
    for size in sizes:
        png = resource_path("icons", f"{name}-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    svg = resource_path("icons", f"{name}.svg")
    if svg.is_file():
        icon.addFile(str(svg))
    return icon
