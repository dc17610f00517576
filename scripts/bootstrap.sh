# Sourced by scripts/demo and scripts/test: makes .venv with every Python package the
# project needs, and installs the Debian packages each script asks for (as root on
# Debian/Ubuntu; otherwise it prints the apt-get line and stops).
#
# LENS_VENV=/path/to/venv uses that ready venv as it is instead of .venv (nothing is
# installed into it; this checkout's code comes first on PYTHONPATH). The fresh-clone
# demo test uses it: a new venv would download and unpack ~1 GB of wheels.
set -euo pipefail
LENS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${LENS_VENV:-$LENS_ROOT/.venv}"

find_python() {
    # Python 3.12 first: PySide6 6.12 aborts on 3.11 (docs/decisions/0001).
    local candidate
    for candidate in python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
                     "$HOME"/.pyenv/versions/3.12*/bin/python3.12 python3.13 \
                     /root/.pyenv/versions/3.13*/bin/python3.13 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c \
            'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    echo "lens: no Python 3.11+ found; install python3.12 (or 3.11) and retry" >&2
    return 1
}

install_system_packages() {
    local wanted=("$@") missing=() pkg
    for pkg in "${wanted[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        echo "lens: missing system packages: ${missing[*]}" >&2
        echo "lens: install them with: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "lens: installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
}

install_console_libraries() {
    # The libraries Qt's X11 (xcb) platform plugin links to and this machine lacks, as
    # Debian packages: `ldd` of the installed plugin (lens_desktop/platform_libs.py).
    # Without them Qt aborts the console at start.
    local packages
    packages="$("$VENV/bin/python" -m lens_desktop.platform_libs)"
    [ -z "$packages" ] && return 0
    # shellcheck disable=SC2086  # one package per word
    install_system_packages $packages
}

ensure_venv() {
    if [ -n "${LENS_VENV:-}" ]; then
        [ -x "$VENV/bin/python" ] || { echo "lens: LENS_VENV=$VENV has no bin/python" >&2; return 1; }
        export PYTHONPATH="$LENS_ROOT${PYTHONPATH:+:$PYTHONPATH}"
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        local python
        python="$(find_python)"
        echo "lens: creating $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    local stamp="$VENV/.lens-installed" digest
    digest="$(sha256sum "$LENS_ROOT/pyproject.toml" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ]; then
        echo "lens: installing Python packages into $VENV"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e "$LENS_ROOT[dev]"
        echo "$digest" >"$stamp"
    fi
}
