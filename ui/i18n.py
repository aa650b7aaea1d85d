"""Screen languages: English in the source, Simplified Chinese from a Qt translation file.

Widgets call :func:`t` for every visible string and rebuild their texts in ``retranslate()``
when :func:`set_language` switches, so the language changes without a restart.

The Chinese strings live in Python dictionaries under ``ui/translations/`` (one per screen, so
people working on different screens do not edit the same file); ``scripts/translations.py``
turns them into ``kiosk_zh_CN.ts`` and compiles ``kiosk_zh_CN.qm`` with pyside6-lrelease.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTranslator

CONTEXT = "kiosk"
TRANSLATIONS = Path(__file__).with_name("translations")
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

_translator: QTranslator | None = None
_current = "en"


def t(text: str) -> str:
    """The current language's version of an English screen string."""
    return QCoreApplication.translate(CONTEXT, text)


def current_language() -> str:
    return _current


def set_language(lang: str) -> bool:
    """Install the translation for ``lang`` ("en" or "zh_CN"); widgets get a LanguageChange event."""
    global _translator, _current
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before choosing a language")
    if _translator is not None:
        app.removeTranslator(_translator)
        _translator = None
    _current = "en"
    if lang == "en":
        return True
    translator = QTranslator(app)
    if not translator.load(str(TRANSLATIONS / f"kiosk_{lang}.qm")):
        return False
    app.installTranslator(translator)
    _translator, _current = translator, lang
    return True
