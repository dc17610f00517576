"""The console's interface language: which one to show, and Qt's translators for it.

Every user-visible string in the console goes through ``translate(context, text)`` with a
fixed context per module (``self.tr`` in PySide6 subclasses resolves the context at run
time, which breaks for subclasses), and strings kept in module constants are marked with
``QT_TRANSLATE_NOOP`` and translated where they are shown. ``pyside6-lupdate`` extracts
both into ``resources/translations/lens_<lang>.ts`` (see ``update.sh`` there).

English is the source language: it needs no translator. For another language the
console installs its own ``lens_<lang>.qm`` and Qt's ``qtbase_<lang>.qm`` (standard
buttons such as Cancel), before any window exists; a language change therefore takes
effect at the next start.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QTranslator

from lens_desktop import resources

log = logging.getLogger(__name__)

SOURCE_LANGUAGE = "en"
SUPPORTED_LANGUAGES = ("en", "nl")

translate = QCoreApplication.translate
"""``translate("Context", "text")``: lupdate recognises calls by this name."""

_interface_language = SOURCE_LANGUAGE


def interface_language() -> str:
    """The language whose translators are installed (``"en"`` when none are): dialogs use
    it as the default for what they send in a language, such as the invitation email."""
    return _interface_language


def choose_language(setting: str, system_locale: str) -> str:
    """The language to show: the technician's choice when it is one we ship, otherwise
    the system's (``nl_NL``, ``nl-BE`` or ``nl`` -> ``"nl"``), otherwise English.

    ``setting`` is the stored value; "" means "System default".
    """
    if setting in SUPPORTED_LANGUAGES:
        return setting
    system = system_locale.replace("-", "_").split("_")[0].lower()
    return system if system in SUPPORTED_LANGUAGES else SOURCE_LANGUAGE


def load_translators(language: str, folder: Path | None = None) -> list[QTranslator]:
    """The console's and Qt's translators for ``language``; none for English.

    A missing file is logged, not fatal: the console then shows those strings in English.
    """
    if language == SOURCE_LANGUAGE:
        return []
    console_dir = folder if folder is not None else resources.translations_dir()
    qt_dir = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))
    translators = []
    for directory, name in ((console_dir, f"lens_{language}"), (qt_dir, f"qtbase_{language}")):
        translator = QTranslator()
        if translator.load(name, str(directory)):
            translators.append(translator)
        else:
            log.info("no %s.qm in %s: those texts stay in English", name, directory)
    return translators


def install_translators(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Installs ``language``'s translators into ``app`` and returns them: the caller keeps
    them alive (a collected QTranslator silently uninstalls) and may remove them again."""
    global _interface_language
    translators = load_translators(language)
    for translator in translators:
        app.installTranslator(translator)
    if translators:
        _interface_language = language
    return translators


def remove_translators(app: QCoreApplication, translators: list[QTranslator]) -> None:
    global _interface_language
    for translator in translators:
        app.removeTranslator(translator)
    _interface_language = SOURCE_LANGUAGE
