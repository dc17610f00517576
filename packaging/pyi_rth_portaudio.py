"""PyInstaller runtime hook: make sounddevice load the PortAudio library bundled next to
the app on Linux.

sounddevice finds PortAudio with ``ctypes.util.find_library("portaudio")``, which on
Linux asks ``ldconfig`` and so only sees the system's copy: on a machine without
libportaudio2 the console would lose audio although the bundle carries the library.
This hook answers that one lookup with the bundled file when it is there.
"""

import ctypes.util
import os
import sys

_BUNDLED = os.path.join(getattr(sys, "_MEIPASS", ""), "libportaudio.so.2")
_find_library = ctypes.util.find_library


def _find_library_preferring_bundle(name):
    if name == "portaudio" and os.path.isfile(_BUNDLED):
        return _BUNDLED
    return _find_library(name)


if sys.platform.startswith("linux"):
    ctypes.util.find_library = _find_library_preferring_bundle
