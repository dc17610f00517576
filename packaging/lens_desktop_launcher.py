"""The frozen console's entry point: PyInstaller needs a script, the package exposes
``lens_desktop.app:main`` (the same function the ``lens-desktop`` console script runs)."""

import sys

from lens_desktop.app import main

if __name__ == "__main__":
    sys.exit(main())
