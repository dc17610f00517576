"""The shipped Dutch translation is complete and current: every text the console's code
marks for translation is in lens_nl.ts, translated, and the committed lens_nl.qm is what
pyside6-lrelease makes of that .ts today. Runs Qt's real tools on the real sources."""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QTranslator

REPO = Path(__file__).resolve().parents[2]
TRANSLATIONS = REPO / "resources" / "translations"
TOOLS = Path(sys.executable).parent
PLACEHOLDER = re.compile(r"\{[^}]*\}")

Key = tuple[str, str, str]
"""(context, source text, disambiguation comment): how Qt finds a translation."""


def messages(ts: Path) -> dict[Key, ET.Element]:
    root = ET.parse(ts).getroot()
    return {
        (context.findtext("name", ""), m.findtext("source", ""), m.findtext("comment", "")): m
        for context in root.iter("context")
        for m in context.iter("message")
    }


def extract_sources(folder: Path) -> dict[Key, ET.Element]:
    """What lupdate finds in lens_desktop/ right now, in a fresh .ts of its own."""
    fresh = folder / "fresh_nl.ts"
    subprocess.run(
        [
            *(TOOLS / "pyside6-lupdate", "-silent", "-extensions", "py"),
            *("-locations", "none", "lens_desktop", "-ts", fresh),
        ],
        cwd=REPO,
        check=True,
    )
    return messages(fresh)


def test_every_source_text_is_in_the_committed_ts(tmp_path: Path) -> None:
    in_code = extract_sources(tmp_path)
    committed = messages(TRANSLATIONS / "lens_nl.ts")
    assert len(in_code) > 100  # the whole console, not an empty scan
    assert sorted(set(in_code) - set(committed)) == [], "run resources/translations/update.sh"
    assert sorted(set(committed) - set(in_code)) == [], "texts the code no longer has"


def test_every_entry_is_translated_with_its_placeholders() -> None:
    for (context, source, _), message in messages(TRANSLATIONS / "lens_nl.ts").items():
        translation = message.find("translation")
        assert translation is not None, (context, source)
        assert translation.get("type") is None, (context, source, translation.get("type"))
        dutch = translation.text or ""
        assert dutch.strip(), (context, source)
        # .format() needs the same names, or the Dutch console raises KeyError
        assert sorted(PLACEHOLDER.findall(dutch)) == sorted(PLACEHOLDER.findall(source)), (
            context,
            source,
            dutch,
        )
        assert source.count("&") == dutch.count("&"), ("mnemonic", context, source, dutch)


def test_the_committed_qm_is_the_compiled_ts(tmp_path: Path) -> None:
    fresh = tmp_path / "lens_nl.qm"
    subprocess.run(
        [TOOLS / "pyside6-lrelease", "-silent", TRANSLATIONS / "lens_nl.ts", "-qm", fresh],
        check=True,
    )
    committed = TRANSLATIONS / "lens_nl.qm"
    assert committed.read_bytes() == fresh.read_bytes(), "run resources/translations/update.sh"
    translator = QTranslator()
    assert translator.load(str(committed))
    assert translator.translate("MainWindow", "&New Session…") == "&Nieuwe sessie…"


def test_the_update_script_changes_nothing_on_current_sources(tmp_path: Path) -> None:
    """update.sh is what the next engineer runs: on unchanged code it leaves the .ts and
    the .qm as committed. It runs on a copy, so a failure never rewrites the checkout."""
    copy = tmp_path / "resources" / "translations"
    copy.mkdir(parents=True)
    for path in TRANSLATIONS.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    (copy / "update.sh").chmod(0o755)
    (tmp_path / "lens_desktop").symlink_to(REPO / "lens_desktop")
    result = subprocess.run(
        [copy / "update.sh"],
        env={"PATH": "/usr/bin:/bin", "PYSIDE6_BIN": str(TOOLS)},
        capture_output=True,
        text=True,
        check=True,
    )
    for name in ("lens_nl.ts", "lens_nl.qm"):
        assert (copy / name).read_bytes() == (TRANSLATIONS / name).read_bytes(), (
            name,
            result.stdout + result.stderr,
        )
