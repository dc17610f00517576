#!/bin/sh
# Refreshes the console's translations after its texts changed:
#   1. pyside6-lupdate collects every translate("Context", "...") and QT_TRANSLATE_NOOP
#      text under lens_desktop/ into lens_<lang>.ts, keeping what is already translated
#      and dropping texts the code no longer has; new ones arrive as "unfinished".
#   2. Translate those in Qt Linguist (pyside6-linguist lens_nl.ts) or in the XML.
#   3. Run this again: pyside6-lrelease compiles each .ts into the .qm the console loads.
# Locations are left out of the .ts so that moving code does not touch it.
# tests/integration/test_console_translations.py fails while a text is missing, unfinished
# or the .qm is stale.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
bin=${PYSIDE6_BIN:-$repo/.venv/bin}
cd "$repo"
for ts in "$here"/lens_*.ts; do
    "$bin/pyside6-lupdate" -extensions py -no-obsolete -locations none lens_desktop -ts "$ts"
    "$bin/pyside6-lrelease" -silent "$ts" -qm "${ts%.ts}.qm"
done
